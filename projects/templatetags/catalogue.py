"""Template helpers of the project catalogue."""

from django import template

register = template.Library()


@register.simple_tag
def facet_options(bound_field, counts: dict) -> list[dict]:
    """The options of a filter's select, each with the number of projects it would leave."""
    selected = str(bound_field.value() or "")
    options = []
    for value, label in bound_field.field.choices:
        key = str(value)
        options.append(
            {
                "value": key,
                "label": label,
                "count": None if key == "" else counts.get(key, 0),
                "selected": key == selected,
            }
        )
    return options
