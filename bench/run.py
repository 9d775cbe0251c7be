"""`make bench`: the portal at 20x scale on SQLite behind gunicorn, measured against the issue 10 and 19 targets.

Steps: build (or reuse) the scale-20 database, collectstatic, count SQL queries per key page, start gunicorn
with production-like settings, load each page with 8 connections for a fixed duration (req/s, p50, p95, p99),
time the PDFs (the cold request, the worker's layout, median/max of 10 renders, RSS growth over 100 renders),
measure peak memory of 50,000-row CSV/XLSX exports in child processes. Prints one table and writes
bench/results.json.

Issue 19's targets: every key page serves at least half the req/s of `/mon-compte/` (the lightest logged-in page:
session, user, middleware, layout), with p99 <= 200 ms and at most 12 queries; no cold PDF request over 2 s.

Environment: BENCH_DB (SQLite file, default /tmp/pat_portal_bench.sqlite3), BENCH_PORT (8104),
BENCH_DURATION (seconds per page, 5), BENCH_CONNECTIONS (8), BENCH_WORKERS (gunicorn workers, 2),
BENCH_SCALE (20), BENCH_PDF_TIMINGS (10), BENCH_PDF_RENDERS (100),
BENCH_PARTS (comma-separated subset of pages,pdfs,exports; default all).
"""

import json
import os
import statistics
import subprocess
import sys
import time
import urllib.parse
from http.client import HTTPConnection
from http.cookies import SimpleCookie
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(BASE_DIR))
from bench.loadgen import run_load  # noqa: E402

PYTHON = sys.executable
DB = Path(os.environ.get("BENCH_DB", "/tmp/pat_portal_bench.sqlite3"))
HOST = "127.0.0.1"
PORT = int(os.environ.get("BENCH_PORT", "8104"))
DURATION = float(os.environ.get("BENCH_DURATION", "5"))
CONNECTIONS = int(os.environ.get("BENCH_CONNECTIONS", "8"))
WORKERS = int(os.environ.get("BENCH_WORKERS", "2"))
SCALE = os.environ.get("BENCH_SCALE", "20")
PDF_TIMINGS = int(os.environ.get("BENCH_PDF_TIMINGS", "10"))
PDF_RENDERS = int(os.environ.get("BENCH_PDF_RENDERS", "100"))
PARTS = set(os.environ.get("BENCH_PARTS", "pages,pdfs,exports").split(","))
EXPORT_ROWS = 50_000
PASSWORD = "Bench-PAT-2026"

TARGET_ACCOUNT_SHARE = 0.50  # of /mon-compte/'s req/s
TARGET_P99_MS = 200
TARGET_QUERIES = 12
TARGET_LOGIN_MS = 300
LOGIN_TIMINGS = int(os.environ.get("BENCH_LOGIN_TIMINGS", "10"))
TARGET_PDF_COLD_S = 2.0
TARGET_PDF_MEDIAN_S = 1.0
TARGET_PDF_GROWTH = 0.10
TARGET_EXPORT_MB = 200

ENV = {
    **os.environ,
    "DATABASE_URL": f"sqlite:///{DB}",
    "DJANGO_DEBUG": "0",
    "DJANGO_SECRET_KEY": "bench-only-secret-key-0123456789-abcdefghijklmnopqrstuvwxyz",
    "DJANGO_SECURE_SSL_REDIRECT": "0",
    "DJANGO_ALLOWED_HOSTS": HOST,
    "DJANGO_SETTINGS_MODULE": "pat_portal.settings",
    # The bench's officers have no second factor: their pages are measured as after it (as bench/mixed.py does).
    "DJANGO_OTP_REQUIRED_FOR_OFFICERS": "0",
}


def manage(*args):
    subprocess.run([PYTHON, "manage.py", *args], cwd=BASE_DIR, env=ENV, check=True)


def prepare_database():
    if DB.exists():
        print(f"Base existante réutilisée : {DB}")
        return
    print(f"Construction de la base à l'échelle {SCALE} : {DB}")
    manage("migrate", "--noinput", "-v0")
    manage("createcachetable")
    started = time.perf_counter()
    manage("generate_load_data", "--scale", SCALE)
    print(f"  générée en {time.perf_counter() - started:.1f} s")


def setup_django():
    os.environ.update(ENV)
    import django

    django.setup()
    mark_workers_alive()


