"""The mixed load of `make bench`: GBM officers, consultants and élus, each walking their day, writes included.

Run by bench/mixed.py (headless, one step per number of users); by hand against a running server:

    BENCH_FIXTURES=bench/results/fixtures-sqlite.json .venv/bin/locust -f bench/locustfile.py --headless \
        --host http://127.0.0.1:8105 --users 20 --spawn-rate 5 --run-time 30s

Each simulated user logs in with its own account (bench/mixed_data.py made them and the rows of their day), through
the login form as a browser does, and reaches gunicorn as nginx would forward it (X-Forwarded-Proto: https, its own
X-Forwarded-For address, so that login throttling and rate limits see one person each; one connection a request). Between two steps it thinks
for 2 to 5 s. A write GETs its form, posts every field the page gives (CSRF token, version, submission token) with
what a person would change, and must be redirected; the page it is redirected to is read next, as the person would
see it. A response that is not 2xx/3xx, a form shown again with an error, or an error message on the page after a
write counts as a failure with the error's text.

Weights (BENCH_WEIGHTS, "gbm:consultant:élu", default 1:4:10): a few officers, more consultants, many élus.
"""

import datetime
import itertools
import json
import os
import random
import re
import time
import urllib.parse

import gevent
from locust import FastHttpUser, between, task

from bench import day
from bench.html_forms import find_form, form_errors

HOST_HEADER = os.environ.get("BENCH_HOST_HEADER", "pat.bench.test")
PASSWORD = "Bench-PAT-2026"
WEIGHTS = [int(w) for w in os.environ.get("BENCH_WEIGHTS", "1:4:10").split(":")]
MEASURE_SECONDS = float(os.environ.get("BENCH_MEASURE_SECONDS", "0"))
MESSAGE_ERRORS = re.compile(r'<div class="messages"[^>]*>.*?<div class="alert alert-danger">(.*?)</div>', re.S)
SHARED_LINK = re.compile(r"/partage/plan/([A-Za-z0-9_\-]+)/")

_fixtures = None
_counters = {}
_arrived = itertools.count(1)
_measured_from = None  # time.time() of the reset: a request sent before it is not counted


def arrived(environment) -> None:
    """Once every simulated user has logged in, the statistics start afresh: logging in (Argon2, all at once during
    the ramp) is not a page of anyone's day. A request sent during the ramp and answered after the reset (a home
    queued behind the logins) is not counted either (`counted_if_measured`). One Locust process; with several,
    bench/mixed.py asks Locust to reset them when the ramp ends instead (--reset-stats)."""
    global _measured_from
    runner = environment.runner
    if runner is None or type(runner).__name__ != "LocalRunner":
        return
    if next(_arrived) == runner.target_user_count:
        _measured_from = time.time()
        environment.stats.reset_all()
        print(f"[locustfile] {runner.target_user_count} utilisateurs connectés : mesure à partir d'ici", flush=True)
        if MEASURE_SECONDS:  # the step lasts exactly this long from here, however long the logins took
            gevent.spawn_later(MEASURE_SECONDS, runner.quit)


def counted_if_measured(response) -> None:
    """A response to a request sent before the statistics were reset is left out of them: its time is the ramp's
    (the logins' queue), not the measured load's. Locust's client stamps each request with its start (time.time())."""
    if _measured_from is not None and response.request_meta.get("start_time", _measured_from) < _measured_from:
        response._report_request = lambda: None


def fixtures() -> dict:
    global _fixtures
    if _fixtures is None:
        with open(os.environ["BENCH_FIXTURES"]) as handle:
            _fixtures = json.load(handle)
    return _fixtures


def next_account(role: str) -> tuple[int, dict]:
    """The next unused account of `role` in this Locust process (accounts are handed out in order)."""
    counter = _counters.setdefault(role, itertools.count())
    index = next(counter)
    accounts = fixtures()[role]
    if index >= len(accounts):
        raise RuntimeError(f"{len(accounts)} comptes « {role} » seulement : préparez-en davantage (bench/mixed.py).")
    return index, accounts[index]


