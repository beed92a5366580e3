"""About 400 synthetic people with three years of history for the demo borough.

Deterministic (seeded) and anchored on the day it runs, so alerts such as
"released in the next 28 days" always have cases. Every name is a random
pairing from lists of common names: no real person is described.
"""

from __future__ import annotations

import random
from collections.abc import Sequence
from datetime import date, datetime, time, timedelta
from decimal import Decimal

from django.db import transaction
from django.utils import timezone

from rrcase.access.models import Agency
from rrcase.dates import add_months

from . import services
from .models import (
    AccommodationStatus,
    Brag,
    BragChange,
    Cohort,
    CohortMembership,
    Contact,
    ContactKind,
    ContactOutcome,
    CustodyStatus,
    Disposal,
    DisposalType,
    DrugTestResult,
    EmploymentStatus,
    Enforcement,
    EnforcementKind,
    Gender,
    InvolvementReason,
    IomStrand,
    Offence,
    OffenceCategory,
    OffenceOutcome,
    Person,
    RiskAssessment,
    Rosh,
)

PEOPLE = 400
SEED = 20261124

GIVEN_MALE = [
    "Aaron", "Adam", "Ben", "Callum", "Connor", "Craig", "Daniel", "Darren", "Dean", "Ethan",
    "Jamal", "Jake", "Jordan", "Kai", "Kieran", "Lee", "Liam", "Marcus", "Mohammed", "Nathan",
    "Oliver", "Reece", "Ryan", "Scott", "Shane", "Tariq", "Tom", "Tyler", "Wayne", "Zain",
]  # fmt: skip
GIVEN_FEMALE = [
    "Amy", "Chloe", "Danielle", "Emma", "Gemma", "Jade", "Kayleigh", "Leah", "Natalie", "Shannon",
]  # fmt: skip
FAMILY = [
    "Abbott", "Ahmed", "Barker", "Bennett", "Brooks", "Carter", "Clarke", "Cole", "Dawson",
    "Doyle", "Ellis", "Fletcher", "Foster", "Grant", "Harper", "Hayes", "Hughes", "Hussain",
    "Jennings", "Kaur", "Kelly", "Lawson", "Marsh", "Mensah", "Murphy", "Nolan", "Osei", "Owen",
    "Palmer", "Pearce", "Quinn", "Reid", "Rowe", "Shah", "Sutton", "Thornton", "Walsh", "Webb",
    "Wells", "Yates",
]  # fmt: skip
ETHNICITIES = [
    ("White British", 58), ("White other", 8), ("Black Caribbean", 9), ("Black African", 7),
    ("Asian Pakistani", 5), ("Asian Bangladeshi", 3), ("Asian Indian", 2), ("Mixed", 6),
    ("Other", 1), ("Not stated", 1),
]  # fmt: skip
CATEGORY_WEIGHTS = [
    (OffenceCategory.SHOPLIFTING, 18), (OffenceCategory.OTHER_THEFT, 8),
    (OffenceCategory.DOMESTIC_BURGLARY, 7), (OffenceCategory.NON_DOMESTIC_BURGLARY, 4),
    (OffenceCategory.VEHICLE_THEFT, 4), (OffenceCategory.THEFT_FROM_VEHICLE, 5),
    (OffenceCategory.THEFT_FROM_PERSON, 3), (OffenceCategory.ROBBERY, 4),
    (OffenceCategory.VIOLENCE_WITH_INJURY, 8), (OffenceCategory.VIOLENCE_WITHOUT_INJURY, 9),
    (OffenceCategory.CRIMINAL_DAMAGE, 6), (OffenceCategory.DRUG_POSSESSION, 9),
    (OffenceCategory.DRUG_SUPPLY, 3), (OffenceCategory.PUBLIC_ORDER, 5),
    (OffenceCategory.POSSESSION_OF_WEAPONS, 3), (OffenceCategory.FRAUD, 2),
    (OffenceCategory.MOTORING, 3), (OffenceCategory.SEXUAL_OFFENCE, 1),
    (OffenceCategory.ARSON, 1), (OffenceCategory.OTHER, 2),
]  # fmt: skip


def _pick(rng: random.Random, weighted: Sequence[tuple[str, float]]) -> str:
    values, weights = zip(*weighted, strict=True)
    return rng.choices(values, weights=weights, k=1)[0]


def _day(rng: random.Random, start: date, end: date) -> date:
    return start + timedelta(days=rng.randrange(max(1, (end - start).days)))


def seed(today: date | None = None) -> None:
    if Person.objects.filter(reference__startswith="N").exists():
        return
    today = today or timezone.localdate()
    rng = random.Random(SEED)
    agencies = {agency.code: agency for agency in Agency.objects.all()}
    with transaction.atomic():
        _seed(rng, today, agencies)