def mark_workers_alive():
    """The bench measures pages, with no task worker running: it marks the workers alive for the next hours so that
    `/sante/`, its baseline, answers 200 and does the work it does in production (core/worker_status.py)."""
    import time

    from core import worker_status

    worker_status.beat(worker_status.WATCHED_QUEUES, now=time.time() + 6 * 3600)


def targets():
    """The rows the benchmark reads: the 40-action plan, the 100-participant workshop, the accounts."""
    from django.db.models import Count

    from ateliers.models import Workshop
    from core.models import User
    from missions.mission1.models.action_plans import ActionPlan

    plan = (
        ActionPlan.objects.annotate(n=Count("actions"))
        .order_by("-n", "pk")
        .select_related("accompaniment__commune")[0]
    )
    workshop = Workshop.objects.annotate(n=Count("registrations")).order_by("-n", "pk")[0]
    return {
        "insee": plan.accompaniment.commune.insee_code,
        "plan_actions": plan.n,
        "workshop": workshop.pk,
        "workshop_participants": workshop.n,
        "gbm": User.objects.filter(username__startswith="charge.gbm").order_by("username")[0],
        "consultant": User.objects.filter(username__startswith="charge.consultant").order_by("username")[0],
        "elu": User.objects.filter(username__startswith="charge.elu").order_by("username")[0],
    }


# The key pages of issue 19, read as GBM unless the name says which role reads it.
ROLE_OF_PAGE = {"accueil consultant·e /": "consultant", "accueil élu·e /": "elu"}


def key_pages(t):
    return {
        "accueil GBM /": "/",
        "accueil consultant·e /": "/",
        "accueil élu·e /": "/",
        "tableau de bord /tableau-de-bord/": "/tableau-de-bord/",
        "communes /communes/": "/communes/",
        "fiche commune": f"/communes/{t['insee']}/",
        "diagnostic": f"/communes/{t['insee']}/diagnostic/",
        "plan d'actions": f"/communes/{t['insee']}/plan-d-actions/",
        "réunions /reunions/": "/reunions/",
        "ateliers /ateliers/": "/ateliers/",
        "atelier": f"/ateliers/{t['workshop']}/",
        "demandes /demandes/": "/demandes/",
        "bons de commande /bons-de-commande/": "/bons-de-commande/",
        "temps /temps/": "/temps/",
    }


def count_queries(t, pages):
    """Queries of each page, as a browser reads it: logged in, the navigation's count in its cookie (the home page
    sets it), with its in-process ms."""
    from django.db import connection
    from django.test import Client

    clients = {}
    for role in ("gbm", "consultant", "elu"):
        clients[role] = Client(SERVER_NAME=HOST)
        clients[role].force_login(t[role])
        clients[role].get("/")
    counts = {}
    for name, path in pages.items():
        client = clients[ROLE_OF_PAGE.get(name, "gbm")]
        client.get(path)  # warm caches that legitimately persist between requests (content types…)
        queries = []

        def count(execute, sql, params, many, context, queries=queries):
            queries.append(sql)
            return execute(sql, params, many, context)

        # Not CaptureQueriesContext: each request empties connection.queries_log (reset_queries) under it.
        started = time.perf_counter()
        with connection.execute_wrapper(count):
            response = client.get(path)
        elapsed_ms = (time.perf_counter() - started) * 1000
        assert response.status_code == 200, (path, response.status_code)
        counts[name] = {"queries": len(queries), "ms": elapsed_ms}
    return counts


def http_login(username, timings=None):
    """Log in through the login form (as a browser: GET, then POST with its token); the POST's time is appended to
    `timings` (ms) when given."""
    conn = HTTPConnection(HOST, PORT, timeout=30)
    conn.request("GET", "/connexion/", headers={"Host": f"{HOST}:{PORT}"})
    response = conn.getresponse()
    body = response.read().decode()
    cookies = SimpleCookie()
    for header in response.headers.get_all("Set-Cookie") or []:
        cookies.load(header)
    csrf = cookies["csrftoken"].value
    token = body.split('name="csrfmiddlewaretoken" value="', 1)[1].split('"', 1)[0]
    form = urllib.parse.urlencode({"username": username, "password": PASSWORD, "csrfmiddlewaretoken": token})
    started = time.perf_counter()
    conn.request(
        "POST",
        "/connexion/",
        body=form,
        headers={
            "Host": f"{HOST}:{PORT}",
            "Content-Type": "application/x-www-form-urlencoded",
            "Cookie": f"csrftoken={csrf}",
        },
    )
    response = conn.getresponse()
    response.read()
    if timings is not None:
        timings.append((time.perf_counter() - started) * 1000)
    for header in response.headers.get_all("Set-Cookie") or []:
        cookies.load(header)
    if response.status != 302 or "sessionid" not in cookies:
        raise SystemExit(f"Connexion impossible pour {username} (HTTP {response.status}).")
    cookie = f"sessionid={cookies['sessionid'].value}; csrftoken={csrf}"
    # A browser lands on its home page, which keeps the navigation's "À faire (n)" in a cookie for 5 minutes
    # (pages/navigation.py): wrk sends it along as a browser would.
    conn.request("GET", "/", headers={"Host": f"{HOST}:{PORT}", "Cookie": cookie})
    response = conn.getresponse()
    response.read()
    for header in response.headers.get_all("Set-Cookie") or []:
        cookies.load(header)
    if "pat_a_faire" in cookies:
        cookie += f"; pat_a_faire={cookies['pat_a_faire'].value}"
    return cookie


