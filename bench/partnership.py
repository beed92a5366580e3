"""Scale data beyond people and offending: the staff who manage them, pathway
needs with referrals and outcomes, and two years of panel history. Written
with COPY like bench/generate.py, which calls these in order.

Proportions follow the demo borough and the council papers in shared/seeds:
one offender manager per ~40 people, about 1.2 needs a person with half of
them referred on, and one IOM panel per ~2,500 people meeting monthly with
about 25 people on each agenda."""

from __future__ import annotations

import math
import random
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta

from django.contrib.auth.models import Group

from pathways.models import NeedType, Pathway, Provider, Service
from rrcase.access.models import Agency, Role
from rrcase.access.roles import role_group_name
from rrcase.dates import add_months

from .sampling import weighted

CASELOAD = 40  # people per offender manager
PEOPLE_PER_PANEL = 2_500
ITEMS_PER_MEETING = 25
PANEL_MONTHS = 24
NEED_STATUSES = [("not_started", 25), ("in_progress", 35), ("met", 30), ("declined", 10)]
REFERRAL_STATES = [
    ("sent", 12), ("accepted", 10), ("started", 20), ("completed", 30), ("rejected", 10),
    ("disengaged", 8), ("withdrawn", 10),
]  # fmt: skip
ACCOMMODATION = [("settled", 55), ("temporary", 25), ("nfa", 15), ("in_custody", 5)]
DECISIONS = [("retain", 60), ("no_change", 20), ("step_up", 8), ("step_down", 8), ("deselect", 4)]
ACTIONS = [("done", 70), ("not_done", 10), ("not_possible", 5), ("open", 15)]
STAFF_GIVEN = ["Alex", "Sam", "Jo", "Chris", "Pat", "Robin", "Jamie", "Morgan", "Casey", "Drew"]
STAFF_FAMILY = ["Ashby", "Bramley", "Corrie", "Denton", "Eccles", "Farley", "Gedling", "Hale"]

Copy = Callable[[str, list[str], Iterator[tuple[object, ...]]], None]


@dataclass
class Staff:
    """Offender managers by agency id, as user ids."""

    by_agency: dict[int, list[int]]

    def pick(self, rng: random.Random, agency_id: int) -> int | None:
        pool = self.by_agency.get(agency_id)
        return rng.choice(pool) if pool and rng.random() < 0.9 else None


def staff(
    copy: Copy, next_id: Callable[[str], int], agencies: list[Agency], shares: dict[int, float],
    people: int, now: datetime,
) -> Staff:  # fmt: skip
    """One practitioner per CASELOAD people of each lead agency, with the
    membership and groups a signed-in user of that agency has."""
    practitioners = Group.objects.get(name=role_group_name(Role.PRACTITIONER))
    first = next_id("auth_user")
    by_agency: dict[int, list[int]] = {}
    uid = first
    for agency in agencies:
        n = math.ceil(people * shares.get(agency.pk, 0) / CASELOAD)
        by_agency[agency.pk] = list(range(uid, uid + n))
        uid += n
    group_of = {a.pk: a.group_id for a in agencies}
    users = [(u, agency) for agency, ids in by_agency.items() for u in ids]
    copy(
        "auth_user",
        ["id", "password", "is_superuser", "username", "first_name", "last_name", "email",
         "is_staff", "is_active", "date_joined"],
        ((u, "!", False, f"bench-om-{u}", STAFF_GIVEN[u % 10], f"{STAFF_FAMILY[u % 8]} {u}",
          "", False, True, now) for u, _ in users),
    )  # fmt: skip
    copy(
        "access_membership",
        ["user_id", "agency_id", "role", "job_title", "created_at"],
        ((u, agency, Role.PRACTITIONER, "Offender manager", now) for u, agency in users),
    )
    copy(
        "auth_user_groups",
        ["user_id", "group_id"],
        (row for u, agency in users for row in ((u, group_of[agency]), (u, practitioners.pk))),
    )
    return Staff(by_agency)


def _services(agencies: dict[str, Agency]) -> dict[int, int]:
    """One benchmark service per pathway (by pathway id), made once."""
    provider, _ = Provider.objects.get_or_create(
        name="Bench resettlement provider", defaults={"agency": agencies.get("vcs")}
    )
    out = {}
    for pathway in Pathway.objects.all():
        service, _ = Service.objects.get_or_create(
            provider=provider,
            pathway=pathway,
            name=f"Bench {pathway.name.lower()} service",
            defaults={"response_target_hours": 72},
        )
        out[pathway.pk] = service.pk
    return out


