"""The invariant "access ends with the reason for it" (issue #13 item 9;
docs/access.md "Every grant has a live reason"), checked over the whole
database: every agency grant on a person comes from an active involvement, and
every active involvement still has the reason it was started for.

- lead: while the agency is the person's lead agency;
- cohort: while its source `cohort:<id>` is a membership of this person that
  has not ended (no end date, or one after the day checked) in a cohort the
  agency is a partner of (offenders.services.COHORT_PARTNER_AGENCY_KINDS);
- referral: while its source `referral:<id>` is an open referral of this
  person to this agency;
- panel: while its source `panel:<id>` is an active panel whose papers the
  agency receives and whose remit the person is still in
  (panels.agenda.panel_access_needed, as panels.services.panel_access_review);
- share: an explicit share, live until ended by whoever made it.

A grant row with no active involvement, a change grant with no active
involvement that may change, or an involvement whose source names nothing,
has no live reason either.

The access model lives in rrcase.access, but involvements are about people,
cohorts, referrals and panels, so this module reads those apps (imported
inside the function: they import rrcase.access). Set-based: one query per
reason (per panel type for panels), whatever the number of people.
"""

from __future__ import annotations

import functools
import operator
from dataclasses import dataclass
from datetime import date

from django.db.models import (
    BigIntegerField,
    Case,
    Exists,
    F,
    OuterRef,
    Q,
    QuerySet,
    When,
)
from django.db.models.functions import Cast, Substr


@dataclass(frozen=True)
class GrantWithoutReason:
    person_id: int
    reference: str
    agency: str
    reason: str  # the involvement's reason, or "" for a bare grant row
    source: str
    why: str
    involvement_id: int | None = None


def _source_id(prefix: str) -> Case:
    """The id in a source `prefix:<id>`, or NULL when the source is anything
    else (the CASE keeps PostgreSQL from casting text that is not a number)."""
    return Case(
        When(
            source__regex=rf"^{prefix}:[0-9]{{1,18}}$",
            then=Cast(Substr("source", len(prefix) + 2), BigIntegerField()),
        ),
        default=None,
        output_field=BigIntegerField(),
    )


def _rows(involvements: QuerySet, why: str) -> list[GrantWithoutReason]:
    return [
        GrantWithoutReason(
            person_id=person_id,
            reference=reference,
            agency=agency,
            reason=reason,
            source=source,
            why=why,
            involvement_id=pk,
        )
        for pk, person_id, reference, agency, reason, source in involvements.values_list(
            "pk", "person_id", "person__reference", "agency__code", "reason", "source"
        ).order_by("pk")
    ]


def grants_without_live_reason(*, today: date) -> list[GrantWithoutReason]:
    """Every grant and active involvement with no live reason on `today`."""
    from offenders.models import (
        CohortMembership,
        Involvement,
        InvolvementReason,
        PersonGroupObjectPermission,
    )
    from offenders.services import COHORT_PARTNER_AGENCY_KINDS
    from panels.agenda import panel_access_needed
    from panels.models import PanelType
    from panels.services import permitted_agencies
    from pathways.models import Referral

    found: list[GrantWithoutReason] = []
    active = Involvement.objects.filter(ended_at__isnull=True)

    # Grant rows (what the selectors read) with no active involvement behind them.
    involved = active.filter(
        person_id=OuterRef("content_object_id"), agency__group_id=OuterRef("group_id")
    )
    bare = PersonGroupObjectPermission.objects.filter(group__agency__isnull=False).filter(
        ~Exists(involved)
        | (Q(permission__codename="change_person") & ~Exists(involved.filter(can_change=True)))
    )
    for person_id, reference, agency, codename in bare.values_list(
        "content_object_id",
        "content_object__reference",
        "group__agency__code",
        "permission__codename",
    ).order_by("content_object_id", "group_id", "permission_id"):
        found.append(
            GrantWithoutReason(
                person_id=person_id,
                reference=reference,
                agency=agency,
                reason="",
                source="",
                why=f"{codename} grant with no active involvement"
                + (" that may change the record" if codename == "change_person" else ""),
            )
        )

    found += _rows(
        active.filter(reason=InvolvementReason.LEAD_AGENCY).exclude(
            person__lead_agency_id=F("agency_id")
        ),
        "not the person's lead agency",
    )

    # A cohort involvement: a live membership of a cohort the agency is a partner of.
    live_membership = CohortMembership.objects.filter(
        pk=OuterRef("membership_id"), person_id=OuterRef("person_id")
    ).filter(Q(end_date__isnull=True) | Q(end_date__gt=today))
    kinds = {kind for partners in COHORT_PARTNER_AGENCY_KINDS.values() for kind in partners}
    partner_of = functools.reduce(
        operator.or_,
        [
            Q(agency__kind=kind)
            & Exists(
                live_membership.filter(
                    cohort__in=[c for c, ks in COHORT_PARTNER_AGENCY_KINDS.items() if kind in ks]
                )
            )
            for kind in sorted(kinds)
        ],
    )
    found += _rows(
        active.filter(reason=InvolvementReason.COHORT)
        .annotate(membership_id=_source_id("cohort"))
        .exclude(partner_of),
        "no live membership of a cohort the agency is a partner of",
    )

    open_referral = Referral.objects.filter(
        pk=OuterRef("referral_id"),
        person_id=OuterRef("person_id"),
        to_agency_id=OuterRef("agency_id"),
        closed_at__isnull=True,
    )
    found += _rows(
        active.filter(reason=InvolvementReason.REFERRAL)
        .annotate(referral_id=_source_id("referral"))
        .exclude(Exists(open_referral)),
        "no open referral of the person to this agency",
    )

    panel_involvements = active.filter(reason=InvolvementReason.PANEL)
    panel_ids = set(
        panel_involvements.annotate(panel_id=_source_id("panel"))
        .filter(panel_id__isnull=False)
        .values_list("panel_id", flat=True)
    )
    panel_types = {p.pk: p for p in PanelType.objects.filter(pk__in=panel_ids)}
    found += _rows(
        panel_involvements.annotate(panel_id=_source_id("panel")).exclude(
            panel_id__in=list(panel_types)
        ),
        "no such panel",
    )
    for panel_type in panel_types.values():
        permitted = [a.pk for a in permitted_agencies(panel_type)] if panel_type.is_active else []
        found += _rows(
            panel_involvements.filter(source=f"panel:{panel_type.pk}").filter(
                ~Q(agency_id__in=permitted) | ~panel_access_needed(panel_type, today)
            ),
            f"left the remit of {panel_type.name}, or its agency no longer receives its papers",
        )

    known = {str(r) for r in InvolvementReason}
    found += _rows(active.exclude(reason__in=known), "unknown reason")
    return found
