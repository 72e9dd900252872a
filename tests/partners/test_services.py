"""Writes to partners and the portal's data loading: search upkeep, history, verification, fixtures, demo accounts."""

import datetime
import io

import pytest
from django.contrib.auth.models import Group
from django.core.checks import Error
from django.core.checks.registry import registry
from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone

from accounts.models import User
from accounts.services import (
    DEMO_ACCOUNTS,
    DEMO_EMAIL_DOMAIN,
    PARTNER_EDITORS_GROUP,
    DemoAccountsRefused,
    demo_accounts_ensure,
)
from kyodo_portal.checks import demo_accounts_absent
from kyodo_portal.fixtures import DEMO_FIXTURES, REFERENCE_FIXTURES, fixtures_load_missing
from kyodo_portal.search import apply_search
from partners.forms import PartnerForm
from partners.models import ActivityField, Municipality, Partner, PartnerType, Ward
from partners.services import (
    PartnerServiceError,
    partner_save_from_form,
    partner_unverify,
    partner_verify,
    partners_import,
    partners_refresh_derived,
    reference_renamed,
)
from tests.factories import ActivityFieldFactory, DepartmentFactory, PartnerFactory, UserFactory


def _found(query: str) -> set[str]:
    return set(apply_search(Partner.objects.all(), query).values_list("name", flat=True))


# --- saving from a form ----------------------------------------------------------------------------


@pytest.fixture
def saved_partner(partner_form_data, kawasaki_wards, activity_fields, admin_user):
    form = PartnerForm(
        data=partner_form_data(
            name="ＮＰＯ里山クラブ",
            name_kana="サトヤマクラブ",
            description="雑木林の手入れをしています。",
            wards=[kawasaki_wards["麻生区"].pk, kawasaki_wards["多摩区"].pk],
            fields=[activity_fields["環境の保全"].pk, activity_fields["子どもの健全育成"].pk],
        )
    )
    assert form.is_valid(), form.errors
    return partner_save_from_form(form=form, user=admin_user, reason="テストでの登録")


def test_save_from_form_fills_the_search_columns(saved_partner):
    stored = Partner.objects.get(pk=saved_partner.pk)
    for text in ("npo里山クラブ", "サトヤマクラブ", "雑木林", "環境の保全", "子どもの健全育成"):
        assert text in stored.search_document
    for ward in ("麻生区", "多摩区"):
        assert ward in stored.search_document
    assert "任意団体" in stored.search_document  # the type's name
    assert {"森", "麻生", "環境"} & set(stored.search_grams.split(" ")) == {"麻生", "環境"}
    assert stored.sort_key == "さとやまくらぶ"


def test_save_from_form_makes_the_partner_findable_by_ward_and_field(saved_partner):
    assert saved_partner.name == "ＮＰＯ里山クラブ"  # stored as typed; compared through name_key
    assert saved_partner.name_key == "npo里山クラブ"
    assert _found("麻生区") == {saved_partner.name}
    assert _found("環境") == {saved_partner.name}
    assert _found("ｎｐｏ 子ども") == {saved_partner.name}


def test_save_from_form_records_history_with_author_and_reason(saved_partner, admin_user):
    history = list(saved_partner.history.all())
    assert history, "a history row is written"
    assert {row.history_user_id for row in history} == {admin_user.pk}
    assert {row.history_change_reason for row in history} == {"テストでの登録"}
    assert history[-1].history_type == "+"
    latest = saved_partner.history.latest()
    assert set(latest.wards.values_list("ward__name", flat=True)) == {"麻生区", "多摩区"}


def test_editing_refreshes_search_and_adds_history(saved_partner, partner_form_data, partner_editor):
    form = PartnerForm(data=partner_form_data(name="里山と竹林の会", description="竹林"), instance=saved_partner)
    assert form.is_valid(), form.errors
    partner_save_from_form(form=form, user=partner_editor, reason="改名")
    assert _found("竹林") == {"里山と竹林の会"}
    assert _found("雑木林") == set()
    assert _found("麻生区") == set()  # the wards were cleared by the edit
    latest = Partner.objects.get(pk=saved_partner.pk).history.latest()
    assert latest.history_user == partner_editor
    assert latest.history_change_reason == "改名"


# --- verification ----------------------------------------------------------------------------------


