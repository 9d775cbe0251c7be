"""What users really get: the FIRST read of each key page just after ANOTHER person's write, in-process (test client,
production settings, DEBUG off) on the scale-20 bench database. `python bench/first_read.py [page-substring…]
[--profile]`.

Each round, for every page (interleaved, so that the machine's other load falls on all pages alike): one write by
another person through the ORM, then the timed first GET of the page by the page's role (wall ms, process CPU ms,
SQL queries), then the write is undone. The writes rotate across rounds among three realistic ones:
- « saisie de temps »: a consultant (not the reader) saves a new time entry on the target commune's accompaniment;
- « connexion »: another person logs in (`update_last_login`: their `last_login` is written);
- « note de réunion »: a consultant edits the minutes of a meeting of the target commune (`save_versioned`).
After each timed read the row is put back as it was (time entry deleted, meeting and last_login restored through
`queryset.update()`) and the history rows the write and the undo made are deleted: the database does not grow,
except for the three sessions each run logs in with.

Prints, per page: role, median wall ms, median CPU ms (time.process_time(): with SQLite in-process it includes the
database's work and is far less sensitive to other processes on the machine), p90 wall ms, SQL queries, and the
multiple of `/mon-compte/`'s median (wall and CPU; /mon-compte/ read the same way, by GBM), and for comparison the
median CPU ms and queries of the same page read again at once, with no write in between (« relu »: what a page cache
serves while it is kept). Writes the figures to bench/first_read.json (or FIRST_READ_JSON). With --profile: cProfile
of five first reads of each page matched (the 30 costliest functions, cumulative), no table.

Call depth: CPython 3.11 to 3.13.0 allocate the interpreter's frame stack in 16 KB chunks and free a chunk as soon
as its last frame returns (gh-142183, fixed in 3.14 and a later 3.13): a page whose hot loop calls right at a chunk's
edge maps and unmaps memory on every call, and the same page costs up to half more CPU at one depth of the caller's
stack than at the next (GBM's home: 32 to 52 ms). So each round reads every page at another depth (the read is
called under FIRST_READ_DEPTH_STEP more Python frames each round, up to FIRST_READ_DEPTH_MAX, then again from 0): a
page's median is over the depths a request may meet, not the luck of one, and /mon-compte/ is read the same way.

Environment: BENCH_DB (the bench database, built by bench/run.py's prepare_database when missing),
FIRST_READ_ROUNDS (timed rounds, 15; plus 2 warm-up rounds), FIRST_READ_DEPTH_STEP (8) and FIRST_READ_DEPTH_MAX
(120): the frames added under each round's reads (0 for none), FIRST_READ_JSON (output file),
FIRST_READ_STATIC_ROOT (where the static files are collected for the manifest storage; default a directory under
/tmp per tree, so that the tree itself gets no staticfiles/). Runs unchanged on trees where the kernel is
pat_portal/kernel (before the move to core) and with or without the global page cache (core/freshness.py).
"""

import cProfile
import datetime
import hashlib
import json
import math
import os
import platform
import pstats
import statistics
import subprocess
import sys
import time
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(BASE_DIR))
from bench import run as bench_run  # noqa: E402
from bench.run import key_pages, prepare_database, setup_django, targets  # noqa: E402

ROUNDS = int(os.environ.get("FIRST_READ_ROUNDS", "15"))
DEPTH_STEP = int(os.environ.get("FIRST_READ_DEPTH_STEP", "8"))
DEPTH_MAX = int(os.environ.get("FIRST_READ_DEPTH_MAX", "120"))
WARMUPS = 2
HOST = getattr(bench_run, "HOST", "127.0.0.1")
OUTPUT = Path(os.environ.get("FIRST_READ_JSON", BASE_DIR / "bench" / "first_read.json"))
STATIC_ROOT = Path(
    os.environ.get("FIRST_READ_STATIC_ROOT")
    or f"/tmp/first_read_static_{hashlib.sha1(str(BASE_DIR).encode()).hexdigest()[:10]}"
)
REFERENCE = "base connectée /mon-compte/"
WEEK_GRID = "grille de la semaine /temps/semaine/"


def _import_first(*names):
    """The first module of `names` that imports (the kernel was pat_portal.kernel before it became core)."""
    import importlib

    for name in names:
        try:
            return importlib.import_module(name)
        except ImportError:
            continue
    return None


def collect_static():
    """The manifest storage (DEBUG off) needs collected files: collected outside the tree, as the tree may be shared."""
    from django.core.management import call_command
    from django.test.utils import override_settings

    override_settings(STATIC_ROOT=str(STATIC_ROOT)).enable()  # resets the static storage (setting_changed)
    call_command("collectstatic", interactive=False, verbosity=0)


