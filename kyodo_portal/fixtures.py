"""Loading the portal's fixtures without overwriting or resurrecting what people have changed since.

`loaddata` overwrites rows that share a primary key. Here each fixture row is inserted at most once
per database (remembered in LoadedFixtureRow): an edited row keeps its edits, a deleted row stays
deleted, and a row that would clash with data entered since (the same code or 法人番号) is skipped.
"""

from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path

from django.conf import settings
from django.core import serializers
from django.core.management.color import no_style
from django.db import IntegrityError, connection, transaction

from kyodo_portal.models import LoadedFixtureRow

FIXTURE_DIR = Path(settings.BASE_DIR) / "fixtures"

# Reference data every deployment needs; the city's structure; then demo content for development.
REFERENCE_FIXTURES = ("reference", "city", "projects_reference", "evaluations_reference", "window_reference")
DEMO_FIXTURES = ("demo_partners", "demo_projects")


@dataclass
class FixtureLoad:
    inserted: dict[str, list] = field(default_factory=lambda: defaultdict(list))
    skipped: dict[str, list] = field(default_factory=lambda: defaultdict(list))

    def counts(self) -> dict[str, int]:
        return {label: len(pks) for label, pks in self.inserted.items()}


class _PresentKeys:
    """The primary keys each model has in the database, read once and kept up to date while loading."""

    def __init__(self) -> None:
        self._keys: dict[type, set] = {}

    def of(self, model) -> set:
        if model not in self._keys:
            self._keys[model] = set(model._default_manager.values_list("pk", flat=True))
        return self._keys[model]

    def added(self, model, pk) -> None:
        self.of(model).add(pk)


def _references_present(item, present: _PresentKeys) -> bool:
    """Whether every row this fixture row points to is there. Foreign keys are checked only at
    commit, so a row pointing to a skipped or deleted row would otherwise fail the whole load; its
    many-to-many links to missing rows are dropped."""
    obj = item.object
    for model_field in obj._meta.concrete_fields:
        if model_field.is_relation and model_field.many_to_one:
            value = getattr(obj, model_field.attname)
            if value is not None and value not in present.of(model_field.related_model):
                return False
    for name, values in (item.m2m_data or {}).items():
        related = obj._meta.get_field(name).related_model
        item.m2m_data[name] = [value for value in values if value in present.of(related)]
    return True


@transaction.atomic
def fixtures_load_missing(*, names: tuple[str, ...]) -> FixtureLoad:
    """Insert the rows of the named fixtures that this database has never had."""
    result = FixtureLoad()
    present = _PresentKeys()
    touched_models = set()
    for name in names:
        with (FIXTURE_DIR / f"{name}.json").open(encoding="utf-8") as stream:
            objects = list(serializers.deserialize("json", stream))
        by_model = defaultdict(list)
        for deserialized in objects:
            by_model[type(deserialized.object)].append(deserialized)
        for model, items in by_model.items():
            label = model._meta.label
            seen = set(LoadedFixtureRow.objects.filter(fixture=name, model=label).values_list("object_pk", flat=True))
            loaded = []
            for item in items:
                key = str(item.object.pk)
                if key in seen:
                    continue
                loaded.append(key)
                if item.object.pk in present.of(model):
                    continue  # already here (loaded before this bookkeeping existed): adopt it as loaded
                if not _references_present(item, present):
                    result.skipped[label].append(item.object.pk)
                    continue
                # Relations set by the load would each write a history entry; the caller writes one
                # initial entry per row instead (partners_record_initial_history).
                item.object.skip_history_when_saving = True
                try:
                    with transaction.atomic():
                        item.save()
                except IntegrityError:
                    result.skipped[label].append(item.object.pk)
                    continue
                result.inserted[label].append(item.object.pk)
                present.added(model, item.object.pk)
                touched_models.add(model)
            LoadedFixtureRow.objects.bulk_create(
                [LoadedFixtureRow(fixture=name, model=label, object_pk=key) for key in loaded]
            )
    if touched_models:
        # Rows inserted with explicit keys leave PostgreSQL's sequences behind; move them past the rows.
        with connection.cursor() as cursor:
            for statement in connection.ops.sequence_reset_sql(no_style(), list(touched_models)):
                cursor.execute(statement)
    return result
