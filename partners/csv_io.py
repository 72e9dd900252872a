"""CSV exchange of partner records: UTF-8 with BOM out; UTF-8 or Shift_JIS (cp932) in.

The headers are Japanese and fixed (they are a file format, not interface text), so a file exported
in either interface language imports again unchanged.
"""

import csv
import io
from dataclasses import dataclass

from django.utils import timezone
from django.utils.translation import gettext as _

from kyodo_portal.text import normalize, normalize_line
from partners.models import ActivityField, Municipality, Partner, PartnerType, Ward

MAX_IMPORT_BYTES = 5 * 1024 * 1024
# Each row is validated and saved with its history; 1,000 rows stay well inside a request's time.
MAX_IMPORT_ROWS = 1000
MAX_ID = 2**63 - 1
LIST_SEPARATORS = ("、", ",", ";", "|")
FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")
TRUE_WORDS = {"1", "true", "yes", "y", "はい", "公開", "○", "◯", "有"}
FALSE_WORDS = {"", "0", "false", "no", "n", "いいえ", "非公開", "×", "無"}

COLUMNS: list[tuple[str, str]] = [
    ("id", "ID"),
    ("name", "団体名"),
    ("name_kana", "フリガナ"),
    ("name_en", "英語名"),
    ("partner_type", "種別"),
    ("corporate_number", "法人番号"),
    ("municipality", "自治体コード"),
    ("wards", "活動区"),
    ("works_citywide", "市全域で活動"),
    ("fields", "活動分野"),
    ("description", "紹介"),
    ("founded_year", "設立年"),
    ("website", "ウェブサイト"),
    ("public_contact_name", "公開連絡先担当者"),
    ("public_email", "公開メール"),
    ("public_phone", "公開電話"),
    ("public_address", "公開所在地"),
    ("representative_name", "代表者"),
    ("private_email", "非公開メール"),
    ("private_phone", "非公開電話"),
    ("private_address", "非公開所在地"),
    ("is_public", "公開"),
    ("verified", "確認済み"),
    ("updated_at", "更新日時"),
]
EXPORT_ONLY = {"verified", "updated_at"}
RESOLVED_KEYS = {"id", "partner_type", "municipality", "wards", "fields", "works_citywide", "is_public"}
PLAIN_IMPORT_KEYS = [key for key, _header in COLUMNS if key not in EXPORT_ONLY | RESOLVED_KEYS]
REQUIRED_HEADERS = {"団体名", "種別", "自治体コード"}
HEADER_TO_KEY = {header: key for key, header in COLUMNS}


class CsvFileError(Exception):
    """The file as a whole cannot be read (encoding, headers, size)."""


def safe_cell(value: str) -> str:
    # Spreadsheets run cells that start like a formula; a leading apostrophe keeps them text. A value
    # that starts with an apostrophe itself gets one more, so that import gives back exactly the value.
    return f"'{value}" if value.startswith((*FORMULA_PREFIXES, "'")) else value


def _unsafe_cell(value: str) -> str:
    return value[1:] if value.startswith("'") and value[1:].startswith((*FORMULA_PREFIXES, "'")) else value


def export_partners(partners) -> bytes:
    """The partners as CSV bytes, UTF-8 with a BOM so that Excel opens it as UTF-8."""
    output = io.StringIO()
    writer = csv.writer(output, lineterminator="\r\n")
    writer.writerow([header for _key, header in COLUMNS])
    for partner in partners:
        row = {
            "id": str(partner.pk),
            "partner_type": partner.partner_type.code,
            "municipality": partner.municipality.code,
            "wards": "、".join(ward.name for ward in partner.wards.all()),
            "works_citywide": "はい" if partner.works_citywide else "いいえ",
            "fields": "、".join(field.name for field in partner.fields.all()),
            "founded_year": "" if partner.founded_year is None else str(partner.founded_year),
            "is_public": "はい" if partner.is_public else "いいえ",
            "verified": "はい" if partner.is_verified else "いいえ",
            "updated_at": timezone.localtime(partner.updated_at).strftime("%Y-%m-%d %H:%M")
            if partner.updated_at
            else "",
        }
        writer.writerow([safe_cell(row.get(key, getattr(partner, key, "") or "")) for key, _header in COLUMNS])
    return ("\ufeff" + output.getvalue()).encode("utf-8")


