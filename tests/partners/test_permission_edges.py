"""Permission edges beyond the role matrix: partial staff permissions, and bad admin input."""

import pytest
from django.contrib.auth.models import Permission
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from partners.models import Partner
from tests.factories import PartnerFactory, StaffFactory


def _staff_with(*codenames):
    user = StaffFactory()
    user.user_permissions.add(*Permission.objects.filter(content_type__app_label="partners", codename__in=codenames))
    return user


def _upload(text: str) -> SimpleUploadedFile:
    return SimpleUploadedFile("partners.csv", text.encode("utf-8-sig"), content_type="text/csv")


@pytest.fixture
def updater(db):
    """Staff who may view and change partner records but not add them."""
    return _staff_with("view_partner", "change_partner")


@pytest.fixture
def viewer(db):
    return _staff_with("view_partner")


def test_import_without_add_permission_creates_nothing(client_for, updater, kawasaki):
    response = client_for(updater).post(
        reverse("admin:partners_partner_import"),
        {"file": _upload("団体名,種別,自治体コード\r\n新しい会,civic_group,141305\r\n")},
    )
    assert response.status_code == 200
    assert [number for number, _message in response.context["outcome"].errors] == [2]
    assert not Partner.objects.exists()


def test_import_without_add_permission_may_update(client_for, updater, kawasaki):
    partner = PartnerFactory(municipality=kawasaki, name="古い名前の会")
    response = client_for(updater).post(
        reverse("admin:partners_partner_import"),
        {"file": _upload(f"ID,団体名,種別,自治体コード\r\n{partner.pk},新しい名前の会,civic_group,141305\r\n")},
    )
    assert response.status_code == 302
    partner.refresh_from_db()
    assert partner.name == "新しい名前の会"


def test_view_only_staff_are_offered_no_action_or_link_they_cannot_use(client_for, viewer, kawasaki):
    PartnerFactory(municipality=kawasaki)
    response = client_for(viewer).get(reverse("admin:partners_partner_changelist"))
    assert response.status_code == 200
    html = response.content.decode()
    assert reverse("admin:partners_partner_import") not in html
    assert reverse("admin:partners_partner_export") not in html
    assert "verify_selected" not in html
    assert client_for(viewer).get(reverse("admin:partners_partner_import")).status_code == 403


def test_editor_is_offered_the_actions_and_links(client_for, partner_editor, kawasaki):
    PartnerFactory(municipality=kawasaki)
    html = client_for(partner_editor).get(reverse("admin:partners_partner_changelist")).content.decode()
    assert reverse("admin:partners_partner_import") in html
    assert "verify_selected" in html


@pytest.mark.parametrize("query", ["municipality__id__exact=abc", "bogus=1", "partner_type__id__exact=1.5", "o=zz"])
def test_export_with_invalid_filters_goes_back_to_the_list_not_an_error(client_for, admin_user, query):
    response = client_for(admin_user).get(f"{reverse('admin:partners_partner_export')}?{query}")
    assert response.status_code in (200, 302)
    if response.status_code == 302:
        assert response["Location"].endswith("?e=1")


@pytest.mark.parametrize("value", ["9223372036854775808", "99999999999999999999999", "0", "-3"])
def test_import_id_out_of_range_is_a_row_error(client_for, admin_user, kawasaki, value):
    response = client_for(admin_user).post(
        reverse("admin:partners_partner_import"),
        {"file": _upload(f"ID,団体名,種別,自治体コード\r\n{value},会,civic_group,141305\r\n")},
    )
    assert response.status_code == 200
    assert [number for number, _message in response.context["outcome"].errors] == [2]
