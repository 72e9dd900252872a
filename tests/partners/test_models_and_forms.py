"""The partner form and model rules: corporate-number policy per type, city structure, constraints."""

import pytest
from django.core.exceptions import NON_FIELD_ERRORS, ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone, translation

from partners.forms import PartnerForm
from partners.models import Department, Municipality, Partner, kana_sort_key
from partners.services import partner_save_from_form
from tests.factories import DepartmentFactory, MunicipalityFactory, PartnerFactory, WardFactory, valid_corporate_number

TOKYO_NUMBER = "8000020130001"
KAWASAKI_NUMBER = "7000020141305"


def _error_fields(form: PartnerForm) -> set[str]:
    return set(form.errors.as_data())


# --- corporate-number policy of the partner type ---------------------------------------------------


@pytest.mark.parametrize("code", ["npo", "university", "company"])
def test_type_that_requires_a_corporate_number_may_lack_it_until_verified(partner_form_data, partner_types, code):
    form = PartnerForm(data=partner_form_data(partner_type=partner_types[code].pk))
    assert form.is_valid(), form.errors


@pytest.mark.parametrize("code", ["npo", "university", "company"])
def test_verified_partner_of_such_a_type_cannot_lose_its_number(partner_form_data, partner_types, code):
    partner = PartnerFactory(
        partner_type=partner_types[code], corporate_number=valid_corporate_number(7), verified_at=timezone.now()
    )
    form = PartnerForm(data=partner_form_data(partner_type=partner_types[code].pk), instance=partner)
    assert not form.is_valid()
    assert _error_fields(form) == {"corporate_number"}


@pytest.mark.parametrize("code", ["civic_group", "neighbourhood_association", "territorial_group"])
def test_type_without_corporate_numbers_refuses_one(partner_form_data, partner_types, code):
    form = PartnerForm(data=partner_form_data(partner_type=partner_types[code].pk, corporate_number=TOKYO_NUMBER))
    assert not form.is_valid()
    assert _error_fields(form) == {"corporate_number"}


@pytest.mark.parametrize("number", ["", TOKYO_NUMBER])
def test_type_with_optional_corporate_number_accepts_both(partner_form_data, partner_types, number):
    form = PartnerForm(data=partner_form_data(partner_type=partner_types["intermediary"].pk, corporate_number=number))
    assert form.is_valid(), form.errors


def test_full_width_corporate_number_is_saved_as_thirteen_ascii_digits(partner_form_data, partner_types):
    form = PartnerForm(
        data=partner_form_data(partner_type=partner_types["npo"].pk, corporate_number="８０００-０２０-１３０００１")
    )
    assert form.is_valid(), form.errors
    partner = form.save()
    partner.refresh_from_db()
    assert partner.corporate_number == TOKYO_NUMBER


def test_corporate_number_with_a_wrong_check_digit_is_refused_with_its_code(partner_form_data, partner_types):
    form = PartnerForm(data=partner_form_data(partner_type=partner_types["npo"].pk, corporate_number="9000020130001"))
    assert not form.is_valid()
    assert [error.code for error in form.errors.as_data()["corporate_number"]] == ["invalid_check_digit"]


# --- partners that are the city itself or one of its departments -----------------------------------


def test_municipality_partner_gets_its_corporate_number_filled_in(partner_form_data, partner_types, kawasaki):
    form = PartnerForm(
        data=partner_form_data(
            name="川崎市", partner_type=partner_types["municipality"].pk, represented_municipality=kawasaki.pk
        )
    )
    assert form.is_valid(), form.errors
    partner = form.save()
    partner.refresh_from_db()
    assert partner.corporate_number == KAWASAKI_NUMBER
    assert partner.display_corporate_number == KAWASAKI_NUMBER


def test_municipality_partner_accepts_its_own_number_typed_in_full_width(partner_form_data, partner_types, kawasaki):
    form = PartnerForm(
        data=partner_form_data(
            name="川崎市",
            partner_type=partner_types["municipality"].pk,
            represented_municipality=kawasaki.pk,
            corporate_number="７０００-０２０-１４１３０５",
        )
    )
    assert form.is_valid(), form.errors


def test_municipality_partner_refuses_another_corporate_number(partner_form_data, partner_types, kawasaki):
    form = PartnerForm(
        data=partner_form_data(
            name="川崎市",
            partner_type=partner_types["municipality"].pk,
            represented_municipality=kawasaki.pk,
            corporate_number=TOKYO_NUMBER,
        )
    )
    assert not form.is_valid()
    assert _error_fields(form) == {"corporate_number"}


def test_municipality_partner_needs_the_municipality_it_represents(partner_form_data, partner_types):
    form = PartnerForm(data=partner_form_data(partner_type=partner_types["municipality"].pk))
    assert not form.is_valid()
    # Without a represented municipality the number cannot be derived either, so both are reported.
    assert "represented_municipality" in _error_fields(form)


