"""The person page: identity bar, sub navigation and one URL per tab. Each tab
loads the person through person_get_for (404 outsider, 403 not permitted, a
consultation in the audit trail) and then only what that tab shows."""

from __future__ import annotations

from typing import Any

from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone

import panels.selectors
import pathways.selectors
from rrcase.access.selectors import agency_of
from rrcase.audit.selectors import person_access_log_for

from .. import alerts, appointments_selectors, selectors
from ..models import Cohort, Person
from .access import person_role_required

TABS = [
    ("overview", "Overview", "offenders:person"),
    ("offending", "Offending", "offenders:person-offending"),
    ("sentence", "Sentence & compliance", "offenders:person-sentence"),
    ("pathways", "Pathways", "offenders:person-pathways"),
    ("panels", "Panels", "offenders:person-panels"),
    ("activity", "Activity", "offenders:person-activity"),
    ("access", "Access log", "offenders:person-access-log"),
]


def may_see_access_log(request: HttpRequest, person: Person) -> bool:
    agency = agency_of(request.user)
    return (agency is not None and agency.pk == person.lead_agency_id) or request.user.has_perm(
        "audit.view_audit_trail"
    )


def _page(
    request: HttpRequest,
    person: Person,
    tab: str,
    template: str,
    included_context: dict[str, Any] | None = None,
    **context: Any,
) -> HttpResponse:
    """Render a tab. `included_context` comes from another app's person_tab_context;
    the page's own names win where both set one."""
    today = timezone.localdate()
    memberships = context.pop("memberships", None) or selectors.current_memberships(person, today)
    mappa = next((m for m in memberships if m.cohort == Cohort.MAPPA), None)
    show_access_log = may_see_access_log(request, person)
    tabs = [
        {
            "key": key,
            "label": label,
            "href": reverse(url_name, args=[person.pk]),
            "current": key == tab,
        }
        for key, label, url_name in TABS
        if key != "access" or show_access_log
    ]
    return render(
        request,
        template,
        {
            **(included_context or {}),
            "person": person,
            "tab": tab,
            "tab_label": {k: label for k, label, _ in TABS}[tab],
            "tabs": tabs,
            "memberships": memberships,
            "mappa": mappa,
            "may_change": selectors.person_may_change(request.user, person),
            "today": today,
            **context,
        },
    )


@person_role_required
def overview(request: HttpRequest, person_id: int) -> HttpResponse:
    person = selectors.person_get_for(request.user, person_id)
    today = timezone.localdate()
    memberships = selectors.current_memberships(person, today)
    disposals = list(selectors.disposal_list_for(request.user, person))
    return _page(
        request,
        person,
        "overview",
        "offenders/person/overview.html",
        memberships=memberships,
        alerts=alerts.alerts_for(person.pk, today),
        last_brag=selectors.brag_latest_for(request.user, person),
        assessment=selectors.assessment_list_for(request.user, person).first(),
        disposals=disposals,
        reset=selectors.probation_reset_for(person, disposals, memberships, today),
        reset_exemptions=selectors.reset_exemptions(person, memberships),
        overlap=len({m.cohort for m in memberships}) > 1,
        may_merge=selectors.person_may_merge(request.user, person),
        appointments=appointments_selectors.person_upcoming_for(request.user, person),
        now=timezone.now(),
    )


@person_role_required
def offending(request: HttpRequest, person_id: int) -> HttpResponse:
    person = selectors.person_get_for(request.user, person_id)
    return _page(
        request,
        person,
        "offending",
        "offenders/person/offending.html",
        offences=selectors.offence_list_for(request.user, person),
    )


@person_role_required
def sentence(request: HttpRequest, person_id: int) -> HttpResponse:
    person = selectors.person_get_for(request.user, person_id)
    return _page(
        request,
        person,
        "sentence",
        "offenders/person/sentence.html",
        disposals=selectors.disposal_list_for(request.user, person),
        contacts=selectors.contact_list_for(request.user, person),
        enforcements=selectors.enforcement_list_for(request.user, person),
        assessments=selectors.assessment_list_for(request.user, person),
        all_memberships=person.cohort_memberships.order_by("-start_date"),
    )


@person_role_required
def pathways_tab(request: HttpRequest, person_id: int) -> HttpResponse:
    person = selectors.person_get_for(request.user, person_id)
    return _page(
        request,
        person,
        "pathways",
        "offenders/person/included_tab.html",
        included="pathways/person_tab.html",
        included_context=pathways.selectors.person_tab_context(request.user, person),
    )


@person_role_required
def panels_tab(request: HttpRequest, person_id: int) -> HttpResponse:
    person = selectors.person_get_for(request.user, person_id)
    return _page(
        request,
        person,
        "panels",
        "offenders/person/included_tab.html",
        included="panels/person_tab.html",
        included_context=panels.selectors.person_tab_context(request.user, person),
    )


@person_role_required
def activity(request: HttpRequest, person_id: int) -> HttpResponse:
    person = selectors.person_get_for(request.user, person_id)
    chosen = frozenset(k for k in request.GET.getlist("kind") if k in selectors.TIMELINE_KINDS)
    timeline = selectors.person_timeline_for(request.user, person, kinds=chosen or None)
    # Years of monthly contacts make a long page: 50 items at a time, newest first.
    page = Paginator(timeline, 50).get_page(request.GET.get("page"))
    return _page(
        request,
        person,
        "activity",
        "offenders/person/activity.html",
        items=page.object_list,
        page=page,
        kinds=[
            {"value": k, "label": label, "checked": k in chosen}
            for k, label in selectors.TIMELINE_KINDS.items()
        ],
    )


@person_role_required
def access_log(request: HttpRequest, person_id: int) -> HttpResponse:
    person = selectors.person_get_for(request.user, person_id)
    events = person_access_log_for(request.user, person)  # 403 unless lead agency / auditor
    page = Paginator(events, 50).get_page(request.GET.get("page"))
    return _page(request, person, "access", "offenders/person/access_log.html", page=page)
