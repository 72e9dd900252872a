"""Public statistics of the window: proposals per fiscal year, answered within the deadline, days to an answer.

Counts cover every proposal received (not only the published ones): numbers tell nothing of the content.
A department's answer is its final answer (accepted or declined); a department that passed a proposal on
answered nothing, the department it passed it to answers with its own fresh deadline. Days are calendar
days, from routing to the answer for a department, from receipt to the last answer for a proposal.
"""

import datetime
import statistics
from collections import defaultdict
from dataclasses import dataclass, field

from django.utils import timezone

from partners.models import Department
from window.models import Referral, WindowProposal
from window.workflow import FINAL_ANSWERS, RECEIVED, ReferralStatus, Status


@dataclass
class _Answers:
    """What every row counts: answers, those within the deadline, and the days each took."""

    answered: int = field(default=0, kw_only=True)
    answered_in_time: int = field(default=0, kw_only=True)
    open: int = field(default=0, kw_only=True)
    days: list[int] = field(default_factory=list, kw_only=True)

    @property
    def median_days(self) -> float | None:
        return statistics.median(self.days) if self.days else None

    @property
    def in_time_rate(self) -> int | None:
        return round(self.answered_in_time * 100 / self.answered) if self.answered else None


@dataclass
class YearRow(_Answers):
    fiscal_year: int
    received: int = 0
    withdrawn: int = 0


@dataclass
class DepartmentRow(_Answers):
    department: Department
    routed: int = 0
    accepted: int = 0
    declined: int = 0
    passed_on: int = 0
    overdue: int = 0


@dataclass(frozen=True)
class WindowStatistics:
    years: list[YearRow]
    departments: list[DepartmentRow]
    fiscal_year: int | None


def _local_date(moment: datetime.datetime) -> datetime.date:
    return timezone.localtime(moment).date()


def window_statistics(*, fiscal_year: int | None = None, today: datetime.date | None = None) -> WindowStatistics:
    """Three queries whatever the number of proposals: the referrals' figures, their departments, the proposals."""
    today = today or timezone.localdate()
    proposals = WindowProposal.objects.filter(status__in=RECEIVED, fiscal_year__isnull=False)
    referrals = list(
        Referral.objects.filter(proposal__in=proposals).values(
            "proposal_id",
            "proposal__fiscal_year",
            "department_id",
            "status",
            "routed_at",
            "answered_at",
            "due_on",
        )
    )
    by_proposal: dict[int, list[dict]] = defaultdict(list)
    for row in referrals:
        by_proposal[row["proposal_id"]].append(row)

    years: dict[int, YearRow] = {}
    for proposal in proposals.values("pk", "fiscal_year", "status", "submitted_at", "answered_at"):
        year = years.setdefault(proposal["fiscal_year"], YearRow(proposal["fiscal_year"]))
        year.received += 1
        if proposal["status"] == Status.WITHDRAWN:
            year.withdrawn += 1
        elif proposal["status"] == Status.ANSWERED and proposal["answered_at"]:
            year.answered += 1
            own = [row for row in by_proposal[proposal["pk"]] if row["status"] in FINAL_ANSWERS]
            if all(_local_date(row["answered_at"]) <= row["due_on"] for row in own):
                year.answered_in_time += 1
            year.days.append((_local_date(proposal["answered_at"]) - _local_date(proposal["submitted_at"])).days)
        else:
            year.open += 1

    named = Department.objects.select_related("parent").in_bulk({row["department_id"] for row in referrals})
    departments: dict[int, DepartmentRow] = {}
    for row in referrals:
        if fiscal_year is not None and row["proposal__fiscal_year"] != fiscal_year:
            continue
        department = departments.setdefault(row["department_id"], DepartmentRow(named[row["department_id"]]))
        status = row["status"]
        if status == ReferralStatus.WITHDRAWN:
            continue
        department.routed += 1
        if status in FINAL_ANSWERS and row["answered_at"]:
            answered_on = _local_date(row["answered_at"])
            department.answered += 1
            department.answered_in_time += answered_on <= row["due_on"]
            department.accepted += status == ReferralStatus.ACCEPTED
            department.declined += status == ReferralStatus.DECLINED
            department.days.append((answered_on - _local_date(row["routed_at"])).days)
        elif status == ReferralStatus.PASSED_ON:
            department.passed_on += 1
        else:
            department.open += 1
            department.overdue += status == ReferralStatus.OPEN and today > row["due_on"]
    return WindowStatistics(
        years=sorted(years.values(), key=lambda row: row.fiscal_year, reverse=True),
        departments=sorted(
            (row for row in departments.values() if row.routed),
            key=lambda row: (-row.routed, row.department.sort_order, row.department.pk),
        ),
        fiscal_year=fiscal_year,
    )
