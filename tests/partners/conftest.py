"""Fixtures for the partner tests: the real city structure and reference data, and form input."""

import pytest

from partners.models import ActivityField, Municipality, PartnerType, Ward
from tests.factories import StaffFactory


@pytest.fixture(autouse=True)
def _fast_password_hashing(settings):
    """Users are made by the dozen here; PBKDF2's deliberate slowness is not under test."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture
def kawasaki(reference_data) -> Municipality:
    return Municipality.objects.get(code="141305")


@pytest.fixture
def higashikurume(reference_data) -> Municipality:
    return Municipality.objects.get(code="132225")


@pytest.fixture
def kawasaki_wards(kawasaki) -> dict[str, Ward]:
    return {ward.name: ward for ward in kawasaki.wards.all()}


@pytest.fixture
def partner_types(reference_data) -> dict[str, PartnerType]:
    return {partner_type.code: partner_type for partner_type in PartnerType.objects.all()}


@pytest.fixture
def activity_fields(reference_data) -> dict[str, ActivityField]:
    return {activity_field.name: activity_field for activity_field in ActivityField.objects.all()}


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
