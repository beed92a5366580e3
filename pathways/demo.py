"""The Northbridge services directory and, for a good share of the demo
people, needs, referrals in every state (some overdue, some services full)
and outcome histories. Deterministic (seeded) and anchored on the day it runs.

Runs after offenders.demo.seed (settings.DEMO_SEEDERS). Grants for open
referrals go through offenders.services.involvement_start, as in production.
"""

from __future__ import annotations

import random
from datetime import date, datetime, time, timedelta

from django.apps import apps
from django.contrib.auth import get_user_model
from django.db import transaction
from django.utils import timezone

from offenders import services as offender_services
from offenders.models import (
    SUPERVISED_TYPES,
    CustodyStatus,
    Disposal,
    InvolvementReason,
    Person,
)
from rrcase.access.models import Agency

from . import reference, services
from .models import (
    OPEN_REFERRAL_STATES,
    AccommodationOutcome,
    EteOutcome,
    Need,
    NeedLevel,
    NeedNote,
    NeedStatus,
    NeedType,
    Outcome,
    OutcomeKind,
    Pathway,
    PathwayAssessment,
    Provider,
    Referral,
    ReferralEvent,
    ReferralState,
    Responsibility,
    Service,
    TreatmentOutcome,
)

SEED = 20261125

# (provider, agency code or None for an outside organisation, description)
PROVIDERS = [
    ("Northbridge Homes", "housing", "The borough's housing provider and CAS3 contract holder."),
    ("Northbridge Council Community Safety", "council", "Runs the IOM schemes funded by the CSP."),
    ("Northbridge Drug and Alcohol Service", "drugs", "Adult treatment, including DIP."),
    ("Northbridge Jobcentre (DWP)", "dwp", "Work coaches and prison work coaches."),
    ("Northbridge Resettlement Trust", "vcs", "Voluntary sector resettlement charity."),
    ("Northbridge Health Trust", "health", "Mental health and liaison and diversion."),
    (
        "Probation Service Northbridge",
        "probation",
        "Accredited programmes and structured interventions.",
    ),
    ("Citizens Advice Northbridge", None, "Independent advice charity (not on rrcase)."),
    ("Northbridge College", None, "Further education college (not on rrcase)."),
]

