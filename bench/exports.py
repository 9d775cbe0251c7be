"""Exports at scale (issue 26, point 4): 50,000 time entries exported as XLSX and as CSV, each in a fresh process.

The time export is the biggest the portal has (ten columns over five joined tables). The database is a throwaway
SQLite file (EXPORT_BENCH_DB, default /tmp/pat_portal_export_bench.sqlite3): built once with the synthetic data of
`generate_load_data` at scale 1, then topped up to EXPORT_BENCH_ROWS time entries (50,000) copied from those rows
with other dates; it is reused by the next run (`--fresh` rebuilds it). Nothing else is touched.

Each format is measured in a child process with production settings (DEBUG off): a consultant asks
`/temps/export.<fmt>` through Django's test client and the whole streamed body is read. Printed per format: rows,
bytes, seconds from the request to the last byte (wall clock, and the process's CPU time, which a busy machine
disturbs less), SQL queries, the process's resident memory before the request
and its peak (VmHWM) at the end. Targets: XLSX <= 5 s, CSV <= 3 s, each under 100 MB peak. Writes
bench/export_results.json.

On a shared machine one run says little: EXPORT_BENCH_RUNS=5 runs each format five times, formats alternating, and
prints the run of least CPU time with the range of CPU seconds of all runs.

    .venv/bin/python bench/exports.py [--fresh]
"""

import json
import os
import subprocess
import sys
import time
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(BASE_DIR))

DB = Path(os.environ.get("EXPORT_BENCH_DB", "/tmp/pat_portal_export_bench.sqlite3"))
ROWS = int(os.environ.get("EXPORT_BENCH_ROWS", "50000"))
RUNS = max(int(os.environ.get("EXPORT_BENCH_RUNS", "1")), 1)
TARGET_SECONDS = {"xlsx": 5.0, "csv": 3.0}
TARGET_PEAK_MB = 100
RESULTS = BASE_DIR / "bench" / "export_results.json"
ENV = {
    **os.environ,
    "DATABASE_URL": f"sqlite:///{DB}",
    "DJANGO_DEBUG": "0",
    "DJANGO_SECRET_KEY": "bench-only-secret-key-0123456789-abcdefghijklmnopqrstuvwxyz",
    "DJANGO_SECURE_SSL_REDIRECT": "0",
    "DJANGO_ALLOWED_HOSTS": "127.0.0.1",
    "DJANGO_SETTINGS_MODULE": "pat_portal.settings",
}


def setup_django():
    os.environ.update(ENV)
    import django

    django.setup()


def manage(*args):
    subprocess.run([sys.executable, "manage.py", *args], cwd=BASE_DIR, env=ENV, check=True)


def build_database():
    """The synthetic programme at scale 1, its time entries copied with other dates up to ROWS."""
    print(f"Construction de la base d'export : {DB} ({ROWS} saisies de temps)", flush=True)
    manage("migrate", "--noinput", "-v0")
    manage("createcachetable")
    manage("generate_load_data", "--scale", "1")
    setup_django()
    import datetime
    import random

    from django.db import connection
    from django.utils import timezone

    from missions.money.models.time import TimeEntry

    rng = random.Random(2026)
    today = timezone.localdate()
    fields = ["consultant_id", "order_line_id", "accompaniment_id", "workshop_id", "support_request_id", "comment"]
    originals = list(TimeEntry.objects.values("half_days", *fields))
    missing = ROWS - len(originals)
    copies = []
    for index in range(max(missing, 0)):
        original = originals[index % len(originals)]
        copies.append(
            TimeEntry(
                date=today - datetime.timedelta(days=rng.randint(0, 700)),
                half_days=original["half_days"],
                **{name: original[name] for name in fields},
            )
        )
    TimeEntry.objects.bulk_create(copies, batch_size=2000)
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
    print(f"  {TimeEntry.objects.count()} saisies de temps", flush=True)


def peak_rss_mb() -> float:
    """VmHWM, not ru_maxrss: Linux keeps ru_maxrss across exec, so a child would report its parent's peak."""
    with open("/proc/self/status") as handle:
        line = next(line for line in handle if line.startswith("VmHWM:"))
    return int(line.split()[1]) / 1024


