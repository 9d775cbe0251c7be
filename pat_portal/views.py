from django.contrib.auth.decorators import login_not_required
from django.db import connection
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.cache import never_cache

from missions.models import Programme

from . import access
from .dashboard import dashboard, programme_report
from .pdf import pdf_response, render_pdf
from .search import search


def home(request):
    """The dashboard for GBM officers and consultants; an élu lands on their commune's hub."""
    if request.user.is_elu:
        return redirect(request.user.commune)
    programme = Programme.objects.visible_to(request.user).current()
    context = dashboard(programme, request.user) if programme else {"programme": None}
    return render(request, "pat_portal/home.html", context)


def programme_report_pdf(request):
    """The "Bilan du programme" for the steering committee: the dashboard's figures and lists, dated."""
    access.require(access.is_team(request.user))
    programme = Programme.objects.visible_to(request.user).current()
    if programme is None:
        raise Http404("Aucun programme enregistré.")
    pdf = render_pdf("pat_portal/pdf/programme_report.html", programme_report(programme, request.user))
    return pdf_response(pdf, f"bilan-programme-{timezone.localdate():%Y-%m-%d}.pdf")


@login_not_required
@never_cache
def health(request):
    """Liveness for the load balancer and the benchmark baseline: answers once the database does."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
        cursor.fetchone()
    return HttpResponse("ok", content_type="text/plain")


def search_view(request):
    query = request.GET.get("q", "")
    groups = search(request.user, query)
    return render(request, "pat_portal/search.html", {"query": query, "groups": groups})
