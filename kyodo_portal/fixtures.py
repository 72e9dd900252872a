"""Loading the portal's fixtures without overwriting what people have changed since.

`loaddata` overwrites rows that share a primary key; here a row is inserted only when its primary key
is free, so running `make run` again keeps every edit and duplicates nothing.
"""

from collections import defaultdict
from pathlib import Path

from django.conf import settings
from django.core import serializers
from django.core.management.color import no_style
from django.db import connection, transaction

FIXTURE_DIR = Path(settings.BASE_DIR) / "fixtures"

# Reference data every deployment needs; the city's structure; then demo content for development.
REFERENCE_FIXTURES = ("reference", "city")
DEMO_FIXTURES = ("demo_partners",)


@transaction.atomic
def fixtures_load_missing(*, names: tuple[str, ...]) -> dict[str, int]:
    """Insert the objects of the named fixtures whose primary keys are not taken; count per model."""
    inserted: dict[str, int] = defaultdict(int)
    touched_models = set()
    for name in names:
        path = FIXTURE_DIR / f"{name}.json"
        with path.open(encoding="utf-8") as stream:
            objects = list(serializers.deserialize("json", stream))
        by_model = defaultdict(list)
        for deserialized in objects:
            by_model[type(deserialized.object)].append(deserialized)
        for model, items in by_model.items():
            existing = set(
                model._default_manager.filter(pk__in=[item.object.pk for item in items]).values_list("pk", flat=True)
            )
            for item in items:
                if item.object.pk in existing:
                    continue
                item.save()
                inserted[model._meta.label] += 1
                touched_models.add(model)
    if touched_models:
        # Rows inserted with explicit keys leave PostgreSQL's sequences behind; move them past the rows.
        statements = connection.ops.sequence_reset_sql(no_style(), list(touched_models))
        with connection.cursor() as cursor:
            for statement in statements:
                cursor.execute(statement)
    return dict(inserted)
