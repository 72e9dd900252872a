"""CSV exchange of partner records: the export format, the all-or-nothing import, and the admin views."""

import csv
import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from partners import csv_io
from partners.csv_io import COLUMNS, CsvFileError, decode_upload, export_partners, read_rows
from partners.models import Partner
from partners.services import partners_import
from tests.factories import PartnerFactory, valid_corporate_number

HEADERS = [header for _key, header in COLUMNS]
NPO_NUMBER = "8000020130001"


def _csv_text(rows: list[dict[str, str]], headers: list[str] | None = None) -> str:
    headers = headers or list(rows[0])
    output = io.StringIO()
    writer = csv.writer(output, lineterminator="\r\n")
    writer.writerow(headers)
    for row in rows:
        writer.writerow([row.get(header, "") for header in headers])
    return output.getvalue()


def _parse_export(data: bytes) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(data.decode("utf-8-sig"))))


def _import_text(text: str, user):
    return partners_import(rows=read_rows(text), user=user)


def _row(**values) -> dict[str, str]:
    """A CSV row of a new civic group in Kawasaki, by Japanese header."""
    row = {"団体名": "新しい会", "種別": "civic_group", "自治体コード": "141305"}
    row.update(values)
    return row


def _export_all() -> list[dict[str, str]]:
    return _parse_export(export_partners(Partner.objects.order_by("pk")))


# --- export ----------------------------------------------------------------------------------------


def test_export_is_utf8_with_bom_and_japanese_headers(kawasaki):
    PartnerFactory(municipality=kawasaki)
    data = export_partners(Partner.objects.all())
    assert data.startswith(b"\xef\xbb\xbf")
    first_line = data.decode("utf-8-sig").split("\r\n")[0]
    assert first_line.split(",") == HEADERS
    assert first_line.startswith("ID,団体名,フリガナ,英語名,種別,法人番号,自治体コード,活動区")


def test_export_joins_wards_and_fields_with_the_japanese_comma(kawasaki_wards, activity_fields, partner_types):
    partner = PartnerFactory(
        name="多摩川の会",
        partner_type=partner_types["npo"],
        corporate_number=NPO_NUMBER,
        municipality=kawasaki_wards["麻生区"].municipality,
        wards=[kawasaki_wards["麻生区"], kawasaki_wards["多摩区"]],
        fields=[activity_fields["環境の保全"], activity_fields["まちづくり"]],
        works_citywide=True,
        founded_year=2005,
        is_public=False,
    )
    (row,) = _export_all()
    assert row["ID"] == str(partner.pk)
    assert row["団体名"] == "多摩川の会"
    assert row["種別"] == "npo"
    assert row["法人番号"] == NPO_NUMBER
    assert row["自治体コード"] == "141305"
    assert row["活動区"] == "多摩区、麻生区"  # in the city's ward order
    assert row["活動分野"] == "まちづくり、環境の保全"  # in the law's order
    assert row["市全域で活動"] == "はい"
    assert row["設立年"] == "2005"
    assert row["公開"] == "いいえ"
    assert row["確認済み"] == "いいえ"


@pytest.mark.parametrize("dangerous", ["=SUM(A1)", "+81-44-200-2111", "-1+1", "@HYPERLINK(1)", "\tx", "\rx"])
def test_export_prefixes_formula_like_cells_with_an_apostrophe(kawasaki, dangerous):
    PartnerFactory(municipality=kawasaki, description=dangerous, public_phone=dangerous[:30])
    (row,) = _export_all()
    assert row["紹介"] == "'" + dangerous
    assert row["公開電話"] == "'" + dangerous[:30]


def test_export_leaves_ordinary_cells_alone(kawasaki):
    PartnerFactory(municipality=kawasaki, description="里山を守る 100% ボランティア", public_phone="044-200-2111")
    (row,) = _export_all()
    assert row["紹介"] == "里山を守る 100% ボランティア"
    assert row["公開電話"] == "044-200-2111"


