"""Access ends with the reason for it (issue #13 item 9): every agency grant on
a person has a live reason (rrcase.access.live_reasons), in the demo borough,
after real use, and `manage.py access_check` says so — or lists those without
one and exits 1.

The demo seed gave cohort partners access for every membership it made, ended
or not, with no source tying it to the membership (so nothing could end it),
and left six months of panel agendas' access in place: 46 of 216 police cohort
grants outlived their membership. The rule (cohort_deselect, referral close,
panel_access_review) was right; the seeds are fixed, and this is the check."""

from __future__ import annotations

from datetime import date
from io import StringIO

import pytest
import time_machine
from django.contrib.auth.models import User
from django.core.management import call_command
from django.core.management.base import CommandError

from offenders import selectors, services
from offenders.models import (
    CohortMembership,
    Involvement,
    InvolvementReason,
    Person,
    PersonGroupObjectPermission,
)
from rrcase.access.live_reasons import grants_without_live_reason
from rrcase.access.models import Agency
from rrcase.audit.models import AuditEvent

pytestmark = pytest.mark.django_db

TODAY = date(2026, 12, 4)


def user(username: str) -> User:
    return User.objects.get(username=username)


def agency(code: str) -> Agency:
    return Agency.objects.get(code=code)


def check(as_of: date = TODAY, *args: str) -> tuple[int, str]:
    out = StringIO()
    try:
        call_command("access_check", "--as-of", as_of.isoformat(), *args, stdout=out)
    except CommandError as error:
        return error.returncode, out.getvalue() + str(error)
    return 0, out.getvalue()


@pytest.fixture
def person(borough) -> Person:
    return services.person_create(
        reference="LR1",
        given_name="Lee",
        family_name="Reason",
        date_of_birth=date(1990, 1, 1),
        lead_agency=agency("probation"),
        by=None,
    )


@time_machine.travel(TODAY, tick=False)
def test_the_demo_borough_gives_every_grant_a_live_reason():
    call_command("seed_demo", stdout=StringIO())
    assert grants_without_live_reason(today=TODAY) == []
    assert check() == (0, "Every grant has a live reason on 04 December 2026.\n")
    # Police sees people through cohorts only while they are in one it partners.
    police = user("police")
    visible = selectors.person_list_for(police)
    assert visible.exists()
    for person in visible.exclude(lead_agency__code="police").prefetch_related(
        "cohort_memberships"
    ):
        live = [m.cohort for m in person.cohort_memberships.all() if m.end_date is None]
        reasons = set(
            Involvement.objects.filter(
                person=person, agency__code="police", ended_at__isnull=True
            ).values_list("reason", flat=True)
        )
        assert live or reasons - {"cohort"}, person.reference


@time_machine.travel(TODAY, tick=False)
def test_a_deselected_membership_takes_its_access_with_it(person):
    membership = services.cohort_adopt(
        person=person, cohort="iom", start_date=date(2026, 1, 1), reason="Matrix", by=None
    )
    assert selectors.person_list_for(user("police")).filter(pk=person.pk).exists()
    assert check()[0] == 0
    services.cohort_deselect(
        membership=membership, end_date=TODAY, reason="Completed", version=1, by=None
    )
    assert not selectors.person_list_for(user("police")).filter(pk=person.pk).exists()
    assert check()[0] == 0


@time_machine.travel(TODAY, tick=False)
def test_a_grant_that_outlives_its_membership_is_listed_and_can_be_ended(person):
    membership = services.cohort_adopt(
        person=person, cohort="iom", start_date=date(2026, 1, 1), reason="Matrix", by=None
    )
    # As the old seed left it: the membership ended, the access did not.
    CohortMembership.objects.filter(pk=membership.pk).update(end_date=date(2026, 6, 1))
    status, out = check()
    assert status == 1
    assert "LR1" in out
    assert f"police       cohort    cohort:{membership.pk}" in out
    assert f"probation    cohort    cohort:{membership.pk}" in out  # the other IOM partner
    assert "2 grant(s) without a live reason on 04 December 2026." in out
    # On the day before the membership ended, it was live.
    assert check(date(2026, 5, 31))[0] == 0

    police = agency("police")
    status, out = check(TODAY, "--end")
    assert status == 0
    assert "Ended 2 involvement(s) without a live reason." in out
    assert not selectors.person_list_for(user("police")).filter(pk=person.pk).exists()
    revoke = AuditEvent.objects.get(action="revoke", person_id=person.pk, recipient=police.name)
    assert "access_check --end" in revoke.justification
    # Probation, the lead agency, kept its access.
    assert selectors.person_list_for(user("probation")).filter(pk=person.pk).exists()


@time_machine.travel(TODAY, tick=False)
def test_each_kind_of_reason_is_checked(person, borough):
    police, housing, dwp = agency("police"), agency("housing"), agency("dwp")
    # A cohort involvement with no membership behind it (the old seed's blank source).
    services.involvement_start(
        person=person, agency=police, reason=InvolvementReason.COHORT, by=None, can_change=True
    )
    # A referral involvement whose referral does not exist / is not open.
    services.involvement_start(
        person=person,
        agency=housing,
        reason=InvolvementReason.REFERRAL,
        source="referral:999999",
        by=None,
    )
    # An explicit share is live until ended.
    services.involvement_start(person=person, agency=dwp, reason=InvolvementReason.SHARE, by=None)
    # A lead involvement for an agency that is no longer the lead.
    Person.objects.filter(pk=person.pk).update(lead_agency=police)
    # A grant row with no involvement at all.
    from guardian.shortcuts import get_perms_for_model  # noqa: F401 — guardian installed

    drugs = agency("drugs")
    view = PersonGroupObjectPermission.objects.filter(content_object=person).first().permission
    PersonGroupObjectPermission.objects.create(
        group_id=drugs.group_id, permission=view, content_object=person
    )

    found = {(row.agency, row.reason, row.why) for row in grants_without_live_reason(today=TODAY)}
    assert found == {
        ("police", "cohort", "no live membership of a cohort the agency is a partner of"),
        ("housing", "referral", "no open referral of the person to this agency"),
        ("probation", "lead", "not the person's lead agency"),
        ("drugs", "", "view_person grant with no active involvement"),
    }
    assert check()[0] == 1


@time_machine.travel(TODAY, tick=False)
def test_an_import_that_ends_a_membership_ends_the_access_it_gave(person, tmp_path):
    membership = services.cohort_adopt(
        person=person, cohort="iom", start_date=date(2026, 1, 1), reason="Matrix", by=None
    )
    directory = tmp_path / "in"
    directory.mkdir()
    (directory / "cohorts.csv").write_text(
        "person_ref,cohort,start_date,end_date,strand,mappa_category,mappa_level,reason\n"
        "LR1,iom,2026-01-01,2026-11-30,,,,Matrix\n"
    )
    call_command("import_data", str(directory), stdout=StringIO())
    assert CohortMembership.objects.get(pk=membership.pk).end_date == date(2026, 11, 30)
    assert not selectors.person_list_for(user("police")).filter(pk=person.pk).exists()
    assert check()[0] == 0
