"""Issue 17 in a real browser: the week grid pre-filled from the meetings a consultant logged (timed against typing
the same week by hand), a plan submission stopped by its checklist, and an élu's approval with a délibération.

The timings are printed (pytest -s) and written to tests/screenshots/week-grid-timings.json.
"""

import datetime
import json
import os
import time
from decimal import Decimal

import pytest
from django.utils import timezone

from core.deliverables import submit_deliverable
from core.models import WorkflowStatus
from missions.mission1.models.action_plans import ActionPlan
from missions.money.models.time import TimeEntry
from tests.factories_mission1 import ActionFactory, ActionPlanFactory, MeetingFactory
from tests.factories_orders import OrderFormFactory, OrderLineFactory
from tests.harness.e2e import CHROMIUM, SCREENSHOTS, axe_scan, login, submit, text_of

pytestmark = [
    pytest.mark.postgres_only,  # browser tests run on production's database only (tests/conftest.py)
    pytest.mark.skipif(not os.path.exists(CHROMIUM), reason=f"Chromium is not installed at {CHROMIUM}: e2e skipped"),
    pytest.mark.django_db(transaction=True),
]

TIMINGS: dict[str, dict] = {}
PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


def last_monday() -> datetime.date:
    """Last week's Monday: every day of that week is in the past, so every cell can be filled."""
    today = timezone.localdate()
    return today - datetime.timedelta(days=today.weekday() + 7)


def at(day: datetime.date, hour: int) -> datetime.datetime:
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time(hour)))


def record(name: str, seconds: float, actions: int) -> None:
    TIMINGS[name] = {"seconds": round(seconds, 2), "actions": actions}
    print(f"\n{name}: {seconds:.2f} s, {actions} actions")
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    (SCREENSHOTS / "week-grid-timings.json").write_text(json.dumps(TIMINGS, indent=2, ensure_ascii=False))


@pytest.fixture
def logged_week(field):
    """Last week, as a consultant lives it: three meetings logged with their half-days (Monday 2, Tuesday 1,
    Thursday 1), on an order line of Mission 1 the consultant has charged before; Friday is general work."""
    line = OrderLineFactory(
        order_form=OrderFormFactory(programme=field["programme"], number="BC-2026-004", mission=1),
        description="Demi-journée de consultant senior (catégorie A)",
        quantity=Decimal("40"),
    )
    monday = last_monday()
    accompaniment = field["accompaniment"]
    for offset, hour, half_days, title in (
        (0, 9, 2, "Lancement"),
        (1, 18, 1, "Comité des élus"),
        (3, 14, 1, "Visite"),
    ):
        day = monday + datetime.timedelta(days=offset)
        MeetingFactory(
            accompaniment=accompaniment,
            created_by=field["consultant"],
            starts_at=at(day, hour),
            title=title,
            time_spent_half_days=Decimal(half_days),
        )
    return {"line": line, "monday": monday}


def week_url(base, monday) -> str:
    return f"{base}/temps/semaine/?semaine={monday:%Y-%m-%d}"