# (provider, pathway, name, capacity, target hours, need codes, eligibility, route, description)
SERVICES = [
    ("Northbridge Homes", "accommodation", "CAS3 temporary accommodation", 12, 72,
     ["nfa", "rough_sleeping", "temporary"],
     "People leaving prison or on probation who would otherwise be homeless. Up to 84 nights.",
     "Through rrcase by the probation practitioner; the CAS3 team responds within 3 days.",
     "Community Accommodation Service tier 3: up to 84 nights' temporary accommodation with "
     "support to move on."),
    ("Northbridge Homes", "accommodation", "Tenancy sustainment", 20, 120,
     ["tenancy_at_risk", "tenancy_suspend", "housing_register"],
     "Northbridge Homes tenants and applicants on the housing register.",
     "Through rrcase.", "Keeps tenancies going through custody and arrears."),
    ("Northbridge Council Community Safety", "accommodation", "IOM rent deposit scheme", 6, 120,
     ["rent_deposit"], "IOM cohort members with an offer of a private tenancy.",
     "Through rrcase, with the landlord's details.",
     "Deposit and first month's rent guarantee for IOM nominals. Small fund: often full."),
    ("Northbridge Drug and Alcohol Service", "drugs_alcohol", "Emergency prescribing slot", 5, 24,
     ["prescribing_on_release", "opiates"],
     "Prison leavers on opiate substitute prescribing.",
     "Through rrcase before release; seen within 24 hours, so there is no gap in prescribing.",
     "Same-day or next-day appointment so a prison leaver is seen within 48 hours of release."),
    ("Northbridge Drug and Alcohol Service", "drugs_alcohol", "Structured drug treatment", 60, 120,
     ["opiates", "crack_cocaine", "other_drugs", "aftercare"],
     "Adults in Northbridge using drugs.", "Through rrcase, or self-referral at the hub.",
     "Key working, prescribing and psychosocial interventions."),
    ("Northbridge Drug and Alcohol Service", "drugs_alcohol", "Alcohol treatment", 30, 168,
     ["alcohol"], "Adults in Northbridge with alcohol misuse.", "Through rrcase.",
     "Community alcohol treatment, including alcohol treatment requirements."),
    ("Northbridge Jobcentre (DWP)", "ete", "Jobcentre drop-in at probation", None, 168,
     ["job_search", "no_work_history", "disclosure"],
     "Anyone supervised by Northbridge probation.",
     "Weekly drop-in at the probation office on Tuesdays; or refer through rrcase.",
     "A work coach at the probation office every Tuesday morning."),
    ("Northbridge Jobcentre (DWP)", "finance", "Universal Credit claim on release", None, 72,
     ["benefits_claim"], "Prison leavers.", "Through rrcase before release.",
     "Prison work coach starts the claim before release so money arrives on time."),
    ("Northbridge Resettlement Trust", "finance", "ID and bank account support", 25, 120,
     ["no_id", "no_bank_account"], "Anyone without ID or a bank account.", "Through rrcase.",
     "Birth certificates, provisional licences and a basic bank account."),
    ("Northbridge Resettlement Trust", "attitudes", "Peer mentoring", 15, 240,
     ["mentoring", "criminal_associates"], "Adults on IOM or on licence.", "Through rrcase.",
     "Trained peer mentors with lived experience, weekly for six months."),
    ("Northbridge Resettlement Trust", "families", "Family contact support", 20, 240,
     ["family_contact", "relationship_breakdown"], "Prisoners and their families.",
     "Through rrcase.", "Visits, letters and family days."),
    ("Northbridge Health Trust", "health", "Mental health assessment", 10, 168,
     ["mental_health", "dual_diagnosis"], "Adults in contact with the criminal justice system.",
     "Through rrcase.", "Liaison and diversion assessment and onward referral."),
    ("Northbridge Health Trust", "health", "GP registration support", None, 120,
     ["gp_registration"], "Anyone not registered with a GP.", "Through rrcase.",
     "Registers people with a practice near their address."),
    ("Probation Service Northbridge", "attitudes", "Thinking skills programme", 12, 336,
     ["thinking_skills", "emotional_management"], "People with a programme requirement.",
     "Through rrcase by the probation practitioner.", "Accredited cognitive skills programme."),
    ("Probation Service Northbridge", "families", "Building Better Relationships", 10, 336,
     ["domestic_abuse_perpetrator"], "Men convicted of domestic abuse.", "Through rrcase.",
     "Accredited domestic abuse programme."),
    ("Probation Service Northbridge", "offender_management", "Accredited programmes", 20, 336,
     ["accredited_programme", "sentence_plan"], "People with a programme requirement.",
     "Through rrcase.", "Programme places on orders and licences."),
    ("Citizens Advice Northbridge", "finance", "Debt advice sessions", None, 336,
     ["debt", "rent_arrears", "court_fines", "budgeting"], "Anyone in Northbridge.",
     "Book by phone on 0300 000 0000; record the referral in rrcase.",
     "Fortnightly debt advice sessions at the probation office."),
    ("Northbridge College", "ete", "Basic skills and vocational courses", None, 336,
     ["basic_skills", "training", "education"], "Adults aged 19 and over.",
     "Application through the college's advice team; record it in rrcase.",
     "English, maths and short vocational courses."),
]  # fmt: skip

