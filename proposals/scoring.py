"""Scores of the reviewers put together: per criterion, weighted totals, and the ranking within a call.

A criterion's average (1–5) counts for its weight: a proposal scored 5 by everyone on every
criterion gets the call's full points (the sum of the weights, e.g. 100). Only submitted reviews count.
"""

from dataclasses import dataclass, field

from django.db.models import Avg, Count

from proposals.models import SCORE_MAX, Call, CallCriterion, Review, ReviewScore


@dataclass
class CriterionScore:
    criterion: CallCriterion
    average: float | None = None
    count: int = 0

    @property
    def points(self) -> float | None:
        if self.average is None:
            return None
        return self.average / SCORE_MAX * self.criterion.weight


@dataclass
class ScoreSummary:
    criteria: list[CriterionScore]
    reviews: int = 0
    rank: int | None = None
    recommendations: dict[str, int] = field(default_factory=dict)

    @property
    def total(self) -> float | None:
        points = [score.points for score in self.criteria if score.points is not None]
        return round(sum(points), 1) if points else None

    @property
    def full_points(self) -> int:
        return sum(score.criterion.weight for score in self.criteria)


def call_score_summaries(call: Call, proposal_ids=None) -> dict[int, ScoreSummary]:
    """The summary of every proposal of the call that has submitted reviews, ranked by weighted total.

    Three queries, whatever the number of proposals and reviewers.
    """
    criteria = list(call.criteria.all())
    submitted = Review.objects.filter(proposal__call=call, state=Review.State.SUBMITTED)
    if proposal_ids is not None:
        submitted = submitted.filter(proposal_id__in=proposal_ids)
    summaries: dict[int, ScoreSummary] = {}

    def summary(proposal_id: int) -> ScoreSummary:
        if proposal_id not in summaries:
            summaries[proposal_id] = ScoreSummary(criteria=[CriterionScore(criterion) for criterion in criteria])
        return summaries[proposal_id]

    for row in submitted.values("proposal_id", "recommendation").annotate(n=Count("id")):
        entry = summary(row["proposal_id"])
        entry.reviews += row["n"]
        entry.recommendations[row["recommendation"]] = row["n"]
    position = {criterion.pk: index for index, criterion in enumerate(criteria)}
    averages = (
        ReviewScore.objects.filter(review__in=submitted)
        .values("review__proposal_id", "criterion_id")
        .annotate(average=Avg("score"), n=Count("id"))
    )
    for row in averages:
        if row["criterion_id"] not in position:
            continue
        score = summary(row["review__proposal_id"]).criteria[position[row["criterion_id"]]]
        score.average = round(float(row["average"]), 2)
        score.count = row["n"]
    ranked = sorted((s for s in summaries.values() if s.total is not None), key=lambda s: -s.total)
    previous_total, previous_rank = None, 0
    for index, entry in enumerate(ranked, start=1):
        # Equal totals share a rank (1, 2, 2, 4).
        entry.rank = previous_rank if entry.total == previous_total else index
        previous_total, previous_rank = entry.total, entry.rank
    return summaries