def test_week_grid_pre_filled_from_logged_meetings_timed_against_typing_it(
    live_server, browser_page, field, logged_week
):
    page, base = browser_page, live_server.url
    line, monday = logged_week["line"], logged_week["monday"]
    activity = f"accompagnement:{field['accompaniment'].pk}"
    login(page, base, field["consultant"])

    # Before: the same week typed by hand, as the grid asked before issue 17 (the proposals removed from view: the
    # consultant types one row for the accompaniment, one for general work, and a cell per day).
    page.goto(week_url(base, monday))
    proposals = page.locator("tr.table-info")
    assert proposals.count() == 3
    assert "Proposé" in text_of(page, "tbody") and "Réunion « Lancement" in text_of(page, "tbody")
    axe_scan(page, base, "consultant-time-week-proposed")
    # Each proposal's line is pre-selected only once the consultant has charged this activity: none yet.
    assert page.input_value("#id_form-0-order_line") == ""
    started = time.perf_counter()
    page.evaluate("document.querySelectorAll('tr.table-info input.week-cell').forEach(i => { i.value = '0'; })")
    rows = page.locator("tbody tr")
    first_empty = rows.count() - 3  # three blank rows follow the proposals
    actions = 0
    for index, cells in ((first_empty, {0: "2", 1: "1", 3: "1"}), (first_empty + 1, {4: "2"})):
        page.select_option(f"#id_form-{index}-activity", activity if cells != {4: "2"} else "general")
        page.select_option(f"#id_form-{index}-order_line", str(line.pk))
        actions += 2
        for day, value in cells.items():
            page.fill(f"#id_form-{index}-day_{day}", value)
            actions += 1
    submit(page, "Enregistrer la semaine")
    actions += 1
    record("before: week typed by hand", time.perf_counter() - started, actions)
    assert "Semaine enregistrée : 4 saisie(s) créée(s)" in text_of(page)
    assert sorted((e.date.weekday(), e.half_days) for e in TimeEntry.objects.all()) == [(0, 2), (1, 1), (3, 1), (4, 2)]

    # After: the week started again from what the meetings say. The proposals were removed above (emptied and
    # saved), so clear the record of that and the typed entries: the consultant meets their week for the first time.
    TimeEntry.objects.all().delete()
    from missions.money.models.time import TimeSuggestionDismissal

    TimeSuggestionDismissal.objects.all().delete()
    page.goto(week_url(base, monday))
    started = time.perf_counter()
    actions = 0
    # The three proposals are accepted: one line to choose for the first (later weeks pre-select it), the others the
    # same; Friday's general work goes on a row added without saving.
    for index in range(3):
        page.select_option(f"#id_form-{index}-order_line", str(line.pk))
        actions += 1
    page.click("main button:has-text('+ Ajouter une ligne')")
    actions += 1
    added = page.locator("tbody tr").count() - 1
    page.select_option(f"#id_form-{added}-activity", "general")
    page.select_option(f"#id_form-{added}-order_line", str(line.pk))
    page.fill(f"#id_form-{added}-day_4", "2")
    actions += 3
    submit(page, "Enregistrer la semaine")
    actions += 1
    record("after: proposals accepted", time.perf_counter() - started, actions)
    assert "Semaine enregistrée : 4 saisie(s) créée(s)" in text_of(page)
    entries = TimeEntry.objects.order_by("date")
    assert [(e.date.weekday(), e.half_days) for e in entries] == [(0, 2), (1, 1), (3, 1), (4, 2)]
    assert sum(1 for e in entries if e.meeting_id) == 3
    # One source of truth: the saved week shows the entries, no proposal any more, and the totals count them once.
    assert page.locator("tr.table-info").count() == 0
    assert text_of(page, "tfoot").split()[-7:] == ["2", "1", "0", "1", "2", "0", "0"]
    axe_scan(page, base, "consultant-time-week-accepted")

    # Next week's first meeting: its line is pre-selected from this week's (the last one used for the activity).
    MeetingFactory(
        accompaniment=field["accompaniment"],
        created_by=field["consultant"],
        starts_at=at(monday + datetime.timedelta(days=7), 10),
        time_spent_half_days=1,
    )
    page.goto(week_url(base, monday + datetime.timedelta(days=7)))
    proposed = page.locator("tr.table-info select[data-time-line]").first
    assert proposed.input_value() == str(line.pk)
    started = time.perf_counter()
    submit(page, "Enregistrer la semaine")  # accepted as proposed: one click
    record("after, a later week: proposal accepted as is", time.perf_counter() - started, 1)
    assert "Semaine enregistrée : 1 saisie(s) créée(s)" in text_of(page)
    assert page.console_errors == [], "\n".join(page.console_errors)


def test_week_grid_offers_only_the_lines_of_the_activitys_mission(live_server, browser_page, field, logged_week):
    page, base = browser_page, live_server.url
    workshops_line = OrderLineFactory(
        order_form=OrderFormFactory(programme=field["programme"], number="BC-2026-005", mission=2),
        description="Animation d'atelier",
    )
    login(page, base, field["consultant"])
    page.goto(week_url(base, logged_week["monday"]))
    lines = page.locator("#id_form-0-order_line")
    visible = lines.locator("option:not([hidden])")
    assert str(workshops_line.pk) not in [visible.nth(i).get_attribute("value") for i in range(visible.count())]
    assert "Mission 1 · BC-2026-004" in lines.inner_html()
    page.select_option("#id_form-3-activity", "general")
    visible = page.locator("#id_form-3-order_line option:not([hidden])")
    values = [visible.nth(i).get_attribute("value") for i in range(visible.count())]
    assert str(workshops_line.pk) in values and str(logged_week["line"].pk) in values