def test_round_trip_keeps_a_value_that_starts_with_an_apostrophe(kawasaki, admin_user):
    partner = PartnerFactory(municipality=kawasaki, description="'=これは数式ではありません")
    outcome = _import_text(decode_upload(export_partners(Partner.objects.all())), admin_user)
    assert outcome.ok, outcome.errors
    partner.refresh_from_db()
    assert partner.description == "'=これは数式ではありません"


# --- round trip ------------------------------------------------------------------------------------


def _comparable(partner: Partner) -> dict:
    partner.refresh_from_db()
    return {
        **{
            name: getattr(partner, name)
            for name in (
                "name",
                "name_kana",
                "partner_type_id",
                "corporate_number",
                "municipality_id",
                "works_citywide",
                "description",
                "founded_year",
                "public_phone",
                "representative_name",
                "private_email",
                "is_public",
            )
        },
        "wards": set(partner.wards.values_list("pk", flat=True)),
        "fields": set(partner.fields.values_list("pk", flat=True)),
    }


def test_export_then_import_updates_in_place(kawasaki_wards, activity_fields, partner_types, admin_user):
    partners = [
        PartnerFactory(
            name="里山の会",
            name_kana="サトヤマノカイ",
            partner_type=partner_types["npo"],
            corporate_number=NPO_NUMBER,
            municipality=kawasaki_wards["麻生区"].municipality,
            wards=[kawasaki_wards["麻生区"], kawasaki_wards["多摩区"]],
            fields=[activity_fields["環境の保全"]],
            description="=SUM(A1) と書く人もいる\n二行目",
            founded_year=1999,
            public_phone="+81-44-000-0000",
        ),
        PartnerFactory(
            name="非公開の会",
            partner_type=partner_types["civic_group"],
            municipality=kawasaki_wards["麻生区"].municipality,
            works_citywide=True,
            is_public=False,
            representative_name="代表 花子",
            private_email="hanako@example.jp",
        ),
    ]
    before = [_comparable(partner) for partner in partners]
    text = decode_upload(export_partners(Partner.objects.order_by("pk")))
    outcome = _import_text(text, admin_user)
    assert outcome.ok, outcome.errors
    assert (outcome.created, outcome.updated) == (0, 2)
    assert Partner.objects.count() == 2
    assert [_comparable(partner) for partner in partners] == before


def test_import_records_the_importing_user_in_history(kawasaki, admin_user):
    outcome = _import_text(_csv_text([_row(団体名="履歴の会")]), admin_user)
    assert outcome.ok, outcome.errors
    partner = Partner.objects.get(name="履歴の会")
    assert {row.history_user_id for row in partner.history.all()} == {admin_user.pk}
    assert "履歴の会" in partner.search_document


# --- encodings -------------------------------------------------------------------------------------


@pytest.mark.parametrize("encoding", ["utf-8", "utf-8-sig", "cp932"])
def test_import_reads_utf8_with_or_without_bom_and_shift_jis(kawasaki, admin_user, encoding):
    text = _csv_text([_row(団体名="髙橋ボランティアの会", フリガナ="タカハシ", 活動区="中原区")])
    data = text.encode(encoding)
    if encoding == "utf-8-sig":
        assert data.startswith(b"\xef\xbb\xbf")
    outcome = _import_text(decode_upload(data), admin_user)
    assert outcome.ok, outcome.errors
    partner = Partner.objects.get()
    assert partner.name == "髙橋ボランティアの会"  # 髙 exists in cp932, not in plain Shift_JIS
    assert list(partner.wards.values_list("name", flat=True)) == ["中原区"]


@pytest.mark.parametrize("data", [b"\x81\x20\x81\x20", b"\xef\xbb\xbf\x81\x20", "団体名\r\n".encode() + b"\x81"])
def test_undecodable_bytes_are_a_file_error(data):
    with pytest.raises(CsvFileError):
        decode_upload(data)


def test_file_over_the_size_limit_is_a_file_error(monkeypatch):
    monkeypatch.setattr(csv_io, "MAX_IMPORT_BYTES", 100)
    with pytest.raises(CsvFileError):
        decode_upload(("団体名,種別,自治体コード\r\n" * 10).encode())


# --- headers ---------------------------------------------------------------------------------------


