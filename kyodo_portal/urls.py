"""URLs of the portal."""

from django.conf import settings
from django.contrib import admin
from django.urls import include, path, re_path
from django.utils.translation import gettext_lazy as _
from django.views.static import serve

from kyodo_portal import views

admin.site.site_header = _("Kyodo Portal administration")
admin.site.site_title = _("Kyodo Portal")
admin.site.index_title = _("Administration")

urlpatterns = [
    path("", views.home, name="home"),
    path("partners/", include("partners.urls")),
    path("projects/", include("projects.urls")),
    path("evaluations/", include("evaluations.urls")),
    path("window/", include("window.urls")),
    path("accounts/", include("accounts.urls")),
    path("accounts/", include("allauth.urls")),
    path("", include("proposals.urls")),
    path("", include("proposals.agreement_urls")),
    path("i18n/", include("django.conf.urls.i18n")),
    path("admin/", admin.site.urls),
]

if settings.SERVE_MEDIA:
    urlpatterns += [
        re_path(r"^media/(?P<path>.*)$", serve, {"document_root": settings.MEDIA_ROOT}),
    ]
