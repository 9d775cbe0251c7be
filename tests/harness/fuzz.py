"""The form fuzzer's machinery: hypothesis settings and hostile values, the tally of a run, the POST views found in the
URL resolver, the state every form is posted against, and the helpers that post in a savepoint and check escaping.
Which forms are posted, and with which baseline, is tests/harness/fuzz_forms.py; the tests are
tests/security/test_fuzz_forms.py."""

import ast
import datetime
import inspect
import os
import textwrap
from contextlib import contextmanager
from urllib.parse import urlsplit

from django.contrib.auth.tokens import default_token_generator
from django.db import transaction
from django.test import Client
from django.urls import Resolver404, get_resolver, resolve, reverse
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode
from hypothesis import HealthCheck, Phase, settings
from hypothesis import strategies as st

from ateliers.consent import consent_link_token
from ateliers.models import Registration
from missions.money.models.orders import OrderLine
from missions.money.models.time import TimeMonthLock
from missions.support.models import SupportRequest
from tests.factories import CommuneFactory, ContactFactory
from tests.factories_ateliers import RegistrationFactory, ThemeFactory, WorkshopFactory
from tests.factories_mission1 import (
    AccompanimentFactory,
    MeetingFactory,
)
from tests.factories_orders import OrderFormFactory
from tests.factories_support import SupportRequestFactory
from tests.harness.scenario import approved_plan, draft_copies, scenario
from tests.harness.urls import walk_views

# Generated examples per form (besides the explicit ones, which encode every class of fault the fuzzer found so far):
# FUZZ_EXAMPLES when set, on either database; else DEFAULT_EXAMPLES on SQLite and none on PostgreSQL, where only
# the explicit examples run (docs/adr/0003-test-suite-split.md). FUZZ_EXAMPLES=500 make test for a deeper run.
DEFAULT_EXAMPLES = 100
ASKED_EXAMPLES = os.environ.get("FUZZ_EXAMPLES")


def generated_examples(vendor: str) -> int:
    if ASKED_EXAMPLES:
        return int(ASKED_EXAMPLES)
    return DEFAULT_EXAMPLES if vendor == "sqlite" else 0


def fuzz_settings(examples: int) -> settings:
    explicit_only = {} if examples else {"phases": (Phase.explicit,)}
    return settings(
        max_examples=max(examples, 1),
        deadline=None,
        derandomize=True,
        database=None,
        suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow, HealthCheck.data_too_large],
        **explicit_only,
    )


XSS = "<script>alert(1)</script>"
TOO_BIG_ID = "99999999999999999999999"
TODAY = datetime.datetime(2025, 4, 18, 10, 0, tzinfo=datetime.UTC)  # a Friday, inside the test programme
PDF = b"%PDF-1.4\n%%EOF\n"
EXTRA_FIELD = "champ_inattendu"  # a field no form declares: views must ignore it
CSRF_FIELD = "csrfmiddlewaretoken"
# A formset's management form and its rows' ids: what makes its rows be built from the stored ones.
ROW_KEYS = ("TOTAL_FORMS", "INITIAL_FORMS", "MIN_NUM_FORMS", "MAX_NUM_FORMS", "-id")

HOSTILE = [
    XSS,
    f'"><{XSS[1:]}',
    f"'; {XSS} --",
    "' OR '1'='1",
    "\x00",
    "Ünïcødé ✓ 𝕏 \u202e\u200b 漢字 🥕",
    "",
    " ",
    "-1",
    "0",
    "-0.005",
    TOO_BIG_ID,
    "1e309",
    "NaN",
    "sNaN",
    "Infinity",
    "2026-02-30",
    "0000-00-00T25:61",
    "9999-12-31T23:59",
    "x" * 10_000,
    "é" * 5_001,
]
VALUE = st.one_of(
    st.sampled_from(HOSTILE),
    st.text(max_size=60),
    st.integers(min_value=-(10**15), max_value=10**15).map(str),
    st.decimals(allow_nan=True, allow_infinity=True).map(str),
    st.builds(lambda before, after: f"{before}{XSS}{after}", st.text(max_size=8), st.text(max_size=8)),
)

