"""Users from before the sign-up (created by administrators) keep logging in: their addresses count as confirmed."""

from django.db import migrations


def confirm_existing_addresses(apps, schema_editor):
    User = apps.get_model("accounts", "User")
    EmailAddress = apps.get_model("account", "EmailAddress")
    known = set(EmailAddress.objects.values_list("user_id", flat=True))
    EmailAddress.objects.bulk_create(
        EmailAddress(user_id=user_id, email=email.lower(), verified=True, primary=True)
        for user_id, email in User.objects.exclude(email="").values_list("pk", "email")
        if user_id not in known
    )


class Migration(migrations.Migration):
    dependencies = [
        ("accounts", "0001_initial"),
        ("account", "0009_emailaddress_unique_primary_email"),
    ]

    operations = [migrations.RunPython(confirm_existing_addresses, migrations.RunPython.noop)]