def test_unknown_column_is_a_file_error():
    with pytest.raises(CsvFileError) as caught:
        read_rows("団体名,種別,自治体コード,好きな食べ物\r\nA,civic_group,141305,カレー\r\n")
    assert "好きな食べ物" in str(caught.value)


@pytest.mark.parametrize("missing", ["団体名", "種別", "自治体コード"])
def test_missing_required_column_is_a_file_error(missing):
    headers = [header for header in ("団体名", "種別", "自治体コード", "フリガナ") if header != missing]
    with pytest.raises(CsvFileError) as caught:
        read_rows(",".join(headers) + "\r\n")
    assert missing in str(caught.value)


def test_empty_file_is_a_file_error():
    with pytest.raises(CsvFileError):
        read_rows("")


def test_headers_are_normalised_and_blank_rows_skipped_but_counted():
    rows = read_rows("ＩＤ, 団体名 ,種別,自治体コード\r\n,A,civic_group,141305\r\n,,,\r\n,B,civic_group,141305\r\n")
    assert [(row.number, row.values["name"]) for row in rows] == [(2, "A"), (4, "B")]


# --- all or nothing --------------------------------------------------------------------------------


def test_any_bad_row_imports_nothing_and_every_error_names_its_row(kawasaki, admin_user):
    PartnerFactory(municipality=kawasaki, name="既存の会")
    text = _csv_text(
        [
            _row(団体名="正しい会"),
            _row(団体名="種別が変な会", 種別="宇宙人の会"),
            _row(団体名="番号が変なNPO", 種別="npo", 法人番号="9000020130001"),
        ],
        headers=["団体名", "種別", "自治体コード", "法人番号"],
    )
    outcome = _import_text(text, admin_user)
    assert not outcome.ok
    assert (outcome.created, outcome.updated) == (0, 0)
    assert {number for number, _message in outcome.errors} == {3, 4}
    assert list(Partner.objects.values_list("name", flat=True)) == ["既存の会"]


def test_same_corporate_number_twice_in_a_file_is_an_error_on_the_second(kawasaki, admin_user):
    text = _csv_text(
        [
            _row(団体名="一つ目のNPO", 種別="npo", 法人番号=NPO_NUMBER),
            _row(団体名="二つ目のNPO", 種別="npo", 法人番号="８０００-０２０-１３０００１"),
        ]
    )
    outcome = _import_text(text, admin_user)
    assert [number for number, _message in outcome.errors] == [3]
    assert not Partner.objects.exists()


def test_uploading_the_same_file_twice_creates_each_partner_once(kawasaki, admin_user):
    text = _csv_text([_row(団体名="海風の森をMAZUつくる会"), _row(団体名="ひまわり")])
    first = _import_text(text, admin_user)
    assert (first.created, first.errors) == (2, [])
    second = _import_text(text, admin_user)
    assert second.created == 0
    assert [number for number, _message in second.errors] == [2, 3]
    assert str(Partner.objects.get(name="海風の森をMAZUつくる会").pk) in second.errors[0][1]
    assert Partner.objects.count() == 2


def test_same_name_twice_in_a_file_is_an_error_on_the_second(kawasaki, admin_user):
    text = _csv_text([_row(団体名="ＡＢＣの会"), _row(団体名="ABCの会")])
    outcome = _import_text(text, admin_user)
    assert [number for number, _message in outcome.errors] == [3]
    assert not Partner.objects.exists()


def test_same_name_in_another_municipality_is_a_different_partner(kawasaki, higashikurume, admin_user):
    PartnerFactory(name="日本語教室の会", municipality=higashikurume)
    outcome = _import_text(_csv_text([_row(団体名="日本語教室の会")]), admin_user)
    assert (outcome.created, outcome.errors) == (1, [])


def test_corporate_number_already_in_the_database_is_an_error(kawasaki, admin_user, partner_types):
    PartnerFactory(partner_type=partner_types["npo"], corporate_number=NPO_NUMBER, municipality=kawasaki)
    outcome = _import_text(_csv_text([_row(種別="npo", 法人番号=NPO_NUMBER)]), admin_user)
    assert [number for number, _message in outcome.errors] == [2]
    assert Partner.objects.count() == 1


