"""The organisation, join and members pages and My page: what they show, bad input, and their query counts."""

import pytest
from django.urls import reverse
from django.utils import translation

from partners.models import Membership, Municipality, Partner
from tests.factories import MembershipFactory, PartnerFactory, UserFactory


def ja(msgid: str) -> str:
    """A portal string as Japanese visitors read it (English until `make messages` adds this branch's strings)."""
    with translation.override("ja"):
        return translation.gettext(msgid)


def _messages(response) -> list[str]:
    return [str(message) for message in response.context["messages"]] if response.context else []


@pytest.fixture
def organisation(kawasaki):
    partner = PartnerFactory(name="多摩川の清掃を進める会", municipality=kawasaki)
    MembershipFactory(partner=partner, role=Membership.Role.REPRESENTATIVE, user=UserFactory(email="rep@example.jp"))
    return partner


@pytest.fixture
def representative(organisation):
    return organisation.memberships.get(role=Membership.Role.REPRESENTATIVE).user


# --- registering an organisation -------------------------------------------------------------------


@pytest.mark.django_db
def test_registering_an_organisation_through_the_page(
    client_for, kawasaki, partner_types, kawasaki_wards, admin_user, mailoutbox, django_capture_on_commit_callbacks
):
    user = UserFactory()
    client = client_for(user)
    page = client.get(reverse("partners:organisation_create"))
    assert page.status_code == 200
    html = page.content.decode()
    assert 'autocomplete="email"' in html
    # The page's form, the header's logout and language forms: crispy adds no second token inside the form.
    assert html.count('name="csrfmiddlewaretoken"') == 3
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            reverse("partners:organisation_create"),
            {
                "name": "中原こども食堂ネット",
                "partner_type": partner_types["civic_group"].pk,
                "municipality": kawasaki.pk,
                "wards": [kawasaki_wards["中原区"].pk],
                "description": "こども食堂をつなぎます。",
            },
        )
    partner = Partner.objects.get(name="中原こども食堂ネット")
    assert response.status_code == 302
    assert response["Location"] == partner.get_absolute_url()
    assert [message.to for message in mailoutbox] == [[admin_user.email]]
    detail = client.get(partner.get_absolute_url())
    assert detail.status_code == 200
    hidden_notice = (
        "This organisation is not in the public directory yet: the city checks newly registered organisations "
        "before publishing them. Only its members and the city's staff see this page."
    )
    assert ja(hidden_notice) in detail.content.decode().replace("&#x27;", "'")
    # A second submission of the same form goes to the organisation already registered.
    again = client.post(
        reverse("partners:organisation_create"),
        {"name": "中原こども食堂ネット", "partner_type": partner_types["civic_group"].pk, "municipality": kawasaki.pk},
    )
    assert again.status_code == 302
    assert again["Location"] == partner.get_absolute_url()
    assert Partner.objects.filter(name="中原こども食堂ネット").count() == 1


@pytest.mark.django_db
def test_bad_organisation_input_is_answered_next_to_the_fields_never_with_a_500(client_for, kawasaki, partner_types):
    client = client_for(UserFactory())
    response = client.post(
        reverse("partners:organisation_create"),
        {
            "name": "",
            "partner_type": "999999",
            "municipality": "abc",
            "wards": ["x"],
            "fields": ["99999999999999999999"],
            "corporate_number": "１２３",
            "website": "not a url at all",
            "public_email": "nope",
        },
    )
    assert response.status_code == 200
    errors = response.context["form"].errors
    assert errors["name"] == ["このフィールドは必須です。"]
    assert errors["partner_type"] == ["正しく選択してください。選択したものは候補にありません。"]
    assert errors["corporate_number"] == ["法人番号は13桁です。"]
    assert errors["public_email"] == ["有効なメールアドレスを入力してください。"]
    assert set(errors) >= {"municipality", "wards", "fields", "website"}
    html = response.content.decode()
    assert 'aria-describedby="id_name_error"' in html
    assert not Partner.objects.exists()


@pytest.mark.django_db
def test_wards_of_another_municipality_are_refused(client_for, partner_types, kawasaki_wards, reference_data):
    higashikurume = Municipality.objects.get(code="132225")
    response = client_for(UserFactory()).post(
        reverse("partners:organisation_create"),
        {
            "name": "東久留米の会",
            "partner_type": partner_types["civic_group"].pk,
            "municipality": higashikurume.pk,
            "wards": [kawasaki_wards["中原区"].pk],
        },
    )
    assert response.status_code == 200
    assert "wards" in response.context["form"].errors