# How often each pathway's needs come up (from the seeds' OASys comparisons:
# accommodation, ETE, lifestyle and thinking are high).
PATHWAY_WEIGHTS = {
    "accommodation": 9, "ete": 8, "finance": 7, "drugs_alcohol": 7, "attitudes": 5,
    "health": 4, "families": 3, "offender_management": 2,
}  # fmt: skip
# (state, weight): every state appears; sent ones are partly overdue.
STATE_WEIGHTS = [
    (ReferralState.DRAFT, 4), (ReferralState.SENT, 14), (ReferralState.ACCEPTED, 12),
    (ReferralState.REJECTED, 8), (ReferralState.STARTED, 18), (ReferralState.COMPLETED, 22),
    (ReferralState.DISENGAGED, 8), (ReferralState.WITHDRAWN, 6),
]  # fmt: skip
ROUTE: dict[str, list[str]] = {
    ReferralState.DRAFT: [],
    ReferralState.SENT: [ReferralState.SENT],
    ReferralState.ACCEPTED: [ReferralState.SENT, ReferralState.ACCEPTED],
    ReferralState.REJECTED: [ReferralState.SENT, ReferralState.REJECTED],
    ReferralState.STARTED: [ReferralState.SENT, ReferralState.ACCEPTED, ReferralState.STARTED],
    ReferralState.COMPLETED: [ReferralState.SENT, ReferralState.ACCEPTED, ReferralState.STARTED,
                              ReferralState.COMPLETED],
    ReferralState.DISENGAGED: [ReferralState.SENT, ReferralState.ACCEPTED,
                               ReferralState.DISENGAGED],
    ReferralState.WITHDRAWN: [ReferralState.SENT, ReferralState.WITHDRAWN],
}  # fmt: skip
REJECTIONS = [
    "Does not meet the eligibility criteria: not on licence.",
    "Service full this month; re-refer in four weeks.",
    "Risk assessment needed before placement.",
]


def seed(today: date | None = None) -> None:
    if Need.objects.filter(person__reference__startswith="N").exists():
        return
    today = today or timezone.localdate()
    with transaction.atomic():
        # The reference data comes from a migration; a test database flushed
        # by transactional tests has lost it, so make sure it is there.
        reference.load(apps)
        directory = _directory()
        _people(random.Random(SEED), today, directory)


def _directory() -> dict[str, list[Service]]:
    """Providers and services (idempotent by name). Returns services by need code."""
    agencies = {a.code: a for a in Agency.objects.all()}
    providers: dict[str, Provider] = {}
    for name, code, description in PROVIDERS:
        provider, _ = Provider.objects.get_or_create(
            name=name,
            defaults={"agency": agencies.get(code) if code else None, "description": description},
        )
        providers[name] = provider
    pathways = {p.code: p for p in Pathway.objects.all()}
    need_types = {(t.pathway.code, t.code): t for t in NeedType.objects.select_related("pathway")}
    by_need: dict[str, list[Service]] = {}
    for (provider_name, pathway, name, capacity, hours, needs, eligibility, route,
         description) in SERVICES:  # fmt: skip
        service, created = Service.objects.get_or_create(
            provider=providers[provider_name],
            name=name,
            defaults={
                "pathway": pathways[pathway],
                "capacity": capacity,
                "response_target_hours": hours,
                "eligibility": eligibility,
                "referral_route": route,
                "description": description,
                "contact": f"{name.split(' (')[0].lower().replace(' ', '.')}@northbridge.example"[
                    :200
                ],
            },
        )
        if created:
            service.need_types.set([need_types[(pathway, code)] for code in needs])
        for code in needs:
            by_need.setdefault(f"{pathway}:{code}", []).append(service)
    return by_need


def _at(day: date, hour: int = 10) -> datetime:
    return timezone.make_aware(datetime.combine(day, time(hour)))


