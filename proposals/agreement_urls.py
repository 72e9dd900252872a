"""URLs of the agreement (協定書) drawn up from an adopted proposal (namespace "agreements")."""

from django.urls import path

from proposals import agreement_views

app_name = "agreements"

urlpatterns = [
    path("proposals/<uuid:public_id>/agreement/", agreement_views.agreement_edit, name="edit"),
    path("proposals/<uuid:public_id>/agreement/prepare/", agreement_views.agreement_prepare, name="prepare"),
    path("proposals/<uuid:public_id>/agreement/sign/", agreement_views.agreement_sign, name="sign"),
    path("proposals/<uuid:public_id>/agreement/print/", agreement_views.agreement_print, name="print"),
    path("proposals/<uuid:public_id>/agreement.pdf", agreement_views.agreement_pdf, name="pdf"),
]
