"""With the database unreachable, a user still gets the GOV.UK error page with
a reference, and the support team finds that reference in the logs."""

from __future__ import annotations

import logging
import socket
from contextlib import contextmanager

import pytest
from django.db import connections
from django.test import Client


def closed_port() -> int:
    """A local port nothing listens on: bound, then released."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@contextmanager
def database_unreachable(django_db_blocker):
    """Point the app's connection at a closed port for the duration."""
    connection = connections["default"]
    saved = dict(connection.settings_dict)
    with django_db_blocker.unblock():
        connection.close()
        connection.settings_dict.update(HOST="127.0.0.1", PORT=str(closed_port()))
        try:
            yield
        finally:
            connection.close()
            connection.settings_dict.clear()
            connection.settings_dict.update(saved)


def console_line(record: logging.LogRecord) -> str:
    """The record as the service's own log handler writes it."""
    handler = next(h for h in logging.getLogger().handlers if h.get_name() == "console")
    assert handler.filter(record)
    return handler.format(record)


@pytest.mark.parametrize("path", ["/", "/cases/", "/sign-in/"])
def test_a_signed_in_user_gets_the_error_page_and_a_reference_in_the_logs(
    django_db_blocker, caplog, path
):
    client = Client(raise_request_exception=False)
    # A signed-in browser: its session has to be read from the database.
    client.cookies["sessionid"] = "x" * 32
    with caplog.at_level(logging.INFO), database_unreachable(django_db_blocker):
        response = client.get(path)

    assert response.status_code == 500
    html = response.content.decode()
    assert "Sorry, there is a problem with the service" in html
    assert "govuk-template" in html
    assert "OFFICIAL-SENSITIVE" in html
    reference = response["X-Request-ID"]
    assert f"quote this reference: <strong>{reference}</strong>" in html
    assert "Traceback" not in html
    assert "OperationalError" not in html

    # The error and its traceback are logged under the same reference.
    errors = [r for r in caplog.records if r.levelno >= logging.ERROR]
    assert errors, "nothing was logged"
    traceback_record = next(r for r in errors if r.exc_info)
    assert "OperationalError" in console_line(traceback_record)
    assert reference in console_line(traceback_record)
    assert any(f"reference {reference}" in r.getMessage() for r in errors)


def test_an_error_page_reference_is_the_request_id_a_proxy_sent(django_db_blocker, caplog):
    client = Client(raise_request_exception=False)
    client.cookies["sessionid"] = "x" * 32
    with caplog.at_level(logging.INFO), database_unreachable(django_db_blocker):
        response = client.get("/", headers={"X-Request-ID": "lb-7f3a9c2e11"})
    assert response.status_code == 500
    assert "lb-7f3a9c2e11" in response.content.decode()
    assert any("lb-7f3a9c2e11" in console_line(r) for r in caplog.records if r.exc_info)