def start_gunicorn():
    process = subprocess.Popen(
        [
            PYTHON,
            "-m",
            "gunicorn",
            "pat_portal.wsgi",
            "--bind",
            f"{HOST}:{PORT}",
            "--workers",
            str(WORKERS),
            "--log-level",
            "warning",
        ],
        cwd=BASE_DIR,
        env=ENV,
    )
    for _ in range(100):
        try:
            conn = HTTPConnection(HOST, PORT, timeout=2)
            conn.request("GET", "/sante/", headers={"Host": f"{HOST}:{PORT}"})
            if conn.getresponse().status == 200:
                return process
        except OSError:
            time.sleep(0.2)
    process.terminate()
    raise SystemExit("gunicorn n'a pas démarré.")


def measure_pages(pages, cookies):
    results = {}
    baseline = run_load(HOST, PORT, "/sante/", connections=CONNECTIONS, duration=DURATION)
    results["base /sante/"] = baseline
    # Reference, not a target: the lightest page behind the login (session, user, layout, nothing else) shows
    # what any logged-in page costs in this stack before its own content. Key pages are measured against it.
    results["base connectée /mon-compte/"] = run_load(
        HOST, PORT, "/mon-compte/", cookie=cookies["gbm"], connections=CONNECTIONS, duration=DURATION
    )
    for name, path in pages.items():
        cookie = cookies[ROLE_OF_PAGE.get(name, "gbm")]
        run_load(HOST, PORT, path, cookie=cookie, connections=CONNECTIONS, duration=1)  # warm-up
        results[name] = run_load(HOST, PORT, path, cookie=cookie, connections=CONNECTIONS, duration=DURATION)
    return results


def rss_mb() -> float:
    with open("/proc/self/statm") as handle:
        return int(handle.read().split()[1]) * os.sysconf("SC_PAGE_SIZE") / 2**20


def _page_count(content: bytes) -> int:
    import io

    from pypdf import PdfReader

    return len(PdfReader(io.BytesIO(content)).pages)


def peak_rss_mb() -> float:
    """VmHWM, not ru_maxrss: Linux keeps ru_maxrss across exec, so a child would report its parent's peak."""
    with open("/proc/self/status") as handle:
        line = next(line for line in handle if line.startswith("VmHWM:"))
    return int(line.split()[1]) / 1024