def test_only_a_municipality_partner_represents_a_municipality(partner_form_data, kawasaki):
    form = PartnerForm(data=partner_form_data(represented_municipality=kawasaki.pk))
    assert not form.is_valid()
    assert _error_fields(form) == {"represented_municipality"}


def test_display_corporate_number_of_a_municipality_partner_without_a_stored_number(kawasaki, partner_types):
    partner = Partner(partner_type=partner_types["municipality"], represented_municipality=kawasaki)
    assert partner.display_corporate_number == KAWASAKI_NUMBER
    assert Partner(corporate_number=TOKYO_NUMBER).display_corporate_number == TOKYO_NUMBER
    assert Partner().display_corporate_number == ""


def test_department_partner_is_valid_with_its_department(partner_form_data, partner_types, kawasaki):
    department = Department.objects.get(name="市民活動推進課")
    form = PartnerForm(
        data=partner_form_data(
            name="川崎市 市民活動推進課", partner_type=partner_types["city_department"].pk, department=department.pk
        )
    )
    assert form.is_valid(), form.errors


def test_department_partner_needs_its_department(partner_form_data, partner_types):
    form = PartnerForm(data=partner_form_data(partner_type=partner_types["city_department"].pk))
    assert not form.is_valid()
    assert _error_fields(form) == {"department"}


def test_only_a_department_partner_has_a_department(partner_form_data, reference_data):
    department = Department.objects.get(name="市民活動推進課")
    form = PartnerForm(data=partner_form_data(department=department.pk))
    assert not form.is_valid()
    assert _error_fields(form) == {"department"}


def test_department_of_another_municipality_is_refused(partner_form_data, partner_types):
    elsewhere = DepartmentFactory()
    form = PartnerForm(
        data=partner_form_data(partner_type=partner_types["city_department"].pk, department=elsewhere.pk)
    )
    assert not form.is_valid()
    assert _error_fields(form) == {"department"}


# --- wards, founded year, names --------------------------------------------------------------------


def test_wards_of_the_partners_municipality_are_accepted(partner_form_data, kawasaki_wards):
    form = PartnerForm(data=partner_form_data(wards=[kawasaki_wards["中原区"].pk, kawasaki_wards["麻生区"].pk]))
    assert form.is_valid(), form.errors
    partner = form.save()
    assert set(partner.wards.values_list("name", flat=True)) == {"中原区", "麻生区"}


def test_wards_of_another_municipality_are_refused(partner_form_data, kawasaki_wards, higashikurume):
    foreign = WardFactory(municipality=higashikurume)
    form = PartnerForm(data=partner_form_data(wards=[kawasaki_wards["中原区"].pk, foreign.pk]))
    assert not form.is_valid()
    assert _error_fields(form) == {"wards"}
    assert foreign.name in form.errors["wards"][0]


@pytest.mark.parametrize(("year", "valid"), [(1867, False), (1868, True), (2005, True), (2100, True), (2101, False)])
def test_founded_year_bounds(partner_form_data, year, valid):
    form = PartnerForm(data=partner_form_data(founded_year=year))
    assert form.is_valid() is valid
    if not valid:
        assert _error_fields(form) == {"founded_year"}


def test_name_is_stored_as_typed_with_spaces_tidied_and_compared_normalised(partner_form_data):
    form = PartnerForm(data=partner_form_data(name="  ＮＰＯ法人\u3000\u3000かわさき～ "))
    assert form.is_valid(), form.errors
    partner = partner_save_from_form(form=form, user=None)
    assert partner.name == "ＮＰＯ法人 かわさき～"  # 全角 as typed: the name is not rewritten
    partner.refresh_from_db()
    assert partner.name_key == "npo法人 かわさき~"  # what comparisons use


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("メイジダイガク", "めいじだいがく"),
        ("ｶﾜｻｷ", "かわさき"),
        ("かわさき", "かわさき"),
        ("ヴァイオリン", "ゔぁいおりん"),
        ("ＮＰＯ", "npo"),
        ("ヶ丘", "ゖ丘"),
    ],
)
def test_kana_sort_key_folds_katakana_to_hiragana(text, expected):
    assert kana_sort_key(text) == expected


def test_sort_key_is_saved_from_the_kana_reading_or_else_the_name(db):
    with_kana = PartnerFactory(name="明治大学", name_kana="メイジダイガク")
    without_kana = PartnerFactory(name="ｶﾜｻｷ環境会議")
    assert Partner.objects.get(pk=with_kana.pk).sort_key == "めいじだいがく"
    assert Partner.objects.get(pk=without_kana.pk).sort_key == "かわさき環境会議"


