"""In-process timing of the key pages (test client, production settings) on the bench database: where `make bench`'s
HTTP figures come from, without gunicorn. `python bench/inprocess.py [page-substring] [--profile]`.

Prints, per page and role, the median of 15 requests (after 3 warm-ups) and the number of SQL queries; with
--profile, the 25 most expensive functions (cumulative) of the first page matched.
"""

import cProfile
import os
import pstats
import statistics
import sys
import time
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(BASE_DIR))
from bench.run import ENV, key_pages, setup_django, targets  # noqa: E402


def main():
    os.environ.update(ENV)
    setup_django()
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    t = targets()
    args = [a for a in sys.argv[1:] if not a.startswith("--")]
    profile = "--profile" in sys.argv
    pages = {"base /sante/": "/sante/", "base connectée /mon-compte/": "/mon-compte/", **key_pages(t)}
    clients = {}
    for role in ("gbm", "consultant", "elu"):
        client = Client()
        client.force_login(t[role])
        clients[role] = client
    from bench.run import ROLE_OF_PAGE

    for name, url in pages.items():
        if args and not any(a in name for a in args):
            continue
        client = clients[ROLE_OF_PAGE.get(name, "gbm")]
        for _ in range(3):
            response = client.get(url, HTTP_HOST="127.0.0.1")
        assert response.status_code == 200, (name, response.status_code)
        timings = []
        for _ in range(15):
            started = time.perf_counter()
            client.get(url, HTTP_HOST="127.0.0.1")
            timings.append((time.perf_counter() - started) * 1000)
        with CaptureQueriesContext(connection) as queries:
            client.get(url, HTTP_HOST="127.0.0.1")
        print(f"{name:<44} {statistics.median(timings):7.1f} ms  {len(queries):3} SQL", flush=True)
        if profile:
            profiler = cProfile.Profile()
            profiler.enable()
            for _ in range(5):
                client.get(url, HTTP_HOST="127.0.0.1")
            profiler.disable()
            pstats.Stats(profiler).sort_stats("cumulative").print_stats(40)
            return


if __name__ == "__main__":
    main()