@pytest.mark.parametrize(
    "bad",
    [
        {"ID": "999999"},  # no such partner
        {"ID": "abc"},
        {"自治体コード": "999999"},
        {"活動区": "存在しない区"},
        {"活動区": "中原区、東久留米区"},
        {"活動分野": "宇宙開発"},
        {"市全域で活動": "たぶん"},
        {"公開": "maybe"},
        {"設立年": "1800"},
        {"ウェブサイト": "javascript:alert(1)"},
    ],
)
def test_row_level_errors(kawasaki, admin_user, bad):
    outcome = _import_text(_csv_text([_row(**bad)]), admin_user)
    assert outcome.errors
    assert {number for number, _message in outcome.errors} == {2}
    assert not Partner.objects.exists()


def test_ward_of_another_municipality_is_an_error(kawasaki, higashikurume, admin_user):
    outcome = _import_text(_csv_text([_row(自治体コード="132225", 活動区="中原区")]), admin_user)
    assert [number for number, _message in outcome.errors] == [2]


def test_import_resolves_names_codes_and_words(kawasaki, admin_user):
    text = _csv_text(
        [
            _row(
                団体名="ｶﾜｻｷ子ども食堂",
                種別="ＮＰＯ法人",  # the type's Japanese name, full-width
                法人番号="８０００-０２０-１３０００１",
                自治体コード="川崎市",  # the municipality's name
                活動区="中原区;高津区",
                活動分野="子どもの健全育成、環境の保全を図る活動",  # a name and a legal name
                市全域で活動="○",
                公開="非公開",
                設立年="２０１０",
            )
        ]
    )
    outcome = _import_text(text, admin_user)
    assert outcome.ok, outcome.errors
    partner = Partner.objects.get()
    assert partner.name == "ｶﾜｻｷ子ども食堂"  # stored as written; found and compared normalised
    assert partner.name_key == "カワサキ子ども食堂"
    assert partner.partner_type.code == "npo"
    assert partner.corporate_number == NPO_NUMBER
    assert partner.municipality == kawasaki
    assert set(partner.wards.values_list("name", flat=True)) == {"中原区", "高津区"}
    assert set(partner.fields.values_list("name", flat=True)) == {"子どもの健全育成", "環境の保全"}
    assert partner.works_citywide is True
    assert partner.is_public is False
    assert partner.founded_year == 2010


def test_fields_named_by_a_legal_name_containing_the_list_separator(kawasaki, admin_user):
    text = _csv_text([_row(活動分野="保健、医療又は福祉の増進を図る活動、子どもの健全育成")])
    outcome = _import_text(text, admin_user)
    assert outcome.ok, outcome.errors
    assert set(Partner.objects.get().fields.values_list("name", flat=True)) == {"保健・医療・福祉", "子どもの健全育成"}


@pytest.mark.parametrize("type_code", ["municipality", "city_department"])
def test_row_of_a_city_structure_type_is_a_row_error(kawasaki, admin_user, type_code):
    outcome = _import_text(_csv_text([_row(種別=type_code), _row(団体名="正しい会")]), admin_user)
    assert {number for number, _message in outcome.errors} == {2}
    assert not Partner.objects.exists()


def test_city_structure_partners_survive_an_export_import_round_trip(kawasaki, partner_types, admin_user):
    from partners.models import Department

    city = PartnerFactory(
        name="川崎市",
        partner_type=partner_types["municipality"],
        municipality=kawasaki,
        represented_municipality=kawasaki,
        corporate_number="7000020141305",
    )
    department = PartnerFactory(
        name="市民活動推進課",
        partner_type=partner_types["city_department"],
        municipality=kawasaki,
        department=Department.objects.get(name="市民活動推進課"),
    )
    outcome = _import_text(decode_upload(export_partners(Partner.objects.all())), admin_user)
    assert outcome.ok, outcome.errors
    assert outcome.updated == 2
    city.refresh_from_db()
    department.refresh_from_db()
    assert city.represented_municipality == kawasaki
    assert department.department.name == "市民活動推進課"


