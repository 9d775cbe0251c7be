"""Load on loopback with wrk (Debian package `wrk`, installed by `make bench`): N connections for a fixed time.

wrk is written in C and costs the 2-core machine far less CPU than a Python client would, so the
figures are the server's. A small Lua script makes wrk print its counts and latency percentiles as JSON.
"""

import json
import shutil
import subprocess
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

REPORT_SCRIPT = """
done = function(summary, latency, requests)
  local errors = summary.errors
  io.write(string.format(
    'WRK-JSON {"requests": %d, "duration_us": %d, "p50_us": %d, "p95_us": %d, "p99_us": %d, "socket_errors": %d, "non_2xx_3xx": %d}\\n',
    summary.requests, summary.duration, latency:percentile(50), latency:percentile(95), latency:percentile(99),
    errors.connect + errors.read + errors.write + errors.timeout, errors.status))
end
"""


@dataclass
class LoadResult:
    path: str
    requests: int
    errors: int
    duration: float
    p50_ms: float
    p95_ms: float
    p99_ms: float = 0.0
    statuses: dict = field(default_factory=dict)

    @property
    def rps(self) -> float:
        return self.requests / self.duration if self.duration else 0.0


def wrk_path() -> str:
    path = shutil.which("wrk")
    if not path:
        raise SystemExit("wrk est introuvable : `apt-get install wrk` (fait par `make bench` en root).")
    return path


def run_load(host: str, port: int, path: str, *, cookie: str = "", connections: int = 8, duration: float = 5.0):
    """GET `path` over `connections` keep-alive connections for `duration` seconds; wrk's own figures."""
    with tempfile.TemporaryDirectory() as folder:
        script = Path(folder) / "report.lua"
        script.write_text(REPORT_SCRIPT)
        command = [
            wrk_path(),
            "--threads",
            "1",
            "--connections",
            str(connections),
            "--duration",
            f"{max(1, round(duration))}s",
            "--timeout",
            "30s",
            "--script",
            str(script),
            "--header",
            f"Host: {host}:{port}",
        ]
        if cookie:
            command += ["--header", f"Cookie: {cookie}"]
        output = subprocess.run(
            [*command, f"http://{host}:{port}{path}"], check=True, capture_output=True, text=True
        ).stdout
    line = next(line for line in output.splitlines() if line.startswith("WRK-JSON "))
    figures = json.loads(line.removeprefix("WRK-JSON "))
    return LoadResult(
        path=path,
        requests=figures["requests"],
        errors=figures["socket_errors"] + figures["non_2xx_3xx"],
        duration=figures["duration_us"] / 1e6,
        p50_ms=figures["p50_us"] / 1000,
        p95_ms=figures["p95_us"] / 1000,
        p99_ms=figures["p99_us"] / 1000,
    )