def test_plan_submission_stopped_by_the_checklist_then_submitted(live_server, browser_page, field):
    page, base = browser_page, live_server.url
    plan = ActionPlanFactory(accompaniment=field["accompaniment"], summary="")
    ActionFactory(plan=plan, title="Des produits locaux à la cantine", start_month=None, cost_estimate=0)
    insee = field["commune"].insee_code
    login(page, base, field["consultant"])
    page.goto(f"{base}/communes/{insee}/plan-d-actions/")
    checklist = text_of(page, "main")
    assert "Avant de soumettre : ce qui manque" in checklist
    assert "Bloquant" in checklist and "Rédigez la présentation du plan" in checklist
    assert "Conseillé" in checklist and "Coût non chiffré" in checklist
    assert "non chiffré" in text_of(page, "main table")
    axe_scan(page, base, "consultant-plan-checklist")

    submit(page, "Soumettre à la validation de GBM")
    message = text_of(page)
    assert "La soumission est refusée" in message and "Donnez un calendrier (mois de début)" in message
    assert ActionPlan.objects.get().workflow_status == WorkflowStatus.DRAFT

    # The consultant completes what blocks, and submits: the advisory items are only warnings.
    plan.summary = "Manger local à l'école et au village."
    plan.save()
    plan.actions.update(start_month=datetime.date(2027, 1, 1), end_month=datetime.date(2027, 6, 1))
    page.reload()
    submit(page, "Soumettre à la validation de GBM")
    message = text_of(page)
    assert "Version 1 soumise à la validation de GBM." in message
    assert "À compléter si possible : Coût non chiffré" in message
    assert ActionPlan.objects.get().workflow_status == WorkflowStatus.SUBMITTED
    axe_scan(page, base, "consultant-plan-submitted-with-warnings")
    assert page.console_errors == [], "\n".join(page.console_errors)


def test_elu_approves_the_plan_with_the_deliberation(live_server, browser_page, field, tmp_path):
    page, base = browser_page, live_server.url
    plan = ActionPlanFactory(accompaniment=field["accompaniment"], summary="Manger local.")
    ActionFactory(plan=plan)
    submit_deliverable(subject=plan, by=field["consultant"])
    insee = field["commune"].insee_code
    not_a_pdf = tmp_path / "deliberation.pdf"
    not_a_pdf.write_bytes(b"\x89PNG\r\n\x1a\n" + b"\x00" * 64)
    deliberation = tmp_path / "Délibération conseil municipal.pdf"
    deliberation.write_bytes(PDF)
    day = timezone.localdate() - datetime.timedelta(days=3)

    login(page, base, field["elu"])
    page.goto(f"{base}/communes/{insee}/plan-d-actions/")
    with page.expect_navigation():
        page.click("main a:has-text('Approuver le plan d')")
    page.fill("#id_council_decision_date", f"{day:%Y-%m-%d}")
    page.set_input_files("#id_council_decision_file", str(not_a_pdf))
    submit(page, "Approuver la version 1")
    assert "PDF" in text_of(page, "main form")
    assert page.input_value("#id_council_decision_date") == f"{day:%Y-%m-%d}"  # the date is kept
    axe_scan(page, base, "elu-approval-bad-file")

    page.set_input_files("#id_council_decision_file", str(deliberation))
    submit(page, "Approuver la version 1")
    assert "Le plan d'actions est approuvé par la commune." in text_of(page)
    approval = text_of(page, "section[aria-labelledby=t-approbation]")
    assert "délibération du conseil municipal du" in approval and "Télécharger la délibération (PDF)" in approval
    with page.expect_download() as download:
        page.click("main a:has-text('Télécharger la délibération')")
    with open(download.value.path(), "rb") as downloaded:
        assert downloaded.read() == PDF
    axe_scan(page, base, "elu-plan-approved-with-deliberation")
    assert ActionPlan.objects.get().council_decision_file
    assert page.console_errors == [], "\n".join(page.console_errors)
