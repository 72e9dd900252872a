"""Who may see a hidden organisation, manage its members and decide requests: roles × actions, by rule and by page."""

import pytest
import rules
from django.contrib.auth.models import AnonymousUser
from django.urls import reverse

from partners.models import Membership
from tests.factories import MembershipFactory, PartnerFactory, UserFactory

ROLES = ["anonymous", "other_user", "pending_member", "staff_member", "representative", "partner_editor", "admin"]

# What each role observes; "login" is a redirect to the login page.
#                        anonymous other  pending staff  represent. editor admin
EXPECTED = {
    "view_hidden_page": ["404", "404", "404", "200", "200", "200", "200"],
    "manage_members": ["login", "404", "404", "403", "200", "200", "200"],
    "approve": ["login", "404", "404", "403", "done", "done", "done"],
    "join_public": ["login", "200", "already", "already", "already", "200", "200"],
}
RULES = {
    "partners.view_partner_page": [False, False, False, True, True, True, True],
    "partners.manage_members": [False, False, False, False, True, True, True],
    "partners.act_for_organisation": [False, False, False, True, True, False, False],
}


@pytest.fixture
def scene(kawasaki, partner_editor, admin_user):
    """A newly registered (hidden) organisation and a public one, with a member of each kind in both."""
    hidden = PartnerFactory(name="登録したばかりの会", municipality=kawasaki, is_public=False)
    public = PartnerFactory(name="公開中の会", municipality=kawasaki)
    users = {
        "anonymous": None,
        "other_user": UserFactory(),
        "pending_member": UserFactory(),
        "staff_member": UserFactory(),
        "representative": UserFactory(),
        "partner_editor": partner_editor,
        "admin": admin_user,
    }
    for partner in (hidden, public):
        MembershipFactory(partner=partner, user=users["pending_member"], status=Membership.Status.PENDING)
        MembershipFactory(partner=partner, user=users["staff_member"])
        MembershipFactory(partner=partner, user=users["representative"], role=Membership.Role.REPRESENTATIVE)
    return {"hidden": hidden, "public": public, "users": users}


def _observe(client, action: str, scene) -> str:
    hidden = scene["hidden"]
    if action == "view_hidden_page":
        return str(client.get(hidden.get_absolute_url()).status_code)
    if action == "manage_members":
        response = client.get(reverse("partners:members", args=[hidden.pk]))
    elif action == "approve":
        request = MembershipFactory(partner=hidden, status=Membership.Status.PENDING)
        response = client.post(reverse("partners:membership_approve", args=[hidden.pk, request.pk]))
        request.refresh_from_db()
        if response.status_code == 302 and request.is_active:
            return "done"
        assert not request.is_active
    else:
        public = scene["public"]
        response = client.get(reverse("partners:join", args=[public.pk]))
        if response.status_code == 302 and response["Location"] == public.get_absolute_url():
            return "already"
    if response.status_code == 302 and response["Location"].startswith(reverse("account_login")):
        return "login"
    return str(response.status_code)


@pytest.mark.django_db
@pytest.mark.parametrize("action", EXPECTED)
@pytest.mark.parametrize("role", ROLES)
def test_pages_follow_the_matrix(scene, client_for, role, action):
    client = client_for(scene["users"][role])
    assert _observe(client, action, scene) == EXPECTED[action][ROLES.index(role)]


@pytest.mark.django_db
@pytest.mark.parametrize("rule", RULES)
@pytest.mark.parametrize("role", ROLES)
def test_rules_follow_the_matrix(scene, role, rule):
    user = scene["users"][role] or AnonymousUser()
    assert rules.test_rule(rule, user, scene["hidden"]) is RULES[rule][ROLES.index(role)]


@pytest.mark.django_db
def test_a_representative_of_one_organisation_does_not_manage_another(scene, client_for, kawasaki):
    other = PartnerFactory(municipality=kawasaki)
    request = MembershipFactory(partner=other, status=Membership.Status.PENDING)
    client = client_for(scene["users"]["representative"])
    assert client.get(reverse("partners:members", args=[other.pk])).status_code == 403
    # A request of another organisation, reached through the representative's own organisation's URL.
    url = reverse("partners:membership_approve", args=[scene["hidden"].pk, request.pk])
    assert client.post(url).status_code == 404
    request.refresh_from_db()
    assert request.status == "pending"


@pytest.mark.django_db
def test_the_hidden_organisation_stays_out_of_the_directory_for_its_members(scene, client_for):
    client = client_for(scene["users"]["representative"])
    assert "登録したばかりの会" not in client.get(reverse("partners:list")).content.decode()
    assert "公開中の会" in client.get(reverse("partners:list")).content.decode()
