from django.contrib import messages
from django.contrib.auth.decorators import login_not_required
from django.http import FileResponse, Http404, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_safe
from django_filters.views import FilterView

from communes.models import Commune
from core import access, worker_status
from core.filenames import WORKING_DRAFT, download_filename
from core.french import de
from core.lateness import Thresholds
from core.models import User
from core.pdf import pdf_response, render_pdf
from core.querysets import get_visible_or_404
from missions.programme.models import Programme
from pat_portal.pages import service_status
from pat_portal.pages.dashboard import dashboard
from pat_portal.pages.feeds import user_calendar
from pat_portal.pages.filters import TerritoryFilter
from pat_portal.pages.forms import ProgrammeReportForm, ReminderForm
from pat_portal.pages.home import home_for
from pat_portal.pages.models import ProgrammeReportEdition
from pat_portal.pages.navigation import remember_todo_count
from pat_portal.pages.overview import accompanied_first, overview_rows
from pat_portal.pages.radar import last_activity_of
from pat_portal.pages.reminders import ReminderRefused, default_message, recipients_of, send_reminder
from pat_portal.pages.search import search
from pat_portal.pages.status import commune_status
from pat_portal.pages.steering_report import TEMPLATE, issue_programme_report, steering_report_context


def home(request):
    """Each role's home: "À faire", "En retard", "Nouveau depuis votre dernière visite" (the team's with the
    contract's scorecard, an élu's with their commune's card below)."""
    now = timezone.now()
    since = request.user.start_home_visit(now)
    home_page = home_for(request.user, since=since, now=now)
    remember_todo_count(request, home_page.todo_count)
    context = {"home": home_page, **home_page.context}
    if access.can_watch_service(request.user):
        context["service_alerts"] = service_status.alerts()
    return render(request, f"pages/home/{home_page.role}.html", context)


def dashboard_page(request):
    """The programme's dashboard for the team: targets, budget, the next 30 days, charts."""
    access.require(access.is_team(request.user))
    programme = Programme.objects.visible_to(request.user).current()
    context = dashboard(programme, request.user) if programme else {"programme": None}
    return render(request, "pages/dashboard.html", context)


@require_safe
def commune_status_page(request, insee_code):
    """The commune's Point d'étape, for a council meeting or a steering committee (élus: without internal notes
    nor prices)."""
    commune = get_visible_or_404(Commune, request.user, insee_code=insee_code)
    if request.user.is_elu:
        request.user.commune = commune  # the same row: the navigation reads it without a query
    return render(request, "pages/commune_status.html", {"status": commune_status(commune, request.user)})


@require_safe
def commune_status_pdf(request, insee_code):
    """The Point d'étape as one A4 page."""
    commune = get_visible_or_404(Commune, request.user, insee_code=insee_code)
    status = commune_status(commune, request.user)
    pdf = render_pdf("pages/pdf/commune_status.html", {"status": status})
    return pdf_response(pdf, download_filename("point d'étape", about=commune.name))


def commune_reminder(request, insee_code):
    """GBM reminds a silent commune's élus: a message to edit, then sent and recorded in the commune's timeline;
    refused within the programme's reminder interval."""
    commune = get_visible_or_404(Commune, request.user, insee_code=insee_code)
    access.require(access.can_send_reminder(request.user))
    programme = Programme.objects.current()
    interval = programme.thresholds.reminder_interval_days if programme else Thresholds().reminder_interval_days
    initial = default_message(commune, by=request.user, last_activity=last_activity_of(commune, programme))
    form = ReminderForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            reminder = send_reminder(commune=commune, by=request.user, interval_days=interval, **form.cleaned_data)
        except ReminderRefused as error:
            form.add_error(None, str(error))
        else:
            count = len(reminder.recipients.split(","))
            messages.success(request, f"Relance envoyée à {count} élu·e{'s' if count > 1 else ''} {de(commune)}.")
            return redirect(commune)
    context = {"commune": commune, "form": form, "recipients": recipients_of(commune), "interval": interval}
    return render(request, "pages/reminder_form.html", context)


def _current_programme(request) -> Programme:
    programme = Programme.objects.visible_to(request.user).current()
    if programme is None:
        raise Http404("Aucun programme enregistré.")
    return programme


def programme_report_page(request):
    """The steering committee's report: GBM writes its commentary and the decisions needed, then generates a dated
    edition (kept with its PDF); the team downloads the editions and a live preview."""
    access.require(access.is_team(request.user))
    programme = _current_programme(request)
    editions = list(
        ProgrammeReportEdition.objects.visible_to(request.user)
        .filter(programme=programme)
        .select_related("created_by")[:20]
    )
    latest = editions[0] if editions else None
    initial = {"commentary": latest.commentary, "decisions": latest.decisions} if latest else None
    form = ProgrammeReportForm(request.POST or None, initial=initial)
    if request.method == "POST":
        access.require(access.is_gbm(request.user))  # GBM signs what goes to its steering committee
        if form.is_valid():
            edition = issue_programme_report(programme=programme, by=request.user, **form.cleaned_data)
            messages.success(request, f"{edition} établi : son PDF est conservé tel qu'il a été envoyé.")
            return redirect("programme_report")
    context = {"programme": programme, "form": form, "editions": editions, "can_issue": access.is_gbm(request.user)}
    return render(request, "pages/programme_report.html", context)


def programme_report_pdf(request):
    """The live preview of the "Bilan du programme" (without GBM's commentary, which comes with an edition)."""
    access.require(access.is_team(request.user))
    programme = _current_programme(request)
    pdf = render_pdf(TEMPLATE, steering_report_context(programme, request.user))
    return pdf_response(
        pdf, download_filename("bilan programme", about=programme.contract_reference, version=WORKING_DRAFT)
    )


def programme_report_edition_pdf(request, pk):
    """An edition as it was generated (the stored file)."""
    access.require(access.is_team(request.user))
    edition = get_visible_or_404(ProgrammeReportEdition.objects.select_related("programme"), request.user, pk=pk)
    filename = download_filename("bilan programme", about=edition.programme.contract_reference, on=edition.created_at)
    return FileResponse(edition.pdf.open("rb"), as_attachment=True, filename=filename, content_type="application/pdf")


@login_not_required
@never_cache
def health(request):
    """The monitoring probe's and the benchmark baseline's page: the database, the cache and the task workers, as
    JSON; HTTP 200 when all is well, 503 otherwise (core/worker_status.py)."""
    healthy, report = worker_status.service_health()
    return JsonResponse(report, status=200 if healthy else 503)


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
        """Accompanied communes first (page 1 holds them), the others one page or one filter away."""
        return accompanied_first(Commune.objects.visible_to(self.request.user))

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["communes"] = overview_rows(context["communes"])
        return context


@login_not_required
def calendar_feed(request, token):
    """A calendar app fetches this without a session: the secret token identifies the user."""
    user = User.objects.filter(calendar_token=token, is_active=True).select_related("commune").first()
    # An account past its end date has no feed from the next day on, before `end_accounts` drops its token.
    if user is None or not token or user.has_ended():
        raise Http404
    response = HttpResponse(user_calendar(user), content_type="text/calendar; charset=utf-8")
    response["Content-Disposition"] = 'inline; filename="agenda-pat.ics"'
    response["Cache-Control"] = "private, max-age=300"
    return response