def test_sort_key_follows_a_rename_saved_with_update_fields(db):
    partner = PartnerFactory(name="あ", name_kana="")
    partner.name_kana = "ンノカイ"
    partner.save(update_fields=["name_kana"])
    assert Partner.objects.get(pk=partner.pk).sort_key == "んのかい"


def test_directory_order_is_the_kana_reading(db):
    PartnerFactory(name="和の会", name_kana="ワノカイ")
    PartnerFactory(name="朝日会", name_kana="アサヒカイ")
    PartnerFactory(name="きずな", name_kana="")
    assert list(Partner.objects.values_list("name", flat=True)) == ["朝日会", "きずな", "和の会"]


# --- unique corporate number -----------------------------------------------------------------------


def test_second_partner_with_the_same_corporate_number_is_refused(partner_form_data, partner_types):
    PartnerFactory(partner_type=partner_types["npo"], corporate_number=TOKYO_NUMBER)
    form = PartnerForm(
        data=partner_form_data(
            name="別の団体", partner_type=partner_types["npo"].pk, corporate_number="８０００-０２０-１３０００１"
        )
    )
    assert not form.is_valid()
    assert form.errors
    assert Partner.objects.filter(corporate_number=TOKYO_NUMBER).count() == 1


def test_duplicate_corporate_number_error_is_on_the_field_and_names_no_constraint(partner_form_data, partner_types):
    PartnerFactory(partner_type=partner_types["npo"], corporate_number=TOKYO_NUMBER)
    form = PartnerForm(
        data=partner_form_data(name="別の団体", partner_type=partner_types["npo"].pk, corporate_number=TOKYO_NUMBER)
    )
    assert not form.is_valid()
    assert NON_FIELD_ERRORS not in form.errors
    assert "corporate_number" in form.errors
    assert "partners_partner_unique_corporate_number" not in str(form.errors)


def test_editing_a_partner_keeps_its_own_corporate_number(partner_form_data, partner_types):
    partner = PartnerFactory(partner_type=partner_types["npo"], corporate_number=TOKYO_NUMBER)
    form = PartnerForm(
        data=partner_form_data(
            name="改名した団体", partner_type=partner_types["npo"].pk, corporate_number=TOKYO_NUMBER
        ),
        instance=partner,
    )
    assert form.is_valid(), form.errors


def test_many_partners_may_have_no_corporate_number(partner_form_data):
    for name in ("一の会", "二の会", "三の会"):
        form = PartnerForm(data=partner_form_data(name=name, corporate_number=""))
        assert form.is_valid(), form.errors
        form.save()
    assert Partner.objects.filter(corporate_number="").count() == 3


def test_database_refuses_a_duplicate_corporate_number(partner_types):
    number = valid_corporate_number(42)
    PartnerFactory(partner_type=partner_types["npo"], corporate_number=number)
    with pytest.raises(IntegrityError), transaction.atomic():
        PartnerFactory(partner_type=partner_types["npo"], corporate_number=number)


# --- city structure models -------------------------------------------------------------------------


def test_municipality_code_is_normalised_and_gives_the_corporate_number(db):
    municipality = Municipality(code="１４１３０５", name="川崎市", prefecture="神奈川県")
    municipality.full_clean()
    assert municipality.code == "141305"
    assert municipality.corporate_number == KAWASAKI_NUMBER


def test_municipality_with_a_wrong_check_digit_is_refused(db):
    with pytest.raises(ValidationError) as caught:
        Municipality(code="141306", name="川崎市", prefecture="神奈川県").full_clean()
    assert [error.code for error in caught.value.error_dict["code"]] == ["invalid_check_digit"]


def test_ward_office_needs_its_ward(kawasaki):
    department = Department(municipality=kawasaki, kind=Department.Kind.WARD_OFFICE, name="新しい区役所")
    with pytest.raises(ValidationError) as caught:
        department.full_clean()
    assert set(caught.value.error_dict) == {"ward"}


def test_department_parent_and_ward_must_be_in_the_same_municipality(kawasaki, kawasaki_wards):
    elsewhere = MunicipalityFactory()
    parent = DepartmentFactory(municipality=elsewhere)
    with pytest.raises(ValidationError) as caught:
        Department(municipality=kawasaki, parent=parent, kind=Department.Kind.SECTION, name="課").full_clean()
    assert set(caught.value.error_dict) == {"parent"}
    with pytest.raises(ValidationError) as caught:
        Department(
            municipality=elsewhere, ward=kawasaki_wards["中原区"], kind=Department.Kind.SECTION, name="課"
        ).full_clean()
    assert set(caught.value.error_dict) == {"ward"}


def test_reference_names_follow_the_interface_language(kawasaki):
    with translation.override("ja"):
        assert str(kawasaki) == "川崎市"
    with translation.override("en"):
        assert str(kawasaki) == "Kawasaki City"
        assert Municipality(name="試験市", name_en="").display_name == "試験市"