def test_verify_sets_when_and_by_whom(partner_types, admin_user):
    partner = PartnerFactory(partner_type=partner_types["civic_group"])
    before = timezone.now()
    verified = partner_verify(partner=partner, user=admin_user)
    partner.refresh_from_db()
    assert partner.is_verified
    assert before <= partner.verified_at <= timezone.now()
    assert partner.verified_by == admin_user
    assert verified.verified_at == partner.verified_at
    latest = partner.history.latest()
    assert latest.history_user == admin_user
    assert latest.verified_at == partner.verified_at
    assert latest.history_change_reason


def test_verify_refuses_an_incomplete_record(partner_types, admin_user):
    # An NPO法人 always has a 法人番号; a record without one (e.g. from old data) cannot be verified.
    partner = PartnerFactory(partner_type=partner_types["npo"], corporate_number="")
    history_rows = partner.history.count()
    with pytest.raises(PartnerServiceError) as caught:
        partner_verify(partner=partner, user=admin_user)
    assert partner.name in str(caught.value)
    partner.refresh_from_db()
    assert partner.verified_at is None
    assert partner.verified_by is None
    assert partner.history.count() == history_rows


def test_verify_refuses_a_department_partner_without_its_department(partner_types, admin_user):
    partner = PartnerFactory(partner_type=partner_types["city_department"], department=None)
    with pytest.raises(PartnerServiceError):
        partner_verify(partner=partner, user=admin_user)


def test_verifying_twice_keeps_the_first_verification(partner_types, admin_user, partner_editor):
    first = timezone.now() - datetime.timedelta(days=30)
    partner = PartnerFactory(partner_type=partner_types["civic_group"], verified_at=first, verified_by=admin_user)
    partner_verify(partner=partner, user=partner_editor)
    partner.refresh_from_db()
    assert (partner.verified_at, partner.verified_by) == (first, admin_user)


def test_unverify_clears_the_verification_and_records_who(partner_types, admin_user, partner_editor):
    partner = PartnerFactory(
        partner_type=partner_types["civic_group"], verified_at=timezone.now(), verified_by=admin_user
    )
    partner_unverify(partner=partner, user=partner_editor)
    partner.refresh_from_db()
    assert partner.verified_at is None
    assert partner.verified_by is None
    assert partner.history.latest().history_user == partner_editor


def test_unverify_of_an_unverified_partner_changes_nothing(partner_types, admin_user):
    partner = PartnerFactory(partner_type=partner_types["civic_group"])
    rows = partner.history.count()
    partner_unverify(partner=partner, user=admin_user)
    assert partner.history.count() == rows


# --- derived columns -------------------------------------------------------------------------------


def test_renamed_activity_field_refreshes_its_partners_search_text(activity_fields):
    environment = activity_fields["環境の保全"]
    partner = PartnerFactory(name="川辺の会", fields=[environment, activity_fields["まちづくり"]])
    PartnerFactory(name="無関係の会", fields=[activity_fields["まちづくり"]])
    environment.name = "エコロジー"
    environment.save()
    assert reference_renamed(instance=environment) == 1
    assert _found("エコロジー") == {partner.name}
    assert _found("環境の保全") == set()


def test_renamed_ward_refreshes_its_partners_once_each(kawasaki_wards):
    asao = kawasaki_wards["麻生区"]
    PartnerFactory(name="麻生の会", municipality=asao.municipality, wards=[asao, kawasaki_wards["多摩区"]])
    PartnerFactory(name="多摩の会", municipality=asao.municipality, wards=[kawasaki_wards["多摩区"]])
    asao.name = "新百合ヶ丘区"
    asao.save()
    assert reference_renamed(instance=asao) == 1
    assert _found("新百合ヶ丘区") == {"麻生の会"}


def test_renamed_partner_type_refreshes_its_partners(partner_types, kawasaki):
    civic_group = partner_types["civic_group"]
    PartnerFactory(name="市民の会", partner_type=civic_group, municipality=kawasaki)
    PartnerFactory(name="町の会", partner_type=partner_types["neighbourhood_association"], municipality=kawasaki)
    civic_group.name = "市民活動グループ"
    civic_group.save()
    assert reference_renamed(instance=civic_group) == 1
    assert _found("市民活動グループ") == {"市民の会"}


