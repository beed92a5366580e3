"""Scale data for benchmarks: N synthetic people with about 10 offences, 2
disposals, 1.5 assessments and 4 contacts each, cohort memberships and the
agency grants the access layer needs, their offender managers, pathway needs,
referrals and outcomes, and panel history (bench/partnership.py), written with
PostgreSQL COPY.

Deterministic for a given N and seed. Refuses to run on a database that holds
people other than its own (it is for a benchmark database, never a live one).
"""

from __future__ import annotations

import random
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta

from django.contrib.auth.models import Permission
from django.db import connection, transaction

from offenders.services import COHORT_PARTNER_AGENCY_KINDS
from rrcase.access.models import Agency
from rrcase.dates import add_months

from . import partnership
from .sampling import weighted

REFERENCE_PREFIX = "B"

CATEGORIES = [
    ("shoplifting", 18), ("other_theft", 8), ("domestic_burglary", 7),
    ("non_domestic_burglary", 4), ("vehicle_theft", 4), ("theft_from_vehicle", 5),
    ("theft_from_person", 3), ("robbery", 4), ("violence_with_injury", 8),
    ("violence_without_injury", 9), ("criminal_damage", 6), ("drug_possession", 9),
    ("drug_supply", 3), ("public_order", 5), ("possession_of_weapons", 3), ("fraud", 2),
    ("motoring", 3), ("sexual_offence", 1), ("arson", 1), ("other", 2), ("homicide", 0.05),
]  # fmt: skip
OUTCOMES = [("conviction", 60), ("caution", 12), ("nfa", 12), ("pending", 10), ("acquitted", 6)]
ETHNICITIES = [
    ("White British", 58), ("White other", 8), ("Black Caribbean", 9), ("Black African", 7),
    ("Asian Pakistani", 5), ("Asian Bangladeshi", 3), ("Asian Indian", 2), ("Mixed", 6),
    ("Other", 1), ("Not stated", 1),
]  # fmt: skip
GIVEN = ["Aaron", "Adam", "Ben", "Callum", "Connor", "Daniel", "Dean", "Ethan", "Jake", "Jordan",
         "Kai", "Lee", "Liam", "Marcus", "Nathan", "Oliver", "Reece", "Ryan", "Tom", "Tyler",
         "Amy", "Chloe", "Emma", "Jade", "Leah"]  # fmt: skip
FAMILY = ["Abbott", "Ahmed", "Barker", "Bennett", "Brooks", "Carter", "Clarke", "Cole", "Dawson",
          "Doyle", "Ellis", "Fletcher", "Foster", "Grant", "Harper", "Hayes", "Hughes", "Hussain",
          "Kelly", "Lawson", "Marsh", "Mensah", "Murphy", "Nolan", "Osei", "Owen", "Palmer",
          "Quinn", "Reid", "Rowe", "Shah", "Sutton", "Walsh", "Webb", "Wells", "Yates"]  # fmt: skip
# Surnames as they are spread in a population: a long tail of rarer names
# (composed from place-name parts) behind the common ones, weighted 1/(rank+20)
# so the commonest is about 1.2% of people, as the commonest British surname
# is. (36 equally common names made every surname search match 1 in 36.)
# fmt: off
_PARTS = ["Ash", "Brad", "Carl", "Dun", "Elm", "Fair", "Gold", "Hart", "Kings", "Lang", "Mar",
          "North", "Oak", "Pen", "Ross", "Stan", "Thorn", "Whit", "Wood", "Hol", "Bur", "Chad",
          "Dal", "Ever", "Fen", "Glen", "Ham", "Ing", "Kel", "Lyn", "Mel", "Ned", "Orm", "Pres",
          "Red", "Shel", "Tam", "Ux", "Wal", "Yar"]
_ENDS = ["ford", "ley", "ton", "well", "by", "field", "more", "wood", "ham", "worth", "stone",
         "bridge", "croft", "dale", "gate", "hurst", "land", "mere", "ridge", "shaw", "cott",
         "den", "holm", "key", "low", "ney", "port", "rick", "sey", "thwaite"]
# fmt: on
SURNAMES = FAMILY + [p + e for p in _PARTS for e in _ENDS]
SURNAME_WEIGHTS = [1 / (rank + 20) for rank in range(len(SURNAMES))]


