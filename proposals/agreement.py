"""The agreement (協定書) of an adopted proposal: drawn up, edited, signed into a published project, printed."""

import datetime

import rules
from django.db import transaction
from django.http import Http404
from django.utils import timezone
from django.utils.text import get_valid_filename
from django.utils.translation import gettext as _

from accounts.models import User
from kyodo_portal.dates import fiscal_year_bounds, fiscal_year_of
from kyodo_portal.pdf import render_pdf
from partners.models import Department, Membership, Partner
from projects.models import Agreement, OutcomeIndicator, Project, ProjectParty
from projects.services import project_record_edit
from proposals.models import BudgetLine, Decision, Proposal, ProposalAgreement, ProposalRole
from proposals.review import check_officer
from proposals.services import ProposalServiceError, _lock, record_event
from proposals.workflow import Status

# What the officer edits; the roles come from the proposal's rows, the signing date from agreement_sign.
EDITABLE_FIELDS = (
    "city_party",
    "partner_party",
    "purpose",
    "period_start",
    "period_end",
    "cost_sharing",
    "information_sharing",
    "disclosure",
    "changes_termination",
    "evaluation",
)

# The standard clauses, in Japanese: they are the text of the document (data the officer may edit), not UI.
INFORMATION_SHARING = (
    "甲及び乙は、本事業の実施に必要な情報を相互に提供し、共有する。"
    "ただし、個人情報その他の秘密を要する情報は、関係法令等に従い適切に取り扱い、本事業の目的以外に利用しない。"
)
DISCLOSURE = (
    "本協定の内容及び本事業の実施状況・成果は、公開を原則とする。"
    "ただし、個人情報その他法令等により公開することができない情報は、この限りでない。"
)
CHANGES_TERMINATION = (
    "1　本協定の内容を変更する必要が生じたときは、甲乙協議の上、書面により変更する。\n"
    "2　甲又は乙は、相手方が本協定に違反したとき、又は本事業の継続が困難となったときは、"
    "相手方と協議の上、本協定を解除することができる。"
)
EVALUATION = (
    "事業終了後、甲乙共同で振り返り（評価）を行い、その結果を公表する。評価の結果は、次年度以降の事業の改善に活かす。"
)


class AgreementAlreadySigned(ProposalServiceError):
    """A second signing (a double click, or another officer): nothing more is created."""

    def __init__(self, agreement: ProposalAgreement) -> None:
        super().__init__(
            _("This agreement was already signed on %(date)s; its project exists and nothing more was created.")
            % {"date": agreement.signed_on.isoformat()}
        )
        self.agreement = agreement


# ----------------------------------------------------------------------------------------------------------
# Reads


def agreement_of(proposal: Proposal) -> ProposalAgreement | None:
    try:
        return proposal.agreement
    except ProposalAgreement.DoesNotExist:
        return None


def proposal_for_agreement(*, user: User, public_id) -> Proposal:
    """A proposal with its agreement, for an officer of the call (or an administrator); 404 for anyone else."""
    proposal = (
        Proposal.objects.select_related("call__department__parent", "partner", "agreement__project")
        .prefetch_related("roles")
        .filter(public_id=public_id)
        .first()
    )
    if (
        proposal is None
        or proposal.status == Status.DRAFT
        or not rules.test_rule("proposals.act_as_officer", user, proposal.call)
    ):
        raise Http404
    return proposal


def agreement_for_user(*, user: User, public_id) -> tuple[ProposalAgreement, bool]:
    """An agreement with everything its document shows, and whether the reader is on the city's side.

    Its readers are the call's staff and administrators, and the applicant organisation's members;
    anyone else gets 404.
    """
    agreement = (
        ProposalAgreement.objects.select_related("proposal__call__department__parent", "proposal__partner", "project")
        .prefetch_related("proposal__roles")
        .filter(proposal__public_id=public_id)
        .first()
    )
    if agreement is None:
        raise Http404
    by_staff = rules.test_rule("proposals.view_staff_side", user, agreement.proposal)
    if not by_staff and not rules.test_rule("proposals.act_as_applicant", user, agreement.proposal):
        raise Http404
    return agreement, by_staff


def agreement_prepare_refusal(*, proposal: Proposal) -> str | None:
    """Why no agreement can be drawn up for the proposal yet; None when it can."""
    if proposal.status == Status.CONDITIONALLY_ADOPTED:
        return _("The proposal is adopted on conditions: confirm that they are met before drawing up the agreement.")
    if proposal.status != Status.ADOPTED:
        return _("An agreement is drawn up only for an adopted proposal; this one is %(status)s.") % {
            "status": proposal.get_status_display()
        }
    if not proposal.call.results_published:
        return _("Publish the results of the call before drawing up the agreement.")
    return None


# ----------------------------------------------------------------------------------------------------------
# Writes


