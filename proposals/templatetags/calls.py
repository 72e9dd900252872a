"""Template helpers of calls and proposals: a call's state, and the submission check's messages."""

from django import template
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

register = template.Library()


@register.inclusion_tag("proposals/_call_state.html")
def call_state(call):
    """募集中 with the days left, 募集予定, or 募集終了."""
    if call.has_not_opened:
        return {"state": "upcoming", "label": _("Opening soon"), "detail": ""}
    if call.has_closed:
        return {"state": "closed", "label": _("Closed"), "detail": ""}
    days = call.days_left
    if days <= 0:
        detail = _("Deadline today")
    else:
        detail = ngettext("%(days)s day left", "%(days)s days left", days) % {"days": days}
    return {"state": "open", "label": _("Open for proposals"), "detail": detail}
