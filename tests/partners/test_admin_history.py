"""Edits made in the admin are kept as history: who changed what, when, visible on the record."""

from django.urls import reverse

from partners.models import Partner


def test_admin_edit_is_recorded_with_author_and_change(client_for, admin_user, partner_form_data, kawasaki_wards):
    client = client_for(admin_user)
    response = client.post(reverse("admin:partners_partner_add"), partner_form_data(name="里山の会"))
    assert response.status_code == 302, response.content.decode()[:2000]
    partner = Partner.objects.get(name="里山の会")

    response = client.post(
        reverse("admin:partners_partner_change", args=[partner.pk]),
        partner_form_data(name="かわさき里山の会", wards=[kawasaki_wards["麻生区"].pk]),
    )
    assert response.status_code == 302

    records = list(partner.history.order_by("history_date"))
    assert [record.history_type for record in records] == ["+", "~"]
    assert {record.history_user for record in records} == {admin_user}
    assert records[-1].name == "かわさき里山の会"
    changed = {change.field for change in records[-1].diff_against(records[0]).changes}
    assert {"name", "wards"} <= changed

    page = client.get(reverse("admin:partners_partner_history", args=[partner.pk])).content.decode()
    assert "里山の会" in page and "かわさき里山の会" in page
    assert admin_user.email in page or str(admin_user) in page
    assert "管理画面で編集" in page  # the change reason


def test_partner_editor_can_edit_but_not_delete(client_for, partner_editor, partner_form_data):
    client = client_for(partner_editor)
    response = client.post(reverse("admin:partners_partner_add"), partner_form_data(name="編集者の会"))
    assert response.status_code == 302
    partner = Partner.objects.get(name="編集者の会")
    assert client.get(reverse("admin:partners_partner_delete", args=[partner.pk])).status_code == 403
