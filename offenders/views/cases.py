"""The case list: find people. Search terms never go in the URL (SECURITY.md):
the search form posts, the term is kept in the session under an opaque id,
and the list is addressed as /cases/?search=<id>."""

from __future__ import annotations

import secrets
from typing import Any

from django.contrib import messages
from django.contrib.auth.models import User
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.utils.http import urlencode
from django.views.decorators.http import require_POST

from rrcase.access.roles import PERSON_READ_ROLES
from rrcase.access.selectors import role_of
from rrcase.audit.models import Action
from rrcase.audit.services import audit_people_listed, audit_record
from rrcase.core.pagination import CappedPaginator

from .. import selectors
from ..forms import CaseFilterForm, CaseSearchForm

PAGE_SIZE = 25
SEARCHES_KEPT = 20
SESSION_SEARCHES = "case_searches"


def _require_person_reader(request: HttpRequest) -> User:
    """Analysts and system admins never see people's records (DESIGN.md). The
    refusal is audited by rrcase.audit.denials."""
    user = request.user
    if role_of(user) not in PERSON_READ_ROLES:
        raise PermissionDenied("Your role cannot see people's records.")
    assert isinstance(user, User)  # noqa: S101 - signed in: LoginRequiredMiddleware
    return user


def _search_term(request: HttpRequest, search_id: str) -> str:
    searches: dict[str, str] = request.session.get(SESSION_SEARCHES, {})
    return searches.get(search_id, "")


# The list's own query parameters (and its filters'). Anything else, such as a
# name in ?q= or ?name=, is dropped by a redirect before anything is listed:
# only the posted search searches, so no name stays in a URL (SECURITY.md).
LIST_PARAMETERS = frozenset({"tab", "sort", "order", "page", "search"})
NO_SEARCH_BY_URL = (
    "Use the search box to find someone: names are not kept in web addresses, so a search "
    "in the address was not run"
)


def _without_stray_parameters(request: HttpRequest) -> HttpResponseRedirect | None:
    """A redirect to the list without parameters it does not take (and without a
    search id this session does not hold), or None when there are none."""
    allowed = LIST_PARAMETERS | set(CaseFilterForm.base_fields)
    search_id = request.GET.get("search", "")
    unknown_search = bool(search_id) and not _search_term(request, search_id)
    stray = [name for name in request.GET if name not in allowed]
    if not stray and not unknown_search:
        return None
    kept = [
        (name, value)
        for name, values in request.GET.lists()
        if name in allowed and not (name == "search" and unknown_search)
        for value in values
    ]
    if stray:
        messages.info(request, NO_SEARCH_BY_URL)
    query = f"?{urlencode(kept)}" if kept else ""
    return HttpResponseRedirect(reverse("offenders:case-list") + query)


def case_list(request: HttpRequest) -> HttpResponse:
    user = _require_person_reader(request)
    redirect = _without_stray_parameters(request)
    if redirect is not None:
        return redirect
    tab = request.GET.get("tab", "caseload")
    if tab not in selectors.CASE_TABS:
        tab = "caseload"
    sort = request.GET.get("sort", "name")
    if sort not in selectors.CASE_SORTS:
        sort = "name"
    descending = request.GET.get("order") == "desc"
    search_id = request.GET.get("search", "")
    term = _search_term(request, search_id) if search_id else ""

    choices = selectors.case_filter_choices_for(user)
    filter_form = CaseFilterForm(request.GET, choices=choices)
    filters = filter_form.filters() if filter_form.is_valid() else selectors.CaseFilters()

    people = selectors.case_list_for(
        user, tab=tab, filters=filters, search=term, sort=sort, descending=descending
    )
    page = CappedPaginator(people, PAGE_SIZE).get_page(request.GET.get("page"))
    audit_list_consulted(
        request, "offenders.case_list", page, LIST_PARAMETERS | set(CaseFilterForm.base_fields)
    )
    return render(
        request,
        "offenders/case_list.html",
        {
            "tabs": [
                {
                    "key": key,
                    "label": label,
                    "href": "?"
                    + urlencode({"tab": key, **({"search": search_id} if term else {})}),
                }
                for key, label in selectors.CASE_TABS.items()
            ],
            "tab": tab,
            "sort": sort,
            "descending": descending,
            "columns": _columns(sort, descending),
            "search_id": search_id if term else "",
            "search_form": CaseSearchForm(initial={"term": term}),
            "term": term,
            "filter_form": filter_form,
            "selected_filters": filter_form.selected() if filter_form.is_valid() else [],
            "page": page,
            "restricted_hidden": selectors.person_restricted_hidden_count_for(user),
        },
    )


def _columns(sort: str, descending: bool) -> list[dict[str, Any]]:
    columns = [
        ("name", "Name"),
        ("reference", "Reference"),
        (None, "Cohorts"),
        ("brag", "BRAG"),
        ("rosh", "RoSH"),
        (None, "Lead agency"),
    ]
    out = []
    for key, label in columns:
        current = key == sort
        out.append(
            {
                "key": key,
                "label": label,
                "aria_sort": ("descending" if descending else "ascending") if current else "none",
                "order": "asc" if current and descending else ("desc" if current else "asc"),
            }
        )
    return out


def audit_list_consulted(
    request: HttpRequest, name: str, page: Any, parameters: frozenset[str]
) -> None:
    """The people on a list page, as one consultation (the search term is in
    the search's own event). Only the `parameters` the page takes are recorded:
    anything else in the address (a name in ?q=) was not used, and is not kept."""
    audit_people_listed(
        actor=request.user,
        listed=name,
        person_ids=[person.pk for person in page],
        query={k: v for k, v in request.GET.lists() if k in parameters and k != "search"},
        search_id=request.GET.get("search", "") if "search" in parameters else "",
    )


@require_POST
def case_search(request: HttpRequest) -> HttpResponse:
    """Keep the term server-side and show the list for its opaque id. Every
    search is a consultation in the audit trail, term included (the trail is
    readable only with the audit permission)."""
    user = _require_person_reader(request)
    form = CaseSearchForm(request.POST)
    # A search looks through everyone the user can see, whichever tab it came from.
    tab = "all"
    if not form.is_valid() or not form.cleaned_data["term"].strip():
        return HttpResponseRedirect(reverse("offenders:case-list") + "?" + urlencode({"tab": tab}))
    term = form.cleaned_data["term"].strip()
    search_id = secrets.token_urlsafe(9)
    searches: dict[str, str] = dict(request.session.get(SESSION_SEARCHES, {}))
    searches[search_id] = term
    request.session[SESSION_SEARCHES] = dict(list(searches.items())[-SEARCHES_KEPT:])
    audit_record(
        action=Action.CONSULT,
        actor=user,
        details={"search": term, "search_id": search_id, "object": "offenders.case_list"},
    )
    return HttpResponseRedirect(
        reverse("offenders:case-list") + "?" + urlencode({"tab": tab, "search": search_id})
    )
