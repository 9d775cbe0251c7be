"""Fuzzed forms: hypothesis posts hostile input to EVERY form of the portal, through its view, as a logged-in user.

Which forms: every URL whose view handles POST, found by walking Django's URL resolver (a view handles POST when
its class has `post()` or its source reads `POST`), plus the order-form add and change pages of the Django admin.
FORMS (tests/harness/fuzz_forms.py) says, for each of them, which object its URL takes, who posts, on which page
the form is shown and the baseline its examples start from. A POST view missing from FORMS fails
`test_every_post_view_is_fuzzed`; a `<form method="post">` found on a portal page whose target is missing fails
`test_every_post_form_on_the_pages_is_fuzzed`.

What must hold: never a server error (the test client re-raises any exception a view lets through), only 200 or
302, and `<script>alert(1)</script>` only ever rendered escaped: on the re-displayed form, and on the page a saved
form redirects to (fetched once for every new pair of redirect target and field carrying the script, which is what
the escaping depends on; fetching it after every save made the run 40 % longer).

Examples: every form first gets the explicit examples (`explicit_examples`: one per class of fault this test has
found), on both databases; then, on SQLite, 100 generated examples (tests/harness/fuzz.py's DEFAULT_EXAMPLES).
FUZZ_EXAMPLES sets the generated examples per form on either database (FUZZ_EXAMPLES=500 for a deeper run);
hypothesis is derandomised (reproducible in CI) and keeps no example database. The split between the databases is
docs/adr/0003-test-suite-split.md's.

Speed: every example runs in a savepoint rolled back afterwards, so each one starts from the same state (an update
form's version check passes, the public form's rate limit and the login throttle count from zero, nothing piles up
in the pages that list what was saved). The state is built once per module (one transaction rolled back at the
end). Templates render without the test client's context copies (a third of the time, crispy renders a template
per field). The generated examples write a document's HTML but do not lay it out (`laid_out_by_stub`): the
programme report took 77 s and the deliverable re-issue 41 s at 200 examples, each laying out a PDF. About 20 ms per
example on the 2-core CI machine. The tally (forms, examples, redirects, failures, time) is printed at the end of
the run (tests/conftest.py).
"""

import time
from contextlib import contextmanager, nullcontext
from unittest import mock

import pytest
import time_machine
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection, transaction
from django.template.base import Template
from django.urls import get_resolver, resolve, reverse
from hypothesis import example, given
from hypothesis import strategies as st

from tests.factories import CommuneFactory, UserFactory
from tests.harness.forms import form_posting_to, post_forms
from tests.harness.fuzz import (
    CSRF_FIELD,
    EXTRA_FIELD,
    PDF,
    ROW_KEYS,
    TALLY,
    TODAY,
    TOO_BIG_ID,
    VALUE,
    XSS,
    assert_escaped,
    build_state,
    client_as,
    fuzz_settings,
    generated_examples,
    handles_post,
    portal_post_views,
    savepoint,
    view_name,
)
from tests.harness.fuzz_forms import FORMS
from tests.harness.scenario import MATRIX
from tests.harness.urls import walk_views


def test_every_post_view_is_fuzzed():
    fuzzed = {form.url_name for form in FORMS.values()}
    missing = sorted(portal_post_views() - fuzzed)
    assert missing == [], f"Add these POST views to FORMS: {missing}"
    assert {"admin:missions_orderform_add", "admin:missions_orderform_change"} <= fuzzed


def test_post_views_are_found_through_the_helpers_they_call():
    """The import page hands its request to a helper that reads POST and FILES (missed while only the view's own
    source was read); a method decorator's list counts; the poster's helpers read no form (a docstring saying POST,
    or "POSTER", is no reading)."""

    def view(name):
        return resolve(reverse(name, kwargs={"insee_code": "25014"})).func

    assert handles_post(view("missions:action_plan_import"))
    assert handles_post(view("missions:share_link_revoke"))
    assert not handles_post(view("missions:diagnostic_poster_pdf"))
    assert not handles_post(view("missions:action_plan_deliberation"))
    # rate-limited GET: only Django's method decorator's list counts, not another decorator's `methods`
    assert not handles_post(resolve(reverse("missions:shared_plan", args=["x"])).func)


# The examples that lay out their document with WeasyPrint (about 2 s for the programme report): the first ones.
REAL_LAYOUTS = 2