def measure_pdfs(user, t):
    from django.test import Client

    client = Client(SERVER_NAME=HOST)
    client.force_login(user)
    pdfs = {
        f"PDF plan d'actions ({t['plan_actions']} actions)": f"/communes/{t['insee']}/plan-d-actions/pdf/",
        f"PDF compte rendu d'atelier ({t['workshop_participants']} participants)": (
            f"/ateliers/{t['workshop']}/compte-rendu/pdf/"
        ),
        "PDF bilan du programme": "/bilan/pdf/",
    }
    from django.core.cache import caches

    results = {}
    for name, path in pdfs.items():
        # The first request after the cache is emptied: a long document is queued for the task worker and the
        # request answers « Document en préparation » (202); a short one is laid out in the request. Then the
        # worker lays the queued one out (`worker --queue-name documents --batch`, timed), and the timed renders show what users wait
        # for while its content does not change (kernel/pdf.py).
        caches["pdfs"].clear()
        started = time.perf_counter()
        response = client.get(path)
        b"".join(response.streaming_content) if response.streaming else response.content
        cold = time.perf_counter() - started
        cold_status = response.status_code
        worker_s = None
        if cold_status == 202:
            started = time.perf_counter()
            subprocess.run(
                [PYTHON, "manage.py", "worker", "--queue-name", "documents", "--batch", "--no-startup-delay", "-v0"],
                cwd=BASE_DIR,
                env={**ENV, "DJANGO_EMAIL_BACKEND": "django.core.mail.backends.dummy.EmailBackend"},
                check=True,
            )
            worker_s = time.perf_counter() - started
        timings = []
        for _ in range(PDF_TIMINGS):
            started = time.perf_counter()
            response = client.get(path)
            content = b"".join(response.streaming_content) if response.streaming else response.content
            timings.append(time.perf_counter() - started)
            assert response.status_code == 200 and content.startswith(b"%PDF"), (path, response.status_code)
        rss_before = rss_mb()
        for _ in range(PDF_RENDERS):
            response = client.get(path)
            if response.streaming:
                b"".join(response.streaming_content)
        rss_after = rss_mb()
        results[name] = {
            "path": path,
            "cold_s": cold,
            "cold_status": cold_status,
            "worker_s": worker_s,
            "median_s": statistics.median(timings),
            "max_s": max(timings),
            "rss_before_mb": rss_before,
            "rss_after_mb": rss_after,
            "growth": (rss_after - rss_before) / rss_before,
            "renders": PDF_RENDERS,
            "timed_renders": PDF_TIMINGS,
            "pages": _page_count(content),
        }
    return results


def export_child(fmt: str):
    """In a fresh process: export 50,000 real time entries (the table read twice over) and report peak RSS."""
    setup_django()
    import itertools

    from core.exports import spreadsheet_response
    from missions.money.models.time import TimeEntry
    from missions.money.views.time import TIME_COLUMNS

    queryset = TimeEntry.objects.with_related().order_by("date", "pk")
    rows = itertools.islice(
        itertools.chain.from_iterable(queryset.iterator(chunk_size=2000) for _ in itertools.repeat(None)), EXPORT_ROWS
    )
    started = time.perf_counter()
    response = spreadsheet_response(rows, TIME_COLUMNS, "bench", fmt)
    size = sum(len(chunk) for chunk in response.streaming_content)
    elapsed = time.perf_counter() - started
    peak = peak_rss_mb()
    print(json.dumps({"rows": EXPORT_ROWS, "bytes": size, "seconds": elapsed, "peak_rss_mb": peak}))


def measure_exports():
    results = {}
    for fmt in ("csv", "xlsx"):
        output = subprocess.run(
            [PYTHON, __file__, "--export-child", fmt],
            cwd=BASE_DIR,
            env=ENV,
            check=True,
            capture_output=True,
            text=True,
        ).stdout
        results[f"export {fmt.upper()} {EXPORT_ROWS} lignes"] = json.loads(output.strip().splitlines()[-1])
    return results


def main():
    os.chdir(BASE_DIR)
    prepare_database()
    manage("collectstatic", "--noinput", "-v0")
    setup_django()
    t = targets()
    pages = key_pages(t)
    loads, queries, pdfs, exports, login_timings = {}, {}, {}, {}, []
    if "pages" in PARTS:
        print("Requêtes SQL par page…")
        queries = count_queries(t, pages)
        print(f"gunicorn ({WORKERS} workers) sur {HOST}:{PORT}, {CONNECTIONS} connexions, {DURATION:g} s par page…")
        server = start_gunicorn()
        try:
            cookies = {role: http_login(t[role].username) for role in ("gbm", "consultant", "elu")}
            loads = measure_pages(pages, cookies)
            # Logging in, one at a time (the production hasher, Argon2): the POST's server round trip.
            for _ in range(LOGIN_TIMINGS):
                http_login(t["consultant"].username, login_timings)
        finally:
            server.terminate()
            server.wait(timeout=30)
    if "pdfs" in PARTS:
        print(f"PDF ({PDF_TIMINGS} rendus chronométrés, {PDF_RENDERS} pour la mémoire)…", flush=True)
        pdfs = measure_pdfs(t["gbm"], t)
    if "exports" in PARTS:
        print("Exports…")
        exports = measure_exports()
    report(loads, queries, pdfs, exports, t, login_timings)


