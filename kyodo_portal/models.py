"""Bookkeeping of the portal itself (not of any domain)."""

from django.db import models


class LoadedFixtureRow(models.Model):
    """A fixture row that was put into this database once; it is never inserted again, even if deleted."""

    fixture = models.CharField(max_length=100)
    model = models.CharField(max_length=100)
    object_pk = models.CharField(max_length=64)
    loaded_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["fixture", "model", "object_pk"], name="kyodo_fixture_row_once"),
        ]

    def __str__(self) -> str:
        return f"{self.fixture}: {self.model} {self.object_pk}"