def _people(rng: random.Random, today: date, directory: dict[str, list[Service]]) -> None:
    users = {
        u.username: u
        for u in get_user_model()
        .objects.filter(username__in=["probation", "probation2", "police", "housing"])
        .select_related("membership__agency")
    }
    agencies = {a.code: a for a in Agency.objects.all()}
    need_types: dict[str, list[NeedType]] = {}
    for need_type in NeedType.objects.filter(is_active=True, is_other=False).select_related(
        "pathway"
    ):
        need_types.setdefault(need_type.pathway.code, []).append(need_type)
    pathways = {p.code: p for p in Pathway.objects.all()}
    people = list(
        Person.objects.filter(reference__startswith="N")
        .select_related("lead_agency")
        .order_by("reference")
    )
    codes = list(PATHWAY_WEIGHTS)
    weights = [PATHWAY_WEIGHTS[c] for c in codes]

    needs: list[Need] = []
    assessments: list[PathwayAssessment] = []
    plans: list[tuple[Need, str | None]] = []  # need, referral state to create
    for person in people:
        if rng.random() > 0.65:
            continue
        recorder = users["police"] if person.lead_agency.code == "police" else users[
            "probation" if rng.random() < 0.6 else "probation2"]  # fmt: skip
        agency = recorder.membership.agency
        in_custody = person.custody_status == CustodyStatus.IN_CUSTODY
        chosen = sorted(set(rng.choices(codes, weights=weights, k=rng.randint(1, 4))))
        for code in chosen:
            assessments.append(
                PathwayAssessment(
                    person=person,
                    pathway=pathways[code],
                    level=rng.choice([NeedLevel.LOW, NeedLevel.MEDIUM, NeedLevel.MEDIUM,
                                      NeedLevel.HIGH]),
                    responsibility=Responsibility.PRISON if in_custody else Responsibility.COMMUNITY,
                    responsible_agency=agencies["prison"] if in_custody else agency,
                    assessed_on=today - timedelta(days=rng.randint(5, 200)),
                    assessed_by=recorder,
                    recorded_by_agency=agency,
                )
            )  # fmt: skip
            for need_type in rng.sample(need_types[code], k=min(len(need_types[code]),
                                                                  rng.choice([1, 1, 2]))):  # fmt: skip
                identified = today - timedelta(days=rng.randint(3, 240))
                options = directory.get(f"{code}:{need_type.code}", [])
                state = None
                if options and rng.random() < 0.7:
                    states, state_weights = zip(*STATE_WEIGHTS, strict=True)
                    state = rng.choices(states, weights=state_weights, k=1)[0]
                status = {
                    None: rng.choice([NeedStatus.NOT_STARTED, NeedStatus.NOT_STARTED,
                                      NeedStatus.IN_PROGRESS, NeedStatus.DECLINED]),
                    ReferralState.DRAFT: NeedStatus.NOT_STARTED,
                    ReferralState.COMPLETED: rng.choice([NeedStatus.MET, NeedStatus.MET,
                                                         NeedStatus.IN_PROGRESS]),
                }.get(state, NeedStatus.IN_PROGRESS)  # fmt: skip
                need = Need(
                    person=person,
                    pathway=pathways[code],
                    need_type=need_type,
                    status=status,
                    responsible_agency=agencies["prison"] if in_custody else agency,
                    responsibility=Responsibility.PRISON
                    if in_custody
                    else Responsibility.COMMUNITY,
                    identified_on=identified,
                    recorded_by=recorder,
                    recorded_by_agency=agency,
                    created_at=_at(identified),
                )
                needs.append(need)
                plans.append((need, state))
    PathwayAssessment.objects.bulk_create(assessments, batch_size=2000)
    Need.objects.bulk_create(needs, batch_size=2000)
    NeedNote.objects.bulk_create(
        [
            NeedNote(need=need, written_by=need.recorded_by, agency=need.recorded_by_agency,
                     text="Identified at assessment.", status=NeedStatus.NOT_STARTED,
                     written_at=need.created_at)
            for need in needs
        ],
        batch_size=2000,
    )  # fmt: skip

    referrals: list[Referral] = []
    routes: list[list[str]] = []
    for need, state in plans:
        if state is None:
            continue
        options = directory[f"{need.pathway.code}:{need.need_type.code}"]
        service = options[rng.randrange(len(options))]
        created = need.created_at + timedelta(days=rng.randint(0, 5))
        route = ROUTE[state]
        # Open referrals are recent: sent ones from a few hours to ten days
        # ago (so some are past their response-time target and some not),
        # others sent after the need was found.
        if state == ReferralState.SENT:
            sent_at = timezone.now() - timedelta(hours=rng.choice([3, 20, 30, 60, 100, 240]))
        else:
            sent_at = min(created + timedelta(hours=1), timezone.now() - timedelta(days=1))
        referral = Referral(
            person=need.person, need=need, service=service,
            from_agency=need.recorded_by_agency, to_agency=service.provider.agency,
            state=state, reason=f"{need.need_type.name}: {rng.choice(['identified at assessment', 'raised at IOM panel', 'disclosed at supervision'])}.",
            created_by=need.recorded_by, created_at=min(created, sent_at),
        )  # fmt: skip
        if route:
            referral.sent_at = sent_at
            referral.respond_by = sent_at + timedelta(hours=service.response_target_hours)
        if ReferralState.ACCEPTED in route or ReferralState.REJECTED in route:
            referral.responded_at = min(
                sent_at + timedelta(hours=rng.randint(2, int(service.response_target_hours * 1.5))),
                timezone.now() - timedelta(hours=1),
            )
        if state == ReferralState.REJECTED:
            referral.rejection_reason = rng.choice(REJECTIONS)
        if state == ReferralState.COMPLETED:
            referral.outcome = "Completed the service as planned."
        if state not in OPEN_REFERRAL_STATES and state != ReferralState.DRAFT:
            referral.closed_at = min(
                (referral.responded_at or sent_at) + timedelta(days=rng.randint(1, 30)),
                timezone.now(),
            )
        referrals.append(referral)
        routes.append(route)
    Referral.objects.bulk_create(referrals, batch_size=2000)

    events: list[ReferralEvent] = []
    for referral, route in zip(referrals, routes, strict=True):
        events.append(ReferralEvent(referral=referral, to_state=ReferralState.DRAFT,
                                    by=referral.created_by, agency=referral.from_agency,
                                    at=referral.created_at))  # fmt: skip
        previous: str = ReferralState.DRAFT
        moment = referral.sent_at or referral.created_at
        for step in route:
            receiver_step = step in (ReferralState.ACCEPTED, ReferralState.REJECTED,
                                     ReferralState.STARTED, ReferralState.COMPLETED,
                                     ReferralState.DISENGAGED)  # fmt: skip
            if step in (ReferralState.ACCEPTED, ReferralState.REJECTED):
                moment = referral.responded_at or moment
            elif step != ReferralState.SENT:
                moment = referral.closed_at or moment + timedelta(days=3)
            events.append(ReferralEvent(
                referral=referral, from_state=previous, to_state=step, at=moment,
                agency=(referral.to_agency or referral.from_agency) if receiver_step
                else referral.from_agency,
                by=users["housing"] if receiver_step and referral.to_agency
                and referral.to_agency.code == "housing" else None if receiver_step
                else referral.created_by,
                note=referral.rejection_reason if step == ReferralState.REJECTED
                else referral.outcome if step == ReferralState.COMPLETED else "",
            ))  # fmt: skip
            previous = step
    ReferralEvent.objects.bulk_create(events, batch_size=2000)

    # Open referrals to another agency give it access, as referral_send does.
    for referral in referrals:
        if (referral.state in OPEN_REFERRAL_STATES and referral.to_agency is not None
                and referral.to_agency_id != referral.from_agency_id):  # fmt: skip
            offender_services.involvement_start(
                person=referral.person,
                agency=referral.to_agency,
                reason=InvolvementReason.REFERRAL,
                source=f"referral:{referral.pk}",
                can_change=False,
                by=None,
                justification=f"Referral to {referral.service.name}",
            )
            if referral.state == ReferralState.SENT:
                services.notifications_send(
                    agency=referral.to_agency,
                    message=f"New referral: {referral.person.reference} to {referral.service.name}",
                    referral=referral,
                )

    _outcomes(rng, today, people, needs, users)


