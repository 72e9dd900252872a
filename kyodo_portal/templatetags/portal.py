"""Template filters for Japanese dates, fiscal years and yen, and the query-string helper for lists."""

from django import template
from django.utils import timezone
from django.utils.formats import number_format
from django.utils.html import format_html
from django.utils.translation import gettext as _

from kyodo_portal import dates
from kyodo_portal.text import in_japanese

register = template.Library()


@register.filter
def wareki_date(value):
    return dates.format_date(value) if value else ""


@register.filter
def wareki_year(value):
    return dates.format_year(int(value)) if value else ""


@register.filter
def fiscal_year(value):
    return dates.format_fiscal_year(int(value)) if value is not None and value != "" else ""


@register.filter
def yen(value):
    if value is None or value == "":
        return ""
    return _("%(amount)s yen") % {"amount": number_format(int(value), force_grouping=True)}


@register.simple_tag(takes_context=True)
def query_with(context, **changes):
    """The current query string with some parameters replaced (pagination keeps the filters)."""
    params = context["request"].GET.copy()
    for key, value in changes.items():
        if value is None or value == "":
            params.pop(key, None)
        else:
            params[key] = value
    encoded = params.urlencode()
    return f"?{encoded}" if encoded else "?"


@register.filter
def display(obj):
    """An object's name (or a project's title) for this language; Japanese text on a non-Japanese page
    is marked lang="ja" so that screen readers pronounce it as Japanese (WCAG 3.1.2)."""
    japanese, shown = (obj.title, obj.display_title) if hasattr(obj, "display_title") else (obj.name, obj.display_name)
    if shown == japanese and not in_japanese():
        return format_html('<span lang="ja">{}</span>', shown)
    return shown


@register.filter
def wareki_datetime(value):
    """A date with its era year and the time in Japan, e.g. 2027年1月15日（令和9年） 23:59."""
    if not value:
        return ""
    local = timezone.localtime(value)
    return f"{dates.format_date(local)} {local:%H:%M}"


@register.filter
def problems_for(problems, name):
    """The messages of a check before a submission, for one field or section."""
    if not problems:
        return []
    return problems.get(name, [])