def decode_upload(data: bytes) -> str:
    if len(data) > MAX_IMPORT_BYTES:
        raise CsvFileError(_("The file is too large (5 MB at most)."))
    for encoding in ("utf-8-sig", "cp932"):
        try:
            return data.decode(encoding)
        except UnicodeDecodeError:
            continue
    raise CsvFileError(_("The file's character encoding is not UTF-8 or Shift_JIS; save it as CSV UTF-8."))


@dataclass
class CsvRow:
    number: int
    values: dict[str, str]
    has_extra_cells: bool = False


def read_rows(text: str) -> list[CsvRow]:
    reader = csv.reader(io.StringIO(text))
    try:
        headers = [normalize_line(header) for header in next(reader)]
    except StopIteration:
        raise CsvFileError(_("The file is empty.")) from None
    except csv.Error as error:
        raise CsvFileError(_("The file is not valid CSV: %(error)s") % {"error": error}) from None
    duplicated = sorted({header for header in headers if header and headers.count(header) > 1})
    if duplicated:
        raise CsvFileError(_("Columns appear more than once: %(columns)s") % {"columns": "、".join(duplicated)})
    unknown = [header for header in headers if header and header not in HEADER_TO_KEY]
    if unknown:
        raise CsvFileError(
            _("Unknown columns: %(unknown)s. Use the columns of the export: %(expected)s")
            % {"unknown": "、".join(unknown), "expected": "、".join(header for _key, header in COLUMNS)}
        )
    missing = REQUIRED_HEADERS - set(headers)
    if missing:
        raise CsvFileError(_("Required columns are missing: %(missing)s") % {"missing": "、".join(sorted(missing))})
    rows = []
    try:
        for number, cells in enumerate(reader, start=2):
            if not any(cell.strip() for cell in cells):
                continue
            if len(rows) >= MAX_IMPORT_ROWS:
                raise CsvFileError(_("Too many rows (%(max)s at most).") % {"max": MAX_IMPORT_ROWS})
            values = {
                HEADER_TO_KEY[header]: _unsafe_cell(cell.strip())
                for header, cell in zip(headers, cells, strict=False)
                if header
            }
            extra = any(cell.strip() for cell in cells[len(headers) :])
            rows.append(CsvRow(number=number, values=values, has_extra_cells=extra))
    except csv.Error as error:
        raise CsvFileError(_("The file is not valid CSV: %(error)s") % {"error": error}) from None
    return rows


def split_list(value: str) -> list[str]:
    items = [normalize_line(value)]
    for separator in LIST_SEPARATORS:
        items = [part for item in items for part in item.split(separator)]
    return [item.strip() for item in items if item.strip()]


def parse_bool(value: str, *, default: bool) -> bool:
    word = normalize(value)
    if word in TRUE_WORDS:
        return True
    if word in FALSE_WORDS:
        return default if word == "" else False
    raise ValueError(value)


