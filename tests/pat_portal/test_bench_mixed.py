"""The mixed-load bench without load (`make bench` runs it with load; it is a tool, not a timed test): every page its
simulated people request resolves, its locustfile imports, and each write of their day, filled as bench/day.py fills
it from the page's own form, is saved by the portal on bench/mixed_data.py's rows."""

import ast
import random
import string
import subprocess
import sys
from pathlib import Path
from unittest import mock

import pytest
from django.urls import Resolver404, resolve

from bench import day
from bench.html_forms import find_form, form_errors, read_forms

ROOT = Path(__file__).resolve().parents[2]
SAMPLES = {"insee": "25014", "monday": "2026-11-30", "token": "AbC-123_x"}


def sample_path(template: str) -> str:
    fields = {name for _, name, _, _ in string.Formatter().parse(template) if name}
    return template.format(**{name: SAMPLES.get(name, "7") for name in fields})


@pytest.mark.parametrize("name", sorted(day.ROUTES))
def test_every_page_of_the_day_resolves_to_a_view(name):
    path = sample_path(day.ROUTES[name]).split("?", 1)[0]
    assert resolve(path).func is not None


def test_a_path_outside_the_portal_would_be_caught():
    with pytest.raises(Resolver404):
        resolve(sample_path("/reunion/{meeting}/nulle-part/"))


def test_the_locustfile_walks_every_route_and_only_those():
    """Each `day.path("…")` of the locustfile names a route, and every route is walked by someone."""
    tree = ast.parse((ROOT / "bench" / "locustfile.py").read_text())
    used = {
        node.args[0].value
        for node in ast.walk(tree)
        if isinstance(node, ast.Call)
        and isinstance(node.func, ast.Attribute)
        and node.func.attr == "path"
        and isinstance(node.func.value, ast.Name)
        and node.func.value.id == "day"
    }
    assert used - set(day.ROUTES) == set()
    assert set(day.ROUTES) - used == set()


def test_the_locustfile_imports_with_one_user_class_per_role():
    """In a child process: Locust patches the standard library with gevent when it is imported."""
    code = (
        "import bench.locustfile as f; "
        "print(sorted((c.__name__, c.role, c.weight) for c in (f.GBMOfficer, f.Consultant, f.Elu)))"
    )
    result = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stderr[-2000:]
    assert result.stdout.strip() == "[('Consultant', 'consultants', 4), ('Elu', 'elus', 10), ('GBMOfficer', 'gbm', 1)]"


def test_a_request_sent_during_the_ramp_is_left_out_of_the_measure():
    """A home sent before every user had logged in and answered after the reset (queued behind the logins) is not
    counted; one sent after the reset is. In a child process, as above."""
    code = (
        "import bench.locustfile as f\n"
        "class Response:\n"
        "    def __init__(self, start): self.request_meta = {'start_time': start}; self._report_request = 'kept'\n"
        "before, after = Response(99.0), Response(101.0)\n"
        "f.counted_if_measured(before)\n"
        "f._measured_from = 100.0\n"
        "late, on_time = Response(99.0), Response(101.0)\n"
        "f.counted_if_measured(late); f.counted_if_measured(on_time)\n"
        "print(before._report_request, late._report_request(), on_time._report_request)\n"
    )
    result = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stderr[-2000:]
    assert result.stdout.strip() == "kept None kept"


FORM_PAGE = """
<form method="post" action="/deconnexion/"><input type="hidden" name="csrfmiddlewaretoken" value="t"></form>
<form method="post">
  <input type="hidden" name="csrfmiddlewaretoken" value="t">
  <input type="hidden" name="lock_version" value="3">
  <input name="title" value="Réunion &amp; suite">
  <input name="off" value="x" disabled>
  <input type="checkbox" name="flag" value="on" checked><input type="checkbox" name="other" value="on">
  <select name="kind"><option value="">---</option><option value="a">A</option></select>
  <select name="people" multiple><option value="1" selected>Un</option><option value="2">Deux</option></select>
  <textarea name="minutes">
Première ligne</textarea>
  <template><input name="form-__prefix__-day_0" value=""></template>
  <button type="submit" name="enregistrer" value="1">Enregistrer</button>
</form>
"""