# Per form: examples run (and generated examples asked), redirects (saves), pages checked after them, failures,
# seconds (printed at the end of the run by `write_tally`).
TALLY: dict[str, dict] = {}


def write_tally(terminalreporter, tally: dict[str, dict]) -> None:
    """The form fuzzer's figures (tests/security/test_fuzz_forms.py), when it ran (tests/conftest.py calls this)."""
    write = terminalreporter.write_line
    terminalreporter.section("form fuzzing")
    # 302: saved (or refused with a message on the next page); pages: pages after a 302 checked for escaping
    write(f"{'form':<44} {'examples':>8} {'302':>6} {'pages':>6} {'failed':>6} {'seconds':>8}")
    for label, row in sorted(tally.items()):
        write(
            f"{label:<44} {row['examples']:>8} {row['redirected']:>6} {row['pages_checked']:>6} {row['failed']:>6} "
            f"{row['seconds']:>8.1f}"
        )
    total = {key: sum(row[key] for row in tally.values()) for key in ("examples", "redirected", "failed", "seconds")}
    asked = max(row.get("asked", 0) for row in tally.values())
    write(
        f"{len(tally)} forms fuzzed, {total['examples']} examples ({asked} generated per form asked, plus the explicit "
        f"ones), {total['redirected']} redirected (saved, or refused with a message), {total['failed']} forms failed, "
        f"{total['seconds']:.0f} s"
    )


# The URLs whose views handle POST --------------------------------------------------------------------------------
PROJECT_PACKAGES = ("pat_portal", "communes", "missions", "ateliers")


def handles_post(view) -> bool:
    """A class-based view with `post()`, or a function view that reads POST: in its own code (decorators included)
    or in the code of a project function it calls, followed through the helpers a thin view hands its request to
    (`return _upload(request, insee_code, PLAN)`), or a view whose method decorator allows POST."""
    view_class = getattr(view, "view_class", None)
    if view_class is not None:
        return hasattr(view_class, "post")
    layer = view
    while layer is not None:  # require_http_methods(["POST"]) keeps its list in its wrapper's closure
        if "POST" in (inspect.getclosurevars(layer).nonlocals.get("request_method_list") or ()):
            return True
        layer = getattr(layer, "__wrapped__", None)
    return _reads_post(inspect.unwrap(view), seen=set(), depth=3)


def _project_function(value) -> bool:
    return inspect.isfunction(value) and value.__module__.split(".")[0] in PROJECT_PACKAGES


def _code_reads_post(function) -> bool:
    """request.POST, request.FILES, `== "POST"` or @require_POST in the function's code (not in its docstring or
    comments, which may say "a POST drops it")."""
    return any(
        (isinstance(node, ast.Attribute) and node.attr in {"POST", "FILES"})
        or (isinstance(node, ast.Constant) and node.value == "POST")
        or (isinstance(node, ast.Name) and node.id == "require_POST")
        for node in ast.walk(ast.parse(textwrap.dedent(inspect.getsource(function))))
    )


def _reads_post(function, *, seen: set, depth: int) -> bool:
    """`function`'s code reads POST, or a project function it calls does (up to `depth` calls deep; a name it reads
    on a project module, such as `services.save_action`, counts as a call)."""
    if function in seen:
        return False
    seen.add(function)
    if _code_reads_post(function):
        return True
    if depth == 0:
        return False
    names = inspect.getclosurevars(function)
    called = [*names.nonlocals.values(), *names.globals.values()]
    modules = [
        value for value in called if inspect.ismodule(value) and value.__name__.split(".")[0] in PROJECT_PACKAGES
    ]
    called += [getattr(module, name) for module in modules for name in names.unbound if hasattr(module, name)]
    return any(
        _reads_post(inspect.unwrap(value), seen=seen, depth=depth - 1) for value in called if _project_function(value)
    )


def portal_post_views() -> set[str]:
    return {
        name
        for name, route, view in walk_views(get_resolver().url_patterns)
        if not route.startswith("admin/") and handles_post(view)
    }


