"""factory_boy factories shared by every test package."""

import factory
from allauth.account.models import EmailAddress
from django.contrib.auth.models import Group, Permission
from django.utils import timezone
from stdnum.jp import cn

from accounts.models import User
from partners.models import (
    ActivityField,
    Department,
    Membership,
    Municipality,
    Partner,
    PartnerType,
    StaffAssignment,
    Ward,
)
from partners.validators import local_government_check_digit
from projects.models import CollaborationForm, OutcomeIndicator, Project, ProjectParty, Scheme, project_history


def _municipality_code(n: int) -> str:
    first_five = f"{90000 + n:05d}"
    return first_five + local_government_check_digit(first_five)


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        skip_postgeneration_save = True

    email = factory.Sequence(lambda n: f"user{n}@example.jp")
    display_name = factory.Sequence(lambda n: f"利用者{n}")
    password = factory.PostGenerationMethodCall("set_password", "correct-horse-battery")

    @factory.post_generation
    def save_password(obj, create, extracted, **kwargs):
        if create:
            obj.save()

    @factory.post_generation
    def confirmed_email(obj, create, extracted, **kwargs):
        """A confirmed primary address, as after sign-up; `confirmed_email=False` for one never confirmed."""
        if create and extracted is not False:
            EmailAddress.objects.create(user=obj, email=obj.email, verified=True, primary=True)


class AdminFactory(UserFactory):
    is_staff = True
    is_superuser = True


class PartnerEditorFactory(UserFactory):
    """Staff member in a group with the partner permissions (not a superuser)."""

    is_staff = True

    @factory.post_generation
    def editor_group(obj, create, extracted, **kwargs):
        if not create:
            return
        group, _ = Group.objects.get_or_create(name="test partner editors")
        group.permissions.add(
            *Permission.objects.filter(
                content_type__app_label="partners",
                codename__in=["view_partner", "add_partner", "change_partner", "view_historicalpartner"],
            )
        )
        obj.groups.add(group)


class MunicipalityFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Municipality
        django_get_or_create = ("code",)

    code = factory.Sequence(_municipality_code)
    name = factory.Sequence(lambda n: f"試験市{n}")
    prefecture = "神奈川県"


class WardFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Ward

    municipality = factory.SubFactory(MunicipalityFactory)
    code = factory.Sequence(lambda n: _municipality_code(5000 + n))
    name = factory.Sequence(lambda n: f"試験区{n}")


class DepartmentFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Department

    municipality = factory.SubFactory(MunicipalityFactory)
    kind = Department.Kind.SECTION
    name = factory.Sequence(lambda n: f"試験課{n}")


class PartnerTypeFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = PartnerType
        django_get_or_create = ("code",)

    code = "civic_group"
    name = "任意団体（市民活動団体）"
    name_en = "Civic group (unincorporated)"
    corporate_number_policy = PartnerType.CorporateNumber.NONE
    kind = PartnerType.Kind.ORGANISATION


class ActivityFieldFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = ActivityField
        django_get_or_create = ("name",)

    name = factory.Sequence(lambda n: f"分野{n}")
    name_en = factory.Sequence(lambda n: f"Field {n}")


class PartnerFactory(factory.django.DjangoModelFactory):
    """A public civic group; the search columns are filled as the services would."""

    class Meta:
        model = Partner
        skip_postgeneration_save = True

    partner_type = factory.SubFactory(PartnerTypeFactory)
    name = factory.Sequence(lambda n: f"市民団体{n}")
    municipality = factory.SubFactory(MunicipalityFactory)
    description = "地域の課題に取り組む団体です。"
    is_public = True

    @factory.post_generation
    def fields(obj, create, extracted, **kwargs):
        if create and extracted:
            obj.fields.set(extracted)

    @factory.post_generation
    def wards(obj, create, extracted, **kwargs):
        if create and extracted:
            obj.wards.set(extracted)

    @factory.post_generation
    def refresh_derived(obj, create, extracted, **kwargs):
        if create:
            from partners.services import partners_refresh_derived

            partners_refresh_derived(partners=[obj])


