"""The request that the current thread is serving, for the audit trail.

Services are called with the acting user explicitly; the IP address and request
id are facts of the HTTP request, so they are read from here rather than being
threaded through every service signature. Celery tasks and commands have no
request and record blank values.
"""

from __future__ import annotations

import logging
from contextvars import ContextVar
from dataclasses import dataclass

from django.conf import settings
from django.http import HttpRequest


@dataclass(frozen=True)
class RequestContext:
    request_id: str
    ip_address: str | None


_current: ContextVar[RequestContext | None] = ContextVar("rrcase_request", default=None)


def current() -> RequestContext | None:
    return _current.get()


def bind(context: RequestContext | None) -> object:
    return _current.set(context)


def reset(token: object) -> None:
    _current.reset(token)  # type: ignore[arg-type]


def client_ip(request: HttpRequest) -> str | None:
    """The client's address. Behind N trusted proxies (TRUSTED_PROXY_COUNT) the
    client is the Nth address from the right of X-Forwarded-For; anything further
    left was written by the client and cannot be trusted."""
    proxies = getattr(settings, "TRUSTED_PROXY_COUNT", 0)
    if proxies:
        forwarded = [
            part.strip() for part in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",")
        ]
        forwarded = [part for part in forwarded if part]
        if len(forwarded) >= proxies:
            return forwarded[-proxies]
    return request.META.get("REMOTE_ADDR") or None


class RequestIdLogFilter(logging.Filter):
    """Puts the current request's id on every log record (``%(request_id)s``),
    so the reference an error page shows finds the traceback in the logs;
    "-" outside a request (tasks, commands)."""

    def filter(self, record: logging.LogRecord) -> bool:
        if not hasattr(record, "request_id"):
            context = current()
            record.request_id = context.request_id if context is not None else "-"
        return True