def pages_to_read(t):
    """{name: (path, role)}: /sante/ (anonymous), /mon-compte/ for each role, every key page of bench/run.py, and the
    key pages of the performance issue that key_pages() does not list (the week grid)."""
    from django.urls import NoReverseMatch, reverse

    roles = getattr(bench_run, "ROLE_OF_PAGE", {})
    pages = {
        "base /sante/": ("/sante/", None),
        REFERENCE: ("/mon-compte/", "gbm"),
        "base connectée /mon-compte/ (consultant·e)": ("/mon-compte/", "consultant"),
        "base connectée /mon-compte/ (élu·e)": ("/mon-compte/", "elu"),
    }
    for name, path in key_pages(t).items():
        pages[name] = (path, roles.get(name, "gbm"))
    try:
        week = reverse("missions:time_week")
    except NoReverseMatch:
        week = "/temps/semaine/"
    if not any(path == week for path, _ in pages.values()):
        pages[WEEK_GRID] = (week, "consultant")  # the consultant's own week (GBM sees a consultant picker first)
    return pages


class Writes:
    """Three writes by someone other than the readers, each with its undo."""

    KINDS = ("saisie de temps", "connexion", "note de réunion")

    def __init__(self, t):
        from django.contrib.auth import get_user_model

        from missions.mission1.models.meetings import Meeting
        from missions.money.models.time import TimeEntry

        self.Meeting, self.TimeEntry = Meeting, TimeEntry
        readers = [t[role].pk for role in ("gbm", "consultant", "elu")]
        entries = TimeEntry.objects.exclude(consultant_id__in=readers).filter(accompaniment__isnull=False)
        self.template = (
            entries.filter(accompaniment__commune__insee_code=t["insee"]).order_by("pk").first()
            or entries.order_by("pk").first()
        )
        self.writer = self.template.consultant
        users = get_user_model().objects.exclude(pk__in=readers + [self.writer.pk])
        self.login = (
            users.filter(username__startswith="charge.gbm").order_by("username").first()
            or users.order_by("username").first()
        )
        meetings = Meeting.objects.order_by("pk")
        self.meeting_pk = (meetings.filter(commune__insee_code=t["insee"]).first() or meetings.first()).pk
        concurrency = _import_first("core.concurrency", "pat_portal.kernel.concurrency")
        self.save_versioned = getattr(concurrency, "save_versioned", None)
        self.description = {
            "saisie de temps": f"{self.writer.username} saves a time entry (accompaniment {self.template.accompaniment_id})",
            "connexion": f"{self.login.username} logs in (update_last_login)",
            "note de réunion": f"{self.writer.username} edits the minutes of meeting {self.meeting_pk}",
        }

    @staticmethod
    def _history_mark(model):
        history = getattr(model, "history", None)
        if history is None:
            return None
        last = history.model._default_manager.order_by("-history_id").values_list("history_id", flat=True).first()
        return history.model, last or 0

    @staticmethod
    def _drop_history(mark):
        if mark is not None:
            historical, last = mark
            historical._default_manager.filter(history_id__gt=last).delete()

    def write(self, kind):
        """Make the write; returns its undo."""
        if kind == "saisie de temps":
            mark = self._history_mark(self.TimeEntry)
            entry = self.TimeEntry(
                consultant=self.writer,
                date=datetime.date.today(),
                half_days=1,
                accompaniment_id=self.template.accompaniment_id,
                order_line_id=self.template.order_line_id,
                comment="Saisie du banc first_read",
            )
            entry._history_user = self.writer
            entry.save()

            def undo():
                self.TimeEntry.objects.filter(pk=entry.pk).delete()
                self._drop_history(mark)

            return undo
        if kind == "connexion":
            from django.contrib.auth.models import update_last_login

            model = type(self.login)
            mark = self._history_mark(model)
            user = model.objects.get(pk=self.login.pk)
            before = user.last_login
            update_last_login(None, user)

            def undo():
                model.objects.filter(pk=user.pk).update(last_login=before)
                self._drop_history(mark)

            return undo
        if kind == "note de réunion":
            mark = self._history_mark(self.Meeting)
            before = self.Meeting._base_manager.filter(pk=self.meeting_pk).values()[0]
            meeting = self.Meeting.objects.get(pk=self.meeting_pk)
            meeting.minutes = (meeting.minutes + "\nPoint ajouté après la réunion.")[:20000]
            meeting._history_user = self.writer
            if self.save_versioned is not None:
                self.save_versioned(meeting, meeting.lock_version)
            else:
                meeting.save()

            def undo():
                values = {k: v for k, v in before.items() if k != "id"}
                self.Meeting._base_manager.filter(pk=self.meeting_pk).update(**values)
                self._drop_history(mark)

            return undo
        raise ValueError(kind)