def test_renaming_an_activity_field_in_the_admin_refreshes_search_text(client_for, admin_user, activity_fields):
    environment = activity_fields["環境の保全"]
    PartnerFactory(name="川辺の会", fields=[environment])
    response = client_for(admin_user).post(
        reverse("admin:partners_activityfield_change", args=[environment.pk]),
        {
            "name": "自然環境",
            "name_en": environment.name_en,
            "legal_name": environment.legal_name,
            "sort_order": environment.sort_order,
            "is_active": "on",
            "_save": "Save",
        },
    )
    assert response.status_code == 302
    assert _found("自然環境") == {"川辺の会"}


@pytest.mark.parametrize("renamed", ["partner_type", "ward"])
def test_renaming_a_type_or_ward_in_the_admin_refreshes_search_text(
    client_for, admin_user, kawasaki_wards, partner_types, renamed
):
    ward = kawasaki_wards["麻生区"]
    partner_type = partner_types["civic_group"]
    PartnerFactory(name="川辺の会", partner_type=partner_type, municipality=ward.municipality, wards=[ward])
    if renamed == "ward":
        url = reverse("admin:partners_ward_change", args=[ward.pk])
        data = {"municipality": ward.municipality_id, "code": ward.code, "name": "新百合ヶ丘区", "sort_order": 1}
    else:
        url = reverse("admin:partners_partnertype_change", args=[partner_type.pk])
        data = {
            "code": partner_type.code,
            "name": "新百合ヶ丘団体",
            "corporate_number_policy": partner_type.corporate_number_policy,
            "kind": partner_type.kind,
            "sort_order": partner_type.sort_order,
        }
    response = client_for(admin_user).post(url, {**data, "name_en": "", "_save": "Save"})
    assert response.status_code == 302
    assert _found("新百合ヶ丘") == {"川辺の会"}


def test_refresh_derived_repairs_stale_columns_and_then_has_nothing_to_do(activity_fields):
    partner = PartnerFactory(name="みどりの会", name_kana="ミドリノカイ", fields=[activity_fields["まちづくり"]])
    Partner.objects.filter(pk=partner.pk).update(search_document="", search_grams="", sort_key="")
    assert _found("まちづくり") == set()
    assert partners_refresh_derived() == 1
    stored = Partner.objects.get(pk=partner.pk)
    assert "まちづくり" in stored.search_document
    assert stored.sort_key == "みどりのかい"
    assert _found("まちづくり") == {"みどりの会"}
    assert partners_refresh_derived() == 0


# --- fixtures --------------------------------------------------------------------------------------


@pytest.mark.django_db
def test_fixtures_load_missing_inserts_once():
    first = fixtures_load_missing(names=REFERENCE_FIXTURES)
    assert first.counts() == {
        "partners.PartnerType": 13,
        "partners.ActivityField": 20,
        "partners.Municipality": 7,
        "partners.Ward": 7,
        "partners.Department": 23,
        "projects.CollaborationForm": 8,
        "projects.Scheme": 8,
        "evaluations.Principle": 13,
        "window.Window": 1,
    }
    assert fixtures_load_missing(names=REFERENCE_FIXTURES).counts() == {}
    assert PartnerType.objects.count() == 13
    assert Ward.objects.filter(municipality__code="141305").count() == 7


@pytest.mark.django_db
def test_fixtures_load_missing_keeps_edits_and_deletions():
    fixtures_load_missing(names=REFERENCE_FIXTURES)
    npo = PartnerType.objects.get(code="npo")
    npo.name = "特定非営利活動法人"
    npo.save()
    ActivityField.objects.filter(name="観光").delete()
    assert fixtures_load_missing(names=REFERENCE_FIXTURES).counts() == {}
    assert PartnerType.objects.get(code="npo").name == "特定非営利活動法人"
    assert not ActivityField.objects.filter(name="観光").exists()


@pytest.mark.django_db
def test_a_fixture_row_clashing_with_data_entered_since_is_skipped_not_a_crash(partner_types):
    """An administrator deleted 世田谷区 before the first load and entered it again by hand."""
    fixtures_load_missing(names=REFERENCE_FIXTURES)
    setagaya = Municipality.objects.get(code="131121")
    PartnerFactory(
        pk=9999,
        name="世田谷区（手入力）",
        partner_type=PartnerType.objects.get(code="municipality"),
        municipality=setagaya,
        represented_municipality=setagaya,
        corporate_number="1000020131121",
    )
    result = fixtures_load_missing(names=DEMO_FIXTURES)
    assert len(result.skipped["partners.Partner"]) == 1
    assert Partner.objects.filter(corporate_number="1000020131121").count() == 1
    assert fixtures_load_missing(names=DEMO_FIXTURES).counts() == {}


