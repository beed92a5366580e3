"""Liveness and readiness (docs/operations.md "Health"): the web tier is
healthy while it can serve pages, whatever the broker and workers are doing.
With a real Redis of the test's own, stopped mid-test, and a database
connection pointed at a closed port."""

from __future__ import annotations

import shutil
import socket
import subprocess
import time

import pytest
import redis
from django.urls import reverse

from tests.core.test_error_page_without_database import closed_port, database_unreachable

pytestmark = pytest.mark.django_db


@pytest.fixture
def own_redis(tmp_path):
    """A redis-server on a free local port, and a function that stops it."""
    server = shutil.which("redis-server")
    assert server, "redis-server not found (Debian's redis-server package)"
    port = closed_port()
    process = subprocess.Popen(
        [server, "--port", str(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"],
        cwd=tmp_path,
        stdout=subprocess.DEVNULL,
    )
    url = f"redis://127.0.0.1:{port}/0"
    deadline = time.monotonic() + 10
    while True:
        try:
            redis.Redis.from_url(url).ping()
            break
        except redis.ConnectionError:
            assert time.monotonic() < deadline, "redis-server did not start"
            time.sleep(0.05)

    def stop() -> None:
        process.terminate()
        process.wait(timeout=10)
        with pytest.raises(ConnectionRefusedError), socket.create_connection(("127.0.0.1", port)):
            pass

    yield url, stop
    if process.poll() is None:
        process.kill()
        process.wait()


def test_with_redis_down_the_web_tier_stays_healthy_and_says_jobs_wait(
    client, borough, sign_in, settings, own_redis
):
    url, stop_redis = own_redis
    settings.REDIS_URL = url
    for path in ("core:healthz", "core:readyz"):
        response = client.get(reverse(path))
        assert response.status_code == 200
        assert response.json()["status"] == "ok"
        assert response.json()["broker"] == "ok"

    stop_redis()

    for path in ("core:healthz", "core:readyz"):
        response = client.get(reverse(path))
        assert response.status_code == 200
        assert response.json() == {
            "status": "degraded",
            "database": "ok",
            "broker": "unreachable",
            "last_worker_heartbeat": None,
        }
    assert client.get(reverse("core:livez")).status_code == 200
    # ...as every page does.
    sign_in("probation")
    assert client.get("/").status_code == 200
    assert client.get("/cases/").status_code == 200


def test_readiness_fails_without_the_database_but_liveness_does_not(client, django_db_blocker):
    with database_unreachable(django_db_blocker):
        ready = client.get(reverse("core:readyz"))
        legacy = client.get(reverse("core:healthz"))
        live = client.get(reverse("core:livez"))
    assert ready.status_code == legacy.status_code == 503
    assert ready.json()["status"] == "unavailable"
    assert ready.json()["database"] == "unreachable"
    assert ready.json()["last_worker_heartbeat"] is None
    assert live.status_code == 200
    assert live.json() == {"status": "ok"}


def test_health_is_public_uncached_and_free_of_personal_data(client, borough):
    for path in ("core:livez", "core:readyz", "core:healthz"):
        response = client.get(reverse(path))
        assert response.status_code == 200
        assert "no-cache" in response["Cache-Control"] or "max-age=0" in response["Cache-Control"]
    assert set(client.get(reverse("core:readyz")).json()) == {
        "status",
        "database",
        "broker",
        "last_worker_heartbeat",
    }
