"""Who may see and do what with partner records: a matrix of roles × actions, and private contact data."""

import pytest
import rules
from django.contrib.auth.models import AnonymousUser
from django.urls import reverse

from partners.models import Partner
from tests.factories import AdminFactory, PartnerFactory

ROLES = ["anonymous", "citizen", "staff_without_perms", "partner_editor", "admin"]
ROLE_FIXTURES = {
    "citizen": "citizen",
    "staff_without_perms": "staff_without_perms",
    "partner_editor": "partner_editor",
    "admin": "admin_user",
}

PRIVATE_VALUES = {
    "representative_name": "秘密代表者名",
    "private_email": "secret-contact@example.jp",
    "private_phone": "090-0000-1234",
    "private_address": "秘密県秘密市秘密町1-2-3",
}


@pytest.fixture
def user_for(request):
    def get(role: str):
        return None if role == "anonymous" else request.getfixturevalue(ROLE_FIXTURES[role])

    return get


@pytest.fixture
def public_partner(kawasaki):
    return PartnerFactory(name="公開されている会", municipality=kawasaki, **PRIVATE_VALUES)


@pytest.fixture
def hidden_partner(kawasaki):
    return PartnerFactory(name="奥山の隠れ家", municipality=kawasaki, is_public=False, **PRIVATE_VALUES)


def _login_redirect(response) -> bool:
    return response.status_code == 302 and response["Location"].startswith(reverse("admin:login"))


# Each action returns what the role observes; the table says what each role must observe.
def _directory_lists_hidden(client, public_partner, hidden_partner):
    return hidden_partner.name in client.get(reverse("partners:list")).content.decode()


def _detail_of_public(client, public_partner, hidden_partner):
    return client.get(public_partner.get_absolute_url()).status_code


def _detail_of_hidden(client, public_partner, hidden_partner):
    return client.get(hidden_partner.get_absolute_url()).status_code


def _private_contact_on_detail(client, public_partner, hidden_partner):
    html = client.get(public_partner.get_absolute_url()).content.decode()
    shown = [value in html for value in PRIVATE_VALUES.values()]
    assert all(shown) or not any(shown), "private contact values are shown all together or not at all"
    return all(shown)


def _admin_changelist(client, public_partner, hidden_partner):
    response = client.get(reverse("admin:partners_partner_changelist"))
    return "login" if _login_redirect(response) else response.status_code


def _admin_import_get(client, public_partner, hidden_partner):
    response = client.get(reverse("admin:partners_partner_import"))
    return "login" if _login_redirect(response) else response.status_code


def _admin_export(client, public_partner, hidden_partner):
    response = client.get(reverse("admin:partners_partner_export"))
    if _login_redirect(response):
        return "login"
    if response.status_code == 200:
        assert response["Content-Type"].startswith("text/csv")
    return response.status_code


def _verify_action(client, public_partner, hidden_partner):
    response = client.post(
        reverse("admin:partners_partner_changelist"),
        {"action": "verify_selected", "_selected_action": [public_partner.pk, hidden_partner.pk]},
    )
    verified = Partner.objects.filter(verified_at__isnull=False).count()
    if _login_redirect(response):
        return ("login", verified)
    return (response.status_code, verified)


MATRIX = {
    # action: expected per role, in the order of ROLES
    _directory_lists_hidden: [False, False, False, True, True],
    _detail_of_public: [200, 200, 200, 200, 200],
    _detail_of_hidden: [404, 404, 404, 200, 200],
    _private_contact_on_detail: [False, False, False, True, True],
    _admin_changelist: ["login", "login", 403, 200, 200],
    _admin_import_get: ["login", "login", 403, 200, 200],
    _admin_export: ["login", "login", 403, 200, 200],
    _verify_action: [("login", 0), ("login", 0), (403, 0), (302, 2), (302, 2)],
}


@pytest.mark.parametrize(
    ("role", "action", "expected"),
    [
        pytest.param(role, action, outcomes[index], id=f"{role}-{action.__name__.lstrip('_')}")
        for action, outcomes in MATRIX.items()
        for index, role in enumerate(ROLES)
    ],
)
def test_role_action_matrix(client_for, user_for, public_partner, hidden_partner, role, action, expected):
    client = client_for(user_for(role))
    assert action(client, public_partner, hidden_partner) == expected