def rss_mb() -> float:
    with open("/proc/self/statm") as handle:
        return int(handle.read().split()[1]) * os.sysconf("SC_PAGE_SIZE") / 2**20


def child(fmt: str):
    """In a fresh process: one consultant's export of every time entry, read to the last byte."""
    setup_django()
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext
    from django.urls import reverse

    from core.models import User

    client = Client(SERVER_NAME="127.0.0.1")
    # A consultant sees every time entry, as a GBM officer does, without the officers' second factor.
    client.force_login(User.objects.filter(role=User.Role.CONSULTANT, is_active=True).order_by("pk").first())
    path = reverse("missions:time_export", kwargs={"fmt": fmt})
    # Modules loaded (openpyxl included) as in a worker that has already served an export: an empty month first.
    client.get(path, {"month": "1990-01"})
    before = rss_mb()
    with CaptureQueriesContext(connection) as queries:
        started, cpu_started = time.perf_counter(), time.process_time()
        response = client.get(path)
        # Read as a server sends it, chunk after chunk, none kept: the bytes and lines are counted on the way.
        size = lines = 0
        for chunk in response.streaming_content if response.streaming else [response.content]:
            size += len(chunk)
            lines += chunk.count(b"\n")
        elapsed, cpu = time.perf_counter() - started, time.process_time() - cpu_started
    assert response.status_code == 200, (response.status_code, response.get("Location"))
    print(
        json.dumps(
            {
                "rows": lines - 1 if fmt == "csv" else None,
                "bytes": size,
                "seconds": round(elapsed, 2),
                "cpu_seconds": round(cpu, 2),
                "queries": len(queries),
                "streamed": response.streaming,
                "rss_before_mb": round(before, 1),
                "peak_rss_mb": round(peak_rss_mb(), 1),
            }
        )
    )


def main():
    if "--fresh" in sys.argv and DB.exists():
        DB.unlink()
    if not DB.exists():
        subprocess.run([sys.executable, __file__, "--build"], cwd=BASE_DIR, env=ENV, check=True)
    runs = {"xlsx": [], "csv": []}
    for _ in range(RUNS):
        for fmt, results in runs.items():
            output = subprocess.run(
                [sys.executable, __file__, "--child", fmt],
                cwd=BASE_DIR,
                env=ENV,
                check=True,
                capture_output=True,
                text=True,
            ).stdout
            results.append(json.loads(output.strip().splitlines()[-1]))
    results = {fmt: min(measures, key=lambda result: result["cpu_seconds"]) for fmt, measures in runs.items()}
    print(f"Export du temps passé, {ROWS} saisies ({os.getloadavg()[0]:.1f} de charge machine sur 1 min)")
    if RUNS > 1:
        for fmt, measures in runs.items():
            cpu = sorted(result["cpu_seconds"] for result in measures)
            print(f"{fmt} : {RUNS} passages, CPU de {cpu[0]:.2f} à {cpu[-1]:.2f} s ; ci-dessous le moins coûteux")
    print(
        f"{'format':<6} {'s':>6} {'CPU s':>6} {'cible':>6} {'pic Mo':>7} {'avant Mo':>9} {'requêtes':>9} {'octets':>11} {'flux':>5}"
    )
    for fmt, result in results.items():
        verdict = (
            "ok"
            if result["seconds"] <= TARGET_SECONDS[fmt] and result["peak_rss_mb"] <= TARGET_PEAK_MB
            else "HORS CIBLE"
        )
        print(
            f"{fmt:<6} {result['seconds']:>6.2f} {result['cpu_seconds']:>6.2f} {TARGET_SECONDS[fmt]:>6.1f} {result['peak_rss_mb']:>7.1f} "
            f"{result['rss_before_mb']:>9.1f} {result['queries']:>9} {result['bytes']:>11} "
            f"{'oui' if result['streamed'] else 'non':>5}  {verdict}"
        )
    RESULTS.write_text(json.dumps(results, indent=2) + "\n")


if __name__ == "__main__":
    if sys.argv[1:2] == ["--build"]:
        build_database()
    elif sys.argv[1:2] == ["--child"]:
        child(sys.argv[2])
    else:
        main()