def pathways(
    copy: Copy, next_id: Callable[[str], int], ids: range, leads: dict[int, Agency],
    agencies: dict[str, Agency], rng: random.Random, today: date, now: datetime,
) -> None:  # fmt: skip
    """Needs (about 1.2 a person), referrals for half of them with their
    events, and an accommodation outcome for a third of people."""
    need_types = [(n.pk, n.pathway_id) for n in NeedType.objects.filter(is_other=False)]
    service_of = _services(agencies)
    provider_agency = agencies.get("vcs") or next(iter(agencies.values()))
    status = weighted(rng, NEED_STATUSES)
    state = weighted(rng, REFERRAL_STATES)
    need_id = next_id("pathways_need")
    needs: list[tuple[int, int, int, int, date]] = []  # need, person, pathway, lead, identified

    def need_rows() -> Iterator[tuple[object, ...]]:
        nonlocal need_id
        for pid in ids:
            for _ in range(rng.choice([0, 0, 1, 1, 1, 2, 2, 3])):
                need_type, pathway = rng.choice(need_types)
                identified = today - timedelta(days=rng.randrange(730))
                lead = leads[pid].pk
                needs.append((need_id, pid, pathway, lead, identified))
                yield (need_id, "", status(), "community", identified, now, now, 1, pid, lead,
                       lead, need_type, pathway)  # fmt: skip
                need_id += 1

    copy(
        "pathways_need",
        ["id", "detail", "status", "responsibility", "identified_on", "created_at", "updated_at",
         "version", "person_id", "recorded_by_agency_id", "responsible_agency_id", "need_type_id",
         "pathway_id"],
        need_rows(),
    )  # fmt: skip

    referral_id = next_id("pathways_referral")
    events: list[tuple[int, str, datetime, int]] = []

    def referral_rows() -> Iterator[tuple[object, ...]]:
        nonlocal referral_id
        for need, pid, pathway, lead, identified in needs:
            if rng.random() >= 0.5:
                continue
            sent = datetime.combine(
                identified + timedelta(days=rng.randrange(1, 30)), time(10), UTC
            )
            sent = min(sent, now)
            current = state()
            responded = None if current == "sent" else sent + timedelta(hours=rng.randrange(4, 96))
            closed = (
                responded + timedelta(days=rng.randrange(7, 120))
                if responded and current in ("completed", "rejected", "disengaged", "withdrawn")
                else None
            )
            events.append((referral_id, "sent", sent, lead))
            if current != "sent":
                events.append(
                    (referral_id, current, closed or responded or sent, provider_agency.pk)
                )
            yield (referral_id, current, "Referred for support with this need", sent, sent,
                   sent + timedelta(hours=72), responded, closed,
                   "No capacity this month" if current == "rejected" else "",
                   "Completed the programme" if current == "completed" else "", 1, lead, need,
                   pid, provider_agency.pk, service_of[pathway])  # fmt: skip
            referral_id += 1

    copy(
        "pathways_referral",
        ["id", "state", "reason", "created_at", "sent_at", "respond_by", "responded_at",
         "closed_at", "rejection_reason", "outcome", "version", "from_agency_id", "need_id",
         "person_id", "to_agency_id", "service_id"],
        referral_rows(),
    )  # fmt: skip
    copy(
        "pathways_referralevent",
        ["referral_id", "from_state", "to_state", "at", "note", "agency_id"],
        (
            (ref, "" if to == "sent" else "sent", to, at, "", agency)
            for ref, to, at, agency in events
        ),
    )
    accommodation = weighted(rng, ACCOMMODATION)
    copy(
        "pathways_outcome",
        ["person_id", "kind", "value", "recorded_on", "note", "sensitivity", "created_at",
         "agency_id"],
        ((pid, "accommodation", accommodation(), today - timedelta(days=rng.randrange(365)), "",
          "standard", now, leads[pid].pk) for pid in ids if rng.random() < 0.33),
    )  # fmt: skip


