"""factory_boy factories shared by every test package."""

import factory
from django.contrib.auth.models import Group, Permission
from stdnum.jp import cn

from accounts.models import User
from partners.models import ActivityField, Department, Municipality, Partner, PartnerType, Ward
from partners.validators import local_government_check_digit


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


class StaffFactory(UserFactory):
    """Staff member with no permission on partners (may log in to the admin, nothing more)."""

    is_staff = True


def valid_corporate_number(n: int) -> str:
    """A 13-digit 法人番号 with a correct check digit, distinct for each n."""
    base = f"{n:012d}"
    return cn.calc_check_digit(base) + base
