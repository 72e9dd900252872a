"""Organisations registered on the portal and their members: every write through partners.membership."""

import pytest
from django.contrib.auth.models import AnonymousUser
from django.core.exceptions import PermissionDenied
from django.urls import reverse

from partners import membership as services
from partners.forms import OrganisationForm
from partners.models import Membership, Partner, PartnerType
from tests.factories import MembershipFactory, PartnerFactory, StaffFactory, UserFactory, valid_corporate_number

BASE_URL = "https://kyodo.example.jp"


@pytest.fixture
def organisation_data(kawasaki, kawasaki_wards, partner_types, activity_fields):
    def make(**overrides) -> dict:
        data = {
            "name": "かわさき里山の会",
            "name_kana": "カワサキサトヤマノカイ",
            "partner_type": partner_types["npo"].pk,
            "municipality": kawasaki.pk,
            "wards": [kawasaki_wards["麻生区"].pk, kawasaki_wards["多摩区"].pk],
            "fields": [activity_fields["環境の保全"].pk],
            "corporate_number": "",
            "description": "里山の保全に取り組みます。",
            "website": "satoyama.example.jp",
            "public_email": "info@satoyama.example.jp",
            "representative_name": "川崎 太郎",
            "private_email": "taro@satoyama.example.jp",
        }
        data.update(overrides)
        return data

    return make


@pytest.fixture
def register(organisation_data, django_capture_on_commit_callbacks):
    def run(user, **overrides) -> Partner:
        form = OrganisationForm(data=organisation_data(**overrides))
        assert form.is_valid(), form.errors
        with django_capture_on_commit_callbacks(execute=True):
            return services.organisation_create(form=form, user=user, base_url=BASE_URL)

    return run


@pytest.fixture
def organisation(kawasaki):
    """A public civic group with a representative."""
    partner = PartnerFactory(name="多摩川の清掃を進める会", municipality=kawasaki)
    MembershipFactory(partner=partner, role=Membership.Role.REPRESENTATIVE, user=UserFactory(email="rep@example.jp"))
    return partner


def _representative(partner: Partner):
    return partner.memberships.get(role=Membership.Role.REPRESENTATIVE).user


# --- registering an organisation -------------------------------------------------------------------


@pytest.mark.django_db
def test_a_registered_organisation_is_hidden_unverified_and_represented_by_its_creator(
    register, admin_user, partner_editor, citizen, mailoutbox
):
    StaffFactory(email="no-partner-rights@example.jp")
    creator = UserFactory(display_name="川崎 太郎")
    partner = register(creator)
    assert not partner.is_public
    assert partner.verified_at is None
    assert partner.website == "https://satoyama.example.jp"
    assert sorted(ward.name for ward in partner.wards.all()) == ["多摩区", "麻生区"]
    assert partner.search_document  # the search columns are filled as for any other save
    membership = Membership.objects.get(partner=partner)
    assert (membership.user, membership.role, membership.status) == (creator, "representative", "active")
    assert partner.history.count() == 1
    assert partner.history.first().history_user == creator

    # One mail to each administrator and partner editor, nobody else, with the admin link.
    assert sorted(message.to[0] for message in mailoutbox) == sorted([admin_user.email, partner_editor.email])
    body = mailoutbox[0].body
    assert BASE_URL + reverse("admin:partners_partner_change", args=[partner.pk]) in body
    assert "かわさき里山の会" in mailoutbox[0].subject
    assert "川崎 太郎" in body


@pytest.mark.django_db
def test_a_double_submitted_registration_creates_one_organisation(register):
    creator = UserFactory()
    first = register(creator)
    with pytest.raises(services.OrganisationAlreadyRegistered) as already:
        register(creator, name="かわさき里山の会　")
    assert already.value.partner == first
    assert already.value.is_member
    assert Partner.objects.filter(name="かわさき里山の会").count() == 1


@pytest.mark.django_db
def test_someone_else_registering_the_same_name_is_told_to_ask_to_join(register):
    register(UserFactory())
    with pytest.raises(services.OrganisationAlreadyRegistered) as already:
        register(UserFactory(), name="ｶﾜｻｷ里山の会".replace("ｶﾜｻｷ", "かわさき"))
    assert not already.value.is_member


