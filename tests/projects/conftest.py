"""Fixtures for the project tests: the real city structure and reference data, officers, and a project's form input."""

import pytest

from partners.models import Department
from projects.models import CollaborationForm, Scheme
from tests.factories import StaffAssignmentFactory, StaffFactory, UserFactory


@pytest.fixture
def collaboration_forms(reference_data) -> dict[str, CollaborationForm]:
    return {form.code: form for form in CollaborationForm.objects.all()}


@pytest.fixture
def schemes(reference_data) -> dict[str, Scheme]:
    return {scheme.code: scheme for scheme in Scheme.objects.all()}


@pytest.fixture
def departments(kawasaki) -> dict[str, Department]:
    """Kawasaki's departments by name, a section under its parent's name ("中原区役所 生涯学習支援課"):
    two ward offices each have a 生涯学習支援課."""
    return {
        f"{department.parent.name} {department.name}" if department.parent_id else department.name: department
        for department in Department.objects.filter(municipality=kawasaki).select_related("parent")
    }


@pytest.fixture
def officer_of():
    """A user (not staff of the admin site) assigned to a department, like the README's demo officers."""

    def make(department: Department, **user_fields):
        assignment = StaffAssignmentFactory(department=department, user=UserFactory(**user_fields))
        return assignment.user

    return make


@pytest.fixture
def nakahara_officer(departments, officer_of):
    """Works for 中原区役所, so also for its sections such as 生涯学習支援課."""
    return officer_of(departments["中原区役所"], display_name="中原区役所の職員")


@pytest.fixture
def kankyo_officer(departments, officer_of):
    """Works for 環境局 (a bureau), so also for 減量推進課 below it."""
    return officer_of(departments["環境局"], display_name="環境局の職員")


@pytest.fixture
def staff_without_assignment(db):
    """May log in to the admin site, but has no project permission and works for no department."""
    return StaffFactory()