def city_party_of(department: Department) -> str:
    """甲: the head of the ward office or bureau the department belongs to, e.g. 川崎市中原区長, 川崎市環境局長."""
    top = department
    while top.parent_id:
        top = top.parent
    return f"{department.municipality.name}{top.name.removesuffix('役所')}長"[:200]


def partner_party_of(partner: Partner) -> str:
    """乙: the organisation and its representative (an active 代表者 member, else the name on its record)."""
    membership = (
        Membership.objects.filter(
            partner=partner,
            role=Membership.Role.REPRESENTATIVE,
            status=Membership.Status.ACTIVE,
            user__is_active=True,
        )
        .select_related("user")
        .order_by("created_at", "pk")
        .first()
    )
    name = (membership.user.display_name if membership else "") or partner.representative_name
    return (f"{partner.name}\u3000代表者\u3000{name}" if name else partner.name)[:200]


def cost_sharing_text(amount: int | None) -> str:
    if not amount:
        return "本事業に要する経費は、提案書の収支計画のとおりとし、乙が負担する。甲は、経費を負担しない。"
    return (
        f"1　甲は、本事業の実施に要する経費のうち、金{amount:,}円を上限として負担する。\n"
        "2　前項に定めるもののほか、本事業に要する経費は、提案書の収支計画のとおりとし、乙が負担する。"
    )


def agreement_prefill(*, proposal: Proposal) -> dict:
    """The agreement's text drawn from the adopted proposal and its decision, for the officer to edit."""
    call = proposal.call
    decision = Decision.objects.filter(proposal=proposal).first()
    period_start, period_end = fiscal_year_bounds(call.fiscal_year)
    return {
        "city_party": city_party_of(call.department),
        "partner_party": partner_party_of(proposal.partner),
        "purpose": proposal.purpose.strip(),
        "period_start": period_start,
        "period_end": period_end,
        "cost_sharing": cost_sharing_text(decision.amount if decision else None),
        "information_sharing": INFORMATION_SHARING,
        "disclosure": DISCLOSURE,
        "changes_termination": CHANGES_TERMINATION,
        "evaluation": EVALUATION,
    }


@transaction.atomic
def agreement_prepare(*, proposal: Proposal, user: User) -> ProposalAgreement:
    """Draw up the agreement of an adopted proposal once the results are out; a second call finds the first."""
    locked = _lock(proposal)
    check_officer(user, locked.call)
    existing = ProposalAgreement.objects.filter(proposal=locked).first()
    if existing is not None:
        return existing
    refusal = agreement_prepare_refusal(proposal=locked)
    if refusal:
        raise ProposalServiceError(refusal)
    prefill = agreement_prefill(proposal=locked)
    agreement = ProposalAgreement.objects.create(proposal=locked, prepared_by=user, **prefill)
    record_event(proposal=locked, action="agreement_prepared", from_status=locked.status, user=user)
    return agreement


@transaction.atomic
def agreement_save(*, agreement: ProposalAgreement, user: User, data: dict) -> ProposalAgreement:
    """Change the text of an agreement that is not signed yet (data: valid values of EDITABLE_FIELDS)."""
    unknown = set(data) - set(EDITABLE_FIELDS)
    if unknown:
        raise ValueError(f"Not editable in an agreement: {sorted(unknown)}")
    locked = _lock(agreement.proposal)
    check_officer(user, locked.call)
    current = ProposalAgreement.objects.get(pk=agreement.pk, proposal=locked)
    if current.is_signed:
        raise ProposalServiceError(
            _("The agreement was signed on %(date)s and can no longer be changed.")
            % {"date": current.signed_on.isoformat()}
        )
    for name, value in data.items():
        setattr(current, name, value)
    current.full_clean(exclude=["proposal", "project", "prepared_by", "signed_on"], validate_unique=False)
    current.save(update_fields=[*data, "updated_at"])
    return current


@transaction.atomic
def agreement_sign(*, agreement: ProposalAgreement, user: User, signed_on: datetime.date) -> Project:
    """Record the signing: the proposal becomes a published collaboration project, once however often it is sent."""
    locked = _lock(agreement.proposal)
    check_officer(user, locked.call)
    current = ProposalAgreement.objects.select_related("project").get(pk=agreement.pk, proposal=locked)
    if current.is_signed:
        raise AgreementAlreadySigned(current)
    if locked.status != Status.ADOPTED:
        raise ProposalServiceError(
            _("Only the agreement of an adopted proposal is signed; this one is %(status)s.")
            % {"status": locked.get_status_display()}
        )
    if signed_on > timezone.localdate():
        raise ProposalServiceError(_("The signing date cannot be in the future."))
    if not locked.call.results_published:
        raise ProposalServiceError(_("Publish the results of the call before signing the agreement."))
    published_on = timezone.localdate(locked.call.results_published_at)
    if signed_on < published_on:
        raise ProposalServiceError(
            _("The signing date cannot come before the results were published (%(date)s).")
            % {"date": published_on.isoformat()}
        )
    project = _project_from(agreement=current, proposal=locked, user=user, signed_on=signed_on)
    current.signed_on = signed_on
    current.project = project
    current.save(update_fields=["signed_on", "project", "updated_at"])
    record_event(
        proposal=locked,
        action="agreement_signed",
        from_status=locked.status,
        user=user,
        details={"signed_on": signed_on.isoformat(), "project": project.pk},
    )
    return project