@dataclass
class Counts:
    rows: dict[str, int] = field(default_factory=dict)
    seconds: dict[str, float] = field(default_factory=dict)


def _copy(
    table: str, columns: list[str], rows: Iterator[tuple[object, ...]], counts: Counts
) -> None:
    started = time.perf_counter()
    n = 0
    with connection.cursor() as cursor:
        raw = cursor.cursor  # the psycopg cursor under Django's wrapper
        with raw.copy(f"COPY {table} ({', '.join(columns)}) FROM STDIN") as copy:
            for row in rows:
                copy.write_row(row)
                n += 1
    counts.rows[table] = n
    counts.seconds[table] = time.perf_counter() - started


def _next_id(table: str) -> int:
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT COALESCE(MAX(id), 0) + 1 FROM {table}")
        return int(cursor.fetchone()[0])


def _reset_sequence(table: str) -> None:
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "
            f"(SELECT COALESCE(MAX(id), 1) FROM {table}))"
        )


def generate(people: int, *, seed: int = 2026, today: date | None = None) -> Counts:
    today = today or datetime.now(tz=UTC).date()
    rng = random.Random(seed)
    counts = Counts()
    agencies = {a.code: a for a in Agency.objects.all()}
    if not agencies:
        raise RuntimeError("No agencies: run `manage.py seed_demo` (or create agencies) first.")
    by_kind = {a.kind: a for a in agencies.values()}
    view = Permission.objects.get(content_type__app_label="offenders", codename="view_person")
    change = Permission.objects.get(content_type__app_label="offenders", codename="change_person")

    first_person = _next_id("offenders_person")
    ids = range(first_person, first_person + people)
    leads: dict[int, Agency] = {}
    cohorts_of: dict[int, list[tuple[int, str]]] = {}
    live_cohorts_of: dict[int, list[tuple[int, str]]] = {}
    now = datetime.now(tz=UTC)
    category = weighted(rng, CATEGORIES)  # type: ignore[arg-type]
    outcome = weighted(rng, OUTCOMES)  # type: ignore[arg-type]
    ethnicity = weighted(rng, ETHNICITIES)  # type: ignore[arg-type]
    surname = weighted(rng, list(zip(SURNAMES, SURNAME_WEIGHTS, strict=True)))
    lead_shares = {agencies["probation"]: 0.7, agencies["police"]: 0.2, agencies["yos"]: 0.1}

    def copy(table: str, columns: list[str], rows: Iterator[tuple[object, ...]]) -> None:
        _copy(table, columns, rows, counts)

    def person_rows() -> Iterator[tuple[object, ...]]:
        for pid in ids:
            dob = date(1960, 1, 1) + timedelta(days=rng.randrange(48 * 365))
            roll = rng.random()  # lead agency by lead_shares
            lead = (
                agencies["probation"]
                if roll < 0.7
                else agencies["police"]
                if roll < 0.9
                else agencies["yos"]
            )
            leads[pid] = lead
            yield (
                pid, f"{REFERENCE_PREFIX}{pid:07d}", f"{rng.randrange(80, 125)}/{pid:07d}X", "",
                rng.choice(GIVEN), surname(), dob,
                "female" if rng.random() < 0.13 else "male", ethnicity(), lead.pk,
                False, "community", "", rng.choice(["red", "amber", "green", "blue", ""]),
                rng.choice(["low", "medium", "medium", "high", ""]), now, now, 1,
                staff.pick(rng, lead.pk),
            )  # fmt: skip

    with transaction.atomic():
        staff = partnership.staff(
            copy, _next_id, list(lead_shares), {a.pk: s for a, s in lead_shares.items()},
            people, now,
        )  # fmt: skip
        _copy(
            "offenders_person",
            ["id", "reference", "pnc_id", "nomis_number", "given_name", "family_name",
             "date_of_birth", "gender", "ethnicity", "lead_agency_id", "restricted",
             "custody_status", "prison", "brag", "rosh", "created_at", "updated_at", "version",
             "offender_manager_id"],
            person_rows(),
            counts,
        )  # fmt: skip

        offence_id = _next_id("offenders_offence")

        def offence_rows() -> Iterator[tuple[object, ...]]:
            nonlocal offence_id
            for pid in ids:
                for k in range(rng.randint(1, 19)):
                    day = today - timedelta(days=rng.randrange(6 * 365))
                    result = outcome()
                    decided = (
                        None
                        if result == "pending"
                        else min(today, day + timedelta(days=rng.randrange(5, 300)))
                    )
                    yield (
                        offence_id,
                        pid,
                        f"{REFERENCE_PREFIX}{pid:07d}-O{k}",
                        day,
                        category(),
                        result,
                        decided,
                    )
                    offence_id += 1

        _copy(
            "offenders_offence",
            ["id", "person_id", "reference", "offence_date", "category", "outcome", "outcome_date"],
            offence_rows(),
            counts,
        )

        def disposal_rows() -> Iterator[tuple[object, ...]]:
            for pid in ids:
                start = today - timedelta(days=rng.randrange(5 * 365))
                kind = rng.random()
                if kind < 0.4:
                    release = start + timedelta(days=rng.randrange(30, 700))
                    end = add_months(release, rng.choice([6, 12, 24]))
                    yield (pid, f"{REFERENCE_PREFIX}{pid:07d}-D1", "custody", start, release, end, None,
                           False, False, "unknown", "unknown", 1)  # fmt: skip
                    terminated = end if end <= today else None
                    yield (pid, f"{REFERENCE_PREFIX}{pid:07d}-D2", "licence", release, None, end, terminated,
                           True, False, rng.choice(["settled", "unsettled", "nfa", "unknown"]) if terminated else "unknown",
                           rng.choice(["employed", "unemployed", "unavailable", "unknown"]) if terminated else "unknown", 1)  # fmt: skip
                elif kind < 0.85:
                    end = add_months(start, rng.choice([12, 18, 24]))
                    terminated = end if end <= today else None
                    yield (pid, f"{REFERENCE_PREFIX}{pid:07d}-D1",
                           rng.choice(["community_order", "suspended_sentence_order"]), start, None, end,
                           terminated, True, rng.random() < 0.7,
                           rng.choice(["settled", "unsettled", "unknown"]) if terminated else "unknown",
                           rng.choice(["employed", "unemployed", "unknown"]) if terminated else "unknown", 1)  # fmt: skip
                else:
                    yield (pid, f"{REFERENCE_PREFIX}{pid:07d}-D1", rng.choice(["fine", "caution", "discharge"]),
                           start, None, None, None, False, False, "unknown", "unknown", 1)  # fmt: skip

        _copy(
            "offenders_disposal",
            ["person_id", "reference", "type", "start_date", "release_date", "end_date",
             "terminated_date", "supervised_by_probation", "has_rar", "accommodation_at_end",
             "employment_at_end", "version", "termination_reason"],
            ((*row, "") for row in disposal_rows()),
            counts,
        )  # fmt: skip

        membership_id = _next_id("offenders_cohortmembership")

        def cohort_rows() -> Iterator[tuple[object, ...]]:
            nonlocal membership_id
            for pid in ids:
                chosen = [c for c, p in (("iom", 0.4), ("ppo", 0.08), ("dip", 0.12), ("mappa", 0.05),
                                          ("sgv", 0.04), ("asb", 0.03)) if rng.random() < p]  # fmt: skip
                for cohort in chosen:
                    start = today - timedelta(days=rng.randrange(20, 4 * 365))
                    end = (
                        start + timedelta(days=rng.randrange(30, 700))
                        if rng.random() < 0.3
                        else None
                    )
                    if end is not None and end > today:
                        end = None
                    cohorts_of.setdefault(pid, []).append((membership_id, cohort))
                    if end is None:  # live: its partner agencies have access (below)
                        live_cohorts_of.setdefault(pid, []).append((membership_id, cohort))
                    yield (membership_id, pid, cohort, start, end,
                           rng.choice(["fixed", "flex", "free"]) if cohort == "iom" else "",
                           rng.choice([1, 2, 3]) if cohort == "mappa" else None,
                           rng.choice([1, 2, 3]) if cohort == "mappa" else None,
                           "Selected on the matrix score", "", None, 1)  # fmt: skip
                    membership_id += 1

        _copy(
            "offenders_cohortmembership",
            ["id", "person_id", "cohort", "start_date", "end_date", "strand", "mappa_category",
             "mappa_level", "selection_reason", "deselection_reason", "selection_score", "version"],
            cohort_rows(),
            counts,
        )  # fmt: skip

        def assessment_rows() -> Iterator[tuple[object, ...]]:
            for pid in ids:
                ogrs = rng.randrange(5, 96)
                days = sorted(rng.sample(range(30, 4 * 365), rng.choice([1, 1, 2])))
                for back in days:
                    yield (pid, today - timedelta(days=back), rng.choice(["low", "medium", "high"]),
                           max(1, ogrs - 15), ogrs, rng.randrange(5, 90),
                           round(rng.uniform(0.02, 0.5), 4) if rng.random() < 0.5 else None)  # fmt: skip

        _copy(
            "offenders_riskassessment",
            ["person_id", "assessed_on", "rosh", "ogrs3_1y", "ogrs3_2y", "ovp_2y", "predicted_3m"],
            assessment_rows(),
            counts,
        )

        probation = agencies["probation"]

        def contact_rows() -> Iterator[tuple[object, ...]]:
            for pid in ids:
                for _ in range(rng.randint(0, 8)):
                    yield (pid, rng.choice(["appointment", "appointment", "home_visit", "phone", "drug_test"]),
                           today - timedelta(days=rng.randrange(365)),
                           rng.choice(["attended", "attended", "attended", "missed_unacceptable", "missed_acceptable"]),
                           probation.pk, now, "", "", "", "standard")  # fmt: skip

        _copy(
            "offenders_contact",
            ["person_id", "kind", "occurred_on", "outcome", "agency_id", "recorded_at",
             "drug_test_result", "substances", "notes", "sensitivity"],
            contact_rows(),
            counts,
        )  # fmt: skip

        # Grants: the lead agency (view and change) and each live cohort
        # membership's partner agencies. An ended membership gives none: access
        # ends with the reason for it (rrcase.access.live_reasons).
        involvements: list[tuple[int, int, str, str, bool]] = []
        for pid in ids:
            lead = leads[pid]
            involvements.append((pid, lead.pk, "lead", "", True))
            for membership, cohort in live_cohorts_of.get(pid, []):
                for kind in COHORT_PARTNER_AGENCY_KINDS[cohort]:
                    partner = by_kind.get(kind)
                    if partner is not None and partner.pk != lead.pk:
                        involvements.append(
                            (pid, partner.pk, "cohort", f"cohort:{membership}", True)
                        )
        _copy(
            "offenders_involvement",
            [
                "person_id",
                "agency_id",
                "reason",
                "source",
                "can_change",
                "justification",
                "started_at",
            ],
            ((p, a, r, s, c, "Scale benchmark data", now) for p, a, r, s, c in involvements),
            counts,
        )
        group_of = {a.pk: a.group_id for a in agencies.values()}
        grants = {(pid, group_of[agency]) for pid, agency, _, _, _ in involvements}
        _copy(
            "offenders_persongroupobjectpermission",
            ["content_object_id", "group_id", "permission_id"],
            (
                row
                for pid, group in sorted(grants)
                for row in ((pid, group, view.pk), (pid, group, change.pk))
            ),
            counts,
        )
        partnership.pathways(copy, _next_id, ids, leads, agencies, rng, today, now)
        iom = [pid for pid in ids if any(c == "iom" for _, c in cohorts_of.get(pid, []))]
        partnership.panels(copy, _next_id, iom, agencies, people, rng, today, now)
        for table in ("offenders_person", "offenders_offence", "offenders_disposal",
                      "offenders_cohortmembership", "offenders_riskassessment", "offenders_contact",
                      "offenders_involvement", "offenders_persongroupobjectpermission",
                      *partnership.TABLES):  # fmt: skip
            _reset_sequence(table)
    started = time.perf_counter()
    with connection.cursor() as cursor:
        # VACUUM sets the visibility map, so grant lookups are index-only scans
        # as they would be on a database that has lived a while. It cannot run
        # inside a transaction (a test's), where ANALYZE alone has to do.
        cursor.execute("ANALYZE" if connection.in_atomic_block else "VACUUM ANALYZE")
    counts.seconds["ANALYZE"] = time.perf_counter() - started
    return counts
