from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class KyodoPortalConfig(AppConfig):
    name = "kyodo_portal"
    verbose_name = _("Kyodo Portal")

    def ready(self) -> None:
        from kyodo_portal import checks  # noqa: F401  (registers the deploy checks)
