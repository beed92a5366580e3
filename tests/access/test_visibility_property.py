"""Property: for any mix of agencies, involvements and restrictions, the people a
user sees are exactly those the sharing rules give them."""

from __future__ import annotations

from datetime import date

import pytest
from django.contrib.auth.models import User
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from offenders import selectors, services
from offenders.models import InvolvementReason, Person
from rrcase.access.models import Agency, Role

pytestmark = pytest.mark.django_db

AGENCY_CODES = ["police", "probation", "housing", "drugs", "council"]
VIEWERS = ["police", "probation", "probation2", "housing", "chair", "analyst", "dpo"]

person_spec = st.fixed_dictionaries(
    {
        "lead": st.sampled_from(["police", "probation"]),
        "involved": st.lists(
            st.tuples(
                st.sampled_from(AGENCY_CODES),
                st.sampled_from(list(InvolvementReason)),
                st.booleans(),
            ),
            max_size=3,
        ),
        "restricted_to": st.one_of(
            st.none(), st.lists(st.sampled_from(VIEWERS), max_size=2, unique=True)
        ),
    }
)


@settings(
    max_examples=40,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(specs=st.lists(person_spec, min_size=1, max_size=5))
def test_visible_set_equals_the_sharing_rules(borough, specs):
    Person.objects.all().delete()
    agencies = {a.code: a for a in Agency.objects.all()}
    users = {u.username: u for u in User.objects.select_related("membership__agency")}
    expected: dict[str, set[int]] = {name: set() for name in VIEWERS}

    for n, spec in enumerate(specs):
        person = services.person_create(
            reference=f"H{n:05d}",
            given_name="Prop",
            family_name=f"Case{n}",
            date_of_birth=date(1990, 1, 1),
            lead_agency=agencies[spec["lead"]],
            by=None,
        )
        # The model: an agency is granted while any (agency, reason) involvement is
        # active; the lead agency's own involvement is never ended here.
        active = {(spec["lead"], InvolvementReason.LEAD_AGENCY, "")}
        for code, reason, ended in spec["involved"]:
            services.involvement_start(
                person=person, agency=agencies[code], reason=reason, source=f"s{n}", by=None
            )
            active.add((code, reason, f"s{n}"))
            if ended:
                services.involvement_end(
                    person=person, agency=agencies[code], reason=reason, source=f"s{n}", by=None
                )
                active.discard((code, reason, f"s{n}"))
        granted = {code for code, _, _ in active}
        named = spec["restricted_to"]
        if named is not None:
            services.person_restrict(
                person=person,
                named_users=[users[name] for name in named],
                by=users["probation"],
                justification="property test",
            )
        for viewer in VIEWERS:
            user = users[viewer]
            reads_people = user.membership.role not in (Role.ANALYST, Role.SYSTEM_ADMIN)
            in_agency = user.membership.agency.code in granted
            allowed_if_restricted = named is None or viewer in named
            if reads_people and in_agency and allowed_if_restricted:
                expected[viewer].add(person.pk)

    for viewer in VIEWERS:
        seen = set(selectors.person_list_for(users[viewer]).values_list("pk", flat=True))
        assert seen == expected[viewer], viewer