# --- the rules themselves --------------------------------------------------------------------------

RULES = {
    "partners.view_private_contact": [False, False, False, True, True],
    "partners.verify_partner": [False, False, False, True, True],
    "partners.import_partners": [False, False, False, True, True],
    "partners.export_partners": [False, False, False, True, True],
}


@pytest.mark.parametrize("rule", list(RULES))
@pytest.mark.parametrize("role", ROLES)
def test_rules_per_role(user_for, role, rule):
    user = user_for(role) or AnonymousUser()
    assert rules.test_rule(rule, user) is RULES[rule][ROLES.index(role)]


@pytest.mark.parametrize("role", ROLES)
def test_partner_page_rule(user_for, public_partner, hidden_partner, role):
    user = user_for(role) or AnonymousUser()
    manager = role in {"partner_editor", "admin"}
    assert rules.test_rule("partners.view_partner_page", user, public_partner) is True
    assert rules.test_rule("partners.view_partner_page", user, hidden_partner) is manager


def test_inactive_administrator_has_no_partner_rights(db, hidden_partner):
    former = AdminFactory(is_active=False)
    assert rules.test_rule("partners.view_private_contact", former) is False
    assert rules.test_rule("partners.view_partner_page", former, hidden_partner) is False


# --- private contact values never leak -------------------------------------------------------------


@pytest.mark.parametrize("role", ["anonymous", "citizen", "staff_without_perms"])
def test_private_contact_is_absent_from_public_pages(client_for, user_for, public_partner, role):
    client = client_for(user_for(role))
    for url in (reverse("partners:list"), public_partner.get_absolute_url(), reverse("home")):
        html = client.get(url).content.decode()
        for value in PRIVATE_VALUES.values():
            assert value not in html, (url, value)


@pytest.mark.parametrize("role", ROLES)
def test_private_contact_is_never_on_the_directory_page(client_for, user_for, public_partner, hidden_partner, role):
    html = client_for(user_for(role)).get(reverse("partners:list")).content.decode()
    assert public_partner.name in html
    for value in PRIVATE_VALUES.values():
        assert value not in html


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("field", list(PRIVATE_VALUES))
def test_private_contact_is_not_searchable(client_for, user_for, public_partner, hidden_partner, role, field):
    response = client_for(user_for(role)).get(reverse("partners:list"), {"q": PRIVATE_VALUES[field]})
    assert response.context["page"].paginator.count == 0


def test_public_contact_is_shown_to_everyone(client_for, kawasaki):
    partner = PartnerFactory(municipality=kawasaki, public_email="hello@example.jp", public_phone="044-111-2222")
    html = client_for(None).get(partner.get_absolute_url()).content.decode()
    assert "hello@example.jp" in html
    assert "044-111-2222" in html


def test_detail_for_managers_links_to_the_admin(client_for, partner_editor, public_partner):
    html = client_for(partner_editor).get(public_partner.get_absolute_url()).content.decode()
    assert reverse("admin:partners_partner_change", args=[public_partner.pk]) in html


def test_verify_action_reports_an_incomplete_record_and_verifies_the_rest(
    client_for, admin_user, kawasaki, partner_types
):
    complete = PartnerFactory(municipality=kawasaki)
    incomplete = PartnerFactory(municipality=kawasaki, partner_type=partner_types["npo"], corporate_number="")
    response = client_for(admin_user).post(
        reverse("admin:partners_partner_changelist"),
        {"action": "verify_selected", "_selected_action": [complete.pk, incomplete.pk]},
        follow=True,
    )
    assert response.status_code == 200
    levels = sorted(message.level_tag for message in response.context["messages"])
    assert levels == ["error", "success"]
    assert Partner.objects.get(pk=complete.pk).is_verified
    assert not Partner.objects.get(pk=incomplete.pk).is_verified


def test_unverify_action(client_for, partner_editor, admin_user, kawasaki):
    from partners.services import partner_verify

    partner = partner_verify(partner=PartnerFactory(municipality=kawasaki), user=admin_user)
    response = client_for(partner_editor).post(
        reverse("admin:partners_partner_changelist"),
        {"action": "unverify_selected", "_selected_action": [partner.pk]},
    )
    assert response.status_code == 302
    assert not Partner.objects.get(pk=partner.pk).is_verified
