"""`make bench`'s mixed load: Locust (bench/locustfile.py) against gunicorn and the two task workers, started as
deploy/ starts them, with production settings (DEBUG off, whitenoise, HTTPS behind the proxy's headers), on SQLite
and on PostgreSQL with Redis. `python bench/mixed.py`.

For each database: a template database at scale 20 is built once (migrate, generate_load_data, then
bench/mixed_data.py's accounts and rows) and reused by later runs; each step of the ladder (50, 100, 200, 300 users)
starts from a fresh copy of it, with fresh processes: gunicorn, the mail worker and the documents worker. Locust
ramps the users up (each logs in), resets its statistics once all are running, then measures for the step's time.

Reports, per step and per page: requests, failures, p50, p95, p99 (ms, Locust's), the errors with their text, the
CPU each part used (gunicorn, the task workers, PostgreSQL and Redis, Locust itself: it runs on the same 2 cores)
and the machine's load average; then the number of users at which the p95 of all requests passes 250 ms. Writes
bench/results/mixed-<database>.json and .md (bench/results/ is not committed).

Environment:
- BENCH_DATABASES: sqlite,postgres (default both; one of them alone, e.g. postgres);
- BENCH_STEPS: users per step (50,100,200,300); BENCH_STEP_SECONDS: measured seconds per step (60);
- BENCH_SPAWN_RATE: users started per second during the ramp (10; each logs in, Argon2);
- BENCH_GUNICORN_WORKERS (2) and BENCH_GUNICORN_THREADS (8): gthread workers (docs/bench.md says why);
- BENCH_LOCUST_PROCESSES: Locust processes (1; -1 for one per core), BENCH_WEIGHTS (1:4:10, GBM:consultant:élu);
- BENCH_SCALE (20), BENCH_PORT (8105), BENCH_SQLITE_TEMPLATE (/tmp/pat_portal_bench_mixed.sqlite3),
  BENCH_PG (postgres://postgres@127.0.0.1:5432), BENCH_PG_TEMPLATE (pat_portal_bench_mixed),
  BENCH_REDIS_URL (redis://127.0.0.1:6379/13), BENCH_REBUILD=1 to rebuild the templates.
"""

import contextlib
import csv
import importlib.util
import json
import math
import os
import secrets
import signal
import sqlite3
import subprocess
import sys
import tempfile
import time
from http.client import HTTPConnection
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PYTHON = str(ROOT / ".venv" / "bin" / "python")
LOCUST = str(ROOT / ".venv" / "bin" / "locust")
RESULTS = ROOT / "bench" / "results"
HOST_HEADER = "pat.bench.test"
TARGET_P95_MS = 250

DATABASES = [d for d in os.environ.get("BENCH_DATABASES", "sqlite,postgres").split(",") if d]
STEPS = [int(n) for n in os.environ.get("BENCH_STEPS", "50,100,200,300").split(",")]
STEP_SECONDS = int(os.environ.get("BENCH_STEP_SECONDS", "60"))
SPAWN_RATE = float(os.environ.get("BENCH_SPAWN_RATE", "10"))
GUNICORN_WORKERS = int(os.environ.get("BENCH_GUNICORN_WORKERS", "2"))
GUNICORN_THREADS = int(os.environ.get("BENCH_GUNICORN_THREADS", "8"))
LOCUST_PROCESSES = int(os.environ.get("BENCH_LOCUST_PROCESSES", "1"))
WEIGHTS = [int(w) for w in os.environ.get("BENCH_WEIGHTS", "1:4:10").split(":")]
SCALE = os.environ.get("BENCH_SCALE", "20")
# The last logins of the ramp may take a while on a busy machine: measuring starts once all are in.
LOGIN_SECONDS = int(os.environ.get("BENCH_LOGIN_SECONDS", "10"))
LOGIN_BOUND_SECONDS = 180  # a step whose users have not all logged in by then ends anyway
PORT = int(os.environ.get("BENCH_PORT", "8105"))
SQLITE_TEMPLATE = Path(os.environ.get("BENCH_SQLITE_TEMPLATE", "/tmp/pat_portal_bench_mixed.sqlite3"))
PG = os.environ.get("BENCH_PG", "postgres://postgres@127.0.0.1:5432")
PG_TEMPLATE = os.environ.get("BENCH_PG_TEMPLATE", "pat_portal_bench_mixed")
REDIS_URL = os.environ.get("BENCH_REDIS_URL", "redis://127.0.0.1:6379/13")
REBUILD = os.environ.get("BENCH_REBUILD") == "1"


