"""What changed between two submitted revisions of a proposal, field by field and row by row."""

import difflib
from dataclasses import dataclass

from proposals.forms import SECTIONS
from proposals.models import BudgetLine, Proposal

# The row sections of a revision and the keys of their rows, in the order of the form.
ROW_KEYS = {
    "roles": ("task", "organisation_part", "city_part"),
    "schedule": ("when", "what"),
    "indicators": ("name", "target", "unit"),
    "budget": ("side", "source", "item", "note", "amount"),
    "participants": ("name", "role"),
    "attachments": ("document", "name", "size"),
}


@dataclass(frozen=True)
class Segment:
    """A piece of text: unchanged ("equal"), taken out ("delete") or put in ("insert")."""

    kind: str
    text: str


@dataclass(frozen=True)
class Change:
    label: str
    segments: list[Segment]


def text_segments(old: str, new: str) -> list[Segment]:
    """A character-level diff: Japanese has no spaces, so words are not the unit."""
    matcher = difflib.SequenceMatcher(a=old, b=new, autojunk=False)
    segments = []
    for operation, a_start, a_end, b_start, b_end in matcher.get_opcodes():
        if operation == "equal":
            segments.append(Segment("equal", old[a_start:a_end]))
            continue
        if operation in ("delete", "replace"):
            segments.append(Segment("delete", old[a_start:a_end]))
        if operation in ("insert", "replace"):
            segments.append(Segment("insert", new[b_start:b_end]))
    return segments


def _row_text(section: str, row: dict, keys: tuple[str, ...]) -> str:
    values = []
    for key in keys:
        value = row.get(key, "")
        if section == "budget" and key == "side":
            value = BudgetLine.Side(value).label if value in BudgetLine.Side.values else value
        elif section == "budget" and key == "source":
            value = BudgetLine.Source(value).label if value in BudgetLine.Source.values else ""
        elif key in ("amount",) and value not in ("", None):
            value = f"{int(value):,}円"
        values.append(str(value if value is not None else ""))
    return " / ".join(value for value in values if value)


def revision_changes(old: dict, new: dict) -> list[Change]:
    """The fields and row sections that differ between two revision contents, in the order of the form."""
    changes = []
    labels = {field.name: str(field.verbose_name) for field in Proposal._meta.concrete_fields}
    old_fields, new_fields = old.get("fields", {}), new.get("fields", {})
    for name in list(new_fields) + [name for name in old_fields if name not in new_fields]:
        before, after = str(old_fields.get(name, "")), str(new_fields.get(name, ""))
        if before != after:
            changes.append(Change(labels.get(name, name), text_segments(before, after)))
    for section, keys in ROW_KEYS.items():
        before = "\n".join(_row_text(section, row, keys) for row in old.get(section, []))
        after = "\n".join(_row_text(section, row, keys) for row in new.get(section, []))
        if before != after:
            changes.append(Change(str(SECTIONS[section]), text_segments(before, after)))
    return changes