# The state every form is posted against --------------------------------------------------------------------------
def build_state(users: dict) -> dict:
    """The permission matrix's scenario (one object of each kind in the élu's commune), plus what the forms need:
    support requests at every stage, a past workshop, a proposed theme, a locked month, a draft order form, a
    second accompanied commune with neither diagnostic nor plan (for the hand-written creation baselines), a third
    whose diagnostic and plan are drafts (for their edit forms and imports, with the spreadsheets exported from
    them), a fourth whose plan its commune approved (shared, with a link to revoke), and a consent link."""
    gbm, consultant, elu = users["gbm"], users["consultant"], users["elu"]
    state = scenario(elu.commune, users["elu_other"].commune, consultant)
    commune = elu.commune
    programme_id = SupportRequest.objects.get(pk=state["request"]).programme_id
    accompaniment = AccompanimentFactory(
        programme_id=programme_id, commune=CommuneFactory(insee_code="25047", name="Bonnay", population=1_050)
    )
    past = WorkshopFactory(programme_id=programme_id, past=True)
    consenting = RegistrationFactory(workshop=past, contact=ContactFactory(commune=commune), consenting=True)
    RegistrationFactory(workshop=past, contact=ContactFactory(commune=commune))
    meeting = MeetingFactory(accompaniment_id=state["accompaniment"])
    TimeMonthLock.objects.create(month=datetime.date(2025, 3, 1), locked_by=gbm)
    draft_order = OrderFormFactory(programme_id=programme_id, draft=True, with_lines=True)
    requests = {
        status: SupportRequestFactory(programme_id=programme_id, commune=commune, **trait)
        for status, trait in {
            "received": {},
            "under_review": {"under_review": True},
            "accepted": {"accepted": True},
        }.items()
    }
    draft = draft_copies(programme_id)
    shared = approved_plan(programme_id, gbm, consultant)
    registration = Registration.objects.get(pk=state["registration"])
    nonce = registration.open_consent_request()
    return {
        **state,
        **draft,
        **shared,
        "consent_token": consent_link_token(registration, nonce),
        "plan_csv": _download(gbm, "missions:action_plan_export", draft["draft_insee"]),
        "diagnostic_csv": _download(gbm, "missions:diagnostic_export", draft["draft_insee"]),
        "programme": programme_id,
        "commune": commune.pk,
        "fresh_insee": accompaniment.commune.insee_code,
        "fresh_accompaniment": accompaniment.pk,
        "unregistered_contact": ContactFactory(commune=commune).pk,
        "theme_proposed": ThemeFactory(proposed=True).pk,
        "past_workshop": past.pk,
        "consenting_registration": consenting.pk,
        "attendance_sheet": submit_target(past.attendance_sheet),
        "free_meeting": meeting.pk,
        "order_line": OrderLine.objects.filter(order_form_id=state["order_form"]).first().pk,
        "draft_order_form": draft_order.pk,
        "received": requests["received"].pk,
        "under_review": requests["under_review"].pk,
        "accepted": requests["accepted"].pk,
        "consultant": consultant.pk,
        "gbm_uid": urlsafe_base64_encode(force_bytes(gbm.pk)),
        "gbm_token": default_token_generator.make_token(gbm),
    }


def _download(user, url_name, insee_code) -> bytes:
    """An export as its user downloads it (the import pages' baseline file: importing it back changes nothing)."""
    client = Client()
    client.force_login(user)
    response = client.get(reverse(url_name, kwargs={"insee_code": insee_code, "fmt": "csv"}))
    assert response.status_code == 200, response.status_code
    return b"".join(response.streaming_content)


def submit_target(subject) -> dict:
    return {"kind": subject.deliverable_kind, "pk": subject.pk}


# Posting and reading the answers -----------------------------------------------------------------------------------
@contextmanager
def savepoint(rollback: bool):
    if not rollback:
        yield
        return
    with transaction.atomic():
        yield
        transaction.set_rollback(True)


def client_as(users, role) -> Client:
    client = Client()
    if role != "anonymous":
        client.force_login(users[role])
    return client


def assert_escaped(response, where: str) -> None:
    content = response.content.decode("utf-8", errors="replace")
    assert XSS not in content, f"unescaped script in {where}"


def view_name(url: str) -> str:
    try:
        return resolve(urlsplit(url).path).view_name
    except Resolver404:
        return url
