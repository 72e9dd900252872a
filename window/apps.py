from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class WindowConfig(AppConfig):
    name = "window"
    verbose_name = _("City-wide collaboration window")