def say(text: str) -> None:
    print(f"[banc mixte {time.strftime('%H:%M:%S')}] {text}", flush=True)


def _smoke():
    """deploy/smoke.py, whose way of starting the deploy/ units (their ExecStart lines) and of writing their
    environment file the bench shares."""
    spec = importlib.util.spec_from_file_location("deploy_smoke", ROOT / "deploy" / "smoke.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


smoke = _smoke()


# --- How many accounts: the largest step's users of each role, as Locust shares them by weight ---


def accounts_needed(users: int, weights=None) -> dict:
    weights = weights or WEIGHTS
    total = sum(weights)
    # Locust rounds each class's share; one more of each, and a tenth more, cover its rounding.
    counts = [math.ceil(users * w / total * 1.1) + 1 for w in weights]
    return dict(zip(("gbm", "consultants", "elus"), counts, strict=True))


# --- Databases ---


class Database:
    name = ""

    def __init__(self, workdir: Path):
        self.workdir = workdir
        self.fixtures = RESULTS / f"fixtures-{self.name}.json"

    def env(self, base: dict) -> dict:
        raise NotImplementedError

    def template_ready(self, needed: dict) -> bool:
        if REBUILD or not self.template_exists() or not self.fixtures.exists():
            return False
        fixtures = json.loads(self.fixtures.read_text())
        # Rows written by an older bench/mixed_data.py miss a key the locustfile now reads: built again.
        up_to_date = all("commune" in row for row in fixtures.get("consultants", []))
        return up_to_date and all(len(fixtures[role]) >= count for role, count in needed.items())

    def build_template(self, base: dict, needed: dict) -> None:
        say(f"{self.name} : construction de la base modèle à l'échelle {SCALE} (une fois, puis réutilisée)")
        started = time.monotonic()
        env = self.template_env(base)
        for args in (
            ["migrate", "--noinput", "-v0"],
            ["createcachetable"],
            ["generate_load_data", "--scale", SCALE, "--force"],
        ):
            subprocess.run([PYTHON, "manage.py", *args], cwd=ROOT, env=env, check=True, stdout=subprocess.DEVNULL)
        subprocess.run(
            [PYTHON, __file__, "--prepare", json.dumps(needed), str(self.fixtures)], cwd=ROOT, env=env, check=True
        )
        say(f"{self.name} : base modèle prête en {time.monotonic() - started:.0f} s")

    def migrate_template(self, base: dict) -> None:
        """A template built before the latest code gets its migrations (their new tables empty) and the content
        hashes the current code computes (bench/mixed_data.py's refresh)."""
        env = {**self.env(base), "DATABASE_URL": self.template_url()}
        subprocess.run([PYTHON, "manage.py", "migrate", "--noinput", "-v0"], cwd=ROOT, env=env, check=True)
        subprocess.run([PYTHON, __file__, "--refresh"], cwd=ROOT, env=env, check=True)

    def fresh_copy(self) -> None:
        raise NotImplementedError


class SQLite(Database):
    name = "sqlite"

    @property
    def run_file(self) -> Path:
        return self.workdir / "bench.sqlite3"

    def template_exists(self) -> bool:
        return SQLITE_TEMPLATE.exists()

    def template_url(self) -> str:
        return f"sqlite:///{SQLITE_TEMPLATE}"

    def template_env(self, base: dict) -> dict:
        for suffix in ("", "-wal", "-shm"):  # built afresh: a half-built one (an interrupted build) is dropped
            Path(f"{SQLITE_TEMPLATE}{suffix}").unlink(missing_ok=True)
        return {**base, "DATABASE_URL": self.template_url()}

    def env(self, base: dict) -> dict:
        # No Redis: the cache is the database's table, as on a server configured without REDIS_URL.
        return {**{k: v for k, v in base.items() if k != "REDIS_URL"}, "DATABASE_URL": f"sqlite:///{self.run_file}"}

    def fresh_copy(self) -> None:
        # SQLite's online backup: the template's pages, its WAL included, into a new file.
        for suffix in ("", "-wal", "-shm"):
            Path(f"{self.run_file}{suffix}").unlink(missing_ok=True)
        with (
            contextlib.closing(sqlite3.connect(SQLITE_TEMPLATE)) as source,
            contextlib.closing(sqlite3.connect(self.run_file)) as copy,
        ):
            source.backup(copy)


class PostgreSQL(Database):
    name = "postgres"
    run_database = "pat_portal_bench_mixed_run"

    def __init__(self, workdir: Path):
        super().__init__(workdir)
        start_postgres()
        start_redis()

    def template_exists(self) -> bool:
        return bool(psql(f"SELECT 1 FROM pg_database WHERE datname = '{PG_TEMPLATE}'").strip())

    def template_url(self) -> str:
        return f"{PG}/{PG_TEMPLATE}"

    def template_env(self, base: dict) -> dict:
        psql(f'DROP DATABASE IF EXISTS "{PG_TEMPLATE}" WITH (FORCE)')  # built afresh, as SQLite's
        psql(f'CREATE DATABASE "{PG_TEMPLATE}"')
        return {**base, "DATABASE_URL": self.template_url(), "REDIS_URL": REDIS_URL}

    def env(self, base: dict) -> dict:
        return {**base, "DATABASE_URL": f"{PG}/{self.run_database}", "REDIS_URL": REDIS_URL}

    def fresh_copy(self) -> None:
        psql(f'DROP DATABASE IF EXISTS "{self.run_database}" WITH (FORCE)')
        psql(f'CREATE DATABASE "{self.run_database}" TEMPLATE "{PG_TEMPLATE}"')
        # A fresh cache too: an earlier step's login counters and navigation counts are not this one's.
        subprocess.run(["redis-cli", "-u", REDIS_URL, "flushdb"], check=True, capture_output=True)


def psql(sql: str, database: str = "postgres") -> str:
    return subprocess.run(
        ["psql", f"{PG}/{database}", "-Atqc", sql], check=True, capture_output=True, text=True
    ).stdout


def start_postgres() -> None:
    """As .ci/run does: the local cluster is started when it does not answer."""
    if subprocess.run(["pg_isready", "-h", "127.0.0.1", "-p", "5432", "-q"]).returncode == 0:
        return
    cluster = sorted(os.listdir("/etc/postgresql"))[-1]
    subprocess.run(["pg_ctlcluster", "--skip-systemctl-redirect", cluster, "main", "start"], check=True)
    for _ in range(30):
        if subprocess.run(["pg_isready", "-h", "127.0.0.1", "-p", "5432", "-q"]).returncode == 0:
            return
        time.sleep(1)
    raise SystemExit("PostgreSQL ne répond pas sur 127.0.0.1:5432.")


def start_redis() -> None:
    if subprocess.run(["redis-cli", "-u", REDIS_URL, "ping"], capture_output=True).returncode == 0:
        return
    subprocess.run(
        [
            "redis-server",
            "--daemonize",
            "yes",
            "--bind",
            "127.0.0.1",
            "--port",
            "6379",
            "--save",
            "",
            "--appendonly",
            "no",
        ],
        check=True,
        capture_output=True,
    )
    for _ in range(20):
        if subprocess.run(["redis-cli", "-u", REDIS_URL, "ping"], capture_output=True).returncode == 0:
            return
        time.sleep(0.5)
    raise SystemExit("Redis ne répond pas.")


# --- The server, as deploy/ starts it ---


def server_environment(workdir: Path) -> dict:
    """deploy/pat-portal.env.example as deploy/smoke.py fills it, then the bench's own values: its host, mail to
    nowhere (the mail worker still does its work), no second factor to type, files under the run's folder."""
    env = smoke.read_environment(smoke.environment_file(workdir))
    env.update(
        DJANGO_SECRET_KEY=secrets.token_urlsafe(50),
        DJANGO_ALLOWED_HOSTS=HOST_HEADER,
        DJANGO_SITE_URL=f"https://{HOST_HEADER}",
        DJANGO_CSRF_TRUSTED_ORIGINS=f"https://{HOST_HEADER}",
        DJANGO_EMAIL_BACKEND="django.core.mail.backends.dummy.EmailBackend",
        DJANGO_OTP_REQUIRED_FOR_OFFICERS="0",
        DJANGO_LOG_LEVEL="WARNING",
    )
    env.pop("DATABASE_URL", None)
    env.pop("REDIS_URL", None)
    return env


def web_command() -> list[str]:
    command = smoke.exec_start("pat-portal-web.service")
    command[command.index("--bind") + 1] = f"127.0.0.1:{PORT}"
    command[command.index("--workers") + 1] = str(GUNICORN_WORKERS)
    if GUNICORN_THREADS > 1:
        command += ["--worker-class", "gthread", "--threads", str(GUNICORN_THREADS)]
    return command


def start_processes(env: dict, logs: Path) -> dict:
    processes = {}
    for name, command in (
        ("web", web_command()),
        ("mail", smoke.exec_start("pat-portal-mail.service")),
        ("documents", smoke.exec_start("pat-portal-documents.service")),
    ):
        log = (logs / f"{name}.log").open("w")
        processes[name] = subprocess.Popen(
            command, cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True
        )
    return processes


def stop_processes(processes: dict) -> None:
    for process in processes.values():
        if process.poll() is None:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(process.pid, signal.SIGTERM)
    for process in processes.values():
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(process.pid, signal.SIGKILL)
            process.wait()


def wait_until_up(seconds: float = 60) -> None:
    deadline, last = time.monotonic() + seconds, "pas de réponse"
    while time.monotonic() < deadline:
        try:
            connection = HTTPConnection("127.0.0.1", PORT, timeout=5)
            connection.request("GET", "/connexion/", headers={"Host": HOST_HEADER, "X-Forwarded-Proto": "https"})
            status = connection.getresponse().status
            if status == 200:
                return
            last = f"HTTP {status}"
        except OSError as error:
            last = str(error)
        time.sleep(0.5)
    raise SystemExit(f"gunicorn ne répond pas sur le port {PORT} : {last}")


# --- CPU: what each part of the run used, from /proc (psutil, a Locust dependency) ---


def _tree_seconds(pid: int) -> float:
    import psutil

    try:
        root = psutil.Process(pid)
        total = 0.0
        for process in [root, *root.children(recursive=True)]:
            with contextlib.suppress(psutil.Error):
                times = process.cpu_times()
                total += times.user + times.system
        return total
    except psutil.Error:
        return 0.0


def _named_seconds(*names: str) -> float:
    """CPU seconds of the processes so named, and of their children that have ended: PostgreSQL's backends come
    and go with the connections, and one that ended between two samples would otherwise take its CPU away with it
    (a negative share). The postmaster reaps them, so its children's times hold theirs."""
    import psutil

    total = 0.0
    for process in psutil.process_iter(["name", "cpu_times", "ppid"]):
        times = process.info["cpu_times"]
        if process.info["name"] and process.info["name"].startswith(names) and times:
            total += times.user + times.system
            with contextlib.suppress(psutil.Error):
                if not psutil.Process(process.info["ppid"]).name().startswith(names):  # the postmaster, redis
                    total += times.children_user + times.children_system
    return total


def _machine_busy_seconds() -> float:
    import psutil

    times = psutil.cpu_times()
    return times.user + times.system + times.nice + getattr(times, "irq", 0) + getattr(times, "softirq", 0)


class CpuMeter:
    """CPU seconds of each part between start() and stop(), as a share of the whole machine (2 cores: 200 %)."""

    def __init__(self, processes: dict):
        self.processes = processes

    def sample(self) -> dict:
        return {
            "gunicorn": _tree_seconds(self.processes["web"].pid),
            "workers": _tree_seconds(self.processes["mail"].pid) + _tree_seconds(self.processes["documents"].pid),
            "postgresql+redis": _named_seconds("postgres", "redis-server"),
            "machine": _machine_busy_seconds(),
        }

    def start(self) -> None:
        self.first, self.started = self.sample(), time.monotonic()

    def stop(self, locust_seconds: float) -> dict:
        last, elapsed = self.sample(), time.monotonic() - self.started
        shares = {name: (last[name] - self.first[name]) / elapsed for name in last}
        shares["locust"] = locust_seconds / elapsed
        shares["others"] = max(
            0.0, shares["machine"] - sum(v for k, v in shares.items() if k not in ("machine", "others"))
        )
        return {name: round(100 * value, 1) for name, value in shares.items()}


# --- One step ---


MEASURING = "utilisateurs connectés : mesure à partir d'ici"  # what the locustfile prints when it resets


def run_locust(users: int, fixtures: Path, prefix: Path, logs: Path, meter: "CpuMeter") -> tuple[dict, int]:
    """Locust headless: ramp up at SPAWN_RATE, statistics reset once every user has logged in, then about
    STEP_SECONDS measured (the step's JSON has the measured time).
    The CPU is metered over the same window as the statistics (one Locust process: from the reset, which the
    locustfile prints; several: from the start), so that the ramp's logins (Argon2) are not in the shares.
    Returns the CPU shares and Locust's exit code."""
    # One process: the locustfile ends the step STEP_SECONDS after the last login; --run-time is only a bound.
    # Several: Locust resets its statistics when the ramp ends and stops at --run-time.
    ramp = math.ceil(users / SPAWN_RATE) + (LOGIN_SECONDS if LOCUST_PROCESSES != 1 else LOGIN_BOUND_SECONDS)
    command = [
        LOCUST,
        "-f",
        str(ROOT / "bench" / "locustfile.py"),
        "--headless",
        "--host",
        f"http://127.0.0.1:{PORT}",
        "--users",
        str(users),
        "--spawn-rate",
        str(SPAWN_RATE),
        "--run-time",
        f"{ramp + STEP_SECONDS}s",
        "--stop-timeout",
        "10",
        "--csv",
        str(prefix),
        "--only-summary",
        "--loglevel",
        "WARNING",
    ]
    if LOCUST_PROCESSES != 1:
        # The locustfile resets the statistics once every user has logged in, in one process only.
        command += ["--processes", str(LOCUST_PROCESSES), "--reset-stats"]
    env = {
        **os.environ,
        "PYTHONPATH": str(ROOT),
        "BENCH_FIXTURES": str(fixtures),
        "BENCH_HOST_HEADER": HOST_HEADER,
        "BENCH_WEIGHTS": ":".join(map(str, WEIGHTS)),
        "BENCH_MEASURE_SECONDS": str(STEP_SECONDS) if LOCUST_PROCESSES == 1 else "0",
    }
    log_path = logs / f"locust-{users}.log"
    locust_before, measuring = 0.0, LOCUST_PROCESSES != 1
    meter.start()  # re-started at the reset; from here if it never comes (logins that did not all end)
    with log_path.open("w") as log:
        process = subprocess.Popen(command, cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT)
        while True:
            pid, status, usage = os.wait4(process.pid, os.WNOHANG)
            if pid:
                break
            if not measuring and MEASURING in log_path.read_text(errors="replace"):
                meter.start()
                locust_before, measuring = _tree_seconds(process.pid), True
            time.sleep(0.5)
        process.returncode = os.waitstatus_to_exitcode(status)
    cpu = meter.stop(usage.ru_utime + usage.ru_stime - locust_before)
    return cpu, process.returncode


def read_stats(prefix: Path) -> dict:
    pages = {}
    with open(f"{prefix}_stats.csv", newline="") as handle:
        for row in csv.DictReader(handle):
            name = "Total" if row["Name"] == "Aggregated" else f"{row['Type']} {row['Name']}"
            pages[name] = {
                "requests": int(row["Request Count"]),
                "failures": int(row["Failure Count"]),
                "p50_ms": _number(row["50%"]),
                "p95_ms": _number(row["95%"]),
                "p99_ms": _number(row["99%"]),
                "mean_ms": round(float(row["Average Response Time"] or 0), 1),
                "rps": round(float(row["Requests/s"] or 0), 2),
            }
    failures = []
    with contextlib.suppress(FileNotFoundError), open(f"{prefix}_failures.csv", newline="") as handle:
        for row in csv.DictReader(handle):
            failures.append(
                {"page": f"{row['Method']} {row['Name']}", "error": row["Error"], "count": int(row["Occurrences"])}
            )
    return {"pages": pages, "failures": failures}


def _number(text: str) -> float | None:
    return None if text in ("", "N/A") else float(text)


def run_step(database: Database, users: int, workdir: Path) -> dict:
    database.fresh_copy()
    logs = workdir / f"{database.name}-{users}"
    logs.mkdir()
    env = database.env(server_environment(logs))
    processes = start_processes(env, logs)
    try:
        try:
            wait_until_up()
        except SystemExit as failure:
            tail = (logs / "web.log").read_text(errors="replace")[-4000:]
            raise SystemExit(f"{failure}\n--- fin du journal de gunicorn :\n{tail}") from None
        load_before = os.getloadavg()[0]
        cpu, code = run_locust(users, database.fixtures, logs / "locust", logs, CpuMeter(processes))
        load_after = os.getloadavg()[0]
        if not Path(f"{logs / 'locust'}_stats.csv").exists():
            tail = (logs / f"locust-{users}.log").read_text(errors="replace")[-3000:]
            raise SystemExit(f"Locust n'a rien écrit (code {code}) :\n{tail}")
        stats = read_stats(logs / "locust")
    finally:
        stop_processes(processes)
    server_errors = _tail_errors(logs / "web.log")
    total = stats["pages"].get("Total", {})
    return {
        "users": users,
        "measured_s": round(total["requests"] / total["rps"], 1) if total.get("rps") else 0,
        **stats,
        "cpu_percent": cpu,
        "load_average": [round(load_before, 2), round(load_after, 2)],
        "server_errors": server_errors,
        "locust_exit_code": code,
    }


def _tail_errors(log: Path, keep: int = 5) -> list[str]:
    lines = log.read_text(errors="replace").splitlines()
    return [line[:300] for line in lines if "Traceback" in line or "ERROR" in line or "[CRITICAL]" in line][-keep:]


# --- The report ---


def passing_point(steps: list[dict]) -> int | None:
    """The first number of users at which the p95 of all requests passes the target (None: never in the ladder)."""
    for step in steps:
        p95 = step["pages"].get("Total", {}).get("p95_ms")
        if p95 is not None and p95 > TARGET_P95_MS:
            return step["users"]
    return None


def markdown(name: str, steps: list[dict], settings: dict) -> str:
    lines = [
        f"# Charge mixte — {name}",
        "",
        f"gunicorn : {settings['gunicorn']} ; Locust : {settings['locust_processes']} processus, "
        f"{settings['step_seconds']} s mesurées par palier après la montée ; poids GBM:consultant:élu "
        f"{settings['weights']} ; échelle {settings['scale']}.",
        "",
    ]
    point = passing_point(steps)
    lines.append(
        f"Le p95 de l'ensemble des requêtes dépasse {TARGET_P95_MS} ms à partir de **{point} utilisateurs**."
        if point
        else f"Le p95 de l'ensemble des requêtes reste sous {TARGET_P95_MS} ms à chaque palier."
    )
    lines.append("")
    for step in steps:
        total = step["pages"].get("Total", {})
        cpu = ", ".join(f"{k} {v:g} %" for k, v in step["cpu_percent"].items())
        lines += [
            f"## {step['users']} utilisateurs — {total.get('requests', 0)} requêtes en {step['measured_s']:g} s, "
            f"{total.get('rps', 0)} req/s, "
            f"{total.get('failures', 0)} erreurs",
            "",
            f"CPU (200 % = les 2 cœurs) : {cpu}. Charge de la machine : {step['load_average'][0]} → "
            f"{step['load_average'][1]}.",
            "",
            "| page | requêtes | erreurs | p50 ms | p95 ms | p99 ms |",
            "|---|---:|---:|---:|---:|---:|",
        ]
        measured = [(page, figures) for page, figures in step["pages"].items() if figures["requests"]]
        for page, figures in sorted(measured, key=lambda item: (item[0] == "Total", item[0])):
            flag = " ⚠" if (figures["p95_ms"] or 0) > TARGET_P95_MS else ""
            lines.append(
                f"| {page} | {figures['requests']} | {figures['failures']} | {_ms(figures['p50_ms'])} | "
                f"{_ms(figures['p95_ms'])}{flag} | {_ms(figures['p99_ms'])} |"
            )
        if step["failures"]:
            lines += ["", "Erreurs :", ""]
            lines += [f"- {f['count']} × {f['page']} : {f['error'][:200]}" for f in step["failures"]]
        if step["server_errors"]:
            lines += ["", "Journal de gunicorn :", ""] + [f"    {line}" for line in step["server_errors"]]
        lines.append("")
    return "\n".join(lines)


def _ms(value) -> str:
    return "" if value is None else f"{value:.0f}"


def summary_line(name: str, steps: list[dict]) -> str:
    cells = []
    for step in steps:
        total = step["pages"].get("Total", {})
        cells.append(
            f"{step['users']} u : p95 {_ms(total.get('p95_ms'))} ms, p99 {_ms(total.get('p99_ms'))} ms, "
            f"{total.get('failures', 0)} err., Locust {step['cpu_percent'].get('locust')} % CPU"
        )
    point = passing_point(steps)
    verdict = f"p95 > {TARGET_P95_MS} ms dès {point} utilisateurs" if point else f"p95 ≤ {TARGET_P95_MS} ms partout"
    return f"{name} : " + " | ".join(cells) + f" — {verdict}"


def main() -> int:
    RESULTS.mkdir(exist_ok=True)
    # Enough accounts for the full ladder even on a short run, so that the template serves both.
    needed = accounts_needed(max(*STEPS, 300))
    say(f"{sum(needed.values())} comptes ({needed}) ; paliers {STEPS}, {STEP_SECONDS} s chacun ; bases {DATABASES}")
    settings = {
        "gunicorn": f"{GUNICORN_WORKERS} workers"
        + (f" gthread × {GUNICORN_THREADS} threads" if GUNICORN_THREADS > 1 else " sync"),
        "locust_processes": LOCUST_PROCESSES,
        "step_seconds": STEP_SECONDS,
        "weights": ":".join(map(str, WEIGHTS)),
        "scale": SCALE,
        "steps": STEPS,
    }
    summaries = []
    with tempfile.TemporaryDirectory(prefix="pat-bench-mixed-") as folder:
        workdir = Path(folder)
        base = server_environment(workdir)
        # Whitenoise serves the collected files through their manifest (DEBUG off), as `make release` prepares them.
        subprocess.run([PYTHON, "manage.py", "collectstatic", "--noinput", "-v0"], cwd=ROOT, env=base, check=True)
        for name in DATABASES:
            database = {"sqlite": SQLite, "postgres": PostgreSQL}[name](workdir)
            if database.template_ready(needed):
                database.migrate_template(base)
            else:
                database.build_template(base, needed)
            steps = []
            for users in STEPS:
                say(
                    f"{name} : {users} utilisateurs ({math.ceil(users / SPAWN_RATE)} s de montée, puis {STEP_SECONDS} s)"
                )
                step = run_step(database, users, workdir)
                steps.append(step)
                say(summary_line(f"{name}, {users} utilisateurs", [step]))
            result = {"database": name, "settings": settings, "steps": steps, "p95_passes_at": passing_point(steps)}
            (RESULTS / f"mixed-{name}.json").write_text(json.dumps(result, indent=2, ensure_ascii=False))
            (RESULTS / f"mixed-{name}.md").write_text(markdown(name, steps, settings))
            summaries.append(summary_line(name, steps))
    print()
    print("\n".join(summaries))
    print(f"Détail : {RESULTS}/mixed-<base>.md et .json")
    return 0


def setup_django() -> None:
    sys.path.insert(0, str(ROOT))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "pat_portal.settings")
    import django

    django.setup()


def refresh_child() -> None:
    setup_django()
    from bench.mixed_data import refresh

    changed = refresh()
    if changed:
        say(f"{changed} versions soumises remises au contenu que le code actuel calcule")


def prepare_child(needed_json: str, output: str) -> None:
    """In the template's environment: bench/mixed_data.py's rows and the fixtures file."""
    setup_django()
    from bench.mixed_data import prepare

    needed = json.loads(needed_json)
    fixtures = prepare(gbm=needed["gbm"], consultants=needed["consultants"], elus=needed["elus"])
    Path(output).write_text(json.dumps(fixtures, ensure_ascii=False))
    from django.db import connection

    with connection.cursor() as cursor:  # the planner's statistics, copied with the template into every step
        cursor.execute("ANALYZE")


if __name__ == "__main__":
    if len(sys.argv) == 4 and sys.argv[1] == "--prepare":
        prepare_child(sys.argv[2], sys.argv[3])
    elif sys.argv[1:] == ["--refresh"]:
        refresh_child()
    else:
        sys.exit(main())