def settle(user):
    """One read outside the timed request: a write committed outside a request is made known to the page cache (when
    there is one) before the connection's next statement, as the writer's own request would have done on its way
    out. Without it, the timed reader would pay the writer's cache bump."""
    type(user).objects.filter(pk=user.pk).exists()


def at_depth(frames: int, function):
    """`function()` called under `frames` more Python frames (see the module's docstring: the call depth)."""
    return function() if frames <= 0 else at_depth(frames - 1, function)


def percentile(values, fraction):
    ordered = sorted(values)
    return ordered[max(0, math.ceil(fraction * len(ordered)) - 1)]


def tree_state():
    """What was measured: the commit, and whether the global page cache is still in the settings."""
    settings_file = BASE_DIR / "pat_portal" / "settings.py"
    text = settings_file.read_text() if settings_file.exists() else ""
    from django.conf import settings

    def git(*args):
        try:
            return subprocess.run(
                ["git", "-C", str(BASE_DIR), *args], capture_output=True, text=True, check=True
            ).stdout.strip()
        except (OSError, subprocess.CalledProcessError):
            return ""

    return {
        "tree": str(BASE_DIR),
        "commit": git("log", "--oneline", "-1"),
        "uncommitted_files": len(
            [line for line in git("status", "--short", "--untracked-files=no").splitlines() if line.strip()]
        ),
        "settings_freshness_mentions": text.count("freshness"),
        "freshness_middleware": any("freshness" in m.lower() for m in settings.MIDDLEWARE),
        "fragments_cache": "fragments" in settings.CACHES,
        "debug": settings.DEBUG,
        "database": settings.DATABASES["default"]["NAME"],
        "python": platform.python_version(),
    }


def main():
    os.chdir(BASE_DIR)
    args = [a for a in sys.argv[1:] if not a.startswith("--")]
    profile = "--profile" in sys.argv
    started = time.perf_counter()
    prepare_database()
    build_s = time.perf_counter() - started
    setup_django()
    collect_static()
    from django.db import connection
    from django.test import Client

    t = targets()
    pages = {
        name: page
        for name, page in pages_to_read(t).items()
        if not args or name == REFERENCE or any(a in name or a in page[0] for a in args)
    }
    writes = Writes(t)
    clients = {None: Client(SERVER_NAME=HOST)}
    for role in ("gbm", "consultant", "elu"):
        clients[role] = Client(SERVER_NAME=HOST)
        clients[role].force_login(t[role])
        clients[role].get("/")  # as a browser: the home page keeps the navigation's count in a cookie
    for name, (path, role) in pages.items():
        response = clients[role].get(path)
        assert response.status_code == 200, (name, path, response.status_code)

    state = tree_state()
    print(f"Arbre : {state['tree']} — {state['commit']} ({state['uncommitted_files']} fichiers modifiés non commités)")
    print(
        f"  « freshness » dans settings.py : {state['settings_freshness_mentions']} ; middleware : "
        f"{state['freshness_middleware']} ; cache « fragments » : {state['fragments_cache']} ; DEBUG {state['debug']}"
    )
    print(f"  écritures : {' ; '.join(writes.description.values())}")
    if profile:
        profile_pages(pages, clients, writes)
        return
    print(f"{WARMUPS} tours d'échauffement + {ROUNDS} tours, {len(pages)} pages…", flush=True)
    samples = {
        name: {key: [] for key in ("wall", "cpu", "queries", "write", "again_wall", "again_cpu", "again_queries")}
        for name in pages
    }
    for round_number in range(WARMUPS + ROUNDS):
        kind = Writes.KINDS[round_number % len(Writes.KINDS)]
        depth = (round_number * DEPTH_STEP) % (DEPTH_MAX + DEPTH_STEP) if DEPTH_STEP else 0
        for name, (path, role) in pages.items():
            undo = writes.write(kind)
            settle(writes.writer)
            client = clients[role]
            queries = []

            def count(execute, sql, params, many, context, queries=queries):
                queries.append(sql)
                return execute(sql, params, many, context)

            def timed_read(client=client, path=path):
                wall0, cpu0 = time.perf_counter(), time.process_time()
                response = client.get(path)
                response.content  # noqa: B018 (the whole body, as sent)
                return response, (time.process_time() - cpu0) * 1000, (time.perf_counter() - wall0) * 1000

            with connection.execute_wrapper(count):
                response, cpu, wall = at_depth(depth, timed_read)
            first_queries = len(queries)
            assert response.status_code == 200, (name, path, response.status_code)
            # For comparison: the same page read again at once, with no write in between (what a page cache gives).
            queries.clear()
            with connection.execute_wrapper(count):
                _response, again_cpu, again_wall = at_depth(depth, timed_read)
            undo()
            settle(writes.writer)
            if round_number >= WARMUPS:
                sample = samples[name]
                sample["wall"].append(wall)
                sample["cpu"].append(cpu)
                sample["queries"].append(first_queries)
                sample["write"].append(kind)
                sample["again_wall"].append(again_wall)
                sample["again_cpu"].append(again_cpu)
                sample["again_queries"].append(len(queries))
        print(f"  tour {round_number + 1}/{WARMUPS + ROUNDS}", flush=True)
    report(pages, samples, state, writes, build_s)


