"""What the browser tests share: where Chromium is, logging in through the login page, the axe-core scan of every
visited page and its tally, keyboard moves."""

import json
import shutil
from pathlib import Path

import pytest
from django.conf import settings as django_settings

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
PASSWORD = "Mot-de-passe-test-1"  # tests.factories.UserFactory's
SCREENSHOTS = Path(django_settings.BASE_DIR) / "tests" / "screenshots"
AXE_SCRIPT = "/static/vendor/axe/axe.min.js"
AXE_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]
# Page name → {"moderate": {rule id: nodes}, "blocking": [rule ids], "url": ...}: read at the end of the session.
AXE_RESULTS: dict[str, dict] = {}


# A form's answer on a loaded machine (the CI runs the whole suite on 2 cores): generous, and a wait that times out
# says which answer it waited for.
ANSWER_TIMEOUT_MS = 60_000


def login(page, base, user):
    """Log in through the login page, as a person would (every factory user has PASSWORD).

    The previous page is left for a blank one before the cookies are cleared: its scripts and requests may still be
    running (the navigation's "À faire" count is fetched once a page is shown). An answer arriving after the clearing
    stores its cookies for the next person (seen under load: the previous user's "À faire" cookie), and a request
    sent after it is answered by the login page with a fresh CSRF cookie, which the login form shown meanwhile no
    longer matches (403). Then the login form's own answer is waited for and checked."""
    page.goto("about:blank")
    page.context.clear_cookies()
    page.goto(f"{base}/connexion/")
    page.fill("#id_username", user.username)
    page.fill("#id_password", PASSWORD)
    sent, response = _answer_of(page, lambda: page.locator("main button[type=submit]").click())
    if "/connexion/" in page.url:
        pytest.fail(
            f"{user.username} is not logged in: {sent.method} /connexion/ was answered {sent.response().status}, "
            f"the page shows {response.status if response else '?'} {page.url}: {_visible_text(page)[:400]!r}"
        )


def axe_scan(page, base, name, *, fail=True):
    """Inject the vendored axe-core (served as a static file, CSP allows it), fail on serious/critical issues.

    The WCAG 2.1 A/AA rules decide; axe's best-practice rules (landmarks, heading order…) run too and are only
    recorded. Moderate (and minor) issues go to the end-of-session summary; a full-page screenshot is saved.
    """
    page.add_script_tag(url=f"{base}{AXE_SCRIPT}")
    result = page.evaluate(
        "tags => axe.run(document, {runOnly: {type: 'tag', values: tags}, resultTypes: ['violations']})",
        [*AXE_TAGS, "best-practice"],
    )
    wcag, best_practice = [], []
    for violation in result["violations"]:
        (wcag if set(violation["tags"]) & set(AXE_TAGS) else best_practice).append(violation)
    blocking = [v for v in wcag if v["impact"] in ("serious", "critical")]
    AXE_RESULTS[name] = {
        "url": page.url.removeprefix(base),
        "blocking": [v["id"] for v in blocking],
        "moderate": {v["id"]: len(v["nodes"]) for v in wcag if v["impact"] == "moderate"},
        "minor": {v["id"]: len(v["nodes"]) for v in wcag if v["impact"] == "minor"},
        "best_practice": {f"{v['id']} ({v['impact']})": len(v["nodes"]) for v in best_practice},
    }
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / f"{name}.png"), full_page=True)
    details = [(v["id"], v["impact"], [n["target"] for n in v["nodes"]][:3]) for v in blocking]
    if fail:
        assert not blocking, f"{name}: {json.dumps(details, ensure_ascii=False)}"
    return details


def text_of(page, selector="main") -> str:
    """The text the user reads in the element, French number spacing (narrow and no-break spaces) made plain."""
    return page.locator(selector).first.inner_text().replace("\u202f", " ").replace("\xa0", " ")


def submit(page, label=None):
    """Submit a form of the page (by its button's accessible name when there are several), wait for the answer.

    Returns the response of the page now shown: the form's answer, or the page it redirected to."""
    main = page.locator("main")
    button = main.get_by_role("button", name=label, exact=True) if label else main.locator("form [type=submit]")
    return _answer_of(page, button.first.click)[1]


def _answer_of(page, send):
    """Run `send` (a click that sends a form) and wait until the page shows the answer to that very request (after
    its redirects), loaded: not merely the next URL change. Another navigation committed first is a failure, named.

    Returns the request the form sent and the response of the document shown."""

    def is_page_request(request):
        return request.is_navigation_request() and request.frame == page.main_frame

    with (
        page.expect_navigation(timeout=ANSWER_TIMEOUT_MS) as navigation,
        page.expect_request(is_page_request, timeout=ANSWER_TIMEOUT_MS) as sending,
    ):
        send()
    sent, response = sending.value, navigation.value
    first = response.request if response else None
    while first is not None and first.redirected_from is not None:
        first = first.redirected_from
    if first is not sent:
        shown = f"{first.method} {first.url}" if first else page.url
        pytest.fail(f"The form sent {sent.method} {sent.url}, but the page first showed {shown}")
    return sent, response


def _visible_text(page) -> str:
    return " ".join(page.locator("body").inner_text().split())


def tab_to(page, selector, *, limit=80, backwards=False):
    """Press Tab (or Shift+Tab) until the focused element matches the CSS selector, as a keyboard user would."""
    key = "Shift+Tab" if backwards else "Tab"
    for _ in range(limit):
        page.keyboard.press(key)
        if page.evaluate("selector => document.activeElement.matches(selector)", selector):
            return
    pytest.fail(f"{selector} cannot be reached with the keyboard on {page.url}")


def axe_summary() -> dict:
    pages = dict(sorted(AXE_RESULTS.items()))
    return {
        "pages_scanned": len(pages),
        "serious_or_critical": sum(len(page["blocking"]) for page in pages.values()),
        "moderate": sum(len(page["moderate"]) for page in pages.values()),
        "moderate_nodes": sum(sum(page["moderate"].values()) for page in pages.values()),
        "minor": sum(len(page["minor"]) for page in pages.values()),
        "best_practice": sum(len(page["best_practice"]) for page in pages.values()),
        "tags": AXE_TAGS,
        "pages": pages,
    }


def write_axe_summary(terminalreporter) -> None:
    """One line per scanned page and a total; the same figures in tests/screenshots/axe-summary.json (called by
    tests/conftest.py at the end of the run)."""
    summary = axe_summary()
    if not summary["pages_scanned"]:
        return
    pages = summary["pages"]
    write = terminalreporter.write_line
    terminalreporter.section("axe-core (WCAG 2.1 A/AA)")
    for name, page in pages.items():
        rules = ", ".join(f"{rule}×{nodes}" for rule, nodes in page["moderate"].items())
        blocking = f", serious/critical: {', '.join(page['blocking'])}" if page["blocking"] else ""
        advice = ", ".join(f"{rule}×{nodes}" for rule, nodes in page["best_practice"].items())
        advice = f"; best practice: {advice}" if advice else ""
        write(
            f"  {name} ({page['url']}): {len(page['moderate'])} moderate{f' [{rules}]' if rules else ''}{blocking}{advice}"
        )
    per_page = ", ".join(f"{name}: {len(page['moderate'])}" for name, page in pages.items())
    write(
        f"axe: {summary['pages_scanned']} pages scanned, {summary['serious_or_critical']} serious/critical, "
        f"{summary['moderate']} moderate ({per_page}); {summary['best_practice']} best-practice issues (not WCAG)"
    )
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    (SCREENSHOTS / "axe-summary.json").write_text(json.dumps(summary, ensure_ascii=False, indent=2) + "\n")