class ReferenceLookup:
    """Resolves the names and codes a CSV row uses to the rows they mean, with few queries."""

    def __init__(self) -> None:
        self.types = {}
        for partner_type in PartnerType.objects.all():
            self.types[normalize(partner_type.code)] = partner_type
            self.types[normalize(partner_type.name)] = partner_type
        self.municipalities = {}
        for municipality in Municipality.objects.all():
            self.municipalities[municipality.code] = municipality
            self.municipalities[normalize(municipality.name)] = municipality
        self.wards = {(ward.municipality_id, normalize(ward.name)): ward for ward in Ward.objects.all()}
        self.fields = {}
        for activity_field in ActivityField.objects.all():
            self.fields[normalize(activity_field.name)] = activity_field
            if activity_field.legal_name:
                self.fields[normalize(activity_field.legal_name)] = activity_field

    def resolve_fields(self, cell: str) -> tuple[list[ActivityField], list[str]]:
        """Fields named in a cell. Legal names contain 、 themselves, so the longest known join of
        consecutive pieces wins (保健、医療又は福祉の増進を図る活動 is one field, not three)."""
        pieces = split_list(cell)
        found: list[ActivityField] = []
        unknown: list[str] = []
        start = 0
        while start < len(pieces):
            for end in range(len(pieces), start, -1):
                activity_field = self.fields.get(normalize("、".join(pieces[start:end])))
                if activity_field is not None:
                    found.append(activity_field)
                    start = end
                    break
            else:
                unknown.append(pieces[start])
                start += 1
        return found, unknown

    def form_data(self, row: CsvRow, instance: Partner | None) -> tuple[dict, list[str], set[str]]:
        """The form data for a row, its lookup errors, and the fields those errors are about.

        A row that updates a partner starts from the partner's current values, so a column the file
        does not have keeps its value rather than being emptied.
        """
        values = row.values
        errors: list[str] = []
        failed: set[str] = set()
        if row.has_extra_cells:
            errors.append(_("The row has more cells than the file has columns."))
        data = current_form_data(instance) if instance is not None else {}
        for key in PLAIN_IMPORT_KEYS:
            if key in values or instance is None:
                data[key] = values.get(key, "")
        if "partner_type" in values or instance is None:
            partner_type = self.types.get(normalize(values.get("partner_type", "")))
            if partner_type is None:
                errors.append(_("Unknown type: %(value)s") % {"value": values.get("partner_type", "")})
                failed.add("partner_type")
            data["partner_type"] = partner_type.pk if partner_type else ""
        if "municipality" in values or instance is None:
            municipality = self.municipalities.get(_municipality_key(values.get("municipality", "")))
            if municipality is None:
                errors.append(_("Unknown municipality: %(value)s") % {"value": values.get("municipality", "")})
                failed.add("municipality")
            data["municipality"] = municipality.pk if municipality else ""
        if "wards" in values or instance is None:
            data["wards"] = []
            for name in split_list(values.get("wards", "")):
                ward = self.wards.get((data.get("municipality") or None, normalize(name)))
                if ward is None:
                    errors.append(_("Unknown ward: %(value)s") % {"value": name})
                else:
                    data["wards"].append(ward.pk)
        if "fields" in values or instance is None:
            found, unknown = self.resolve_fields(values.get("fields", ""))
            data["fields"] = [activity_field.pk for activity_field in found]
            errors.extend(_("Unknown field of activity: %(value)s") % {"value": name} for name in unknown)
        for key, default in (("works_citywide", False), ("is_public", True)):
            if key in values or instance is None:
                try:
                    data[key] = "on" if parse_bool(values.get(key, ""), default=default) else ""
                except ValueError:
                    errors.append(_("Write はい or いいえ, not %(value)s") % {"value": values.get(key)})
        return data, errors, failed


def _municipality_key(value: str) -> str:
    # Spreadsheets drop the leading zero of codes of prefectures 01–09 (011002 → 11002).
    key = normalize(value)
    return key.zfill(6) if key.isdigit() and len(key) == 5 else key


def row_partner_id(row: CsvRow) -> tuple[int | None, str | None]:
    """The ID of the partner a row updates (None for a new partner), or an error."""
    value = row.values.get("id", "")
    if not value:
        return None, None
    try:
        number = int(normalize_line(value))
    except ValueError:
        return None, _("ID %(value)s is not a number.") % {"value": value}
    if not 1 <= number <= MAX_ID:
        return None, _("No partner has ID %(id)s.") % {"id": value}
    return number, None


def current_form_data(partner: Partner) -> dict:
    data = {key: getattr(partner, key) for key in PLAIN_IMPORT_KEYS}
    data = {key: "" if value is None else value for key, value in data.items()}
    data.update(
        partner_type=partner.partner_type_id,
        municipality=partner.municipality_id,
        wards=[ward.pk for ward in partner.wards.all()],
        fields=[activity_field.pk for activity_field in partner.fields.all()],
        works_citywide="on" if partner.works_citywide else "",
        is_public="on" if partner.is_public else "",
    )
    return data


def existing_partners(ids: list[int]) -> dict[int, Partner]:
    partners = Partner.objects.filter(pk__in=ids).select_related("partner_type").prefetch_related("wards", "fields")
    return {partner.pk: partner for partner in partners}
