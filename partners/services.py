"""Every write to partners: saving from a form, verification, search upkeep and CSV import."""

from collections.abc import Iterable
from dataclasses import dataclass, field

from django.core.exceptions import ValidationError
from django.db import transaction
from django.forms import ModelForm
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import User
from kyodo_portal.search import refresh_derived, search_fields
from kyodo_portal.text import normalize, tidy_line
from partners.csv_io import CsvRow, ReferenceLookup, existing_partners, row_partner_id
from partners.forms import PartnerImportForm
from partners.models import ActivityField, Partner, PartnerType, Ward, kana_sort_key, partner_history
from partners.signals import partner_renamed


class PartnerServiceError(Exception):
    """A write that cannot be done, with a message for the user."""


def partner_derived_values(partner: Partner) -> dict[str, str]:
    """The columns computed from a partner and its relations: reading order and search text."""
    return {
        "sort_key": kana_sort_key(partner.name_kana or partner.name),
        "name_key": normalize(partner.name),
        **search_fields(
            partner.name,
            partner.name_kana,
            partner.name_en,
            partner.partner_type.name,
            partner.description,
            partner.public_address,
            *(activity_field.name for activity_field in partner.fields.all()),
            *(ward.name for ward in partner.wards.all()),
        ),
    }


def partners_refresh_derived(*, partners: Iterable[Partner] | None = None) -> int:
    """Recompute the derived columns (after a fixture load or a rename of a field of activity)."""
    if partners is None:
        partners = Partner.objects.select_related("partner_type").prefetch_related("fields", "wards")
    return refresh_derived(Partner, partners, partner_derived_values)


def _refresh_one(partner: Partner) -> None:
    values = partner_derived_values(partner)
    for name, value in values.items():
        setattr(partner, name, value)
    Partner.objects.filter(pk=partner.pk).update(**values)


@transaction.atomic
def partner_save_from_form(*, form: ModelForm, user: User | None, reason: str = "") -> Partner:
    """Save a validated partner form with its relations, history author and search columns."""
    partner: Partner = form.save(commit=False)
    created = partner.pk is None
    renamed = not created and "name" in form.changed_data
    partner._history_user = user
    if reason:
        partner._change_reason = reason
    # simple-history would write one entry for the save and one more per relation changed; one edit
    # is one entry, with the relations as saved.
    partner.skip_history_when_saving = True
    try:
        partner.save()
        form.save_m2m()
    finally:
        del partner.skip_history_when_saving
    partner_history.create_historical_record(partner, "+" if created else "~")
    _refresh_one(partner)
    if renamed:
        partner_renamed.send(sender=Partner, partner=partner)
    return partner


@transaction.atomic
def partner_verify(*, partner: Partner, user: User) -> Partner:
    """Mark a partner as verified by an administrator; its record must be complete and valid."""
    partner = Partner.objects.select_for_update().select_related("partner_type").get(pk=partner.pk)
    if partner.is_verified:
        return partner
    partner.verified_at = timezone.now()
    partner.verified_by = user
    try:
        partner.full_clean(exclude=["logo"])
    except ValidationError as error:
        raise PartnerServiceError(
            _("%(name)s cannot be verified until its record is complete: %(errors)s")
            % {"name": partner.name, "errors": "; ".join(_flatten_errors(error))}
        ) from error
    partner._history_user = user
    partner._change_reason = _("Verified")
    partner.save(update_fields=["verified_at", "verified_by"])
    return partner


def partners_record_initial_history(*, partner_ids: list[int], reason: str) -> int:
    """History entries for partners that were inserted without one (by a fixture load)."""
    partners = list(Partner.objects.filter(pk__in=partner_ids))
    Partner.history.bulk_history_create(partners, default_change_reason=reason)
    return len(partners)


def partners_verify_complete(*, partner_ids: list[int], user: User) -> tuple[int, int]:
    """Verify those of the partners whose records are complete; the others stay unverified."""
    verified = left = 0
    for partner in Partner.objects.filter(pk__in=partner_ids, verified_at__isnull=True):
        try:
            partner_verify(partner=partner, user=user)
            verified += 1
        except PartnerServiceError:
            left += 1
    return verified, left


@transaction.atomic
def partner_unverify(*, partner: Partner, user: User) -> Partner:
    partner = Partner.objects.select_for_update().get(pk=partner.pk)
    if not partner.is_verified:
        return partner
    partner.verified_at = None
    partner.verified_by = None
    partner._history_user = user
    partner._change_reason = _("Verification withdrawn")
    partner.save(update_fields=["verified_at", "verified_by"])
    return partner