class MembershipFactory(factory.django.DjangoModelFactory):
    """An active member of staff (担当者) of a public civic group; pass role and status for others."""

    class Meta:
        model = Membership

    user = factory.SubFactory(UserFactory)
    partner = factory.SubFactory(PartnerFactory)
    role = Membership.Role.STAFF
    status = Membership.Status.ACTIVE


class StaffFactory(UserFactory):
    """Staff member with no permission on partners (may log in to the admin, nothing more)."""

    is_staff = True


def valid_corporate_number(n: int) -> str:
    """A 13-digit 法人番号 with a correct check digit, distinct for each n."""
    base = f"{n:012d}"
    return cn.calc_check_digit(base) + base


# Projects ------------------------------------------------------------------------------------------


class StaffAssignmentFactory(factory.django.DjangoModelFactory):
    """A member of city staff working for a department (and so for the departments below it)."""

    class Meta:
        model = StaffAssignment

    user = factory.SubFactory(UserFactory)
    department = factory.SubFactory(DepartmentFactory)


class CollaborationFormFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = CollaborationForm
        django_get_or_create = ("code",)

    code = factory.Sequence(lambda n: f"test-form-{n}")
    name = factory.Sequence(lambda n: f"協働の形態{n}")


class SchemeFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Scheme
        django_get_or_create = ("code",)

    code = factory.Sequence(lambda n: f"test-scheme-{n}")
    name = factory.Sequence(lambda n: f"試験制度{n}")


class ProjectFactory(factory.django.DjangoModelFactory):
    """A published project; `parties` takes partners or (partner, role) pairs. Like the services, it
    fills the search columns after the parties are added and writes one history entry, relations included."""

    class Meta:
        model = Project
        skip_postgeneration_save = True

    @classmethod
    def _create(cls, model_class, *args, **kwargs):
        project = model_class(*args, **kwargs)
        project.skip_history_when_saving = True  # one entry at the end, not one per relation set
        project.save()
        return project

    title = factory.Sequence(lambda n: f"協働事業{n}")
    municipality = factory.SubFactory(MunicipalityFactory)
    scheme = factory.SubFactory(SchemeFactory)
    problem = "地域の課題があります。"
    activities = "一緒に取り組みました。"
    is_published = True
    published_at = factory.LazyAttribute(lambda project: timezone.now() if project.is_published else None)

    @factory.post_generation
    def forms(obj, create, extracted, **kwargs):
        if create and extracted:
            obj.forms.set(extracted)

    @factory.post_generation
    def fields(obj, create, extracted, **kwargs):
        if create and extracted:
            obj.fields.set(extracted)

    @factory.post_generation
    def wards(obj, create, extracted, **kwargs):
        if create and extracted:
            obj.wards.set(extracted)

    @factory.post_generation
    def parties(obj, create, extracted, **kwargs):
        if create and extracted:
            for order, party in enumerate(extracted, start=1):
                partner, role = party if isinstance(party, tuple) else (party, "")
                ProjectParty.objects.create(project=obj, partner=partner, role=role, order=order)

    @factory.post_generation
    def refresh_derived(obj, create, extracted, **kwargs):
        if create:
            from projects.services import projects_refresh_derived

            del obj.skip_history_when_saving
            projects_refresh_derived(projects=Project.objects.filter(pk=obj.pk).prefetch_related("parties__partner"))
            obj.refresh_from_db()
            project_history.create_historical_record(obj, "+")


class ProjectPartyFactory(factory.django.DjangoModelFactory):
    """A party with its role (the project's search text is not refreshed: call the service for that)."""

    class Meta:
        model = ProjectParty

    project = factory.SubFactory(ProjectFactory)
    partner = factory.SubFactory(PartnerFactory)
    role = "会場の提供"
    order = factory.Sequence(lambda n: n)


class OutcomeIndicatorFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = OutcomeIndicator

    project = factory.SubFactory(ProjectFactory)
    name = factory.Sequence(lambda n: f"指標{n}")
    unit = "人"
