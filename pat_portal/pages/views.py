from django.contrib.auth.decorators import login_not_required
from django.db import connection
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.cache import never_cache
from django_filters.views import FilterView

from communes.models import Commune
from missions.programme.models import Programme
from pat_portal.kernel import access
from pat_portal.kernel.models import User
from pat_portal.kernel.pdf import pdf_response, render_pdf
from pat_portal.pages.dashboard import dashboard, programme_report
from pat_portal.pages.feeds import user_calendar
from pat_portal.pages.filters import TerritoryFilter
from pat_portal.pages.overview import communes_overview
from pat_portal.pages.search import search


def home(request):
    """The dashboard for GBM officers and consultants; an élu lands on their commune's hub."""
    if request.user.is_elu:
        return redirect(request.user.commune)
    programme = Programme.objects.visible_to(request.user).current()
    context = dashboard(programme, request.user) if programme else {"programme": None}
    return render(request, "pages/home.html", context)


def programme_report_pdf(request):
    """The "Bilan du programme" for the steering committee: the dashboard's figures and lists, dated."""
    access.require(access.is_team(request.user))
    programme = Programme.objects.visible_to(request.user).current()
    if programme is None:
        raise Http404("Aucun programme enregistré.")
    pdf = render_pdf("pages/pdf/programme_report.html", programme_report(programme, request.user))
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
    return render(request, "pages/search.html", {"query": query, "groups": groups})


class CommuneOverviewView(FilterView):
    filterset_class = TerritoryFilter
    template_name = "pages/communes_overview.html"
    paginate_by = 25
    context_object_name = "communes"

    def get_queryset(self):
        return communes_overview(Commune.objects.visible_to(self.request.user).order_by_name())


@login_not_required
def calendar_feed(request, token):
    """A calendar app fetches this without a session: the secret token identifies the user."""
    user = User.objects.filter(calendar_token=token, is_active=True).select_related("commune").first()
    if user is None or not token:
        raise Http404
    response = HttpResponse(user_calendar(user), content_type="text/calendar; charset=utf-8")
    response["Content-Disposition"] = 'inline; filename="agenda-pat.ics"'
    response["Cache-Control"] = "private, max-age=300"
    return response
