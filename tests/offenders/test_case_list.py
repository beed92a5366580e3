"""The case list: tabs, filters, sorting, pagination and search without names in URLs."""

from __future__ import annotations

from datetime import date, timedelta
from urllib.parse import parse_qs, urlsplit

import pytest
from django.utils import timezone

from offenders import services
from offenders.models import Brag, Cohort, Person
from rrcase.audit.models import AuditEvent

from .conftest import user

pytestmark = pytest.mark.django_db


def test_a_practitioner_sees_the_people_their_agency_can_see(sign_in, person, make_person):
    from rrcase.access.models import Agency

    make_person(given_name="Hidden", family_name="Elsewhere",
                lead_agency=Agency.objects.get(code="police"))  # fmt: skip
    response = sign_in("probation").get("/cases/?tab=all")
    assert response.status_code == 200
    body = response.content.decode()
    assert "WHITFIELD, Jordan" in body
    assert "Elsewhere" not in body
    assert "Showing 1 to 1 of 1 person" in body
    # The name links to the person page.
    assert f'href="/people/{person.pk}/"' in body


def test_analyst_and_system_admin_get_403(sign_in, person):
    for username in ("analyst", "sysadmin"):
        assert sign_in(username).get("/cases/").status_code == 403
        assert sign_in(username).post("/cases/search/", {"term": "jor"}).status_code == 403


def test_an_outsider_agency_sees_an_empty_list(sign_in, person):
    body = sign_in("housing").get("/cases/?tab=all").content.decode()
    assert "Whitfield" not in body
    assert "No people found" in body


def test_caseload_tab_is_my_people_and_agency_tab_my_agencys(sign_in, make_person):
    mine = make_person(family_name="Mine", offender_manager=user("probation"))
    spoc = make_person(family_name="Spoc", police_spoc=user("probation"))
    theirs = make_person(family_name="Colleagues", offender_manager=user("probation2"))
    client = sign_in("probation")
    caseload = client.get("/cases/?tab=caseload").content.decode()
    assert "MINE" in caseload
    assert "SPOC" in caseload
    assert "COLLEAGUES" not in caseload
    agency = client.get("/cases/?tab=agency").content.decode()
    assert all(p.family_name.upper() in agency for p in (mine, spoc, theirs))


def test_search_by_partial_name_reference_or_pnc_without_the_term_in_the_url(
    sign_in, person, make_person
):
    make_person(given_name="Alex", family_name="Brown", reference="N555555", pnc_id="99/111111Z")
    client = sign_in("probation")
    for term in ("jor whit", "Whitf", "N9000", "12/3456", "  WHIT  "):
        response = client.post("/cases/search/", {"term": term, "tab": "all"})
        assert response.status_code == 302
        location = response["Location"]
        # Only the tab and an opaque id: the term stays in the server-side
        # session. (The id is random, so a short run like "12" may turn up in
        # it by chance; the whole term never does, and nothing else is sent.)
        query = parse_qs(urlsplit(location).query)
        assert set(query) == {"tab", "search"}
        search_id = query["search"][0]
        assert client.session["case_searches"][search_id] == term.strip()
        assert term.strip().lower() not in location.lower()
        body = client.get(location).content.decode()
        assert "WHITFIELD, Jordan" in body, term
        assert "BROWN" not in body, term
    event = AuditEvent.objects.filter(action="consult", details__search="Whitf").get()
    assert event.actor_username == "probation"


def test_search_tolerates_query_syntax_and_finds_nothing_for_gibberish(sign_in, person):
    client = sign_in("probation")
    for term in ("!!! & | :*", "zzzz", "o'brien"):
        location = client.post("/cases/search/", {"term": term, "tab": "all"})["Location"]
        response = client.get(location)
        assert response.status_code == 200
        assert "WHITFIELD" not in response.content.decode()