def test_a_form_is_read_as_a_browser_would_submit_it():
    form = find_form(FORM_PAGE, "/reunions/1/modifier/", action="/reunions/1/modifier/")
    assert form.action == "/reunions/1/modifier/"
    assert form.fields == [
        ("csrfmiddlewaretoken", "t"),
        ("lock_version", "3"),
        ("title", "Réunion & suite"),
        ("flag", "on"),
        ("kind", ""),
        ("people", "1"),
        ("minutes", "Première ligne"),
    ]
    assert form.selects["kind"].options == ["a"] and form.choices["other"] == ["on"]
    body = form.filled({"title": "Nouveau", "people": ["1", "2"], "flag": None})
    assert ("title", "Nouveau") in body and ("people", "2") in body and ("flag", "on") not in body
    assert body[-1] == ("enregistrer", "1")
    assert [f.action for f in read_forms(FORM_PAGE, "/x/")][0] == "/deconnexion/"


def test_form_errors_are_read_back_and_a_clean_page_has_none():
    assert form_errors('<ul class="errorlist"><li>Ce champ est obligatoire.</li></ul>') == "Ce champ est obligatoire."
    assert form_errors("<p>Réunion enregistrée.</p>") == ""


# --- The day's writes on the bench's own rows ---


@pytest.fixture
def bench_rows(db):
    from bench.mixed_data import prepare
    from core.models import WorkflowStatus
    from missions.mission1.models.diagnostics import Diagnostic
    from pat_portal.pages.load_data import generate_load_data

    generate_load_data(scale=0.4, seed=11)
    # At this scale every accompaniment may be past its diagnostic: one draft for GBM to validate.
    last = Diagnostic.objects.order_by("-pk").first()
    Diagnostic.objects.filter(pk=last.pk).update(workflow_status=WorkflowStatus.DRAFT)
    return prepare(gbm=2, consultants=2, elus=3)


@pytest.fixture
def no_layout():
    """WeasyPrint's layout of the validated version is the documents worker's, not this test's."""

    def lay_out(html, *, archival=False, key=None, budget=None):
        return b"%PDF-1.7 stub"

    with mock.patch("core.pdf.lay_out", lay_out), mock.patch("core.tasks.lay_out_within_budget", lay_out):
        yield


def write(client, url, changes, *, expect=302, action=None):
    """GET the page, fill its form as bench/locustfile.py does, POST it; the response."""
    page = client.get(url)
    assert page.status_code == 200, (url, page.status_code)
    form = find_form(page.content.decode(), url, action=action or url.split("?", 1)[0])
    assert form is not None, f"no form on {url}"
    values = changes(form) if callable(changes) else changes
    response = client.post(form.action, dict_of(form.filled(values)))
    errors = form_errors(response.content.decode()) if response.status_code == 200 else ""
    assert response.status_code == expect, (url, response.status_code, errors)
    return response


def dict_of(pairs) -> dict:
    """The POST body as the test client takes it: each name with the list of its values, in order."""
    body = {}
    for key, value in pairs:
        body.setdefault(key, []).append(value)
    return body


def log_in(client, username):
    from core.models import User

    client.force_login(User.objects.get(username=username))
    return client