def test_new_rows_are_public_unless_the_file_says_otherwise(kawasaki, admin_user):
    _import_text(_csv_text([_row()]), admin_user)
    assert Partner.objects.get().is_public is True


def test_updating_from_a_file_with_fewer_columns_keeps_the_other_values(kawasaki, admin_user, kawasaki_wards):
    partner = PartnerFactory(
        municipality=kawasaki,
        name="非公開の会",
        description="大切な紹介文",
        representative_name="代表 太郎",
        wards=[kawasaki_wards["中原区"]],
        is_public=False,
    )
    text = _csv_text(
        [{"ID": str(partner.pk), "団体名": "改称した非公開の会", "種別": "civic_group", "自治体コード": "141305"}]
    )
    outcome = _import_text(text, admin_user)
    assert outcome.ok, outcome.errors
    partner.refresh_from_db()
    assert partner.name == "改称した非公開の会"
    assert partner.is_public is False
    assert partner.description == "大切な紹介文"
    assert partner.representative_name == "代表 太郎"
    assert list(partner.wards.values_list("name", flat=True)) == ["中原区"]


# --- admin views -----------------------------------------------------------------------------------


def _upload(data: bytes, name: str = "partners.csv") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, data, content_type="text/csv")


def test_admin_import_success_redirects_to_the_changelist(client_for, admin_user, kawasaki):
    data = _csv_text([_row(団体名="管理画面から来た会")]).encode("cp932")
    response = client_for(admin_user).post(reverse("admin:partners_partner_import"), {"file": _upload(data)})
    assert response.status_code == 302
    assert response["Location"] == reverse("admin:partners_partner_changelist")
    assert Partner.objects.filter(name="管理画面から来た会").exists()


def test_admin_import_failure_lists_the_rows_and_imports_nothing(client_for, admin_user, kawasaki):
    data = _csv_text(
        [
            _row(団体名="正しい会"),
            _row(団体名="変な会", 種別="宇宙人の会"),
            _row(団体名="変なNPO", 種別="npo", 法人番号="9000020130001"),
        ],
        headers=["団体名", "種別", "自治体コード", "法人番号"],
    ).encode()
    response = client_for(admin_user).post(reverse("admin:partners_partner_import"), {"file": _upload(data)})
    assert response.status_code == 200
    assert {number for number, _message in response.context["outcome"].errors} == {3, 4}
    html = response.content.decode()
    assert "<td>3</td>" in html and "<td>4</td>" in html
    assert "宇宙人の会" in html
    assert not Partner.objects.exists()


def test_admin_import_of_an_unreadable_file_shows_the_file_error(client_for, admin_user, kawasaki):
    response = client_for(admin_user).post(
        reverse("admin:partners_partner_import"), {"file": _upload(b"\x81\x20\x81\x20")}
    )
    assert response.status_code == 200
    assert response.context["file_error"]
    assert response.context["outcome"] is None


def test_admin_import_without_a_file_shows_the_form_error(client_for, admin_user):
    response = client_for(admin_user).post(reverse("admin:partners_partner_import"), {})
    assert response.status_code == 200
    assert "file" in response.context["form"].errors


def test_admin_import_get_shows_the_columns(client_for, admin_user):
    response = client_for(admin_user).get(reverse("admin:partners_partner_import"))
    assert response.status_code == 200
    assert "、".join(HEADERS) in response.content.decode()


def test_admin_export_honours_the_changelist_filters(client_for, admin_user, kawasaki, partner_types):
    PartnerFactory(
        name="NPOの会", partner_type=partner_types["npo"], corporate_number=NPO_NUMBER, municipality=kawasaki
    )
    PartnerFactory(name="任意の会", partner_type=partner_types["civic_group"], municipality=kawasaki)
    url = reverse("admin:partners_partner_export")
    client = client_for(admin_user)

    response = client.get(url, {"partner_type__id__exact": partner_types["npo"].pk})
    assert response.status_code == 200
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert response["Content-Disposition"].startswith('attachment; filename="partners-')
    assert [row["団体名"] for row in _parse_export(response.content)] == ["NPOの会"]

    everything = client.get(url)
    assert sorted(row["団体名"] for row in _parse_export(everything.content)) == ["NPOの会", "任意の会"]