@pytest.mark.django_db
def test_someone_elses_organisation_name_points_to_it(client_for, organisation, partner_types, kawasaki):
    response = client_for(UserFactory()).post(
        reverse("partners:organisation_create"),
        {"name": organisation.name, "partner_type": partner_types["civic_group"].pk, "municipality": kawasaki.pk},
    )
    assert response.status_code == 200
    assert f'href="{organisation.get_absolute_url()}"' in response.content.decode()
    assert Partner.objects.filter(name=organisation.name).count() == 1


# --- joining ----------------------------------------------------------------------------------------


@pytest.mark.django_db
def test_asking_to_join_from_the_partner_page(client_for, organisation, mailoutbox, django_capture_on_commit_callbacks):
    asker = UserFactory()
    client = client_for(asker)
    detail = client.get(organisation.get_absolute_url()).content.decode()
    join_url = reverse("partners:join", args=[organisation.pk])
    assert f'href="{join_url}"' in detail
    assert client.get(join_url).status_code == 200
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(join_url, {"message": "広報を担当しています。"})
    assert response.status_code == 302
    assert Membership.objects.get(user=asker).status == "pending"
    assert [message.to for message in mailoutbox] == [["rep@example.jp"]]
    # Asking again: told that the request waits, nothing new.
    response = client.post(join_url, {"message": "もう一度"}, follow=True)
    assert Membership.objects.filter(user=asker).count() == 1
    assert len(mailoutbox) == 1
    assert any(organisation.name in message for message in _messages(response))


@pytest.mark.django_db
def test_a_too_long_message_is_refused_in_japanese(client_for, organisation):
    response = client_for(UserFactory()).post(
        reverse("partners:join", args=[organisation.pk]), {"message": "あ" * 1001}
    )
    assert response.status_code == 200
    assert (
        "この値は 1000 文字以下でなければなりません( 1001 文字になっています)。"
        in (response.context["form"].errors["message"])
    )
    assert not Membership.objects.filter(status="pending").exists()


@pytest.mark.django_db
def test_anonymous_visitors_are_offered_to_log_in_to_join(client, organisation):
    html = client.get(organisation.get_absolute_url()).content.decode()
    join_url = reverse("partners:join", args=[organisation.pk])
    assert f'href="{reverse("account_login")}?next={join_url}"' in html


# --- managing members ------------------------------------------------------------------------------


@pytest.mark.django_db
def test_a_representative_approves_declines_and_changes_roles(client_for, organisation, representative):
    client = client_for(representative)
    first = MembershipFactory(partner=organisation, status=Membership.Status.PENDING, message="会計担当です。")
    second = MembershipFactory(partner=organisation, status=Membership.Status.PENDING)
    page = client.get(reverse("partners:members", args=[organisation.pk])).content.decode()
    assert "会計担当です。" in page
    assert str(first.user) in page and str(second.user) in page

    client.post(reverse("partners:membership_approve", args=[organisation.pk, first.pk]))
    client.post(reverse("partners:membership_decline", args=[organisation.pk, second.pk]))
    first.refresh_from_db()
    second.refresh_from_db()
    assert (first.status, second.status) == ("active", "declined")

    response = client.post(
        reverse("partners:membership_role", args=[organisation.pk, first.pk]), {"role": "representative"}
    )
    assert response.status_code == 302
    first.refresh_from_db()
    assert first.is_representative

    response = client.post(
        reverse("partners:membership_remove", args=[organisation.pk, first.pk]),
        follow=True,
    )
    assert not Membership.objects.filter(pk=first.pk).exists()


@pytest.mark.django_db
def test_the_last_representative_is_protected_with_a_message(client_for, organisation, representative):
    membership = organisation.memberships.get(user=representative)
    client = client_for(representative)
    response = client.post(
        reverse("partners:membership_role", args=[organisation.pk, membership.pk]), {"role": "staff"}, follow=True
    )
    assert response.status_code == 200
    assert any(str(representative) in message for message in _messages(response))
    response = client.post(reverse("partners:membership_remove", args=[organisation.pk, membership.pk]), follow=True)
    assert response.status_code == 200
    membership.refresh_from_db()
    assert membership.is_representative