def explicit_examples(keys: list[str]) -> list[dict]:
    """The examples every form gets on both databases, before the generated ones (SQLite): one for each class of
    fault this fuzzer found, so that none depends on the number of examples drawn. The baseline unchanged; every
    field carrying the script at once; every field holding an id beyond any database integer, and the multiple
    choices where such an id once overflowed SQLite (a server error, commit 9a3507e); every field of the form and of
    its stored rows "sNaN" (a signalling NaN on a row holding a decimal was a server error, commit 6b04547); every
    field 10,000 characters long (a long username overflowed django-axes' 255-character column on PostgreSQL only,
    commit c12d9f6); every field a NUL byte (PostgreSQL refuses it in text); a formset's or admin inline's forged
    row count (2,000 rows built and rendered, commits b6a2d06 and 52654a8)."""
    fields = [key for key in keys if not key.endswith(ROW_KEYS)]
    examples = [
        {},
        dict.fromkeys(keys, XSS),
        dict.fromkeys(keys, TOO_BIG_ID),
        {"present": TOO_BIG_ID, "excused": TOO_BIG_ID, "actions": TOO_BIG_ID},
        dict.fromkeys(fields, "sNaN"),
        dict.fromkeys(fields, "x" * 10_000),
        dict.fromkeys(fields, "\x00"),
        {key: "2000" for key in keys if key.endswith("TOTAL_FORMS")},
    ]
    unique = {repr(sorted(overrides.items())): overrides for overrides in examples}
    return list(unique.values())


@contextmanager
def laid_out_by_stub():
    """WeasyPrint's layout replaced by a constant PDF: the document's HTML is still written from the example's
    input (its templates and their escaping run), only its layout (0.2 to 0.4 s per example on the programme report
    and a deliverable's re-issue) is skipped. The real layout is tested by the first examples here (REAL_LAYOUTS) and
    by the PDF tests (tests/pat_portal/test_every_pdf.py, test_pdf_in_worker.py and each document's own tests)."""

    def lay_out(html: str, *, archival: bool = False, key: str | None = None, budget: float | None = None) -> bytes:
        return PDF

    with mock.patch("core.pdf.lay_out", lay_out), mock.patch("core.tasks.lay_out_within_budget", lay_out):
        yield


@pytest.fixture(scope="module", autouse=True)
def _hypothesis_caches_outside_the_checkout(tmp_path_factory):
    """`database=None` keeps no examples, but hypothesis still caches constants and unicode data in .hypothesis/:
    for this module they go to a temporary directory, so that CI leaves nothing behind."""
    from hypothesis import configuration

    configuration.set_hypothesis_home_dir(tmp_path_factory.mktemp("hypothesis"))
    yield
    configuration.set_hypothesis_home_dir(None)


@pytest.fixture(autouse=True)
def _plain_template_rendering(monkeypatch):
    """Django's test set-up makes every template render send a signal, on which the test client copies the whole
    context (for `response.context`); crispy renders one template per field, so that copying took a tenth of the
    fuzzing time. These tests only read the HTML: render as in production."""
    monkeypatch.setattr(Template, "_render", lambda template, context: template.nodelist.render(context))


@pytest.fixture(scope="module")
def module_state(django_db_setup, django_db_blocker):
    """Users and objects built once for the module, in a transaction rolled back at its end."""
    with django_db_blocker.unblock(), time_machine.travel(TODAY, tick=False), transaction.atomic():
        commune = CommuneFactory(insee_code="25014", name="Amagney", population=934)
        other = CommuneFactory(insee_code="25200", name="Devecey", population=1296)
        users = {
            "gbm": UserFactory(username="gbm", gbm=True),
            "consultant": UserFactory(username="consultant", consultant=True),
            "elu": UserFactory(username="elu", elu=True, commune=commune),
            "elu_other": UserFactory(username="elu_other", elu=True, commune=other),
            "superuser": UserFactory(username="admin", gbm=True, is_superuser=True),
        }
        state = build_state(users)
        state["commune_unaccompanied"] = CommuneFactory(insee_code="25057", name="Bouclans").pk
        yield users, state
        transaction.set_rollback(True)


