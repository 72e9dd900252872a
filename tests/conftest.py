"""Fixtures shared by the whole suite."""

import os

import pytest
from django.core.cache import cache
from django.test import Client

from kyodo_portal import pdf
from kyodo_portal.fixtures import REFERENCE_FIXTURES, fixtures_load_missing
from partners.models import ActivityField, Department, Municipality, PartnerType, Ward
from projects.models import Scheme
from tests.factories import AdminFactory, PartnerEditorFactory, StaffAssignmentFactory, UserFactory


@pytest.fixture(autouse=True)
def _media_root(settings, tmp_path):
    """Uploaded files of a test go to its own temporary folder."""
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.PRIVATE_MEDIA_ROOT = tmp_path / "private_media"


@pytest.fixture(autouse=True)
def _plain_static_storage(settings):
    """Pages render without a collectstatic run; test_deploy checks the production manifest."""
    settings.STORAGES = {
        **settings.STORAGES,
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    }


@pytest.fixture(autouse=True)
def _empty_cache():
    """allauth counts login failures and other rate-limited actions in the cache: none leak between tests."""
    cache.clear()
    yield
    cache.clear()


@pytest.fixture(autouse=True)
def _japanese(settings):
    settings.LANGUAGE_CODE = "ja"


@pytest.fixture
def reference_data(db):
    """The real reference data and city structure (partner types, the 20 fields, Kawasaki's wards)."""
    fixtures_load_missing(names=REFERENCE_FIXTURES)


@pytest.fixture(autouse=True)
def _fast_password_hashing(settings):
    """Users are made by the dozen here; PBKDF2's deliberate slowness is not under test."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture
def kawasaki(reference_data) -> Municipality:
    return Municipality.objects.get(code="141305")


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
def citizen(db):
    return UserFactory()


@pytest.fixture
def admin_user(db):
    return AdminFactory()


@pytest.fixture
def partner_editor(db):
    return PartnerEditorFactory()


@pytest.fixture
def client_for():
    """A logged-in client for a user (or an anonymous one for None)."""

    def make(user) -> Client:
        client = Client(HTTP_ACCEPT_LANGUAGE="ja")
        if user is not None:
            client.force_login(user)
        return client

    return make


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
def pdf_fonts():
    """The PDF tests need Debian's IPAex fonts: skipped without them, failed under CI (bin/ensure-fonts)."""
    try:
        return pdf.pdf_fonts()
    except pdf.PdfUnavailable:
        if os.environ.get("CI") == "true":
            pytest.fail("The IPAex fonts are missing; bin/ensure-fonts installs them under CI")
        pytest.skip("The IPAex fonts are not installed (bin/ensure-fonts)")
