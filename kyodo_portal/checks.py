"""Deploy checks of our own: production must not carry the development demo accounts."""

from django.conf import settings
from django.core.checks import Error, Tags, register
from django.db import DatabaseError


@register(Tags.security, deploy=True)
def demo_accounts_absent(app_configs, **kwargs):
    if settings.DEBUG:
        return []
    from accounts.models import User
    from accounts.services import DEMO_EMAIL_DOMAIN

    try:
        present = User.objects.filter(email__iendswith=DEMO_EMAIL_DOMAIN).exists()
    except DatabaseError:
        return []
    if present:
        return [
            Error(
                "Demo accounts (README) exist in a production database.",
                hint=f"Delete the users whose e-mail ends with {DEMO_EMAIL_DOMAIN}.",
                id="kyodo_portal.E001",
            )
        ]
    return []
