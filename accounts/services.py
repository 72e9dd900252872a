"""Writes to accounts: the development demo accounts."""

from dataclasses import dataclass

from allauth.account.models import EmailAddress
from django.conf import settings
from django.contrib.auth.models import Group, Permission
from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from accounts.models import User
from partners.models import Department, Membership, Partner, StaffAssignment

PARTNER_EDITORS_GROUP = "パートナー管理者"
# Reserved for documentation (RFC 2606): no demo address can ever reach a real mailbox.
DEMO_EMAIL_DOMAIN = "@demo.kyodo-portal.invalid"


@dataclass(frozen=True)
class DemoAccount:
    email: str
    password: str
    display_name: str
    is_superuser: bool = False
    groups: tuple[str, ...] = ()
    departments: tuple[str, ...] = ()  # city staff: the departments they work for, by name
    approves: tuple[str, ...] = ()  # approvers (決裁者): the departments whose decisions they approve
    represents: str = ""  # the name of a demo organisation whose representative (代表者) this is


DEMO_ACCOUNTS = (
    DemoAccount(f"admin{DEMO_EMAIL_DOMAIN}", "kyodo-admin-2026", "デモ管理者", is_superuser=True),
    DemoAccount(
        f"partner-editor{DEMO_EMAIL_DOMAIN}", "kyodo-editor-2026", "デモ 団体情報担当", groups=(PARTNER_EDITORS_GROUP,)
    ),
    DemoAccount(f"citizen{DEMO_EMAIL_DOMAIN}", "kyodo-citizen-2026", "デモ 市民"),
    DemoAccount(
        f"nakahara-officer{DEMO_EMAIL_DOMAIN}",
        "kyodo-nakahara-2026",
        "デモ 中原区役所職員",
        departments=("中原区役所",),
    ),
    DemoAccount(f"kankyo-officer{DEMO_EMAIL_DOMAIN}", "kyodo-kankyo-2026", "デモ 環境局職員", departments=("環境局",)),
    DemoAccount(
        f"kenko-officer{DEMO_EMAIL_DOMAIN}", "kyodo-kenko-2026", "デモ 健康福祉局職員", departments=("健康福祉局",)
    ),
    DemoAccount(
        f"window-officer{DEMO_EMAIL_DOMAIN}",
        "kyodo-window-2026",
        "デモ 自治推進部職員（協働窓口）",
        departments=("自治推進部",),
    ),
    DemoAccount(
        f"nakahara-approver{DEMO_EMAIL_DOMAIN}",
        "kyodo-approver-2026",
        "デモ 中原区 決裁者",
        approves=("中原区役所",),
    ),
    DemoAccount(f"reviewer{DEMO_EMAIL_DOMAIN}", "kyodo-reviewer-2026", "デモ 審査委員（外部）"),
    DemoAccount(
        f"npo-member{DEMO_EMAIL_DOMAIN}",
        "kyodo-npo-2026",
        "デモ NPO代表者",
        represents="NPO法人かわさき創造プロジェクト",
    ),
)


class DemoAccountsRefused(Exception):
    """Demo accounts exist only in development."""


@transaction.atomic
def partner_editors_group_ensure() -> Group:
    """The group whose members edit and verify partner records in the admin."""
    group, _created = Group.objects.get_or_create(name=PARTNER_EDITORS_GROUP)
    codenames = ["view_partner", "add_partner", "change_partner", "view_historicalpartner"]
    codenames += ["view_membership", "add_membership", "change_membership", "delete_membership"]
    group.permissions.add(*Permission.objects.filter(content_type__app_label="partners", codename__in=codenames))
    return group


@transaction.atomic
def demo_accounts_ensure() -> list[str]:
    """Create the README's demo accounts where missing; refuse outside development."""
    if not settings.DEMO_ACCOUNTS_ALLOWED:
        raise DemoAccountsRefused("Demo accounts are created only when DEBUG is on.")
    partner_editors_group_ensure()
    created = []
    for account in DEMO_ACCOUNTS:
        user = User.objects.filter(email=account.email).first()
        if user is not None:
            # Accounts made before the sign-up existed get their confirmed address and organisation too.
            _demo_extras_ensure(user, account)
            continue
        user = User.objects.create_user(
            email=account.email,
            password=account.password,
            display_name=account.display_name,
            is_staff=account.is_superuser or bool(account.groups),
            is_superuser=account.is_superuser,
        )
        user.groups.add(*Group.objects.filter(name__in=account.groups))
        for department in _departments_named(account.departments):
            StaffAssignment.objects.create(user=user, department=department)
        for department in _departments_named(account.approves):
            StaffAssignment.objects.create(user=user, department=department, role=StaffAssignment.Role.APPROVER)
        _demo_extras_ensure(user, account)
        created.append(account.email)
    return created


def _departments_named(names: tuple[str, ...]):
    """Bureaus, ward offices and divisions (部) by name: their names are unique, unlike sections' (課)."""
    return Department.objects.filter(name__in=names).filter(Q(parent__isnull=True) | Q(kind=Department.Kind.DIVISION))


def _demo_extras_ensure(user: User, account: DemoAccount) -> None:
    """A confirmed primary address (allauth refuses logins without one) and the organisation represented."""
    EmailAddress.objects.update_or_create(user=user, email=account.email, defaults={"verified": True, "primary": True})
    if account.represents:
        partner = Partner.objects.filter(name=account.represents).first()
        if partner is not None:
            Membership.objects.get_or_create(
                user=user,
                partner=partner,
                defaults={
                    "role": Membership.Role.REPRESENTATIVE,
                    "status": Membership.Status.ACTIVE,
                    "decided_at": timezone.now(),
                },
            )


def demo_administrator() -> User:
    return User.objects.get(email=DEMO_ACCOUNTS[0].email)


def demo_member_of(partner: Partner) -> User:
    """An active member to act for a demo organisation: its representative, or a demo one who cannot log in."""
    membership = (
        Membership.objects.filter(partner=partner, status=Membership.Status.ACTIVE)
        .select_related("user")
        .order_by("role", "id")  # "representative" before "staff"
        .first()
    )
    if membership is not None:
        return membership.user
    user = User.objects.create_user(email=f"applicant-{partner.pk}{DEMO_EMAIL_DOMAIN}", password=None)
    user.display_name = f"{partner.name} 代表（デモ）"
    user.save(update_fields=["display_name"])
    Membership.objects.create(
        user=user,
        partner=partner,
        role=Membership.Role.REPRESENTATIVE,
        status=Membership.Status.ACTIVE,
        decided_at=timezone.now(),
    )
    return user


def demo_staff_of(department: Department) -> User:
    """An officer of a department for demo content where no demo account works (cannot log in)."""
    assignment = (
        StaffAssignment.objects.filter(department=department, role=StaffAssignment.Role.OFFICER)
        .select_related("user")
        .order_by("id")
        .first()
    )
    if assignment is not None:
        return assignment.user
    user = User.objects.create_user(email=f"staff-{department.pk}{DEMO_EMAIL_DOMAIN}", password=None)
    user.display_name = f"{department.name} 職員（デモ）"
    user.save(update_fields=["display_name"])
    StaffAssignment.objects.create(user=user, department=department)
    return user