def report(pages, samples, state, writes, build_s):
    ref = samples[REFERENCE]
    ref_wall, ref_cpu = statistics.median(ref["wall"]), statistics.median(ref["cpu"])
    header = (
        f"{'rôle':<10} {'page':<46} {'wall ms':>8} {'CPU ms':>7} {'p90 wall':>8} {'SQL':>7} {'×compte wall':>12} "
        f"{'×compte CPU':>11} {'relu CPU':>8} {'SQL relu':>8}"
    )
    print()
    print(header)
    print("-" * len(header))
    results = {}
    for name, (path, role) in pages.items():
        sample = samples[name]
        wall, cpu = statistics.median(sample["wall"]), statistics.median(sample["cpu"])
        low, high = min(sample["queries"]), max(sample["queries"])
        queries = str(low) if low == high else f"{low}-{high}"
        by_write = {
            kind: {
                "median_wall_ms": statistics.median(
                    w for w, k in zip(sample["wall"], sample["write"], strict=True) if k == kind
                ),
                "median_cpu_ms": statistics.median(
                    c for c, k in zip(sample["cpu"], sample["write"], strict=True) if k == kind
                ),
            }
            for kind in Writes.KINDS
            if kind in sample["write"]
        }
        results[name] = {
            "path": path,
            "role": role or "anonyme",
            "median_wall_ms": wall,
            "median_cpu_ms": cpu,
            "p90_wall_ms": percentile(sample["wall"], 0.9),
            "queries": sample["queries"],
            "x_account_wall": wall / ref_wall,
            "x_account_cpu": cpu / ref_cpu,
            "by_write": by_write,
            "again_median_wall_ms": statistics.median(sample["again_wall"]),
            "again_median_cpu_ms": statistics.median(sample["again_cpu"]),
            "again_queries": sample["again_queries"],
            "wall_ms": sample["wall"],
            "cpu_ms": sample["cpu"],
        }
        print(
            f"{role or 'anonyme':<10} {name[:46]:<46} {wall:>8.1f} {cpu:>7.1f} {percentile(sample['wall'], 0.9):>8.1f} "
            f"{queries:>7} {wall / ref_wall:>12.1f} {cpu / ref_cpu:>11.1f} "
            f"{statistics.median(sample['again_cpu']):>8.1f} {statistics.median(sample['again_queries']):>8g}"
        )
    over = [name for name, r in results.items() if r["x_account_cpu"] > 8]
    print()
    print(f"Au-delà de 8× /mon-compte/ (CPU) : {', '.join(over) if over else 'aucune'}")
    OUTPUT.write_text(
        json.dumps(
            {
                "measured_at": datetime.datetime.now(datetime.UTC).isoformat(timespec="seconds"),
                "state": state,
                "rounds": ROUNDS,
                "warmups": WARMUPS,
                "depth_step": DEPTH_STEP,
                "depth_max": DEPTH_MAX,
                "database_prepare_s": build_s,
                "writes": writes.description,
                "reference": REFERENCE,
                "pages": results,
            },
            indent=2,
            ensure_ascii=False,
        )
    )
    print(f"Résultats : {OUTPUT}")


def profile_pages(pages, clients, writes):
    """cProfile of five first reads (each after a write) of every page matched, the 30 costliest functions."""
    for name, (path, role) in pages.items():
        if name == REFERENCE and len(pages) > 1:
            continue
        profiler = cProfile.Profile()
        for round_number in range(5):
            undo = writes.write(Writes.KINDS[round_number % len(Writes.KINDS)])
            settle(writes.writer)
            profiler.enable()
            clients[role].get(path).content  # noqa: B018
            profiler.disable()
            undo()
            settle(writes.writer)
        print(f"\n=== {name} ({path}, {role}) : 5 premières lectures ===")
        pstats.Stats(profiler).sort_stats("cumulative").print_stats(30)


if __name__ == "__main__":
    main()
