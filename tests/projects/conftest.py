"""Fixtures for the project tests: the real city structure and reference data, officers, and a project's form input."""

import pytest

from projects.models import CollaborationForm
from tests.factories import StaffFactory


@pytest.fixture
def collaboration_forms(reference_data) -> dict[str, CollaborationForm]:
    return {form.code: form for form in CollaborationForm.objects.all()}


@pytest.fixture
def staff_without_assignment(db):
    """May log in to the admin site, but has no project permission and works for no department."""
    return StaffFactory()
