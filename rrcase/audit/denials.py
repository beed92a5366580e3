"""Every refused authorisation is itself an audit event (SECURITY.md "Audit").

Pages: a middleware sees the PermissionDenied a view raises. API: DRF catches
exceptions inside the view, so its exception handler logs them too.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from rest_framework import exceptions as drf_exceptions
from rest_framework.response import Response
from rest_framework.views import exception_handler

from .models import Action
from .services import audit_record


def log_denial(request: HttpRequest, exception: Exception) -> None:
    user = getattr(request, "user", None)
    audit_record(
        action=Action.ACCESS_DENIED,
        actor=user,
        actor_username="" if user is None else user.get_username(),
        details={"path": request.path, "method": request.method, "reason": str(exception)[:200]},
    )


class AccessDeniedAuditMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        return self.get_response(request)

    def process_exception(self, request: HttpRequest, exception: Exception) -> None:
        if isinstance(exception, PermissionDenied):
            log_denial(request, exception)


def api_exception_handler(exc: Exception, context: dict[str, Any]) -> Response | None:
    if isinstance(exc, PermissionDenied | drf_exceptions.PermissionDenied):
        request = context.get("request")
        if request is not None:
            log_denial(request._request, exc)
    return exception_handler(exc, context)
