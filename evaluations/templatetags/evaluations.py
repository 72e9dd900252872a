"""Template tags of the evaluations: score labels and the evaluations section of a project's page."""

from django import template

from evaluations.external import external_comments_for_project
from evaluations.selectors import published_rounds_of_project
from evaluations.workflow import SCORE_LABELS

register = template.Library()


@register.filter
def score_label(score) -> str:
    """“4: largely” for 4; a dash where there is no score."""
    return str(SCORE_LABELS.get(score, "—"))


@register.filter
def principle_average(ratings) -> str:
    """The average score of a side's principle ratings, one decimal; a dash without scores."""
    numbers = [rating.score for rating in ratings if rating.score is not None]
    if not numbers:
        return "—"
    return f"{sum(numbers) / len(numbers):.1f}"


@register.inclusion_tag("evaluations/_project_section.html", takes_context=True)
def project_evaluations(context, project):
    """The project's published evaluations (and external evaluators' comments) for its public page."""
    return {
        "project": project,
        "rounds": published_rounds_of_project(project=project),
        "external_comments": external_comments_for_project(project=project),
        "request": context.get("request"),
    }
