"""Fixtures for calls and proposals: a ward's open call, applicant organisations and their members."""

import datetime
import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from partners.models import Membership
from proposals.models import BudgetLine, Call, CallCriterion, CallDocument, Proposal
from tests.factories import PartnerFactory, UserFactory

TOKYO = datetime.timezone(datetime.timedelta(hours=9))
PDF_BYTES = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


def tokyo(*args) -> datetime.datetime:
    return datetime.datetime(*args, tzinfo=TOKYO)


def pdf_upload(name: str = "規約.pdf", content: bytes = PDF_BYTES) -> SimpleUploadedFile:
    return SimpleUploadedFile(name, content, content_type="application/pdf")


def png_bytes(size=(8, 8)) -> bytes:
    from PIL import Image

    output = io.BytesIO()
    Image.new("RGB", size, (200, 30, 30)).save(output, format="PNG")
    return output.getvalue()


@pytest.fixture
def member_of():
    """An active member (担当者 unless said otherwise) of an organisation."""

    def make(partner, *, role=Membership.Role.STAFF, status=Membership.Status.ACTIVE, **user_fields):
        user = UserFactory(**user_fields)
        Membership.objects.create(user=user, partner=partner, role=role, status=status)
        return user

    return make


@pytest.fixture
def npo(partner_types, kawasaki):
    return PartnerFactory(name="NPO法人なかはら子ども応援団", partner_type=partner_types["npo"], municipality=kawasaki)


@pytest.fixture
def other_npo(partner_types, kawasaki):
    return PartnerFactory(name="NPO法人たま環境ネット", partner_type=partner_types["npo"], municipality=kawasaki)


@pytest.fixture
def member(npo, member_of):
    return member_of(npo, display_name="応募 太郎")


@pytest.fixture
def representative(npo, member_of):
    return member_of(npo, role=Membership.Role.REPRESENTATIVE, display_name="代表 花子")


@pytest.fixture
def make_call(schemes, departments, partner_types):
    """An open call of 中原区役所 (open since yesterday, closing in ten days), with overrides."""

    def make(**fields) -> Call:
        now = timezone.now()
        defaults = {
            "title": "中原区市民提案型協働事業 企画提案募集",
            "scheme": schemes["ward_proposal"],
            "department": departments["中原区役所"],
            "fiscal_year": 2027,
            "purpose": "地域課題の解決に向けた協働事業の企画を募集します。",
            "amount_cap": 500_000,
            "first_year_cap": 700_000,
            "max_years": 3,
            "opens_at": now - datetime.timedelta(days=1),
            "closes_at": now + datetime.timedelta(days=10),
            "is_published": True,
        }
        types = fields.pop("types", ("npo", "civic_group"))
        call = Call.objects.create(**{**defaults, **fields})
        call.eligible_types.set([partner_types[code] for code in types])
        CallCriterion.objects.create(call=call, name="協働の必要性", weight=20, order=1)
        return call

    return make


@pytest.fixture
def call(make_call):
    return make_call()


@pytest.fixture
def draft(call, npo, member):
    return Proposal.objects.create(call=call, partner=npo, created_by=member)


def fill_complete(proposal: Proposal, *, from_city: int = 600_000, own: int = 50_000) -> Proposal:
    """Everything a submission needs, with a balanced budget asking the city for `from_city` yen."""
    for name in Proposal.REQUIRED_FOR_SUBMISSION:
        setattr(proposal, name, f"{proposal._meta.get_field(name).verbose_name}の記入")
    proposal.contact_phone = "044-000-0000"
    proposal.save()
    proposal.roles.create(task="広報", organisation_part="チラシの作成", city_part="区の広報紙への掲載", order=1)
    proposal.schedule_items.create(when="4月", what="準備会", order=1)
    proposal.indicators.create(name="参加者数", target=100, unit="人", order=1)
    proposal.budget_lines.create(
        side=BudgetLine.Side.INCOME, source=BudgetLine.Source.CITY, item="委託料", amount=from_city
    )
    proposal.budget_lines.create(side=BudgetLine.Side.INCOME, source=BudgetLine.Source.OWN, item="自己資金", amount=own)
    proposal.budget_lines.create(side=BudgetLine.Side.EXPENSE, item="講師謝礼", amount=from_city + own)
    for document in proposal.call.documents.filter(is_required=True):
        proposal.attachments.create(
            document=document,
            file=f"proposals/{proposal.public_id}/x.pdf",
            original_name=f"{document.name}.pdf",
            extension=".pdf",
            content_type="application/pdf",
            size=10,
        )
    return proposal


@pytest.fixture
def complete_draft(draft):
    return fill_complete(draft)


@pytest.fixture
def required_document(call):
    return CallDocument.objects.create(call=call, name="団体の規約", is_required=True, order=1)