class Person(FastHttpUser):
    abstract = True
    role = ""
    wait_time = between(2, 5)
    # Requests wait as long as a person would before giving up; gunicorn's own timeout is 60 s.
    network_timeout = 60.0
    connection_timeout = 10.0

    def on_start(self):
        index, self.me = next_account(self.role)
        serial = {"gbm": 0, "consultants": 1, "elus": 2}[self.role] * 10000 + index
        self.address = f"198.18.{serial // 250}.{serial % 250 + 1}"
        self.rounds = 0
        self.cookies = {}
        try:
            self.log_in()
        finally:
            arrived(self.environment)

    # --- HTTP as a browser behind nginx ---

    def headers(self, extra=None) -> dict:
        # nginx's proxy_pass (deploy/nginx-pat-portal.conf, no upstream keep-alive) opens one connection per
        # request to gunicorn: so does the bench. Kept alive, a connection gunicorn closed during the think time
        # (its keep-alive is 2 s) failed the next POST now and then.
        headers = {
            "Host": HOST_HEADER,
            "X-Forwarded-Proto": "https",
            "X-Forwarded-For": self.address,
            "Connection": "close",
        }
        if self.cookies:
            headers["Cookie"] = "; ".join(f"{name}={value}" for name, value in self.cookies.items())
        return headers | (extra or {})

    def keep_cookies(self, response) -> None:
        """The cookies a response sets, kept by hand: the client's own jar files them under 127.0.0.1 and then
        never sends them to the host the requests name (the portal's, as behind nginx)."""
        headers = response.headers
        for header in (headers.getlist("set-cookie") if hasattr(headers, "getlist") else []) or []:
            name, _, rest = header.partition("=")
            value = rest.split(";", 1)[0]
            if "max-age=0" in header.lower() or not value:
                self.cookies.pop(name.strip(), None)
            else:
                self.cookies[name.strip()] = value

    def page(self, name: str, url: str, *, check_messages: bool = False) -> str | None:
        """GET a page that must answer 200; its HTML, or None after a failure."""
        with self.client.get(url, name=name, headers=self.headers(), catch_response=True) as response:
            self.keep_cookies(response)
            counted_if_measured(response)
            if response.status_code != 200:
                response.failure(f"{status(response)} sur {url}")
                return None
            text = response.text or ""
            shown = MESSAGE_ERRORS.search(text) if check_messages else None
            if shown:
                response.failure("message d'erreur : " + " ".join(re.sub(r"<[^>]+>", " ", shown.group(1)).split()))
                return None
            return text

    def download(self, name: str, url: str) -> None:
        with self.client.get(url, name=name, headers=self.headers(), catch_response=True) as response:
            self.keep_cookies(response)
            counted_if_measured(response)
            if response.status_code != 200 or not response.content:
                response.failure(f"{status(response)} sur {url}")

    def post(self, name: str, url: str, body: list, *, expect: int = 302) -> tuple[str | None, str]:
        """POST a form; (where it redirects, or None after a failure, and the response's HTML)."""
        headers = self.headers(
            {
                "Content-Type": "application/x-www-form-urlencoded",
                "Origin": f"https://{HOST_HEADER}",
                "Referer": f"https://{HOST_HEADER}{url}",
            }
        )
        with self.client.post(
            url,
            data=urllib.parse.urlencode(body),
            name=f"{name} (envoi)",
            headers=headers,
            allow_redirects=False,
            catch_response=True,
        ) as response:
            self.keep_cookies(response)
            counted_if_measured(response)
            text = response.text or ""
            if response.status_code != expect:
                errors = form_errors(text) if response.status_code == 200 else ""
                response.failure(errors or f"{status(response)} au lieu de {expect} sur {url}")
                return None, text
            location = response.headers.get("Location") or response.headers.get("location") or ""
            return urllib.parse.urlsplit(location).path + (
                "?" + urllib.parse.urlsplit(location).query if urllib.parse.urlsplit(location).query else ""
            ), text

    def submit(self, name: str, url: str, changes=None, *, action: str | None = None, having=None, expect=302):
        """GET the form's page, fill it as a person would and POST it: (where it redirects, the response's HTML)."""
        html = self.page(name, url)
        if html is None:
            return None, ""
        # A page's form posts to the page itself unless told otherwise (the logout form comes first in every page).
        if action is None and having is None:
            action = urllib.parse.urlsplit(url).path
        form = find_form(html, url, action=action, having=having)
        if form is None:
            with self.client.get(
                url, name=f"{name} (formulaire introuvable)", headers=self.headers(), catch_response=True
            ) as response:
                counted_if_measured(response)
                response.failure(f"pas de formulaire sur {url}")
            return None, ""
        values = changes(form) if callable(changes) else (changes or {})
        return self.post(
            name, urllib.parse.urlsplit(form.action).path + _query(form.action), form.filled(values), expect=expect
        )

    def log_in(self):
        url = day.path("login")
        html = self.page("connexion (page)", url) or ""
        form = find_form(html, url, having="username")
        token = form.value("csrfmiddlewaretoken") if form else ""
        body = [("username", self.me["username"]), ("password", PASSWORD), ("csrfmiddlewaretoken", token)]
        location, _ = self.post("connexion", url, body)
        if location is None:
            raise RuntimeError(f"connexion refusée pour {self.me['username']}")

    def after(self, name: str, location: str | None) -> None:
        """The page a write redirects to, read at once and checked for an error message."""
        if location:
            self.page(name, location, check_messages=True)

    def walk(self, *steps):
        for step in steps:
            step()
            self.wait()
        self.rounds += 1


def status(response) -> str:
    """« HTTP 500 », or what broke when no answer came (HTTP 0: the connection, a timeout)."""
    if response.status_code:
        return f"HTTP {response.status_code}"
    error = getattr(response, "error", None)
    return f"pas de réponse ({type(error).__name__}: {error})"


