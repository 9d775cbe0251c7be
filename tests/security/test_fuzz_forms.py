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

Speed: every example runs in a savepoint rolled back afterwards, so each one starts from the same state (an update
form's version check passes, the public form's rate limit and the login throttle count from zero, nothing piles up
in the pages that list what was saved). The state is built once per module (one transaction rolled back at the
end). Templates render without the test client's context copies (a third of the time, crispy renders a template
per field). Measured on the 2-core CI machine: about 20 ms per example, 4 min 45 s for the module at 200 examples
per form, on SQLite as on PostgreSQL. FUZZ_EXAMPLES sets the examples per form (200 by default); hypothesis is
derandomised (reproducible in CI) and keeps no example database. The tally (forms, examples, redirects, failures,
time) is printed at the end of the run by tests/security/conftest.py.
"""

import time

import pytest
import time_machine
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import transaction
from django.template.base import Template
from django.urls import get_resolver, resolve, reverse
from hypothesis import example, given
from hypothesis import strategies as st

from tests.factories import CommuneFactory, UserFactory
from tests.harness.forms import form_posting_to, post_forms
from tests.harness.fuzz import (
    CSRF_FIELD,
    EXAMPLES,
    EXTRA_FIELD,
    FUZZ_SETTINGS,
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
    tally = TALLY.setdefault(label, {"examples": 0, "redirected": 0, "pages_checked": 0, "seconds": 0.0, "failed": 0})
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

        def post(overrides: dict):
            tally["examples"] += 1
            upload = spec.upload(state) if spec.upload else ("devis.pdf", PDF)
            data = {**baseline, **{name: SimpleUploadedFile(*upload) for name in spec.files}, **overrides}
            with savepoint(spec.rollback):
                if spec.relogin:
                    client.force_login(users[spec.role])
                response = client.post(url, data)
                allowed = (200, 302, 404) if spec.not_found else (200, 302)
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

        # Explicit examples first: the baseline unchanged, every field carrying the script at once, every field
        # holding an id beyond any database integer, and the multiple choices where such an id once overflowed
        # SQLite (a server error found by this test, commit 9a3507e); every field of the form and of its stored rows
        # "sNaN" (found by this test: a signalling NaN on a row holding a decimal was a server error, see
        # pat_portal/apps.py).
        @FUZZ_SETTINGS
        @given(overrides=st.dictionaries(st.sampled_from(keys), VALUE, max_size=4))
        @example(overrides={})
        @example(overrides=dict.fromkeys(keys, XSS))
        @example(overrides=dict.fromkeys(keys, TOO_BIG_ID))
        @example(overrides={"present": TOO_BIG_ID, "excused": TOO_BIG_ID, "actions": TOO_BIG_ID})
        @example(overrides={key: "sNaN" for key in keys if not key.endswith(ROW_KEYS)})
        def post_hostile_input(overrides):
            post(overrides)

        try:
            post_hostile_input()
        except BaseException:
            tally["failed"] += 1
            raise
        finally:
            tally["seconds"] += time.perf_counter() - started
    assert tally["examples"] >= EXAMPLES