@pytest.mark.django_db
def test_demo_partners_load_with_their_relations_and_become_searchable():
    fixtures_load_missing(names=REFERENCE_FIXTURES)
    inserted = fixtures_load_missing(names=DEMO_FIXTURES).counts()
    assert inserted["partners.Partner"] == Partner.objects.count() > 0
    assert partners_refresh_derived() == Partner.objects.count()
    meiji = Partner.objects.get(name="明治大学")
    assert set(meiji.wards.values_list("name", flat=True)) == {"多摩区", "麻生区"}
    assert meiji.pk in set(apply_search(Partner.objects.all(), "麻生区").values_list("pk", flat=True))
    assert fixtures_load_missing(names=REFERENCE_FIXTURES + DEMO_FIXTURES).counts() == {}
    # New rows after an explicit-key load get fresh keys (sequences moved past every fixture row).
    kawasaki = Municipality.objects.get(code="141305")
    assert PartnerFactory(municipality=kawasaki).pk > 49
    assert ActivityFieldFactory().pk > 20
    assert DepartmentFactory(municipality=kawasaki).pk > 23


@pytest.mark.django_db
def test_every_demo_partner_is_valid_and_survives_an_export_import_round_trip(admin_user):
    from partners.csv_io import export_partners, read_rows

    fixtures_load_missing(names=REFERENCE_FIXTURES + DEMO_FIXTURES)
    partners_refresh_derived()
    for partner in Partner.objects.all():
        partner.full_clean()
    data = export_partners(Partner.objects.order_by("pk"))
    outcome = partners_import(rows=read_rows(data.decode("utf-8-sig")), user=admin_user)
    assert outcome.errors == []
    assert outcome.updated == Partner.objects.count()


@pytest.mark.django_db
def test_demo_load_verifies_complete_records_as_the_demo_administrator(settings):
    settings.DEMO_ACCOUNTS_ALLOWED = True
    call_command("load_portal_data", "--demo", stdout=io.StringIO())
    demo_admin = User.objects.get(email=f"admin{DEMO_EMAIL_DOMAIN}")
    assert Partner.objects.filter(verified_at__isnull=False).exclude(verified_by=demo_admin).count() == 0
    unverified = set(Partner.objects.filter(verified_at__isnull=True).values_list("partner_type__code", flat=True))
    assert unverified == {"university", "company", "npo"}  # their 法人番号 are not in the source documents
    assert Partner.objects.get(name="海風の森をMAZUつくる会").is_verified
    assert Partner.objects.get(name="世田谷区").history.count() == 2  # loaded, then verified
    # A second run verifies nothing again, even a partner whose verification was withdrawn since.
    kaze = Partner.objects.get(name="海風の森をMAZUつくる会")
    partner_unverify(partner=kaze, user=demo_admin)
    call_command("load_portal_data", "--demo", stdout=io.StringIO())
    kaze.refresh_from_db()
    assert not kaze.is_verified


@pytest.mark.django_db
def test_load_portal_data_command_is_repeatable():
    call_command("load_portal_data")
    call_command("load_portal_data")
    assert PartnerType.objects.count() == 13
    assert Group.objects.filter(name=PARTNER_EDITORS_GROUP).exists()


# --- demo accounts and the deploy check ------------------------------------------------------------


@pytest.mark.django_db
def test_demo_accounts_are_refused_unless_allowed(settings):
    settings.DEMO_ACCOUNTS_ALLOWED = False
    with pytest.raises(DemoAccountsRefused):
        demo_accounts_ensure()
    assert not User.objects.filter(email__endswith=DEMO_EMAIL_DOMAIN).exists()


@pytest.mark.django_db
def test_demo_accounts_are_created_once_when_allowed(settings):
    settings.DEMO_ACCOUNTS_ALLOWED = True
    created = demo_accounts_ensure()
    assert sorted(created) == sorted(account.email for account in DEMO_ACCOUNTS)
    assert demo_accounts_ensure() == []
    assert User.objects.filter(email__endswith=DEMO_EMAIL_DOMAIN).count() == len(DEMO_ACCOUNTS)
    for account in DEMO_ACCOUNTS:
        user = User.objects.get(email=account.email)
        assert user.check_password(account.password)
        assert user.is_superuser == account.is_superuser
    editor = User.objects.get(email=f"partner-editor{DEMO_EMAIL_DOMAIN}")
    assert editor.is_staff and not editor.is_superuser
    assert editor.has_perm("partners.change_partner")
    citizen = User.objects.get(email=f"citizen{DEMO_EMAIL_DOMAIN}")
    assert not citizen.is_staff