def _roles_text(roles: list[ProposalRole], side: str) -> str:
    return "\n".join(f"{role.task}：{getattr(role, side)}" for role in roles if getattr(role, side).strip())


def _city_partner(department: Department) -> Partner | None:
    """The city's department is a party like any other where the directory holds it (or its ward office)."""
    for candidate in (department, department.parent):
        partner = Partner.objects.filter(department=candidate).first() if candidate is not None else None
        if partner is not None:
            return partner
    return None


def _amount_label(proposal: Proposal) -> str:
    """What the city's money is called in the budget plan (委託料, 補助金 …)."""
    line = proposal.budget_lines.filter(side=BudgetLine.Side.INCOME, source=BudgetLine.Source.CITY).first()
    return (line.item if line and line.item else "市の負担額")[:50]


def _project_from(*, agreement: ProposalAgreement, proposal: Proposal, user: User, signed_on: datetime.date) -> Project:
    """The published project of a signed agreement, with its parties and indicators, searchable like any other."""
    call = proposal.call
    department = Department.objects.select_related("municipality", "ward", "parent__ward").get(pk=call.department_id)
    decision = Decision.objects.filter(proposal=proposal).first()
    amount = decision.amount if decision else None
    origin = f"{call.title} 採択提案（受付番号 {proposal.receipt_number}）"
    project_agreement = Agreement.objects.create(
        title=f"「{proposal.title}」に関する協定書"[:200],
        municipality=department.municipality,
        signed_on=signed_on,
        description=f"{origin}に基づく協働事業の協定",
        source=origin[:300],
    )
    project_agreement.parties.set([proposal.partner])
    project = Project(
        title=proposal.title,
        municipality=department.municipality,
        scheme_id=call.scheme_id,
        responsible_department=department,
        agreement=project_agreement,
        problem=proposal.problem,
        activities=proposal.activities,
        amount=amount,
        amount_label=_amount_label(proposal) if amount is not None else "",
        fiscal_year_start=call.fiscal_year,
        fiscal_year_end=max(call.fiscal_year, fiscal_year_of(agreement.period_end)),
        start_date=agreement.period_start,
        end_date=agreement.period_end,
        status=Project.Status.RUNNING,
        is_published=True,
        published_at=timezone.now(),
        source=origin[:300],
    )
    # One history entry for the whole project, written with its relations (project_record_edit).
    project.skip_history_when_saving = True
    project.save()
    project.fields.set(call.fields.all())
    ward = department.ward or (department.parent.ward if department.parent_id else None)
    if ward is not None:
        project.wards.set([ward])
    roles = list(proposal.roles.all())
    ProjectParty.objects.create(
        project=project, partner=proposal.partner, role=_roles_text(roles, "organisation_part"), is_lead=True, order=1
    )
    city = _city_partner(department)
    if city is not None and city.pk != proposal.partner_id:
        ProjectParty.objects.create(project=project, partner=city, role=_roles_text(roles, "city_part"), order=2)
    OutcomeIndicator.objects.bulk_create(
        OutcomeIndicator(project=project, name=row.name, planned_value=row.target, unit=row.unit, order=position)
        for position, row in enumerate(proposal.indicators.all(), start=1)
        if row.name.strip()
    )
    project_record_edit(project=project, user=user, created=True, reason=_("Created from an adopted proposal"))
    return project


# ----------------------------------------------------------------------------------------------------------
# The document: the printable page and the PDF render the same template


DOCUMENT_TEMPLATE = "proposals/agreement/document.html"
PAGE_LAYOUT = "base.html"
PDF_LAYOUT = "includes/pdf_layout.html"


def agreement_document_context(agreement: ProposalAgreement) -> dict:
    proposal = agreement.proposal
    return {"agreement": agreement, "proposal": proposal, "call": proposal.call, "roles": list(proposal.roles.all())}


def agreement_pdf(*, agreement: ProposalAgreement) -> bytes:
    """The agreement as a PDF with its Japanese fonts embedded (PdfUnavailable where the server cannot make one)."""
    return render_pdf(DOCUMENT_TEMPLATE, {**agreement_document_context(agreement), "layout": PDF_LAYOUT})


def agreement_pdf_filename(agreement: ProposalAgreement) -> str:
    """協定書_<receipt number>_<title>.pdf, kept to characters a file name may hold."""
    proposal = agreement.proposal
    return get_valid_filename(f"協定書_{proposal.receipt_number or proposal.pk}_{proposal.title[:40]}.pdf")
