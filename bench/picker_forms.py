"""Server time of the forms that carry the people picker, and of the login (issue 19: "login <= 300 ms and any save
<= 300 ms server time at demo scale", and still good at scale 20).

    BENCH_DB=/tmp/copy.sqlite3 python bench/picker_forms.py [--runs 7] [--only meeting,login] [--profile name]

It WRITES to the database (meetings created, registrations, saves): give it a copy, never the bench's own file.
Production-like settings (bench/run.py's ENV: DEBUG off, Argon2 first). Each form is read (GET), then posted back
as a browser would (its own fields, plus the changes a person makes), in-process with the test client: the figures
are Django's own time, without gunicorn or the network. Prints the median wall time, the median CPU time of the
process and the queries of one request.
"""

import argparse
import cProfile
import itertools
import os
import pstats
import statistics
import sys
import time
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(BASE_DIR))
from bench.run import DB, ENV, setup_django  # noqa: E402

PROTECTED = Path("/tmp/pat_portal_bench.sqlite3")
PASSWORDS = ["Bench-PAT-2026", "Demo-PAT-2026"]


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=7)
    parser.add_argument("--only", default="")
    parser.add_argument("--profile", default="")
    args = parser.parse_args()
    if DB.resolve() == PROTECTED:
        raise SystemExit(f"This script writes: copy {PROTECTED} and give the copy as BENCH_DB.")
    os.environ.update(ENV)
    setup_django()
    import logging

    logging.getLogger("axes").setLevel(logging.WARNING)

    from django.db import connection
    from django.db.models import Count
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    from ateliers.models import Workshop
    from communes.models import Contact
    from core.models import User
    from missions.mission1.models.action_plans import ActionPlan
    from missions.mission1.models.meetings import Meeting
    from tests.harness.forms import form_posting_to

    consultant = User.objects.filter(role=User.Role.CONSULTANT, is_active=True).order_by("username")[0]
    plan = ActionPlan.objects.annotate(n=Count("actions")).order_by("-n", "pk").select_related("accompaniment")[0]
    accompaniment = plan.accompaniment
    commune = accompaniment.commune
    meeting = Meeting.objects.annotate(n=Count("participations")).order_by("-n", "pk")[0]
    action = plan.actions.order_by("pk")[0]
    workshop = Workshop.objects.filter(status="planifie").annotate(n=Count("registrations")).order_by("-n", "pk")
    workshop = workshop.first() or Workshop.objects.annotate(n=Count("registrations")).order_by("-n", "pk")[0]
    people = list(Contact.objects.filter(commune=commune).order_by("pk").values_list("pk", flat=True)[:8])
    # People registered by the runs are unregistered again after each POST (untimed), so that a small directory
    # (demo scale) never runs out of people to register.
    unregistered = itertools.cycle(
        Contact.objects.exclude(pk__in=workshop.registrations.values("contact_id"))
        .order_by("pk")
        .values_list("pk", flat=True)[:20]
    )
    registered_before = set(workshop.registrations.values_list("pk", flat=True))
    print(
        f"{DB}: {Contact.objects.count()} contacts; meeting {meeting.pk} ({meeting.n} participations), "
        f"plan {plan.pk} ({plan.n} actions, {commune}), workshop {workshop.pk} ({workshop.n} registrations)"
    )

    client = Client(HTTP_HOST="127.0.0.1")
    client.force_login(consultant)

    def meeting_create(data):
        data.update(starts_at="2026-11-20T18:30", kind="elus", title="Bench", place="Mairie", present=people)
        data.setdefault("time_spent_half_days", "1")

    def meeting_update(data):
        data["title"] = f"Bench {time.perf_counter_ns()}"

    def registration(data):
        data["contact"] = str(next(unregistered))

    def bulk_registration(data):
        data["picked"] = [str(next(unregistered)), str(next(unregistered))]
        data["inscrire"] = ""

    def unchanged(data):
        pass

    forms = {
        "meeting create": (f"/reunions/nouvelle/?accompagnement={accompaniment.pk}", meeting_create),
        "meeting edit": (f"/reunions/{meeting.pk}/modifier/", meeting_update),
        "workshop registration": (f"/ateliers/{workshop.pk}/inscriptions/nouvelle/", registration),
        "workshop bulk registration": (
            f"/ateliers/{workshop.pk}/inscriptions/plusieurs/?commune={commune.pk}",
            bulk_registration,
        ),
        "diagnostic edit": (f"/communes/{commune.insee_code}/diagnostic/modifier/", unchanged),
        "action edit": (f"/actions/{action.pk}/modifier/", unchanged),
    }
    only = [name for name in args.only.split(",") if name]

    def timed(call):
        wall, cpu = time.perf_counter(), time.process_time()
        response = call()
        return response, (time.perf_counter() - wall) * 1000, (time.process_time() - cpu) * 1000

    def report(name, walls, cpus, queries, size=None):
        extra = f"  {size / 1024:8.0f} KiB" if size is not None else ""
        print(
            f"{name:<34} {statistics.median(walls):7.1f} ms wall {statistics.median(cpus):7.1f} ms CPU"
            f"  {queries:3} SQL{extra}",
            flush=True,
        )

    for name, (url, change) in forms.items():
        if only and not any(word in name for word in only):
            continue
        gets, posts = ([], []), ([], [])
        get_queries = post_queries = 0
        size = 0
        for run in range(args.runs + 1):
            with CaptureQueriesContext(connection) as queries:
                response, wall, cpu = timed(lambda url=url: client.get(url))
            assert response.status_code == 200, (name, response.status_code)
            page = response.content.decode()
            size = len(response.content)
            data = form_posting_to(page, url, url).data()
            change(data)
            if run:  # the first is a warm-up
                gets[0].append(wall)
                gets[1].append(cpu)
                get_queries = len(queries)
            with CaptureQueriesContext(connection) as queries:
                response, wall, cpu = timed(lambda url=url, data=data: client.post(url, data))
            assert response.status_code == 302, (name, response.status_code, response.content.decode()[-3000:])
            workshop.registrations.exclude(pk__in=registered_before).delete()
            if run:
                posts[0].append(wall)
                posts[1].append(cpu)
                post_queries = len(queries)
        report(f"{name} GET", *gets, get_queries, size)
        report(f"{name} POST", *posts, post_queries)
        if args.profile and args.profile in name:
            profiler = cProfile.Profile()
            profiler.enable()
            for _ in range(3):
                page = client.get(url).content.decode()
                data = form_posting_to(page, url, url).data()
                change(data)
                client.post(url, data)
            profiler.disable()
            pstats.Stats(profiler).sort_stats(os.environ.get("PROFILE_SORT", "cumulative")).print_stats(35)

    if only and "login" not in only:
        return
    from django.contrib.auth.hashers import get_hasher

    hasher = get_hasher()
    params = {key: getattr(hasher, key, None) for key in ("time_cost", "memory_cost", "parallelism", "iterations")}
    walls, cpus = [], []
    for _ in range(args.runs):
        _response, wall, cpu = timed(lambda: hasher.encode("Bench-PAT-2026", hasher.salt()))
        walls.append(wall)
        cpus.append(cpu)
    report(f"hash {hasher.algorithm} {params}", walls, cpus, 0)
    password = next(p for p in PASSWORDS if consultant.check_password(p))
    walls, cpus = [], []
    for run in range(args.runs + 1):
        anonymous = Client(HTTP_HOST="127.0.0.1")
        anonymous.get("/connexion/")
        with CaptureQueriesContext(connection) as queries:
            response, wall, cpu = timed(
                lambda anonymous=anonymous: anonymous.post(
                    "/connexion/", {"username": consultant.username, "password": password}
                )
            )
        assert response.status_code == 302, response.status_code
        if run:
            walls.append(wall)
            cpus.append(cpu)
    report("login POST", walls, cpus, len(queries))


if __name__ == "__main__":
    main()