@pytest.mark.django_db
@pytest.mark.parametrize("role", ["", "owner", "representative' OR 1=1", "代表者"])
def test_a_bad_role_gives_a_message_not_a_500(client_for, organisation, representative, role):
    staff = MembershipFactory(partner=organisation)
    response = client_for(representative).post(
        reverse("partners:membership_role", args=[organisation.pk, staff.pk]), {"role": role}, follow=True
    )
    assert response.status_code == 200
    assert _messages(response) == [ja("Choose a role from the list.")]
    staff.refresh_from_db()
    assert staff.role == "staff"


@pytest.mark.django_db
def test_unknown_ids_and_wrong_methods(client_for, organisation, representative):
    client = client_for(representative)
    assert client.post(reverse("partners:membership_approve", args=[organisation.pk, 999999])).status_code == 404
    assert client.post(reverse("partners:membership_approve", args=[999999, 1])).status_code == 404
    membership = organisation.memberships.get()
    assert client.get(reverse("partners:membership_remove", args=[organisation.pk, membership.pk])).status_code == 405
    assert client.get("/partners/99999999999999999999999/members/").status_code == 404


@pytest.mark.django_db
def test_deciding_a_request_twice_says_it_was_decided(client_for, organisation, representative):
    request = MembershipFactory(partner=organisation, status=Membership.Status.PENDING)
    client = client_for(representative)
    client.post(reverse("partners:membership_approve", args=[organisation.pk, request.pk]), follow=True)
    response = client.post(reverse("partners:membership_decline", args=[organisation.pk, request.pk]), follow=True)
    assert _messages(response) == [ja("This request has already been decided.")]
    request.refresh_from_db()
    assert request.is_active


# --- My page --------------------------------------------------------------------------------------


@pytest.mark.django_db
def test_my_page_lists_organisations_roles_statuses_and_requests(client_for, organisation, representative, kawasaki):
    waiting = PartnerFactory(name="申請中の会", municipality=kawasaki)
    MembershipFactory(partner=waiting, user=representative, status=Membership.Status.PENDING)
    asker = UserFactory(display_name="申請する人")
    MembershipFactory(partner=organisation, user=asker, status=Membership.Status.PENDING)
    page = client_for(representative).get(reverse("accounts:mypage")).content.decode()
    assert organisation.name in page and "申請中の会" in page
    assert str(Membership.Role.REPRESENTATIVE.label) in page or ja("Representative (代表者)") in page
    assert "申請する人" in page
    assert reverse("partners:members", args=[organisation.pk]) in page
    assert reverse("partners:organisation_create") in page
    assert reverse("account_change_password") in page


# --- query counts ---------------------------------------------------------------------------------

# session, user, the organisation, the rule's representative check, the menu's staff check, active members,
# pending requests
MEMBERS_PAGE_QUERIES = 7
# session, user, memberships with their organisations, requests waiting for the user, the menu's staff check,
# unread notifications, whether the user reviews a call, whether they approve decisions
MYPAGE_QUERIES = 8


def _add_members(organisation, n: int) -> None:
    for _index in range(n):
        MembershipFactory(partner=organisation)
        MembershipFactory(partner=organisation, status=Membership.Status.PENDING, message="よろしくお願いします。")


@pytest.mark.django_db
def test_members_page_queries_do_not_grow(client_for, organisation, representative, django_assert_max_num_queries):
    client = client_for(representative)
    url = reverse("partners:members", args=[organisation.pk])
    _add_members(organisation, 2)
    with django_assert_max_num_queries(MEMBERS_PAGE_QUERIES):
        assert client.get(url).status_code == 200
    _add_members(organisation, 30)
    with django_assert_max_num_queries(MEMBERS_PAGE_QUERIES):
        response = client.get(url)
    assert len(response.context["pending"]) == 32


@pytest.mark.django_db
def test_my_page_queries_do_not_grow(client_for, kawasaki, django_assert_max_num_queries):
    user = UserFactory()
    client = client_for(user)

    def add(n: int) -> None:
        for _index in range(n):
            partner = PartnerFactory(municipality=kawasaki)
            MembershipFactory(partner=partner, user=user, role=Membership.Role.REPRESENTATIVE)
            MembershipFactory(partner=partner, status=Membership.Status.PENDING)

    add(2)
    with django_assert_max_num_queries(MYPAGE_QUERIES):
        assert client.get(reverse("accounts:mypage")).status_code == 200
    add(25)
    with django_assert_max_num_queries(MYPAGE_QUERIES):
        response = client.get(reverse("accounts:mypage"))
    assert len(response.context["requests"]) == 27