def test_a_search_id_from_another_session_shows_nothing(sign_in, client, person):
    location = sign_in("probation").post("/cases/search/", {"term": "whit", "tab": "all"})[
        "Location"
    ]
    client.logout()
    other = sign_in("probation2")
    body = other.get(location).content.decode()
    # An unknown search id is ignored: the plain list, not someone else's search.
    assert "Showing matches" not in body


def test_filters_narrow_the_list(sign_in, make_person):
    red = make_person(family_name="Redperson")
    services.brag_change(person=red, status=Brag.RED, reason="Offending", version=red.version,
                         by=user("probation"))  # fmt: skip
    mappa = make_person(family_name="Mappaperson")
    services.cohort_adopt(person=mappa, cohort=Cohort.MAPPA, start_date=date(2025, 1, 1),
                          reason="Cat 2", mappa_category=2, mappa_level=2,
                          by=user("probation"))  # fmt: skip
    client = sign_in("probation")
    by_brag = client.get("/cases/?tab=all&brag=red").content.decode()
    assert "REDPERSON" in by_brag
    assert "MAPPAPERSON" not in by_brag
    assert "Remove this filter" in by_brag
    by_level = client.get("/cases/?tab=all&mappa_level=2").content.decode()
    assert "MAPPAPERSON" in by_level
    assert "REDPERSON" not in by_level
    by_cohort = client.get("/cases/?tab=all&cohort=mappa").content.decode()
    assert "MAPPAPERSON" in by_cohort
    assert "REDPERSON" not in by_cohort
    by_alert = client.get("/cases/?tab=all&alert=multiple_cohorts").content.decode()
    assert "No people found" in by_alert


def test_release_filter(sign_in, make_person):
    soon = make_person(family_name="Soon", custody_status="in_custody",
                       expected_release_date=timezone.localdate() + timedelta(days=10))  # fmt: skip
    make_person(family_name="Later", custody_status="in_custody",
                expected_release_date=timezone.localdate() + timedelta(days=60))  # fmt: skip
    body = sign_in("probation").get("/cases/?tab=all&release=on").content.decode()
    assert soon.family_name.upper() in body
    assert "LATER" not in body


def test_lead_agency_options_only_name_what_the_user_can_see(sign_in, make_person):
    from rrcase.access.models import Agency

    make_person(lead_agency=Agency.objects.get(code="police"), offender_manager=user("police"))
    make_person(offender_manager=user("probation2"))
    body = sign_in("probation").get("/cases/?tab=all").content.decode()
    # Probation leads a visible person: offered as a filter.
    assert 'checkboxes__label" for="id_lead_agency_0">Probation Service Northbridge' in body
    assert "Northbridge Police" not in body  # police's person is not visible to probation
    # Offender managers are typed, never listed: the only staff names on the
    # page are those of visible people's managers, in their rows.
    assert "Morgan Ellery" in body
    assert "Jesse Tarrant" not in body


def test_offender_manager_filter_takes_a_typed_name(sign_in, make_person):
    from rrcase.access.models import Agency

    make_person(family_name="Managed", offender_manager=user("probation2"))  # Morgan Ellery
    make_person(family_name="Other", offender_manager=user("probation"))  # Rowan Ashdown
    make_person(family_name="Police", lead_agency=Agency.objects.get(code="police"),
                offender_manager=user("police"))  # fmt: skip
    client = sign_in("probation")
    body = client.get("/cases/?tab=all&offender_manager=morgan+ell").content.decode()
    assert "MANAGED" in body
    assert "OTHER" not in body
    # The selected filter shows what was typed, as a tag that removes it.
    assert "Remove this filter</span> morgan ell" in body
    # A name of someone managing only people the user cannot see finds nothing.
    police = client.get("/cases/?tab=all&offender_manager=Jesse").content.decode()
    assert "POLICE" not in police
    assert "No people found" in police