@pytest.mark.django_db
def test_every_post_form_on_the_pages_is_fuzzed(module_state):
    """Every <form method="post"> on the pages of the state (as GBM and as the élu) targets a fuzzed URL."""
    users, state = module_state
    fuzzed = {form.url_name for form in FORMS.values()}
    pages = {
        form.page(state) if form.page else reverse(form.url_name, kwargs=form.kwargs(state)) for form in FORMS.values()
    }
    pages |= {
        reverse(name)
        for name, route, _view in walk_views(get_resolver().url_patterns)
        if "<" not in route and not route.startswith(("admin/", "static/"))
    }
    pages |= {
        reverse(name, kwargs=kwargs(state))
        for name, (kwargs, get_profile, _post) in MATRIX.items()
        if "pdf" not in name and get_profile[0] == "ok"
    }
    missing = set()
    with time_machine.travel(TODAY, tick=False):
        for role in ("gbm", "elu"):
            client = client_as(users, role)
            for page in sorted(pages):
                response = client.get(page)
                if response.status_code != 200 or not response["Content-Type"].startswith("text/html"):
                    continue
                for form in post_forms(response.content.decode()):
                    if not form.in_main:  # the header's logout buttons (the portal's is in FORMS)
                        continue
                    name = view_name(form.action or page)
                    if name not in fuzzed:
                        missing.add(f"{name} (on {page})")
    assert missing == set(), f"Add these forms to FORMS: {sorted(missing)}"


@pytest.mark.django_db
@pytest.mark.parametrize("label", list(FORMS))
def test_form_survives_hostile_input(label, module_state):
    users, state = module_state
    spec = FORMS[label]
    started = time.perf_counter()
    examples = generated_examples(connection.vendor)
    tally = TALLY.setdefault(
        label, {"examples": 0, "asked": examples, "redirected": 0, "pages_checked": 0, "seconds": 0.0, "failed": 0}
    )
    with time_machine.travel(TODAY, tick=False):
        client = client_as(users, spec.role)
        if spec.prepare:
            spec.prepare(client, state)
        url = reverse(spec.url_name, kwargs=spec.kwargs(state))
        page = spec.page(state) if spec.page else url
        response = spec.open_page(client, state) if spec.open_page else client.get(page)
        assert response.status_code == 200, f"{label}: GET {page} answered {response.status_code}"
        form = form_posting_to(response.content.decode(), page, url)
        baseline = spec.baseline(state) if spec.baseline else {**form.data(), **spec.fill(state)}
        # Hostile values go to every control of the form (unticked boxes and empty selects too), the submit buttons'
        # names, and one field no form declares.
        submits = {name for name, _value in form.submits}
        keys = sorted({*baseline, *form.names, *submits, *form.files, EXTRA_FIELD} - {CSRF_FIELD})
        checked_pages: set[tuple[str, str]] = set()
        explicit = explicit_examples(keys)

        def post(overrides: dict):
            tally["examples"] += 1
            # The first two explicit examples (run first: the baseline, the script in every field) lay their
            # documents out with WeasyPrint; the others write the document's HTML from their input (templates,
            # escaping) but not its layout (laid_out_by_stub).
            layout = nullcontext() if tally["examples"] <= REAL_LAYOUTS else laid_out_by_stub()
            upload = spec.upload(state) if spec.upload else ("devis.pdf", PDF)
            data = {**baseline, **{name: SimpleUploadedFile(*upload) for name in spec.files}, **overrides}
            with layout, savepoint(spec.rollback):
                if spec.relogin:
                    client.force_login(users[spec.role])
                response = client.post(url, data)
                allowed = (200, 302) + ((404,) if spec.not_found else ()) + ((409,) if spec.conflict else ())
                assert response.status_code in allowed, f"{label} answered {response.status_code}"
                assert_escaped(response, f"{label} form")
                if response.status_code != 302:
                    return
                tally["redirected"] += 1
                target = view_name(response.url)
                new = {(target, name) for name, value in overrides.items() if XSS in value} - checked_pages
                if new or not checked_pages:
                    tally["pages_checked"] += 1
                    # Any answer but a server error: a forged `next` may lead the login to a page that does not exist.
                    page_response = client.get(response.url)
                    assert page_response.status_code < 500, f"page after {label}: {page_response.status_code}"
                    assert_escaped(page_response, f"page after {label}")
                    checked_pages.update(new or {(target, "")})

        @fuzz_settings(examples)
        @given(overrides=st.dictionaries(st.sampled_from(keys), VALUE, max_size=4))
        def post_hostile_input(overrides):
            post(overrides)

        for overrides in reversed(explicit):
            post_hostile_input = example(overrides=overrides)(post_hostile_input)

        try:
            post_hostile_input()
        except BaseException:
            tally["failed"] += 1
            raise
        finally:
            tally["seconds"] += time.perf_counter() - started
    assert tally["examples"] >= examples + len(explicit)
