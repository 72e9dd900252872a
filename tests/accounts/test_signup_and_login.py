"""Sign-up with a confirmed e-mail address, login, logout, password reset and change, and throttling."""

import importlib
import re

import pytest
from allauth.account.models import EmailAddress
from django.apps import apps
from django.conf import settings
from django.urls import reverse
from django.utils import translation

from accounts.models import User
from tests.factories import AdminFactory, UserFactory

PASSWORD = "correct-horse-battery"
NEW_PASSWORD = "kawasaki-river-2026"


def ja(msgid: str) -> str:
    """A portal string as Japanese visitors read it (English until `make messages` adds this branch's strings)."""
    with translation.override("ja"):
        return translation.gettext(msgid)


def _link(message, pattern: str) -> str:
    match = re.search(rf"https?://testserver(/accounts/{pattern}/\S+)", message.body)
    assert match, message.body
    return match.group(1)


def _signup(client, **overrides):
    data = {
        "email": "hanako@example.jp",
        "display_name": "川崎 花子",
        "password1": NEW_PASSWORD,
        "password2": NEW_PASSWORD,
    }
    data.update(overrides)
    return client.post(reverse("account_signup"), data)


def _login(client, email: str, password: str):
    return client.post(reverse("account_login"), {"login": email, "password": password})


@pytest.fixture
def client(client_for):
    return client_for(None)


@pytest.mark.django_db
class TestSignUp:
    def test_sign_up_sends_a_confirmation_mail_and_the_link_activates_the_account(self, client, mailoutbox):
        response = _signup(client)
        assert response.status_code == 302
        assert response["Location"] == reverse("account_email_verification_sent")
        user = User.objects.get(email="hanako@example.jp")
        assert user.display_name == "川崎 花子"
        assert user.check_password(NEW_PASSWORD)
        assert not EmailAddress.objects.get(user=user).verified
        assert "_auth_user_id" not in client.session  # not logged in before confirming

        assert len(mailoutbox) == 1
        message = mailoutbox[0]
        assert message.to == ["hanako@example.jp"]
        assert message.subject.startswith("[協働ポータル]")
        assert "協働ポータル" in message.body
        confirm_path = _link(message, "confirm-email")

        page = client.get(confirm_path)
        assert page.status_code == 200
        assert "メールアドレスの確認" in page.content.decode()
        response = client.post(confirm_path)
        assert response.status_code == 302
        assert EmailAddress.objects.get(user=user).verified

        response = _login(client, "hanako@example.jp", NEW_PASSWORD)
        assert response.status_code == 302
        assert response["Location"] == reverse("accounts:mypage")
        assert client.session["_auth_user_id"] == str(user.pk)

    def test_login_before_confirmation_is_refused_and_the_mail_is_sent_again(self, client, mailoutbox):
        _signup(client)
        mailoutbox.clear()
        response = _login(client, "hanako@example.jp", NEW_PASSWORD)
        assert response.status_code == 302
        assert response["Location"] == reverse("account_email_verification_sent")
        assert "_auth_user_id" not in client.session
        assert client.get(reverse("accounts:mypage")).status_code == 302

    def test_an_address_in_use_creates_no_second_account_and_tells_its_owner(self, client, mailoutbox):
        UserFactory(email="taken@example.jp")
        response = _signup(client, email="Taken@Example.jp")
        assert response.status_code == 302  # the same answer as for a new address: no enumeration
        assert User.objects.filter(email__iexact="taken@example.jp").count() == 1
        assert [message.to for message in mailoutbox] == [["taken@example.jp"]]

    @pytest.mark.parametrize(
        ("overrides", "field", "message"),
        [
            ({"email": "not-an-address"}, "email", "有効なメールアドレスを入力してください。"),
            ({"display_name": "　 "}, "display_name", "このフィールドは必須です。"),
            ({"password2": "something-else-2026"}, "password2", "同じパスワードを入力してください。"),
            ({"password1": "12345678", "password2": "12345678"}, "password1", "このパスワードは一般的すぎます。"),
            ({"email": "", "display_name": ""}, "email", "このフィールドは必須です。"),
        ],
    )
    def test_bad_input_is_answered_in_japanese_next_to_the_field(self, client, overrides, field, message):
        response = _signup(client, **overrides)
        assert response.status_code == 200
        assert message in response.context["form"].errors[field]
        html = response.content.decode()
        assert f'aria-describedby="id_{field}' in html
        assert f'id="id_{field}_error"' in html
        assert not User.objects.exists()

    def test_a_confirmation_link_that_is_wrong_says_so(self, client):
        response = client.get("/accounts/confirm-email/not-a-key/")
        assert response.status_code == 200
        assert "メールアドレス確認用のリンクが不正か、期限が切れています。" in response.content.decode()


