"""Pages of an adopted proposal's agreement (協定書): the officer's page, the printable page and its PDF.

Thin: check, call a service of proposals/agreement.py, render or redirect.
"""

import logging
import uuid

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from kyodo_portal.forms import StyledForm, style_form
from kyodo_portal.pdf import PdfUnavailable, content_disposition
from proposals import agreement as services
from proposals.models import Proposal, ProposalAgreement
from proposals.review_forms import date_input
from proposals.services import ProposalServiceError

logger = logging.getLogger(__name__)


class AgreementForm(forms.ModelForm):
    class Meta:
        model = ProposalAgreement
        fields = services.EDITABLE_FIELDS
        widgets = {
            "period_start": date_input(),
            "period_end": date_input(),
            "purpose": forms.Textarea(attrs={"rows": 4}),
            "cost_sharing": forms.Textarea(attrs={"rows": 3}),
            "information_sharing": forms.Textarea(attrs={"rows": 3}),
            "disclosure": forms.Textarea(attrs={"rows": 3}),
            "changes_termination": forms.Textarea(attrs={"rows": 3}),
            "evaluation": forms.Textarea(attrs={"rows": 3}),
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        style_form(self)


class SigningForm(StyledForm):
    signed_on = forms.DateField(
        label=gettext_lazy("Signed on"),
        widget=date_input(),
        help_text=gettext_lazy("The day both parties signed the agreement; it cannot be in the future."),
    )


def _edit_page(
    request: HttpRequest,
    proposal: Proposal,
    *,
    form: AgreementForm | None = None,
    signing_form: SigningForm | None = None,
) -> HttpResponse:
    agreement = services.agreement_of(proposal)
    editable = agreement is not None and not agreement.is_signed
    if editable and form is None:
        form = AgreementForm(instance=agreement)
    return render(
        request,
        "proposals/agreement/edit.html",
        {
            "proposal": proposal,
            "call": proposal.call,
            "agreement": agreement,
            "roles": list(proposal.roles.all()),
            "refusal": services.agreement_prepare_refusal(proposal=proposal) if agreement is None else None,
            "form": form if editable else None,
            "signing_form": (signing_form or SigningForm(initial={"signed_on": timezone.localdate()}))
            if editable
            else None,
        },
    )


@login_required
@require_http_methods(["GET", "HEAD", "POST"])
def agreement_edit(request: HttpRequest, public_id: uuid.UUID) -> HttpResponse:
    """Officers of the call and administrators: draw up the agreement, change its text, record the signing."""
    proposal = services.proposal_for_agreement(user=request.user, public_id=public_id)
    agreement = services.agreement_of(proposal)
    if request.method != "POST":
        return _edit_page(request, proposal)
    if agreement is None or agreement.is_signed:
        messages.error(
            request,
            _("There is no agreement to change yet.")
            if agreement is None
            else _("The agreement is signed and can no longer be changed."),
        )
        return redirect("agreements:edit", public_id=public_id)
    form = AgreementForm(request.POST, instance=agreement)
    if form.is_valid():
        try:
            services.agreement_save(
                agreement=agreement,
                user=request.user,
                data={name: form.cleaned_data[name] for name in services.EDITABLE_FIELDS},
            )
        except ValidationError as error:
            form.add_error(None, error)
            style_form(form)
        except ProposalServiceError as error:
            messages.error(request, str(error))
            return redirect("agreements:edit", public_id=public_id)
        else:
            messages.success(request, _("The agreement was saved."))
            return redirect("agreements:edit", public_id=public_id)
    messages.error(request, _("The agreement was not saved. Correct the fields marked below; your text is kept."))
    return _edit_page(request, proposal, form=form)


@login_required
@require_POST
def agreement_prepare(request: HttpRequest, public_id: uuid.UUID) -> HttpResponse:
    """Officers: draw up the agreement from the adopted proposal; a second click opens the same one."""
    proposal = services.proposal_for_agreement(user=request.user, public_id=public_id)
    existed = services.agreement_of(proposal) is not None
    try:
        services.agreement_prepare(proposal=proposal, user=request.user)
    except ProposalServiceError as error:
        messages.error(request, str(error))
    else:
        if existed:
            messages.info(request, _("The agreement had already been drawn up; nothing was changed."))
        else:
            messages.success(request, _("The agreement was drawn up from the proposal. Check its text and save it."))
    return redirect("agreements:edit", public_id=public_id)


@login_required
@require_POST
def agreement_sign(request: HttpRequest, public_id: uuid.UUID) -> HttpResponse:
    """Officers: record the signing date; the proposal becomes a published project, which is shown next."""
    proposal = services.proposal_for_agreement(user=request.user, public_id=public_id)
    agreement = services.agreement_of(proposal)
    if agreement is None:
        messages.error(request, _("Draw up the agreement before recording its signing."))
        return redirect("agreements:edit", public_id=public_id)
    signing_form = SigningForm(request.POST)
    if signing_form.is_valid():
        try:
            project = services.agreement_sign(
                agreement=agreement, user=request.user, signed_on=signing_form.cleaned_data["signed_on"]
            )
        except services.AgreementAlreadySigned as already:
            messages.info(request, str(already))
            if already.agreement.project is not None:
                return redirect(already.agreement.project)
            return redirect("agreements:edit", public_id=public_id)
        except ProposalServiceError as error:
            signing_form.add_error("signed_on", str(error))
            style_form(signing_form)
        else:
            messages.success(
                request, _("The signing was recorded: the project is now published in the catalogue of projects.")
            )
            return redirect(project)
    messages.error(request, _("The signing was not recorded. Correct the date marked below."))
    return _edit_page(request, proposal, signing_form=signing_form)


@login_required
@require_safe
def agreement_print(request: HttpRequest, public_id: uuid.UUID) -> HttpResponse:
    """The call's staff and the applicant's members: the agreement as a document to print."""
    agreement, by_staff = services.agreement_for_user(user=request.user, public_id=public_id)
    context = {**services.agreement_document_context(agreement), "layout": services.PAGE_LAYOUT, "by_staff": by_staff}
    return render(request, services.DOCUMENT_TEMPLATE, context)


@login_required
@require_safe
def agreement_pdf(request: HttpRequest, public_id: uuid.UUID) -> HttpResponse:
    """The same readers as the printable page: the agreement as a PDF, or 503 where the server cannot make one."""
    agreement, _by_staff = services.agreement_for_user(user=request.user, public_id=public_id)
    try:
        pdf = services.agreement_pdf(agreement=agreement)
    except PdfUnavailable as error:
        logger.warning("The PDF of an agreement cannot be made: %s", error)
        return render(request, "proposals/agreement/pdf_unavailable.html", {"proposal": agreement.proposal}, status=503)
    response = HttpResponse(pdf, content_type="application/pdf")
    fallback = f"agreement-{agreement.proposal.receipt_number or agreement.proposal.pk}.pdf"
    response["Content-Disposition"] = content_disposition(services.agreement_pdf_filename(agreement), fallback)
    response["Cache-Control"] = "private, no-store"
    return response