def _outcomes(
    rng: random.Random, today: date, people: list[Person], needs: list[Need], users: dict
) -> None:
    """Accommodation and ETE histories for people with needs on those pathways
    or a licence, treatment for drug needs; then the disposals they end feed."""
    by_person: dict[int, set[str]] = {}
    for need in needs:
        by_person.setdefault(need.person_id, set()).add(need.pathway.code)
    outcomes: list[Outcome] = []
    for person in people:
        codes = by_person.get(person.pk, set())
        if person.custody_status == CustodyStatus.IN_CUSTODY or not codes:
            continue
        recorder = users["probation"]
        agency = recorder.membership.agency
        start = today - timedelta(days=rng.randint(60, 700))
        if "accommodation" in codes or rng.random() < 0.5:
            path: list[str] = rng.choice([
                [AccommodationOutcome.NFA, AccommodationOutcome.TEMPORARY, AccommodationOutcome.SETTLED],
                [AccommodationOutcome.TEMPORARY, AccommodationOutcome.SETTLED],
                [AccommodationOutcome.SETTLED],
                [AccommodationOutcome.NFA],
                [AccommodationOutcome.TEMPORARY],
                [AccommodationOutcome.SETTLED, AccommodationOutcome.IN_CUSTODY],
            ])  # fmt: skip
            day = start
            for value in path:
                outcomes.append(Outcome(person=person, kind=OutcomeKind.ACCOMMODATION,
                                        value=value, recorded_on=min(day, today),
                                        recorded_by=recorder, agency=agency))  # fmt: skip
                day += timedelta(days=rng.randint(14, 120))
        if "ete" in codes or rng.random() < 0.4:
            path = rng.choice([
                [EteOutcome.UNEMPLOYED, EteOutcome.EDUCATION_TRAINING, EteOutcome.EMPLOYED],
                [EteOutcome.UNEMPLOYED], [EteOutcome.UNEMPLOYED, EteOutcome.EMPLOYED],
                [EteOutcome.UNAVAILABLE], [EteOutcome.EMPLOYED],
            ])  # fmt: skip
            day = start + timedelta(days=rng.randint(0, 30))
            for value in path:
                outcomes.append(Outcome(person=person, kind=OutcomeKind.ETE, value=value,
                                        recorded_on=min(day, today), recorded_by=recorder,
                                        agency=agency))  # fmt: skip
                day += timedelta(days=rng.randint(30, 150))
        if "drugs_alcohol" in codes:
            path = rng.choice([
                [TreatmentOutcome.SEEN_WITHIN_48_HOURS, TreatmentOutcome.IN_TREATMENT,
                 TreatmentOutcome.IN_TREATMENT_12_WEEKS],
                [TreatmentOutcome.SEEN_LATER, TreatmentOutcome.IN_TREATMENT],
                [TreatmentOutcome.SEEN_WITHIN_48_HOURS, TreatmentOutcome.LEFT_TREATMENT],
            ])  # fmt: skip
            day = start
            for value in path:
                outcomes.append(Outcome(person=person, kind=OutcomeKind.TREATMENT, value=value,
                                        recorded_on=min(day, today), sensitivity="health",
                                        recorded_by=recorder, agency=agency))  # fmt: skip
                day += timedelta(days=rng.choice([2, 30, 84]))
    Outcome.objects.bulk_create(outcomes, batch_size=2000)
    with_outcomes = {o.person_id for o in outcomes if o.kind != OutcomeKind.TREATMENT}
    for disposal in Disposal.objects.filter(
        person_id__in=with_outcomes, type__in=SUPERVISED_TYPES, terminated_date__isnull=False
    ):
        offender_services.disposal_end_outcomes_record(disposal=disposal, by=None)