def test_each_write_of_the_day_is_saved(bench_rows, client, no_layout):
    """GBM validates and decides, a consultant saves a meeting, a week, an action and registrations, an élu
    registers a colleague and shares the plan: each form, filled from its page, is saved (302, then the rows)."""
    import datetime

    from ateliers.models import Registration
    from core.models import Deliverable
    from missions.mission1.models.action_plans import Action
    from missions.mission1.models.meetings import Meeting
    from missions.mission1.models.share_links import PlanShareLink
    from missions.money.models.time import TimeEntry
    from missions.support.models import SupportRequest

    gbm, consultant, elu = bench_rows["gbm"][0], bench_rows["consultants"][0], bench_rows["elus"][0]

    log_in(client, gbm["username"])
    deliverable = gbm["deliverables"][0]
    write(client, day.path("GBM · valider un livrable", deliverable=deliverable), {})
    assert Deliverable.objects.get(pk=deliverable).status == Deliverable.Status.VALIDATED
    request = gbm["requests"][0]
    if SupportRequest.objects.get(pk=request).status == SupportRequest.Status.RECEIVED:
        url = day.path("GBM · demande", request=request)
        write(client, url, {}, action=day.path("GBM · mettre en instruction", request=request))
    write(client, day.path("GBM · décider une demande", request=request), day.decision_changes)
    assert SupportRequest.objects.get(pk=request).status == SupportRequest.Status.ACCEPTED
    export = client.get(day.path("GBM · export des actions (XLSX)"))
    assert export.status_code == 200 and b"".join(export.streaming_content).startswith(b"PK")
    if getattr(export, "file_to_stream", None) is not None:  # not response.close(): it closes the test's connection
        export.file_to_stream.close()

    log_in(client, consultant["username"])
    meetings = Meeting.objects.count()
    url = day.path("consultant · nouvelle réunion", accompaniment=consultant["accompaniment"])
    write(client, url, lambda form: day.meeting_changes(form, 0))
    meeting = Meeting.objects.order_by("-pk").first()
    assert Meeting.objects.count() == meetings + 1 and meeting.participations.count() == 3
    monday = day.monday_weeks_ago(datetime.date.fromisoformat(bench_rows["today"]), 1)
    entries = TimeEntry.objects.filter(order_line_id=consultant["line"]).count()
    url = day.path("consultant · semaine de temps", monday=monday.isoformat())
    write(
        client,
        url,
        lambda form: day.week_changes(form, accompaniment=consultant["accompaniment"], line=consultant["line"]),
    )
    assert TimeEntry.objects.filter(order_line_id=consultant["line"]).count() == entries + 5
    write(client, day.path("consultant · modifier une action", action=consultant["action"]), day.action_changes(3))
    assert Action.objects.get(pk=consultant["action"]).progress == 31
    registered = Registration.objects.filter(workshop_id=consultant["workshop"]).count()
    url = day.path(
        "consultant · inscrire des personnes", workshop=consultant["workshop"], commune=consultant["commune"]
    )
    write(client, url, lambda form: day.bulk_registration_changes(form, random.Random(1)))
    assert Registration.objects.filter(workshop_id=consultant["workshop"]).count() == registered + 2

    log_in(client, elu["username"])
    for name in ("élu · accueil", "élu · plan d'actions", "élu · point d'étape"):
        assert client.get(day.path(name, insee=elu["insee"])).status_code == 200, name
    url = day.path("élu · inscrire un·e collègue", workshop=elu["workshop"])
    write(client, url, day.colleague_changes(elu["username"], 0))
    assert Registration.objects.filter(contact__last_name=f"Collègue {elu['username']}.1").exists()
    created = write(client, day.path("élu · créer un lien de partage", insee=elu["insee"]), {}, expect=200)
    assert PlanShareLink.objects.filter(plan__accompaniment__commune__insee_code=elu["insee"]).count() == 1
    assert "/partage/plan/" in created.content.decode()


def test_a_long_select_is_cut_but_keeps_its_chosen_option_and_what_follows():
    options = "".join(f'<option value="{n}">P{n}</option>' for n in range(1, 500))
    chosen = options.replace('<option value="450">', '<option value="450" selected>')
    page = f'<form method="post"><select name="who">{chosen}</select><input name="after" value="x"></form>'
    form = find_form(page, "/f/", action="/f/")
    assert form.selects["who"].options[:2] == ["1", "2"] and len(form.selects["who"].options) == 201
    assert form.value("who") == "450" and form.value("after") == "x"
