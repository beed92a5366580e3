from __future__ import annotations

import csv
from datetime import UTC

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone

from rrcase.core.pagination import CappedPaginator
from rrcase.exports import spreadsheet_safe

from .forms import AuditFilterForm
from .models import Action
from .selectors import audit_event_list_for
from .services import audit_record

PAGE_SIZE = 50


def audit_list(request: HttpRequest) -> HttpResponse:
    form = AuditFilterForm(request.GET or None)
    filters = form.filters() if form.is_bound and form.is_valid() else {}
    events = audit_event_list_for(request.user, **filters)  # type: ignore[arg-type]
    # The trail grows by an event a page view: it is never counted in full.
    page = CappedPaginator(events, PAGE_SIZE).get_page(request.GET.get("page"))
    audit_record(
        action=Action.CONSULT,
        actor=request.user,
        details={"audit_trail": {k: str(v) for k, v in filters.items() if v not in (None, "")}},
    )
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request,
        "audit/list.html",
        {"form": form, "page": page, "query": query.urlencode()},
    )


def audit_export(request: HttpRequest) -> HttpResponse:
    """The filtered trail as CSV (for the ICO). The export is itself a disclosure."""
    form = AuditFilterForm(request.GET or None)
    filters = form.filters() if form.is_bound and form.is_valid() else {}
    events = audit_event_list_for(request.user, **filters)  # type: ignore[arg-type]
    audit_record(
        action=Action.DISCLOSE,
        actor=request.user,
        recipient=request.user.get_username(),
        details={
            "export": "audit_trail_csv",
            "filters": {k: str(v) for k, v in filters.items() if v not in (None, "")},
        },
    )
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    stamp = timezone.now().strftime("%Y%m%d-%H%M%S")
    response["Content-Disposition"] = f'attachment; filename="rrcase-audit-{stamp}.csv"'
    writer = csv.writer(response)
    writer.writerow(["OFFICIAL-SENSITIVE"])
    writer.writerow(
        ["at_utc", "actor", "agency", "action", "object_type", "object_id", "person_id",
         "recipient", "justification", "ip_address", "request_id", "details"]
    )  # fmt: skip
    for event in events.iterator(chunk_size=2000):
        writer.writerow(
            spreadsheet_safe(
                [
                    event.at.astimezone(UTC).isoformat(),
                    event.actor_username,
                    event.agency.code if event.agency else "",
                    event.action,
                    event.object_type,
                    event.object_id,
                    event.person_id or "",
                    event.recipient,
                    event.justification,
                    event.ip_address or "",
                    event.request_id,
                    event.details,
                ]
            )
        )
    return response