def report(loads, queries, pdfs, exports, t, login_timings=()):
    baseline = loads["base /sante/"].rps if loads else 0
    account = loads["base connectée /mon-compte/"].rps if loads else 0
    rows, failures = [], []
    header = (
        f"{'mesure':<44} {'req/s':>7} {'%santé':>6} {'part compte':>11} {'p50 ms':>7} {'p95 ms':>7} {'p99 ms':>7} "
        f"{'SQL':>4} {'ms (process)':>12} {'cible':>6}"
    )
    for name, load in loads.items():
        ratio = load.rps / baseline if baseline else 0
        share = load.rps / account if account else 0
        counted = queries.get(name) or {}
        n_queries = counted.get("queries")
        ok = name.startswith("base") or (
            share >= TARGET_ACCOUNT_SHARE and load.p99_ms <= TARGET_P99_MS and (n_queries or 0) <= TARGET_QUERIES
        )
        ok = ok and load.errors == 0
        failures += [] if ok else [name]
        rows.append(
            f"{name:<44} {load.rps:>7.1f} {ratio:>6.0%} {share:>11.2f} {load.p50_ms:>7.1f} {load.p95_ms:>7.1f} "
            f"{load.p99_ms:>7.1f} {'' if n_queries is None else n_queries:>4} "
            f"{'' if n_queries is None else format(counted['ms'], '.0f'):>12} {'ok' if ok else 'RATÉ':>6}"
        )
    pdf_header = (
        f"{'PDF':<50} {'1re requête':>13} {'worker':>7} {'médiane':>8} {'max':>7} {'RSS avant→après (MB)':>22} "
        f"{'cible':>6}"
    )
    pdf_rows = []
    for name, pdf in pdfs.items():
        ok = (
            pdf["cold_s"] <= TARGET_PDF_COLD_S
            and pdf["median_s"] <= TARGET_PDF_MEDIAN_S
            and pdf["growth"] < TARGET_PDF_GROWTH
        )
        failures += [] if ok else [name]
        worker = "" if pdf["worker_s"] is None else f"{pdf['worker_s']:.2f}s"
        pdf_rows.append(
            f"{name + ' ' + str(pdf['pages']) + ' p.':<50} {pdf['cold_s']:>6.2f}s ({pdf['cold_status']}) {worker:>7} "
            f"{pdf['median_s']:>7.2f}s {pdf['max_s']:>6.2f}s "
            f"{pdf['rss_before_mb']:>8.0f}→{pdf['rss_after_mb']:.0f} ({pdf['growth']:+.1%}) {'ok' if ok else 'RATÉ':>6}"
        )
    export_rows = []
    for name, export in exports.items():
        ok = export["peak_rss_mb"] < TARGET_EXPORT_MB
        failures += [] if ok else [name]
        export_rows.append(
            f"{name:<58} {export['seconds']:>7.1f}s  pic RSS {export['peak_rss_mb']:>6.0f} MB "
            f"({export['bytes'] / 2**20:.1f} MB) {'ok' if ok else 'RATÉ':>6}"
        )
    print()
    print(header)
    print("-" * len(header))
    print("\n".join(rows))
    if login_timings:
        login_median, login_max = statistics.median(login_timings), max(login_timings)
        ok = login_median <= TARGET_LOGIN_MS
        failures += [] if ok else ["connexion"]
        print(
            f"{'connexion (POST, ' + str(len(login_timings)) + ' fois)':<44} médiane {login_median:.0f} ms, "
            f"max {login_max:.0f} ms (cible {TARGET_LOGIN_MS} ms) {'ok' if ok else 'RATÉ':>6}"
        )
    print()
    print(pdf_header)
    print("\n".join(pdf_rows))
    print()
    print("\n".join(export_rows))
    print()
    print("Toutes les cibles sont atteintes." if not failures else f"Cibles manquées : {', '.join(failures)}")
    results = {
        "settings": {"scale": SCALE, "connections": CONNECTIONS, "duration_s": DURATION, "workers": WORKERS},
        "login_ms": list(login_timings),
        "pages": {
            name: {
                "path": load.path,
                "rps": load.rps,
                "ratio_to_baseline": load.rps / baseline if baseline else 0,
                "share_of_account_page": load.rps / account if account else 0,
                "p50_ms": load.p50_ms,
                "p95_ms": load.p95_ms,
                "p99_ms": load.p99_ms,
                "requests": load.requests,
                "errors": load.errors,
                "queries": queries.get(name),
            }
            for name, load in loads.items()
        },
        "pdfs": pdfs,
        "exports": exports,
        "targets_missed": failures,
    }
    (BASE_DIR / "bench" / "results.json").write_text(json.dumps(results, indent=2, ensure_ascii=False))


if __name__ == "__main__":
    if len(sys.argv) == 3 and sys.argv[1] == "--export-child":
        export_child(sys.argv[2])
    else:
        main()
