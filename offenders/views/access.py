"""Role checks that come before any record is loaded."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any

from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse

from rrcase.access.roles import PERSON_READ_ROLES
from rrcase.access.selectors import role_of


def person_role_required(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """Analysts and system admins never open people's records (DESIGN.md): 403
    for every person URL, whatever the id, so the answer says nothing about
    whether the record exists. rrcase.audit.denials logs the refusal."""

    @wraps(view)
    def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        if role_of(request.user) not in PERSON_READ_ROLES:
            raise PermissionDenied("Your role cannot open people's records.")
        return view(request, *args, **kwargs)

    return wrapped
