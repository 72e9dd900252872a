from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ProjectsConfig(AppConfig):
    name = "projects"
    verbose_name = _("Collaboration projects")

    def ready(self) -> None:
        from partners.signals import partner_renamed
        from projects.services import refresh_projects_of_partner

        partner_renamed.connect(refresh_projects_of_partner, dispatch_uid="projects_refresh_on_partner_rename")
