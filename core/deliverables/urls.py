"""The workflow's pages, spliced into the project's URLs (pat_portal/urls.py) through `core.deliverables`."""

from django.urls import path

from core.deliverables.views import awaiting, frozen_pdf, reissue, send_back, subject_page, submit, validate

urlpatterns = [
    path("livrables/", awaiting, name="deliverable_list"),
    path("livrables/soumettre/<str:kind>/<int:pk>/", submit, name="deliverable_submit"),
    path("livrables/<int:pk>/", subject_page, name="deliverable_subject"),
    path("livrables/<int:pk>/valider/", validate, name="deliverable_validate"),
    path("livrables/<int:pk>/renvoyer/", send_back, name="deliverable_return"),
    path("livrables/<int:pk>/pdf/", frozen_pdf, name="deliverable_pdf"),
    path("livrables/<int:pk>/reediter/", reissue, name="deliverable_reissue"),
]
