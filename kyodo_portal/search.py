"""Japanese keyword search over a normalised search document, for any model that carries one.

A searchable model has two text columns, kept up to date by its services:
``search_document`` (normalised text) and ``search_grams`` (its one- and two-character grams).
Terms of three or more characters use ``LIKE '%term%'`` on the document, served on PostgreSQL by a
pg_trgm GIN index; shorter terms, which trigrams cannot serve, match an exact gram through a GIN
index on ``string_to_array(search_grams, ' ')``. SQLite scans; the results are the same.
"""

from collections.abc import Callable, Iterable

from django.db import models
from django.db.models import Lookup, Q, QuerySet

from kyodo_portal.text import normalize, search_terms, short_grams

SHORT_TERM_LENGTH = 2


@models.TextField.register_lookup
class HasGram(Lookup):
    """``search_grams__has_gram='森'``: the space-separated gram list contains this gram."""

    lookup_name = "has_gram"

    def as_sql(self, compiler, connection):
        lhs, lhs_params = self.process_lhs(compiler, connection)
        rhs, rhs_params = self.process_rhs(compiler, connection)
        # Grams never contain spaces, so a padded LIKE is exact; wildcards in the gram are escaped.
        return f"(' ' || {lhs} || ' ') LIKE ('%% ' || {rhs} || ' %%') ESCAPE '\\'", [
            *lhs_params,
            *(_escape_like(p) for p in rhs_params),
        ]

    def as_postgresql(self, compiler, connection):
        lhs, lhs_params = self.process_lhs(compiler, connection)
        rhs, rhs_params = self.process_rhs(compiler, connection)
        return f"string_to_array({lhs}, ' ') @> ARRAY[{rhs}]::text[]", [*lhs_params, *rhs_params]


def _escape_like(value: str) -> str:
    return value.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def search_fields(*texts: str | None) -> dict[str, str]:
    """The values of ``search_document`` and ``search_grams`` for the given texts."""
    document = normalize(" ".join(text for text in texts if text))
    return {"search_document": document, "search_grams": short_grams(document)}


def search_filter(query: str | None) -> Q | None:
    """A Q matching every term of the query (AND), or None for an empty query."""
    terms = search_terms(query)
    if not terms:
        return None
    condition = Q()
    for term in terms:
        if len(term) <= SHORT_TERM_LENGTH:
            condition &= Q(search_grams__has_gram=term)
        else:
            condition &= Q(search_document__contains=term)
    return condition


def apply_search(queryset: QuerySet, query: str | None) -> QuerySet:
    condition = search_filter(query)
    return queryset if condition is None else queryset.filter(condition)


def refresh_derived(model, rows: Iterable[models.Model], derived_values: Callable[[models.Model], dict]) -> int:
    """Store the derived columns (search text, reading order …) of the rows whose values changed."""
    changed = []
    names: list[str] = []
    for row in rows:
        values = derived_values(row)
        names = list(values)
        if any(getattr(row, name) != value for name, value in values.items()):
            for name, value in values.items():
                setattr(row, name, value)
            changed.append(row)
    if changed:
        model.objects.bulk_update(changed, names, batch_size=500)
    return len(changed)