def _seed(rng: random.Random, today: date, agencies: dict[str, Agency]) -> None:
    from django.contrib.auth import get_user_model

    users = {u.username: u for u in get_user_model().objects.filter(
        username__in=["probation", "probation2", "police"])}  # fmt: skip
    start_of_history = add_months(today, -36)
    by_kind = {agency.kind: agency for agency in agencies.values()}

    people: list[Person] = []
    for n in range(PEOPLE):
        gender = Gender.FEMALE if rng.random() < 0.12 else Gender.MALE
        given = rng.choice(GIVEN_FEMALE if gender == Gender.FEMALE else GIVEN_MALE)
        dob = _day(rng, date(1968, 1, 1), date(2007, 12, 31))
        young = today.year - dob.year < 18
        lead = "yos" if young else ("police" if rng.random() < 0.2 else "probation")
        people.append(
            Person(
                reference=f"N{100001 + n}",
                pnc_id=f"{rng.randint(1985, 2024) % 100:02d}/{rng.randint(100000, 999999)}{chr(65 + rng.randrange(26))}",
                nomis_number=f"A{rng.randint(1000, 9999)}{chr(65 + rng.randrange(26))}{chr(65 + rng.randrange(26))}",
                given_name=given,
                family_name=rng.choice(FAMILY),
                date_of_birth=dob,
                gender=gender,
                ethnicity=str(_pick(rng, ETHNICITIES)),
                lead_agency=agencies[lead],
                offender_manager=(
                    users["probation"]
                    if lead == "probation" and n % 3 == 0
                    else users["probation2"]
                    if lead == "probation" and n % 3 == 1
                    else None
                ),
                police_spoc=users["police"] if n % 4 == 0 else None,
            )
        )
    Person.objects.bulk_create(people, batch_size=1000)

    memberships: list[CohortMembership] = []
    offences: list[Offence] = []
    disposals: list[Disposal] = []
    assessments: list[RiskAssessment] = []
    brags: list[BragChange] = []
    contacts: list[Contact] = []
    enforcements: list[Enforcement] = []
    grants: list[tuple[Person, Agency, InvolvementReason, bool]] = []

    for person in people:
        grants.append((person, person.lead_agency, InvolvementReason.LEAD_AGENCY, True))
        # Cohorts: IOM is the largest; some overlap with DIP, PPO, MAPPA.
        cohorts: list[str] = []
        if rng.random() < 0.5:
            cohorts.append(Cohort.IOM)
        for extra, chance in ((Cohort.PPO, 0.1), (Cohort.DIP, 0.15), (Cohort.MAPPA, 0.08),
                              (Cohort.SGV, 0.05), (Cohort.ASB, 0.04)):  # fmt: skip
            if rng.random() < chance:
                cohorts.append(extra)
        for cohort in cohorts:
            start = _day(rng, start_of_history, today - timedelta(days=20))
            ended = rng.random() < 0.25
            end = (
                _day(rng, start + timedelta(days=30), today)
                if ended and (today - start).days > 40
                else None
            )
            memberships.append(
                CohortMembership(
                    person=person,
                    cohort=cohort,
                    start_date=start,
                    end_date=end,
                    strand=str(_pick(rng, [(IomStrand.FIXED, 5), (IomStrand.FLEX, 3), (IomStrand.FREE, 2)]))
                    if cohort == Cohort.IOM else "",
                    mappa_category=rng.choice([1, 2, 2, 3]) if cohort == Cohort.MAPPA else None,
                    mappa_level=rng.choice([1, 1, 2, 2, 3]) if cohort == Cohort.MAPPA else None,
                    selection_reason="Selected at IOM panel on the selection matrix score"
                    if cohort == Cohort.IOM else "Meets the scheme's eligibility criteria",
                    deselection_reason="Engaged well and completed order" if end else "",
                )
            )  # fmt: skip

        # Offending over the last three years and a little before.
        for k in range(rng.choice([1, 2, 3, 4, 5, 6, 8, 10, 14])):
            offence_date = _day(rng, add_months(today, -48), today - timedelta(days=5))
            outcome = _pick(rng, [(OffenceOutcome.CONVICTION, 60), (OffenceOutcome.CAUTION, 12),
                                  (OffenceOutcome.NFA, 12), (OffenceOutcome.PENDING, 10),
                                  (OffenceOutcome.ACQUITTED, 6)])  # fmt: skip
            outcome_date = None
            if outcome != OffenceOutcome.PENDING:
                outcome_date = min(offence_date + timedelta(days=rng.randint(10, 240)), today)
            offences.append(
                Offence(
                    person=person,
                    reference=f"{person.reference}-O{k + 1:02d}",
                    offence_date=offence_date,
                    category=str(_pick(rng, CATEGORY_WEIGHTS)),
                    outcome=str(outcome),
                    outcome_date=outcome_date,
                )
            )

        # Sentences: a custodial sentence followed by licence, or a community order.
        kind = rng.random()
        if kind < 0.45:
            start = _day(rng, add_months(today, -30), today - timedelta(days=60))
            # Some are still in custody with a release in the coming weeks.
            release = start + timedelta(days=rng.randint(60, 900))
            in_custody = release > today
            licence_end = add_months(release, rng.choice([6, 12, 18, 24]))
            disposals.append(Disposal(person=person, reference=f"{person.reference}-D1",
                                      type=DisposalType.CUSTODY, start_date=start, release_date=release,
                                      end_date=licence_end))  # fmt: skip
            if in_custody:
                person.custody_status = CustodyStatus.IN_CUSTODY
                person.prison = "HMP Northbridge"
                person.expected_release_date = release
            else:
                terminated = licence_end if licence_end <= today else None
                disposals.append(
                    Disposal(
                        person=person, reference=f"{person.reference}-D2", type=DisposalType.LICENCE,
                        start_date=release, end_date=licence_end, terminated_date=terminated,
                        supervised_by_probation=True,
                        accommodation_at_end=str(_pick(rng, [(AccommodationStatus.SETTLED, 6),
                            (AccommodationStatus.UNSETTLED, 2), (AccommodationStatus.NFA, 1),
                            (AccommodationStatus.UNKNOWN, 1)])) if terminated else AccommodationStatus.UNKNOWN,
                        employment_at_end=str(_pick(rng, [(EmploymentStatus.EMPLOYED, 3),
                            (EmploymentStatus.UNEMPLOYED, 5), (EmploymentStatus.UNAVAILABLE, 1),
                            (EmploymentStatus.UNKNOWN, 1)])) if terminated else EmploymentStatus.UNKNOWN,
                    )
                )  # fmt: skip
        elif kind < 0.85:
            start = _day(rng, add_months(today, -30), today + timedelta(days=20))
            end = add_months(start, rng.choice([12, 18, 24]))
            terminated = end if end <= today else None
            disposals.append(
                Disposal(
                    person=person, reference=f"{person.reference}-D1",
                    type=rng.choice([DisposalType.COMMUNITY_ORDER, DisposalType.SUSPENDED_SENTENCE_ORDER]),
                    start_date=start, end_date=end, terminated_date=terminated,
                    supervised_by_probation=True, has_rar=rng.random() < 0.7,
                    accommodation_at_end=str(_pick(rng, [(AccommodationStatus.SETTLED, 7),
                        (AccommodationStatus.UNSETTLED, 2), (AccommodationStatus.UNKNOWN, 1)]))
                    if terminated else AccommodationStatus.UNKNOWN,
                    employment_at_end=str(_pick(rng, [(EmploymentStatus.EMPLOYED, 4),
                        (EmploymentStatus.UNEMPLOYED, 4), (EmploymentStatus.UNKNOWN, 1)]))
                    if terminated else EmploymentStatus.UNKNOWN,
                )
            )  # fmt: skip
        else:
            start = _day(rng, add_months(today, -30), today)
            disposals.append(Disposal(person=person, reference=f"{person.reference}-D1",
                                      type=rng.choice([DisposalType.FINE, DisposalType.CAUTION,
                                                       DisposalType.DISCHARGE]),
                                      start_date=start))  # fmt: skip

        # Risk assessments.
        ogrs = rng.randint(10, 95)
        rosh = str(
            _pick(rng, [(Rosh.LOW, 3), (Rosh.MEDIUM, 5), (Rosh.HIGH, 2), (Rosh.VERY_HIGH, 0.3)])
        )
        for months_ago in (rng.randint(13, 30), rng.randint(1, 12)):
            assessments.append(
                RiskAssessment(
                    person=person,
                    assessed_on=add_months(today, -months_ago),
                    rosh=rosh,
                    ogrs3_1y=max(1, ogrs - 15),
                    ogrs3_2y=ogrs,
                    ovp_2y=rng.randint(5, 80),
                    predicted_3m=Decimal(str(round(rng.uniform(0.03, 0.45), 4))) if rng.random() < 0.6 else None,
                )
            )  # fmt: skip
        person.rosh = rosh

        # BRAG history for cohort members.
        if cohorts:
            status = Brag.BLUE if person.custody_status == CustodyStatus.IN_CUSTODY else str(
                _pick(rng, [(Brag.RED, 2), (Brag.AMBER, 4), (Brag.GREEN, 4)]))  # fmt: skip
            when = timezone.make_aware(
                datetime.combine(_day(rng, add_months(today, -3), today), time(10))
            )
            brags.append(BragChange(person=person, status=status, changed_at=when,
                                    changed_by=users["police"],
                                    reason={"red": "Further offending and missed appointments",
                                            "amber": "Some concern: lapse in engagement",
                                            "green": "Engaging with all appointments",
                                            "blue": "Remanded / serving a custodial sentence"}[status]))  # fmt: skip
            person.brag = status

        # Contacts over the last year.
        if person.custody_status != CustodyStatus.IN_CUSTODY and rng.random() < 0.85:
            for _ in range(rng.randint(2, 12)):
                contact_kind = _pick(rng, [(ContactKind.APPOINTMENT, 6), (ContactKind.HOME_VISIT, 2),
                                           (ContactKind.PHONE, 2), (ContactKind.DRUG_TEST, 1),
                                           (ContactKind.JOINT_HOME_VISIT, 1)])  # fmt: skip
                outcome = _pick(rng, [(ContactOutcome.ATTENDED, 7), (ContactOutcome.MISSED_ACCEPTABLE, 1),
                                      (ContactOutcome.MISSED_UNACCEPTABLE, 1.5),
                                      (ContactOutcome.RESCHEDULED, 0.5)])  # fmt: skip
                is_test = contact_kind == ContactKind.DRUG_TEST
                positive = is_test and rng.random() < 0.4
                contacts.append(
                    Contact(
                        person=person, kind=str(contact_kind),
                        occurred_on=_day(rng, add_months(today, -12), today),
                        outcome=str(outcome),
                        agency=agencies["police" if contact_kind == ContactKind.HOME_VISIT else "probation"],
                        recorded_by=users["police" if contact_kind == ContactKind.HOME_VISIT else "probation"],
                        drug_test_result=(DrugTestResult.POSITIVE if positive else DrugTestResult.NEGATIVE)
                        if is_test else "",
                        substances="opiates, cocaine" if positive else "",
                        notes="Discussed progress on accommodation and ETE." if outcome == ContactOutcome.ATTENDED
                        else "Did not attend; follow-up letter sent.",
                    )
                )  # fmt: skip
        if rng.random() < 0.15:
            occurred = timezone.make_aware(
                datetime.combine(_day(rng, add_months(today, -6), today), time(14))
            )
            kind_ = rng.choice([EnforcementKind.WARNING_LETTER, EnforcementKind.BREACH,
                                EnforcementKind.RECALL_REQUESTED, EnforcementKind.ARREST])  # fmt: skip
            enforcements.append(Enforcement(person=person, kind=kind_, occurred_at=occurred,
                                            decision_at=occurred - timedelta(minutes=rng.choice([30, 90, 200]))
                                            if kind_ == EnforcementKind.RECALL_REQUESTED else None,
                                            agency=agencies["probation"], recorded_by=users["probation"],
                                            notes="Second unacceptable absence in the month."))  # fmt: skip

    Person.objects.bulk_update(
        people,
        ["custody_status", "prison", "expected_release_date", "brag", "rosh"],
        batch_size=1000,
    )
    CohortMembership.objects.bulk_create(memberships, batch_size=2000)
    _cohort_grants(memberships, by_kind, today)
    Offence.objects.bulk_create(offences, batch_size=2000)
    Disposal.objects.bulk_create(disposals, batch_size=2000)
    RiskAssessment.objects.bulk_create(assessments, batch_size=2000)
    BragChange.objects.bulk_create(brags, batch_size=2000)
    Contact.objects.bulk_create(contacts, batch_size=2000)
    Enforcement.objects.bulk_create(enforcements, batch_size=2000)
    services.involvements_start_bulk(rows=grants, by=None, justification="Demo borough seed")


def _cohort_grants(
    memberships: list[CohortMembership], by_kind: dict[str, Agency], today: date
) -> None:
    """Partner agencies' access for each live membership, from that membership
    (source `cohort:<id>`), as services.cohort_adopt gives it. An ended
    membership leaves none: its de-selection ended it (cohort_deselect), and
    access ends with the reason for it (rrcase.access.live_reasons). One bulk
    grant per membership, since each has its own source."""
    for membership in memberships:
        if membership.end_date is not None and membership.end_date <= today:
            continue
        services.involvements_start_bulk(
            rows=[
                (membership.person, by_kind[kind], InvolvementReason.COHORT, True)
                for kind in services.COHORT_PARTNER_AGENCY_KINDS[membership.cohort]
            ],
            by=None,
            source=f"cohort:{membership.pk}",
            justification=f"Partner agency for the {membership.get_cohort_display()} cohort",
        )
