"""Fixtures shared by the whole suite."""

import pytest
from django.test import Client

from kyodo_portal.fixtures import REFERENCE_FIXTURES, fixtures_load_missing
from tests.factories import AdminFactory, PartnerEditorFactory, UserFactory


@pytest.fixture(autouse=True)
def _media_root(settings, tmp_path):
    """Uploaded files of a test go to its own temporary folder."""
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture(autouse=True)
def _plain_static_storage(settings):
    """Pages render without a collectstatic run; test_deploy checks the production manifest."""
    settings.STORAGES = {
        **settings.STORAGES,
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    }


@pytest.fixture(autouse=True)
def _japanese(settings):
    settings.LANGUAGE_CODE = "ja"


@pytest.fixture
def reference_data(db):
    """The real reference data and city structure (partner types, the 20 fields, Kawasaki's wards)."""
    fixtures_load_missing(names=REFERENCE_FIXTURES)


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
