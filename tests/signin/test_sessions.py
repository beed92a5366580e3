"""Sessions end after 30 minutes idle, 12 hours after sign-in however busy,
and at once when the user is deactivated."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
import time_machine
from django.contrib.auth.models import User
from django.contrib.sessions.models import Session
from django.test import Client

from rrcase.access.services import user_deactivate
from rrcase.audit.models import AuditEvent
from rrcase.signin.models import UserSession

pytestmark = pytest.mark.django_db

START = datetime(2026, 11, 24, 8, 0, tzinfo=UTC)


def test_30_minutes_without_a_request_signs_the_user_out(client, borough, sign_in):
    with time_machine.travel(START, tick=False) as clock:
        sign_in("probation")
        clock.shift(timedelta(minutes=29))
        assert client.get("/").status_code == 200  # and the clock starts again
        clock.shift(timedelta(minutes=29))
        assert client.get("/").status_code == 200
        clock.shift(timedelta(minutes=30, seconds=1))
        response = client.get("/")
        assert response["Location"] == "/sign-in/?next=/"


def test_the_session_is_written_at_most_once_a_minute(client, borough, sign_in):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    def session_writes() -> int:
        with CaptureQueriesContext(connection) as queries:
            assert client.get("/").status_code == 200
        return sum('UPDATE "django_session"' in q["sql"] for q in queries.captured_queries)

    with time_machine.travel(START, tick=False) as clock:
        sign_in("probation")
        clock.shift(timedelta(seconds=61))
        assert session_writes() == 1  # slides the idle timeout
        clock.shift(timedelta(seconds=30))
        assert session_writes() == 0  # within the minute: nothing to write
        # The idle clock runs from the last write: 30 minutes after it, the
        # session has ended, though the last request was 29.5 minutes ago.
        clock.shift(timedelta(minutes=29, seconds=31))
        assert client.get("/")["Location"] == "/sign-in/?next=/"


def test_12_hours_after_sign_in_the_session_ends_however_active(client, borough, sign_in):
    with time_machine.travel(START, tick=False) as clock:
        sign_in("probation")
        for _ in range(35):  # a request every 20 minutes, to 11h40m
            clock.shift(timedelta(minutes=20))
            assert client.get("/").status_code == 200
        clock.shift(timedelta(minutes=19))  # 11h59m
        assert client.get("/").status_code == 200
        clock.shift(timedelta(minutes=2))  # 12h01m
        response = client.get("/")
        assert response["Location"] == "/sign-in/?next=/"
        page = client.get(response["Location"]).content.decode()
        assert "signed in for 12 hours" in page
        assert client.get("/").status_code == 302


def test_deactivating_a_user_ends_their_sessions_at_once(client, borough, sign_in):
    sign_in("police")
    other_browser = Client()
    other_browser.force_login(User.objects.get(username="police"))
    assert client.get("/").status_code == 200
    assert UserSession.objects.filter(user__username="police").count() == 2
    sign_in_elsewhere = Client()
    sign_in_elsewhere.force_login(User.objects.get(username="probation"))

    police = User.objects.get(username="police")
    user_deactivate(user=police, by=User.objects.get(username="sysadmin"))

    # Ended in the database, not merely refused on their next request.
    for browser in (client, other_browser):
        assert not Session.objects.filter(session_key=browser.cookies["sessionid"].value).exists()
    assert client.get("/")["Location"] == "/sign-in/?next=/"
    assert other_browser.get("/")["Location"] == "/sign-in/?next=/"
    assert not UserSession.objects.filter(user=police).exists()
    # Only that user's sessions: probation's is untouched.
    assert Session.objects.filter(session_key=sign_in_elsewhere.cookies["sessionid"].value).exists()
    event = AuditEvent.objects.get(action="revoke", object_id=str(police.pk))
    assert event.actor_username == "sysadmin"
    assert event.details == {"deactivated": True, "sessions_ended": 2}


def test_signing_out_forgets_the_session(client, borough, sign_in):
    sign_in("probation")
    assert UserSession.objects.filter(user__username="probation").count() == 1
    client.post("/sign-out/")
    assert not UserSession.objects.filter(user__username="probation").exists()


def test_the_timeout_warning_is_on_signed_in_pages_only(client, borough, sign_in):
    assert 'id="session-timeout"' not in client.get("/sign-in/").content.decode()
    sign_in("probation")
    html = client.get("/").content.decode()
    assert 'id="session-timeout"' in html
    assert "You will be signed out soon" in html
    assert 'data-idle-seconds="1800"' in html
    assert 'data-warning-seconds="300"' in html
    assert "rrcase/js/session-timeout.mjs" in html
    assert "<script>" not in html  # no inline script without the nonce


def test_stay_signed_in_keeps_the_session_alive(client, borough, sign_in):
    with time_machine.travel(START, tick=False) as clock:
        sign_in("probation")
        clock.shift(timedelta(minutes=26))
        response = client.post("/session/keep-alive/")
        assert response.status_code == 200
        assert response.json() == {"seconds_left": 1800}
        clock.shift(timedelta(minutes=26))
        assert client.get("/").status_code == 200
        # Still inside the frozen clock: outside it the session (signed in at
        # START) would have expired at today's real date.
        assert client.get("/session/keep-alive/").status_code == 405


def test_keep_alive_cannot_stretch_past_12_hours(client, borough, sign_in):
    with time_machine.travel(START, tick=False) as clock:
        sign_in("probation")
        for _ in range(47):  # every 15 minutes to 11h45m
            clock.shift(timedelta(minutes=15))
            response = client.post("/session/keep-alive/")
        assert response.json() == {"seconds_left": 15 * 60}