@pytest.mark.django_db
def test_only_organisation_types_and_valid_corporate_numbers_are_accepted(organisation_data, partner_types):
    department_type = PartnerType.objects.get(kind=PartnerType.Kind.DEPARTMENT)
    form = OrganisationForm(data=organisation_data(partner_type=department_type.pk, corporate_number="1234567890123"))
    assert not form.is_valid()
    assert "partner_type" in form.errors
    assert form.errors["corporate_number"] == ["法人番号1234567890123のチェックデジットが正しくありません。"]
    number = valid_corporate_number(4242)
    form = OrganisationForm(data=organisation_data(corporate_number=f"{number[:4]}－{number[4:]}"))
    assert form.is_valid(), form.errors
    assert form.cleaned_data["corporate_number"] == number


@pytest.mark.django_db
def test_the_form_starts_with_kawasaki(kawasaki):
    assert OrganisationForm().fields["municipality"].initial == kawasaki.pk


@pytest.mark.django_db
def test_an_anonymous_user_cannot_register(organisation_data):
    form = OrganisationForm(data=organisation_data())
    assert form.is_valid()
    with pytest.raises(PermissionDenied):
        services.organisation_create(form=form, user=AnonymousUser())
    assert not Partner.objects.exists()


# --- asking to join --------------------------------------------------------------------------------


@pytest.mark.django_db
def test_a_request_to_join_waits_and_mails_the_representatives(
    organisation, mailoutbox, django_capture_on_commit_callbacks
):
    asker = UserFactory(display_name="中原 次郎")
    with django_capture_on_commit_callbacks(execute=True):
        membership = services.membership_request(
            partner=organisation, user=asker, message="会計を担当しています。", base_url=BASE_URL
        )
    assert (membership.status, membership.role, membership.message) == ("pending", "staff", "会計を担当しています。")
    assert [message.to for message in mailoutbox] == [["rep@example.jp"]]
    assert "中原 次郎" in mailoutbox[0].body
    assert "会計を担当しています。" in mailoutbox[0].body
    assert BASE_URL + reverse("partners:members", args=[organisation.pk]) in mailoutbox[0].body


@pytest.mark.django_db
def test_without_a_representative_the_request_goes_to_the_city(
    kawasaki, admin_user, partner_editor, mailoutbox, django_capture_on_commit_callbacks
):
    partner = PartnerFactory(municipality=kawasaki)
    with django_capture_on_commit_callbacks(execute=True):
        services.membership_request(partner=partner, user=UserFactory())
    assert sorted(message.to[0] for message in mailoutbox) == sorted([admin_user.email, partner_editor.email])


@pytest.mark.django_db
def test_asking_twice_makes_one_request_and_one_mail(organisation, mailoutbox, django_capture_on_commit_callbacks):
    asker = UserFactory()
    with django_capture_on_commit_callbacks(execute=True):
        services.membership_request(partner=organisation, user=asker)
        with pytest.raises(services.MembershipAlreadyRequested):
            services.membership_request(partner=organisation, user=asker, message="もう一度")
    assert Membership.objects.filter(user=asker).count() == 1
    assert len(mailoutbox) == 1


@pytest.mark.django_db
def test_a_declined_person_may_ask_again(organisation):
    asker = UserFactory()
    first = services.membership_request(partner=organisation, user=asker)
    services.membership_decline(membership=first, user=_representative(organisation))
    again = services.membership_request(partner=organisation, user=asker, message="再申請です。")
    assert again.pk == first.pk
    assert (again.status, again.message, again.decided_by, again.decided_at) == ("pending", "再申請です。", None, None)


@pytest.mark.django_db
def test_a_member_cannot_ask_again(organisation):
    with pytest.raises(services.MembershipError):
        services.membership_request(partner=organisation, user=_representative(organisation))


@pytest.mark.django_db
def test_hidden_organisations_and_city_departments_take_no_requests(kawasaki, partner_types):
    hidden = PartnerFactory(municipality=kawasaki, is_public=False)
    department_type = PartnerType.objects.get(kind=PartnerType.Kind.DEPARTMENT)
    department = PartnerFactory(municipality=kawasaki, partner_type=department_type)
    for partner in (hidden, department):
        with pytest.raises(PermissionDenied):
            services.membership_request(partner=partner, user=UserFactory())
    assert not Membership.objects.exists()


