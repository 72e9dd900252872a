"""Signals other apps listen to, so that partners never import them (dependencies flow one way)."""

from django.dispatch import Signal

# Sent with `partner` after a partner's name changed: its name is part of other records' search text.
partner_renamed = Signal()