def test_sorting_is_whitelisted_and_server_side(sign_in, make_person):
    make_person(family_name="Aardvark", reference="Z1")
    make_person(family_name="Zebra", reference="A1")
    client = sign_in("probation")
    by_name = client.get("/cases/?tab=all&sort=name").content.decode()
    assert by_name.index("AARDVARK") < by_name.index("ZEBRA")
    assert 'aria-sort="ascending"' in by_name
    by_ref = client.get("/cases/?tab=all&sort=reference").content.decode()
    assert by_ref.index("ZEBRA") < by_ref.index("AARDVARK")
    desc = client.get("/cases/?tab=all&sort=name&order=desc").content.decode()
    assert desc.index("ZEBRA") < desc.index("AARDVARK")
    assert 'aria-sort="descending"' in desc
    # Anything else falls back to the name order rather than reaching the ORM.
    assert client.get("/cases/?tab=all&sort=password").status_code == 200


def test_a_count_past_the_cap_says_more_than(sign_in, make_person, monkeypatch):
    """Counting 200,000 visible people costs a scan of them all on every page
    view, so the count stops at a cap (rrcase.core.pagination)."""
    from rrcase.core import pagination

    monkeypatch.setattr(pagination, "COUNT_CAP", 26)
    for n in range(30):
        make_person(family_name=f"Person{n:02d}")
    client = sign_in("probation")
    first = client.get("/cases/?tab=all").content.decode()
    assert "Showing 1 to 25 of more than 26 people" in first
    assert "Search or filter to narrow the list" in first
    narrowed = client.get("/cases/?tab=all&brag=red").content.decode()
    assert "of more than" not in narrowed


def test_pagination_shows_25_and_the_count(sign_in, make_person):
    for n in range(30):
        make_person(family_name=f"Person{n:02d}")
    client = sign_in("probation")
    first = client.get("/cases/?tab=all").content.decode()
    assert "Showing 1 to 25 of 30 people" in first
    assert "govuk-pagination" in first
    second = client.get("/cases/?tab=all&page=2").content.decode()
    assert "Showing 26 to 30 of 30 people" in second


def test_restricted_records_are_counted_not_shown(sign_in, make_person):
    hidden = make_person(family_name="Secret")
    make_person(family_name="Secret2")
    for p in Person.objects.filter(family_name__startswith="Secret"):
        services.person_restrict(person=p, named_users=[user("probation")], by=user("probation"),
                                 justification="Staff member's relative")  # fmt: skip
    body = sign_in("probation2").get("/cases/?tab=all").content.decode()
    assert "SECRET" not in body
    assert "2 restricted records are hidden. Ask the lead agency." in body
    assert hidden.pk


@pytest.mark.parametrize("people", [5, 50])
def test_case_list_query_count_is_constant(sign_in, make_person, people,
                                           django_assert_max_num_queries):  # fmt: skip
    """Guards N+1 on lead agency, offender manager and current cohorts per row."""
    for n in range(people):
        p = make_person(family_name=f"Q{n:03d}", offender_manager=user("probation"))
        services.cohort_adopt(person=p, cohort=Cohort.IOM, start_date=date(2025, 1, 1),
                              reason="Matrix", strand="fixed", by=None)  # fmt: skip
    client = sign_in("probation")
    with django_assert_max_num_queries(16):
        response = client.get("/cases/?tab=all&cohort=iom&alert=release_soon&sort=brag")
    assert response.status_code == 200
    with django_assert_max_num_queries(16):
        assert client.get("/cases/?tab=caseload").status_code == 200


def test_viewing_the_list_is_a_consultation_of_the_people_on_it(sign_in, make_person):
    shown = make_person(family_name="Shown")
    services.brag_change(person=shown, status=Brag.RED, reason="Offending",
                         version=shown.version, by=user("probation"))  # fmt: skip
    make_person(family_name="Filtered")
    sign_in("probation").get("/cases/?tab=all&brag=red")
    event = AuditEvent.objects.filter(details__object="offenders.case_list").latest("id")
    assert event.actor_username == "probation"
    assert event.action == "consult"
    assert event.details["people"] == [shown.pk]
    assert event.details["query"]["brag"] == ["red"]
