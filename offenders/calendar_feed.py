"""A user's appointments as an iCalendar feed (RFC 5545), built with the
icalendar package (docs/decisions.md).

It leaves the service for the user's own calendar provider, so each event
carries only what SECURITY.md ("What leaves the service") allows: the kind of
appointment ("Home visit"), the times, the place and a link back that needs
signing in. Never a name, a case reference or notes: the link says whose
appointment it is, to someone signed in.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import timedelta
from typing import Any

from django.urls import reverse
from django.utils import timezone
from icalendar import Calendar, Event

from .models import AppointmentStatus, ContactKind

KIND_LABELS = dict(ContactKind.choices)


def calendar_for(rows: Iterable[dict[str, Any]], *, base_url: str) -> bytes:
    calendar = Calendar()
    calendar.add("prodid", "-//rrcase//Appointments//EN")
    calendar.add("version", "2.0")
    calendar.add("calscale", "GREGORIAN")
    calendar.add("x-wr-calname", "rrcase appointments")
    # Ask calendar apps to look again every hour.
    calendar.add("refresh-interval", timedelta(hours=1), parameters={"VALUE": "DURATION"})
    calendar.add("x-published-ttl", "PT1H")
    root = base_url.rstrip("/")
    for row in rows:
        event = Event()
        event.add("uid", f"appointment-{row['pk']}@rrcase")
        event.add("dtstamp", timezone.now())
        event.add("last-modified", row["updated_at"])
        event.add("dtstart", row["starts_at"])
        event.add("dtend", row["ends_at"])
        event.add("summary", KIND_LABELS.get(row["kind"], "Appointment"))
        event.add("location", row["place"])
        event.add("url", root + reverse("diary:appointment", args=[row["pk"]]))
        event.add("description", "Details in rrcase (sign in to open).")
        event.add("class", "PRIVATE")
        cancelled = row["status"] == AppointmentStatus.CANCELLED
        event.add("status", "CANCELLED" if cancelled else "CONFIRMED")
        calendar.add_component(event)
    return calendar.to_ical()
