"""Bookkeeping of the portal itself (not of any domain)."""

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


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


class AuditEvent(models.Model):
    """One move of a workflow: what was done, from which status to which, by whom, when and why.

    Abstract: each workflow keeps its own trail next to what it audits (a proposal to a call, a proposal to
    the window), written only by its services (see kyodo_portal/workflow.py).
    """

    action = models.CharField(_("action"), max_length=30)
    from_status = models.CharField(_("from"), max_length=20, blank=True)
    to_status = models.CharField(_("to"), max_length=20)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+", verbose_name=_("by")
    )
    comment = models.TextField(_("comment"), blank=True)
    # What else the move recorded (a checklist, a deadline, the departments routed to …).
    details = models.JSONField(_("details"), default=dict, blank=True)
    created_at = models.DateTimeField(_("at"), default=timezone.now)

    class Meta:
        abstract = True
        ordering = ["created_at", "id"]

    def __str__(self) -> str:
        return f"{self.action} {self.created_at:%Y-%m-%d %H:%M}"