def partners_of(instance: ActivityField | PartnerType | Ward) -> list[int]:
    """The partners whose search text holds this field's, type's or ward's name."""
    related = {ActivityField: "fields", PartnerType: "partner_type", Ward: "wards"}[type(instance)]
    return list(Partner.objects.filter(**{related: instance}).values_list("pk", flat=True).distinct())


def partners_refresh_ids(partner_ids) -> int:
    """Recompute the derived columns of these partners, a chunk at a time."""
    partner_ids = list(partner_ids)
    refreshed = 0
    for start in range(0, len(partner_ids), 1000):
        partners = (
            Partner.objects.filter(pk__in=partner_ids[start : start + 1000])
            .select_related("partner_type")
            .prefetch_related("fields", "wards")
        )
        refreshed += partners_refresh_derived(partners=partners)
    return refreshed


def reference_renamed(*, instance: ActivityField | PartnerType | Ward) -> int:
    """Names of fields, types and wards are part of their partners' search text; refresh those partners."""
    return partners_refresh_ids(partners_of(instance))


@transaction.atomic
def reference_delete(*, instance: ActivityField | Ward) -> int:
    """Delete a field of activity or a ward, and take its name out of its partners' search text."""
    partner_ids = partners_of(instance)
    instance.delete()
    return partners_refresh_ids(partner_ids)


def _flatten_errors(error) -> list[str]:
    if hasattr(error, "message_dict"):
        return [message for messages in error.message_dict.values() for message in messages]
    return [str(message) for message in getattr(error, "messages", [error])]


@dataclass
class ImportOutcome:
    created: int = 0
    updated: int = 0
    errors: list[tuple[int, str]] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.errors


def _same_name_errors(data: dict, new_names: dict[tuple[str, int], int]) -> list[str]:
    """A new row must not repeat a partner of the same municipality: uploading one file twice, or a
    name twice in one file, would otherwise create the partner twice. Names compare normalised."""
    name = tidy_line(data.get("name", ""))
    key = normalize(name)
    if not key or not data.get("municipality"):
        return []
    earlier_row = new_names.get((key, data["municipality"]))
    if earlier_row is not None:
        return [_("%(name)s is already on row %(row)s of this file.") % {"name": name, "row": earlier_row}]
    existing = Partner.objects.filter(name_key=key, municipality_id=data["municipality"]).first()
    if existing is None:
        return []
    return [
        _("%(name)s is already registered (ID %(id)s); give its ID to update it.") % {"name": name, "id": existing.pk}
    ]


class _RollBack(Exception):
    """Raised inside the import transaction to undo every row when any row failed."""


def partners_import(*, rows: list[CsvRow], user: User) -> ImportOutcome:
    """Import CSV rows all or nothing: any row's error rolls back every row, and all errors are reported.

    Rows are saved one by one inside one transaction so that a later row is checked against the
    earlier ones (for example, the same 法人番号 twice in one file).
    """
    outcome = ImportOutcome()
    lookup = ReferenceLookup()
    may_create = user.has_perm("partners.add_partner")
    new_names: dict[tuple[str, int], int] = {}
    ids = [row_partner_id(row) for row in rows]
    instances = existing_partners([partner_id for partner_id, _error in ids if partner_id])
    try:
        with transaction.atomic():
            for row, (partner_id, id_error) in zip(rows, ids, strict=True):
                instance = instances.get(partner_id) if partner_id else None
                data, lookup_errors, failed_fields = lookup.form_data(row, instance)
                if id_error:
                    lookup_errors.append(id_error)
                if partner_id and instance is None:
                    lookup_errors.append(_("No partner has ID %(id)s.") % {"id": partner_id})
                if instance is None and not id_error:
                    if not may_create:
                        lookup_errors.append(_("You may update partners but not add new ones."))
                    lookup_errors.extend(_same_name_errors(data, new_names))
                form = PartnerImportForm(data=data, instance=instance)
                row_errors = list(lookup_errors)
                if not form.is_valid():
                    row_errors += [
                        f"{form.fields[name].label if name in form.fields else ''}: {message}".lstrip(": ")
                        for name, messages in form.errors.items()
                        if name not in failed_fields  # already said, in the lookup's words
                        for message in messages
                    ]
                if row_errors:
                    outcome.errors.extend((row.number, message) for message in row_errors)
                    continue
                partner = partner_save_from_form(form=form, user=user, reason=_("CSV import"))
                if instance is None:
                    new_names[(normalize(partner.name), partner.municipality_id)] = row.number
                    outcome.created += 1
                else:
                    outcome.updated += 1
            if outcome.errors:
                raise _RollBack
    except _RollBack:
        outcome.created = outcome.updated = 0
    return outcome
