"""A small HTTP load generator: N connections in threads, each sending GETs back to back for a fixed duration.

Good enough on loopback for comparing pages with one another and with a trivial baseline; it is not a
substitute for wrk on a separate machine (the client shares the CPU with the server).
"""

import http.client
import statistics
import threading
import time
from dataclasses import dataclass


@dataclass
class LoadResult:
    path: str
    requests: int
    errors: int
    duration: float
    p50_ms: float
    p95_ms: float
    statuses: dict

    @property
    def rps(self) -> float:
        return self.requests / self.duration if self.duration else 0.0


def _percentile(values: list[float], fraction: float) -> float:
    if not values:
        return 0.0
    ordered = sorted(values)
    index = min(len(ordered) - 1, max(0, round(fraction * len(ordered)) - 1))
    return ordered[index]


def run_load(host: str, port: int, path: str, *, cookie: str = "", connections: int = 8, duration: float = 5.0):
    """GET `path` from `connections` threads for `duration` seconds; latencies of successful (200) answers."""
    headers = {"Host": f"{host}:{port}", "User-Agent": "pat-bench"}
    if cookie:
        headers["Cookie"] = cookie
    latencies: list[float] = []
    statuses: dict[int, int] = {}
    errors = [0]
    lock = threading.Lock()
    deadline = time.perf_counter() + duration

    def worker():
        conn = http.client.HTTPConnection(host, port, timeout=30)
        mine, my_statuses, my_errors = [], {}, 0
        while time.perf_counter() < deadline:
            started = time.perf_counter()
            try:
                conn.request("GET", path, headers=headers)
                response = conn.getresponse()
                response.read()
            except (OSError, http.client.HTTPException):
                my_errors += 1
                conn.close()
                conn = http.client.HTTPConnection(host, port, timeout=30)
                continue
            elapsed = time.perf_counter() - started
            my_statuses[response.status] = my_statuses.get(response.status, 0) + 1
            if response.status == 200:
                mine.append(elapsed)
            else:
                my_errors += 1
            if response.will_close:
                conn.close()
        conn.close()
        with lock:
            latencies.extend(mine)
            errors[0] += my_errors
            for status, count in my_statuses.items():
                statuses[status] = statuses.get(status, 0) + count

    started = time.perf_counter()
    threads = [threading.Thread(target=worker) for _ in range(connections)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    elapsed = time.perf_counter() - started
    return LoadResult(
        path=path,
        requests=len(latencies),
        errors=errors[0],
        duration=elapsed,
        p50_ms=statistics.median(latencies) * 1000 if latencies else 0.0,
        p95_ms=_percentile(latencies, 0.95) * 1000,
        statuses=statuses,
    )