def _query(url: str) -> str:
    query = urllib.parse.urlsplit(url).query
    return f"?{query}" if query else ""


class GBMOfficer(Person):
    """Home, dashboard, a commune's hub, validates a deliverable, decides a support request, exports the actions."""

    role = "gbm"
    weight = WEIGHTS[0]

    @task
    def a_day(self):
        self.walk(
            lambda: self.page("GBM · accueil", day.path("GBM · accueil")),
            lambda: self.page("GBM · tableau de bord", day.path("GBM · tableau de bord")),
            lambda: self.page("GBM · fiche commune", day.path("GBM · fiche commune", insee=self.me["hub"])),
            self.validate,
            self.decide,
            lambda: self.download("GBM · export des actions (XLSX)", day.path("GBM · export des actions (XLSX)")),
        )

    def validate(self):
        self.page("GBM · livrables à valider", day.path("GBM · livrables à valider"))
        if not self.me["deliverables"]:
            return
        deliverable = self.me["deliverables"].pop(0)
        location, _ = self.submit(
            "GBM · valider un livrable", day.path("GBM · valider un livrable", deliverable=deliverable)
        )
        self.after("GBM · livrable validé (page suivante)", location)

    def decide(self):
        if not self.me["requests"]:
            return
        request = self.me["requests"].pop(0)
        url = day.path("GBM · demande", request=request)
        html = self.page("GBM · demande", url)
        review = day.path("GBM · mettre en instruction", request=request)
        form = find_form(html or "", url, action=review)
        if form is not None:
            self.wait()
            location, _ = self.post("GBM · mettre en instruction", review, form.filled())
            self.after("GBM · demande", location)

        self.wait()
        location, _ = self.submit(
            "GBM · décider une demande", day.path("GBM · décider une demande", request=request), day.decision_changes
        )
        self.after("GBM · demande décidée (page suivante)", location)


class Consultant(Person):
    """Home, saves a meeting with participants, fills a week of time, edits a plan action, registers people."""

    role = "consultants"
    weight = WEIGHTS[1]

    @task
    def a_day(self):
        self.walk(
            lambda: self.page("consultant · accueil", day.path("consultant · accueil")),
            self.meeting,
            self.week,
            self.action,
            self.register,
        )

    def meeting(self):
        url = day.path("consultant · nouvelle réunion", accompaniment=self.me["accompaniment"])
        location, _ = self.submit(
            "consultant · nouvelle réunion", url, lambda form: day.meeting_changes(form, self.rounds)
        )
        self.after("consultant · réunion (après enregistrement)", location)

    def week(self):
        monday = day.monday_weeks_ago(datetime.date.fromisoformat(fixtures()["today"]), self.rounds + 1)
        url = day.path("consultant · semaine de temps", monday=monday.isoformat())

        def filled(form):
            return day.week_changes(form, accompaniment=self.me["accompaniment"], line=self.me["line"])

        location, _ = self.submit("consultant · semaine de temps", url, filled)
        self.after("consultant · semaine de temps (après enregistrement)", location)

    def action(self):
        url = day.path("consultant · modifier une action", action=self.me["action"])
        location, _ = self.submit("consultant · modifier une action", url, day.action_changes(self.rounds))
        self.after("consultant · action (après enregistrement)", location)

    def register(self):
        url = day.path("consultant · inscrire des personnes", workshop=self.me["workshop"], commune=self.me["commune"])

        def filled(form):
            return day.bulk_registration_changes(form, random)

        location, _ = self.submit("consultant · inscrire des personnes", url, filled)
        self.after("consultant · atelier (après inscription)", location)


class Elu(Person):
    """Home, the plan, the Point d'étape, registers a colleague for a workshop, shares the plan with the council."""

    role = "elus"
    weight = WEIGHTS[2]

    @task
    def a_day(self):
        insee = self.me["insee"]
        self.walk(
            lambda: self.page("élu · accueil", day.path("élu · accueil")),
            lambda: self.page("élu · plan d'actions", day.path("élu · plan d'actions", insee=insee)),
            lambda: self.page("élu · point d'étape", day.path("élu · point d'étape", insee=insee)),
            self.register,
            self.share,
        )

    def register(self):
        url = day.path("élu · inscrire un·e collègue", workshop=self.me["workshop"])
        changes = day.colleague_changes(self.me["username"], self.rounds)
        location, _ = self.submit("élu · inscrire un·e collègue", url, changes)
        self.after("élu · atelier (après inscription)", location)

    def share(self):
        url = day.path("élu · créer un lien de partage", insee=self.me["insee"])
        _, html = self.submit("élu · créer un lien de partage", url, {}, expect=200)
        link = SHARED_LINK.search(html or "")
        if link:
            self.wait()
            self.page("élu · plan partagé (lien)", day.path("élu · plan partagé (lien)", token=link.group(1)))