def test_deploy_check_is_registered():
    assert demo_accounts_absent in registry.get_checks(include_deployment_checks=True)
    assert demo_accounts_absent not in registry.get_checks(include_deployment_checks=False)


@pytest.mark.django_db
def test_deploy_check_reports_a_demo_account_in_production(settings):
    settings.DEBUG = False
    UserFactory(email=f"admin{DEMO_EMAIL_DOMAIN}")
    errors = demo_accounts_absent(None)
    assert len(errors) == 1
    assert isinstance(errors[0], Error)
    assert errors[0].id == "kyodo_portal.E001"


@pytest.mark.django_db
def test_deploy_check_is_quiet_without_demo_accounts(settings):
    settings.DEBUG = False
    UserFactory(email="someone@city.kawasaki.jp")
    assert demo_accounts_absent(None) == []


@pytest.mark.django_db
def test_deploy_check_is_quiet_in_development(settings):
    settings.DEBUG = True
    UserFactory(email=f"admin{DEMO_EMAIL_DOMAIN}")
    assert demo_accounts_absent(None) == []


def test_deleting_a_field_or_ward_takes_its_name_out_of_search(activity_fields):
    from partners.services import reference_delete
    from tests.factories import WardFactory

    ward = WardFactory(name="試験区")
    partner = PartnerFactory(municipality=ward.municipality, fields=[activity_fields["観光"]], wards=[ward], name="会")
    assert apply_search(Partner.objects.all(), "観光").exists()
    assert reference_delete(instance=activity_fields["観光"]) == 1
    assert reference_delete(instance=ward) == 1
    partner.refresh_from_db()
    assert "観光" not in partner.search_document and "試験区" not in partner.search_document


def test_ward_renamed_or_deleted_on_the_municipality_page_updates_search(client_for, admin_user):
    from tests.factories import MunicipalityFactory, WardFactory

    kawasaki = MunicipalityFactory(name="試験市")
    wards = [WardFactory(municipality=kawasaki, name="一の区"), WardFactory(municipality=kawasaki, name="二の区")]
    partner = PartnerFactory(municipality=kawasaki, wards=wards, name="会")
    data = {
        "code": kawasaki.code,
        "name": kawasaki.name,
        "name_en": kawasaki.name_en,
        "prefecture": kawasaki.prefecture,
        "wards-TOTAL_FORMS": len(wards),
        "wards-INITIAL_FORMS": len(wards),
        "wards-MIN_NUM_FORMS": 0,
        "wards-MAX_NUM_FORMS": 1000,
    }
    for index, ward in enumerate(wards):
        data.update(
            {
                f"wards-{index}-id": ward.pk,
                f"wards-{index}-municipality": kawasaki.pk,
                f"wards-{index}-name": "新しい区" if index == 0 else ward.name,
                f"wards-{index}-name_en": ward.name_en,
                f"wards-{index}-code": ward.code,
                f"wards-{index}-sort_order": ward.sort_order,
            }
        )
    data["wards-1-DELETE"] = "on"
    response = client_for(admin_user).post(reverse("admin:partners_municipality_change", args=[kawasaki.pk]), data)
    assert response.status_code == 302, response.content.decode()[:3000]
    partner.refresh_from_db()
    assert "新しい区" in partner.search_document
    assert wards[0].name not in partner.search_document
    assert wards[1].name not in partner.search_document


@pytest.mark.django_db
def test_rows_pointing_to_a_deleted_fixture_row_are_skipped_too():
    """An administrator deleted a demo partner before the projects arrived in a later version."""
    fixtures_load_missing(names=(*REFERENCE_FIXTURES, "demo_partners"))
    Partner.objects.filter(name="海風の森をMAZUつくる会").delete()
    result = fixtures_load_missing(names=("demo_projects",))
    assert result.skipped["projects.ProjectParty"]  # its role in 海風の森「森の楽園」
    assert not Partner.objects.filter(name="海風の森をMAZUつくる会").exists()
    from projects.models import Project

    assert Project.objects.filter(title__contains="森の楽園").exists()