def panels(
    copy: Copy, next_id: Callable[[str], int], iom_people: list[int], agencies: dict[str, Agency],
    people: int, rng: random.Random, today: date, now: datetime,
) -> list[int]:  # fmt: skip
    """One IOM panel per PEOPLE_PER_PANEL people, each with PANEL_MONTHS of
    concluded monthly meetings (agenda, attendance, a decision per item, an
    action for half the items) and next month's meeting with its agenda
    built. Returns the ids of those upcoming meetings."""
    members = [a for code, a in agencies.items() if code in ("probation", "police", "council",
                                                               "housing", "health", "dwp")]  # fmt: skip
    n_panels = max(1, people // PEOPLE_PER_PANEL)
    first_type = next_id("panels_paneltype")
    type_ids = list(range(first_type, first_type + n_panels))
    start_day = add_months(today.replace(day=1), -PANEL_MONTHS)
    copy(
        "panels_paneltype",
        ["id", "code", "name", "description", "frequency", "weekday", "week_of_month",
         "cadence_starts_on", "start_time", "location", "online_link", "quorum", "cohorts",
         "confidentiality", "lead_priority", "update_request_days", "is_active"],
        ((t, f"bench-iom-{t}", f"Bench IOM panel {t}", "", "monthly", 1, 2, start_day, time(10),
          "Online", "", 3, ["iom"], "standard", 50, 7, True) for t in type_ids),
    )  # fmt: skip
    copy(
        "panels_paneltype_member_agencies",
        ["paneltype_id", "agency_id"],
        ((t, a.pk) for t in type_ids for a in members),
    )
    cohort_of_panel: dict[int, list[int]] = {t: [] for t in type_ids}
    for pid in iom_people:
        cohort_of_panel[type_ids[pid % n_panels]].append(pid)

    meeting_id = next_id("panels_panelmeeting")
    meetings: list[tuple[int, int, date, bool]] = []  # meeting, panel, day, concluded
    for t in type_ids:
        for month in range(PANEL_MONTHS + 2):  # through next month
            day = add_months(start_day, month) + timedelta(days=7 + (t % 20))
            meetings.append((meeting_id, t, day, day < today))
            meeting_id += 1
    copy(
        "panels_panelmeeting",
        ["id", "date", "start_time", "location", "online_link", "status", "started_at",
         "concluded_at", "notes", "agenda_built_at", "version", "panel_type_id"],
        ((m, day, time(10), "Online", "", "concluded" if done else "scheduled",
          _at(day, 10) if done else None, _at(day, 12) if done else None, "",
          _at(day - timedelta(days=7), 9), 1, t) for m, t, day, done in meetings),
    )  # fmt: skip
    copy(
        "panels_attendance",
        ["meeting_id", "agency_id", "status", "representative", "declarations"],
        ((m, a.pk, "present" if rng.random() < 0.85 else "apologies", "", "")
         for m, _, _, done in meetings if done for a in members),
    )  # fmt: skip

    item_id = next_id("panels_agendaitem")
    items: list[tuple[int, int, int, date, bool]] = []  # item, meeting, person, day, concluded

    def item_rows() -> Iterator[tuple[object, ...]]:
        nonlocal item_id
        for m, t, day, done in meetings:
            pool = cohort_of_panel[t]
            chosen = rng.sample(pool, min(ITEMS_PER_MEETING, len(pool)))
            for position, pid in enumerate(chosen, start=1):
                items.append((item_id, m, pid, day, done))
                yield (item_id, ["red_brag"] if position % 3 else ["overdue_actions"], position,
                       "Reviewed: engaging with the plan" if done else "", _at(day, 9), 1, pid, m)  # fmt: skip
                item_id += 1

    copy(
        "panels_agendaitem",
        ["id", "reasons", "position", "discussion", "added_at", "version", "person_id",
         "meeting_id"],
        item_rows(),
    )  # fmt: skip
    decision = weighted(rng, DECISIONS)
    copy(
        "panels_paneldecision",
        ["item_id", "outcome", "cohort", "brag_from", "brag_to", "brag_reason", "rationale",
         "decided_at"],
        ((i, decision(), "iom", "", "", "", "Agreed by the panel", _at(day, 11))
         for i, _, _, day, done in items if done),
    )  # fmt: skip
    action = weighted(rng, ACTIONS)
    owners = [a.pk for a in members]

    def action_rows() -> Iterator[tuple[object, ...]]:
        for i, m, pid, day, done in items:
            if not done or rng.random() >= 0.5:
                continue
            due = day + timedelta(days=rng.choice([14, 28, 42]))
            status = action() if due < today else "open"
            closed = _at(min(due, today), 16) if status != "open" else None
            yield ("Follow up with the person and report back", due, status, "", _at(day, 11),
                   closed, 1, i, rng.choice(owners), pid, m)  # fmt: skip

    copy(
        "panels_panelaction",
        ["description", "due_date", "status", "outcome_note", "created_at", "closed_at",
         "version", "item_id", "owner_agency_id", "person_id", "meeting_id"],
        action_rows(),
    )  # fmt: skip
    return [m for m, _, _, done in meetings if not done]


def _at(day: date, hour: int) -> datetime:
    return datetime.combine(day, time(hour), UTC)


TABLES = [
    "auth_user", "access_membership", "auth_user_groups", "pathways_need", "pathways_referral",
    "pathways_referralevent", "pathways_outcome", "panels_paneltype",
    "panels_paneltype_member_agencies", "panels_panelmeeting", "panels_attendance",
    "panels_agendaitem", "panels_paneldecision", "panels_panelaction",
]  # fmt: skip