def test_admin_export_honours_the_changelist_search(client_for, admin_user, kawasaki):
    PartnerFactory(name="森の会", municipality=kawasaki)
    PartnerFactory(name="海の会", municipality=kawasaki)
    response = client_for(admin_user).get(reverse("admin:partners_partner_export"), {"q": "森"})
    assert [row["団体名"] for row in _parse_export(response.content)] == ["森の会"]


def test_admin_export_selected_action(client_for, admin_user, kawasaki):
    chosen = PartnerFactory(name="選ばれた会", municipality=kawasaki)
    PartnerFactory(name="選ばれない会", municipality=kawasaki)
    response = client_for(admin_user).post(
        reverse("admin:partners_partner_changelist"),
        {"action": "export_selected_csv", "_selected_action": [chosen.pk]},
    )
    assert response.status_code == 200
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert [row["団体名"] for row in _parse_export(response.content)] == ["選ばれた会"]


def test_many_partners_export_and_reimport_without_duplicates(kawasaki, partner_types, admin_user):
    for n in range(15):
        PartnerFactory(
            partner_type=partner_types["npo"], corporate_number=valid_corporate_number(n + 1), municipality=kawasaki
        )
    text = decode_upload(export_partners(Partner.objects.all()))
    outcome = _import_text(text, admin_user)
    assert outcome.ok, outcome.errors
    assert outcome.updated == 15
    assert Partner.objects.count() == 15


def test_duplicated_header_is_a_file_error():
    with pytest.raises(CsvFileError):
        read_rows("団体名,種別,自治体コード,団体名\r\n会,civic_group,141305,別の会\r\n")


def test_cells_beyond_the_columns_are_a_row_error(kawasaki, admin_user):
    outcome = _import_text("団体名,種別,自治体コード\r\n会,civic_group,141305,はみ出し\r\n", admin_user)
    assert [number for number, _message in outcome.errors] == [2]
    assert not Partner.objects.exists()


def test_municipality_code_without_its_leading_zero_is_understood(admin_user, reference_data):
    from partners.models import Municipality

    Municipality.objects.create(code="011002", name="札幌市", prefecture="北海道")
    outcome = _import_text(_csv_text([_row(自治体コード="11002")]), admin_user)
    assert (outcome.created, outcome.errors) == (1, [])
    assert Partner.objects.get().municipality.code == "011002"


def test_same_name_twice_in_a_file_names_the_earlier_row_not_an_id(kawasaki, admin_user):
    outcome = _import_text(_csv_text([_row(団体名="同じ会"), _row(団体名="同じ会")]), admin_user)
    assert len(outcome.errors) == 1
    number, message = outcome.errors[0]
    assert number == 3
    assert "2" in message and "ID" not in message


def test_admin_search_finds_a_partner_by_its_corporate_number(client_for, admin_user, kawasaki, partner_types):
    partner = PartnerFactory(
        municipality=kawasaki, partner_type=partner_types["npo"], corporate_number=valid_corporate_number(3)
    )
    PartnerFactory(municipality=kawasaki)
    number = valid_corporate_number(3)
    full_width = number[0] + "-" + "".join(chr(ord(digit) + 0xFEE0) for digit in number[1:])
    response = client_for(admin_user).get(reverse("admin:partners_partner_changelist"), {"q": full_width})
    assert list(response.context["cl"].result_list) == [partner]


def test_a_failing_row_rolls_back_an_earlier_update_and_its_history(kawasaki, admin_user):
    partner = PartnerFactory(municipality=kawasaki, name="元の名前の会")
    history_before = partner.history.count()
    text = _csv_text(
        [
            {"ID": str(partner.pk), "団体名": "新しい名前の会", "種別": "civic_group", "自治体コード": "141305"},
            {"ID": "", "団体名": "種別が変な会", "種別": "宇宙人の会", "自治体コード": "141305"},
        ]
    )
    outcome = _import_text(text, admin_user)
    assert [number for number, _message in outcome.errors] == [3]
    partner.refresh_from_db()
    assert partner.name == "元の名前の会"
    assert partner.history.count() == history_before
