"""Fixtures for the partner tests (the city structure and reference data are in tests/conftest.py)."""

import pytest

from partners.models import Municipality
from tests.factories import StaffFactory


@pytest.fixture
def higashikurume(reference_data) -> Municipality:
    return Municipality.objects.get(code="132225")


@pytest.fixture
def staff_without_perms(db):
    return StaffFactory()


@pytest.fixture
def partner_form_data(kawasaki, partner_types):
    """POST data for PartnerForm: a public civic group of Kawasaki, with overrides."""

    def make(**overrides) -> dict:
        data = {
            "name": "かわさき里山の会",
            "partner_type": partner_types["civic_group"].pk,
            "municipality": kawasaki.pk,
            "is_public": "on",
        }
        data.update(overrides)
        return data

    return make