@pytest.mark.django_db
class TestLoginAndLogout:
    def test_a_user_logs_in_with_the_address_in_any_case_and_out_again(self, client):
        user = UserFactory(email="taro@example.jp")
        response = client.post(
            reverse("account_login") + "?next=/partners/",
            {"login": "TARO@example.jp", "password": PASSWORD},
        )
        assert response.status_code == 302
        assert response["Location"] == "/partners/"
        assert client.session["_auth_user_id"] == str(user.pk)
        assert ja("My page") in client.get("/").content.decode()
        response = client.post(reverse("account_logout"))
        assert response.status_code == 302
        assert "_auth_user_id" not in client.session

    def test_a_wrong_password_is_refused_in_japanese(self, client):
        UserFactory(email="taro@example.jp")
        response = _login(client, "taro@example.jp", "wrong-password")
        assert response.status_code == 200
        assert "入力されたメールアドレスもしくはパスワードが正しくありません。" in response.content.decode()

    def test_failed_logins_are_throttled_per_address(self, client):
        UserFactory(email="taro@example.jp")
        for _attempt in range(5):
            assert _login(client, "taro@example.jp", "wrong-password").status_code == 200
        response = _login(client, "taro@example.jp", PASSWORD)
        assert response.status_code == 200
        assert ja("There were too many failed attempts to log in. Wait a few minutes, then try again.") in (
            response.content.decode()
        )
        assert "_auth_user_id" not in client.session
        # Another person's address is not locked by those failures.
        UserFactory(email="other@example.jp")
        assert _login(client, "other@example.jp", PASSWORD).status_code == 302

    def test_the_admin_login_keeps_working(self, client):
        AdminFactory(email="boss@example.jp")
        response = client.post(
            reverse("admin:login") + "?next=/admin/",
            {"username": "boss@example.jp", "password": PASSWORD},
        )
        assert response.status_code == 302
        assert client.get("/admin/").status_code == 200

    def test_anonymous_visitors_are_sent_to_allauths_login(self, client):
        response = client.get(reverse("accounts:mypage"))
        assert response["Location"] == f"{reverse('account_login')}?next={reverse('accounts:mypage')}"
        assert settings.LOGIN_URL == "account_login"

    def test_the_header_offers_sign_up_and_login(self, client):
        html = client.get("/").content.decode()
        assert f'href="{reverse("account_signup")}"' in html
        assert f'href="{reverse("account_login")}?next=/"' in html


@pytest.mark.django_db
class TestPasswords:
    def test_password_reset_by_mail(self, client, mailoutbox):
        user = UserFactory(email="taro@example.jp")
        response = client.post(reverse("account_reset_password"), {"email": "taro@example.jp"})
        assert response.status_code == 302
        assert len(mailoutbox) == 1
        reset_path = _link(mailoutbox[0], "password/reset/key")
        # allauth moves the key from the URL into the session and redirects to a key-less form.
        response = client.get(reset_path, follow=True)
        assert response.status_code == 200
        form_path = response.redirect_chain[-1][0] if response.redirect_chain else reset_path
        response = client.post(form_path, {"password1": NEW_PASSWORD, "password2": NEW_PASSWORD})
        assert response.status_code == 302
        user.refresh_from_db()
        assert user.check_password(NEW_PASSWORD)
        assert _login(client, "taro@example.jp", NEW_PASSWORD).status_code == 302

    def test_a_reset_for_an_unknown_address_reveals_nothing(self, client, mailoutbox):
        response = client.post(reverse("account_reset_password"), {"email": "nobody@example.jp"})
        assert response.status_code == 302
        assert response["Location"] == reverse("account_reset_password_done")

    def test_password_change(self, client_for):
        user = UserFactory()
        client = client_for(user)
        response = client.post(
            reverse("account_change_password"),
            {"oldpassword": PASSWORD, "password1": NEW_PASSWORD, "password2": NEW_PASSWORD},
        )
        assert response.status_code == 302
        user.refresh_from_db()
        assert user.check_password(NEW_PASSWORD)

    def test_password_change_with_a_wrong_current_password_is_refused_in_japanese(self, client_for):
        client = client_for(UserFactory())
        response = client.post(
            reverse("account_change_password"),
            {"oldpassword": "wrong", "password1": NEW_PASSWORD, "password2": NEW_PASSWORD},
        )
        assert response.status_code == 200
        assert response.context["form"].errors["oldpassword"] == ["現在のパスワードを入力してください。"]


@pytest.mark.django_db
@pytest.mark.parametrize(
    "name",
    [
        "account_login",
        "account_signup",
        "account_reset_password",
        "account_reset_password_done",
        "account_email_verification_sent",
    ],
)
def test_allauth_pages_use_the_portal_layout_in_japanese(client, name):
    response = client.get(reverse(name))
    assert response.status_code == 200
    html = response.content.decode()
    assert '<html lang="ja">' in html
    assert "vendor/bootstrap/bootstrap.min.css" in html
    assert html.count("<h1") == 1
    assert "協働ポータル</title>" in html


@pytest.mark.django_db
def test_a_user_added_in_the_admin_confirms_the_address_on_the_first_login(client, mailoutbox):
    UserFactory(email="added@example.jp", confirmed_email=False)
    response = _login(client, "added@example.jp", PASSWORD)
    assert response["Location"] == reverse("account_email_verification_sent")
    assert "_auth_user_id" not in client.session
    assert [message.to for message in mailoutbox] == [["added@example.jp"]]
    client.post(_link(mailoutbox[0], "confirm-email"))
    assert _login(client, "added@example.jp", PASSWORD)["Location"] == reverse("accounts:mypage")


@pytest.mark.django_db
def test_the_migration_confirms_the_addresses_of_users_from_before_sign_up():
    migration = importlib.import_module("accounts.migrations.0002_email_addresses_of_existing_users")
    old = UserFactory(email="Old@Example.jp", confirmed_email=False)
    UserFactory(email="new@example.jp")
    migration.confirm_existing_addresses(apps, None)
    address = EmailAddress.objects.get(user=old)
    assert (address.email, address.verified, address.primary) == ("old@example.jp", True, True)
    assert EmailAddress.objects.count() == 2