# --- deciding --------------------------------------------------------------------------------------


@pytest.mark.django_db
@pytest.mark.parametrize("decision", ["approve", "decline"])
def test_a_representative_decides_and_the_asker_gets_a_mail(
    organisation, mailoutbox, django_capture_on_commit_callbacks, decision
):
    asker = UserFactory(email="asker@example.jp")
    request = services.membership_request(partner=organisation, user=asker)
    representative = _representative(organisation)
    decide = {"approve": services.membership_approve, "decline": services.membership_decline}[decision]
    with django_capture_on_commit_callbacks(execute=True):
        decided = decide(membership=request, user=representative, base_url=BASE_URL)
    assert decided.status == {"approve": "active", "decline": "declined"}[decision]
    assert decided.decided_by == representative
    assert decided.decided_at is not None
    assert [message.to for message in mailoutbox] == [["asker@example.jp"]]
    assert organisation.name in mailoutbox[0].subject
    assert decided.history.first().history_user == representative
    # The second of two people deciding at once finds the request decided.
    with pytest.raises(services.MembershipError):
        services.membership_approve(membership=request, user=representative)


@pytest.mark.django_db
def test_only_those_who_manage_members_decide(organisation, partner_editor, admin_user):
    request = services.membership_request(partner=organisation, user=UserFactory())
    staff = MembershipFactory(partner=organisation).user
    for outsider in (UserFactory(), staff):
        with pytest.raises(PermissionDenied):
            services.membership_approve(membership=request, user=outsider)
    assert services.membership_approve(membership=request, user=partner_editor).is_active
    other = services.membership_request(partner=organisation, user=UserFactory())
    assert services.membership_decline(membership=other, user=admin_user).status == "declined"


# --- roles and removal -----------------------------------------------------------------------------


@pytest.mark.django_db
def test_the_last_representative_can_be_neither_demoted_nor_removed(organisation):
    representative = organisation.memberships.get(role="representative")
    with pytest.raises(services.MembershipError, match=str(representative.user)):
        services.membership_change_role(membership=representative, role="staff", user=representative.user)
    with pytest.raises(services.MembershipError):
        services.membership_remove(membership=representative, user=representative.user)
    representative.refresh_from_db()
    assert representative.is_representative


@pytest.mark.django_db
def test_with_a_second_representative_the_first_may_step_down_or_leave(organisation):
    first = organisation.memberships.get(role="representative")
    staff = MembershipFactory(partner=organisation)
    promoted = services.membership_change_role(membership=staff, role="representative", user=first.user)
    assert promoted.is_representative
    services.membership_change_role(membership=first, role="staff", user=first.user)
    first.refresh_from_db()
    assert first.role == "staff"
    # Now the promoted one is the last representative.
    with pytest.raises(services.MembershipError):
        services.membership_remove(membership=promoted, user=promoted.user)
    services.membership_remove(membership=first, user=promoted.user)
    assert not Membership.objects.filter(pk=first.pk).exists()
    removal = Membership.history.filter(id=first.pk, history_type="-").get()
    assert removal.history_user == promoted.user


@pytest.mark.django_db
def test_bad_roles_and_requests_are_refused_with_a_message(organisation):
    representative = organisation.memberships.get(role="representative")
    with pytest.raises(services.MembershipError):
        services.membership_change_role(membership=representative, role="owner", user=representative.user)
    request = services.membership_request(partner=organisation, user=UserFactory())
    with pytest.raises(services.MembershipError):
        services.membership_change_role(membership=request, role="representative", user=representative.user)
    with pytest.raises(services.MembershipError):
        services.membership_remove(membership=request, user=representative.user)


@pytest.mark.django_db
def test_staff_members_do_not_manage_members(organisation):
    staff = MembershipFactory(partner=organisation)
    other = MembershipFactory(partner=organisation)
    with pytest.raises(PermissionDenied):
        services.membership_change_role(membership=other, role="representative", user=staff.user)
    with pytest.raises(PermissionDenied):
        services.membership_remove(membership=other, user=staff.user)
