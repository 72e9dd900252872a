"""The demo accounts log in through allauth; rate-limited actions answer with the portal's 429 page."""

import io

import pytest
from allauth.account.models import EmailAddress
from django.core.management import call_command
from django.urls import reverse
from django.utils import translation

from accounts.models import User
from accounts.services import DEMO_ACCOUNTS, DEMO_EMAIL_DOMAIN, demo_accounts_ensure
from partners.models import Membership
from tests.factories import UserFactory


def ja(msgid: str) -> str:
    with translation.override("ja"):
        return translation.gettext(msgid)


@pytest.mark.django_db
def test_every_demo_account_logs_in_with_the_readme_password(settings, client_for):
    settings.DEMO_ACCOUNTS_ALLOWED = True
    call_command("load_portal_data", "--demo", stdout=io.StringIO())
    for account in DEMO_ACCOUNTS:
        client = client_for(None)
        response = client.post(reverse("account_login"), {"login": account.email, "password": account.password})
        assert response.status_code == 302, account.email
        assert response["Location"] == reverse("accounts:mypage"), account.email
        assert client.session["_auth_user_id"] == str(User.objects.get(email=account.email).pk)


@pytest.mark.django_db
def test_the_demo_npo_member_represents_the_demo_npo(settings, client_for):
    settings.DEMO_ACCOUNTS_ALLOWED = True
    call_command("load_portal_data", "--demo", stdout=io.StringIO())
    user = User.objects.get(email=f"npo-member{DEMO_EMAIL_DOMAIN}")
    membership = Membership.objects.get(user=user)
    assert membership.partner.name == "NPO法人かわさき創造プロジェクト"
    assert membership.is_representative
    page = client_for(user).get(reverse("accounts:mypage")).content.decode()
    assert "NPO法人かわさき創造プロジェクト" in page
    assert reverse("partners:members", args=[membership.partner_id]) in page
    # A second run changes nothing.
    call_command("load_portal_data", "--demo", stdout=io.StringIO())
    assert Membership.objects.filter(user=user).count() == 1


@pytest.mark.django_db
def test_demo_accounts_made_before_the_sign_up_get_a_confirmed_address(settings):
    settings.DEMO_ACCOUNTS_ALLOWED = True
    UserFactory(email=f"citizen{DEMO_EMAIL_DOMAIN}", confirmed_email=False)
    demo_accounts_ensure()
    for account in DEMO_ACCOUNTS:
        address = EmailAddress.objects.get(email=account.email)
        assert address.verified and address.primary


@pytest.mark.django_db
def test_too_many_password_resets_get_the_portals_429_page(settings, client):
    settings.ACCOUNT_RATE_LIMITS = {"reset_password": "2/m/ip"}
    for _attempt in range(2):
        assert client.post(reverse("account_reset_password"), {"email": "a@example.jp"}).status_code == 302
    response = client.post(reverse("account_reset_password"), {"email": "a@example.jp"})
    assert response.status_code == 429
    html = response.content.decode()
    assert ja("Too many attempts") in html
    assert '<html lang="ja">' in html
    assert html.count("<h1") == 1


@pytest.mark.django_db
def test_the_cache_is_empty_at_the_start_of_each_test(settings, client):
    """The autouse fixture clears allauth's counters: the previous test's resets do not count here."""
    settings.ACCOUNT_RATE_LIMITS = {"reset_password": "2/m/ip"}
    for _attempt in range(2):
        assert client.post(reverse("account_reset_password"), {"email": "a@example.jp"}).status_code == 302
