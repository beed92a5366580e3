"""HTTP load on loopback against gunicorn, signed in and second-factor
verified, with wrk (Debian package `wrk`). Reports p50/p95/p99 and throughput
per page at each concurrency, beside the framework floor (bench/views.floor)."""

from __future__ import annotations

import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import urllib.request
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PORT = int(os.environ.get("BENCH_PORT", "8031"))

# wrk prints these from its latency histogram, in microseconds.
LUA = """
done = function(summary, latency, requests)
  io.write(string.format("RESULT %d %d %d %d %d %d\\n",
    latency:percentile(50), latency:percentile(95), latency:percentile(99),
    summary.requests, summary.duration, summary.errors.status + summary.errors.connect
      + summary.errors.read + summary.errors.write + summary.errors.timeout))
end
"""


@dataclass
class Result:
    name: str
    concurrency: int
    p50_ms: float
    p95_ms: float
    p99_ms: float
    rps: float
    errors: int


def session_cookie(username: str, extra: dict[str, object] | None = None) -> str:
    """A signed-in, verified session for `username`, as the browser would hold,
    with `extra` session keys (e.g. saved searches)."""
    from django.conf import settings
    from django.contrib.auth import get_user_model
    from django.test import Client
    from django_otp import DEVICE_ID_SESSION_KEY
    from django_otp.plugins.otp_totp.models import TOTPDevice

    user = get_user_model().objects.get(username=username)
    client = Client()
    client.force_login(user)
    device = TOTPDevice.objects.filter(user=user, confirmed=True).first()
    session = client.session
    if device is not None:
        session[DEVICE_ID_SESSION_KEY] = device.persistent_id
    session.update(extra or {})
    session.save()
    return f"{settings.SESSION_COOKIE_NAME}={client.cookies[settings.SESSION_COOKIE_NAME].value}"


def start_server(database_url: str, workers: int) -> subprocess.Popen[bytes]:
    env = {
        **os.environ,
        "DATABASE_URL": database_url,
        "DJANGO_SETTINGS_MODULE": "rrcase.settings.bench",
    }
    env.pop("REDIS_URL", None)
    process = subprocess.Popen(
        [str(ROOT / ".venv/bin/gunicorn"), "rrcase.wsgi:application", "--bind", f"127.0.0.1:{PORT}",
         "--workers", str(workers), "--log-level", "warning", "--access-logfile", "/dev/null"],
        cwd=ROOT, env=env,
    )  # fmt: skip
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        try:
            urllib.request.urlopen(f"http://127.0.0.1:{PORT}/healthz", timeout=2)
            return process
        except OSError:
            time.sleep(0.3)
    process.kill()
    raise RuntimeError("gunicorn did not start")


def wrk(name: str, path: str, cookie: str, concurrency: int, seconds: int) -> Result:
    if shutil.which("wrk") is None:
        raise RuntimeError("wrk is not installed: apt-get install wrk")
    with tempfile.NamedTemporaryFile("w", suffix=".lua", delete=False) as script:
        script.write(LUA)
    output = subprocess.run(
        ["wrk", "-t", "2", "-c", str(concurrency), "-d", f"{seconds}s", "-s", script.name,
         "-H", f"Cookie: {cookie}", f"http://127.0.0.1:{PORT}{path}"],
        capture_output=True, text=True, timeout=seconds + 60,
    ).stdout  # fmt: skip
    match = re.search(r"RESULT (\d+) (\d+) (\d+) (\d+) (\d+) (\d+)", output)
    if match is None:
        raise RuntimeError(f"wrk output not understood for {path}:\n{output}")
    p50, p95, p99, requests, duration_us, errors = (int(v) for v in match.groups())
    return Result(
        name,
        concurrency,
        p50 / 1000,
        p95 / 1000,
        p99 / 1000,
        requests / (duration_us / 1e6),
        errors,
    )


def check_page(path: str, cookie: str) -> int:
    request = urllib.request.Request(f"http://127.0.0.1:{PORT}{path}", headers={"Cookie": cookie})
    try:
        with urllib.request.urlopen(request, timeout=30) as response:  # noqa: S310
            return response.status
    except urllib.error.HTTPError as error:
        return error.code
    except TimeoutError:
        return 504  # slower than 30 s: reported as skipped


def run(
    database_url: str, targets: list[tuple[str, str]], cookie: str, *, seconds: int, workers: int
) -> list[Result]:
    server = start_server(database_url, workers)
    try:
        results = []
        for name, path in targets:
            status = check_page(path, cookie)
            if status != 200:
                print(f"  skipping {name} ({path}): HTTP {status}", file=sys.stderr)
                continue
            for concurrency in (10, 50):
                results.append(wrk(name, path, cookie, concurrency, seconds))
                print(f"  {results[-1]}", file=sys.stderr)
        return results
    finally:
        server.send_signal(signal.SIGTERM)
        server.wait(timeout=30)
