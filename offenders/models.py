"""People ("nominals") managed by the partnership and the facts recorded about
them: cohorts, BRAG, risk, sentences, offending, contacts and enforcement.

Terms and rules: ../shared/DOMAIN.md. Every write goes through
offenders/services.py; every read through offenders/selectors.py, which scopes
to the acting user's agency grants.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from django.conf import settings
from django.contrib.postgres.indexes import GinIndex
from django.contrib.postgres.search import SearchVector, SearchVectorField
from django.db import models
from django.db.models import F, Q
from guardian.models import GroupObjectPermissionBase, UserObjectPermissionBase

from rrcase.core.models import JobRecord
from rrcase.core.text import ERROR, NOTE, REASON, text_bound


class Gender(models.TextChoices):
    MALE = "male", "Male"
    FEMALE = "female", "Female"
    OTHER = "other", "Other"
    UNKNOWN = "unknown", "Unknown"


class CustodyStatus(models.TextChoices):
    COMMUNITY = "community", "In the community"
    IN_CUSTODY = "in_custody", "In custody"
    UNLAWFULLY_AT_LARGE = "ual", "Unlawfully at large"
    DECEASED = "deceased", "Deceased"


class Brag(models.TextChoices):
    BLUE = "blue", "Blue"
    RED = "red", "Red"
    AMBER = "amber", "Amber"
    GREEN = "green", "Green"


class Rosh(models.TextChoices):
    LOW = "low", "Low"
    MEDIUM = "medium", "Medium"
    HIGH = "high", "High"
    VERY_HIGH = "very_high", "Very high"


# Sort orders for the case list: "most urgent first". Defined beside Person
# because its indexes are built on exactly these expressions: PostgreSQL only
# walks an expression index when the query's ORDER BY is the same expression.
BRAG_ORDER = models.Case(
    models.When(brag=Brag.RED, then=models.Value(0)),
    models.When(brag=Brag.AMBER, then=models.Value(1)),
    models.When(brag=Brag.GREEN, then=models.Value(2)),
    models.When(brag=Brag.BLUE, then=models.Value(3)),
    default=models.Value(4),
    output_field=models.IntegerField(),
)
ROSH_ORDER = models.Case(
    models.When(rosh=Rosh.VERY_HIGH, then=models.Value(0)),
    models.When(rosh=Rosh.HIGH, then=models.Value(1)),
    models.When(rosh=Rosh.MEDIUM, then=models.Value(2)),
    models.When(rosh=Rosh.LOW, then=models.Value(3)),
    default=models.Value(4),
    output_field=models.IntegerField(),
)


class Person(models.Model):
    reference = models.CharField(
        "case reference (CRN)",
        max_length=32,
        unique=True,
        help_text="nDelius CRN or local reference",
    )
    pnc_id = models.CharField("PNC ID", max_length=32, blank=True)
    nomis_number = models.CharField("NOMIS number", max_length=16, blank=True)
    given_name = models.CharField(max_length=100)
    family_name = models.CharField(max_length=100)
    date_of_birth = models.DateField()
    gender = models.CharField(max_length=10, choices=Gender.choices, default=Gender.UNKNOWN)
    ethnicity = models.CharField(max_length=100, blank=True)
    lead_agency = models.ForeignKey(
        "access.Agency", on_delete=models.PROTECT, related_name="led_people"
    )
    offender_manager = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="managed_people",
    )
    police_spoc = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="police single point of contact",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="spoc_people",
    )
    # Limited access (like nDelius LAO): only users named in PersonUserObjectPermission see it.
    restricted = models.BooleanField(default=False)
    custody_status = models.CharField(
        max_length=12, choices=CustodyStatus.choices, default=CustodyStatus.COMMUNITY
    )
    prison = models.CharField(max_length=100, blank=True)
    expected_release_date = models.DateField(null=True, blank=True)

    # Current values kept on the row by the services that change them, so the
    # case list filters and sorts on indexed columns instead of joining history.
    brag = models.CharField(max_length=5, choices=Brag.choices, blank=True)
    rosh = models.CharField(max_length=10, choices=Rosh.choices, blank=True)

    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    # Optimistic locking: every edit states the version it read (SECURITY.md).
    version = models.PositiveIntegerField(default=1)
    # Names and identifiers as PostgreSQL keeps them for search, stored: a
    # prefix search re-checks every match against its vector, and computing
    # them (rather than reading them) was most of a surname search's time.
    search_vector = models.GeneratedField(
        expression=SearchVector(
            "given_name", "family_name", "reference", "pnc_id", config="simple"
        ),
        output_field=SearchVectorField(),
        db_persist=True,
    )

    class Meta:
        ordering = ["family_name", "given_name", "id"]
        verbose_name_plural = "people"
        indexes = [
            models.Index(fields=["family_name", "given_name"], name="person_name"),
            models.Index(fields=["pnc_id"], name="person_pnc"),
            models.Index(fields=["date_of_birth"], name="person_dob"),
            models.Index(fields=["lead_agency", "family_name"], name="person_lead_name"),
            models.Index(fields=["offender_manager"], name="person_om"),
            models.Index(fields=["brag"], name="person_brag"),
            # The case list sorted by BRAG or RoSH reads 25 rows off these
            # instead of sorting everyone the user can see (0.7 s at 250,000).
            models.Index(BRAG_ORDER, "family_name", "id", name="person_brag_order"),
            models.Index(ROSH_ORDER, "family_name", "id", name="person_rosh_order"),
            # Restricted records are few: the case list counts the ones hidden
            # from the user on every view (a table scan without this).
            models.Index(fields=["id"], condition=Q(restricted=True), name="person_restricted"),
            # Partial-input search over names and identifiers (pg_trgm is not in
            # the embedded PostgreSQL build, so full-text with prefix queries).
            GinIndex(fields=["search_vector"], name="person_search_vector"),
        ]

    def __str__(self) -> str:
        return f"{self.given_name} {self.family_name} ({self.reference})"

    @property
    def full_name(self) -> str:
        return f"{self.given_name} {self.family_name}"

    def age_on(self, day: date) -> int:
        years = day.year - self.date_of_birth.year
        if (day.month, day.day) < (self.date_of_birth.month, self.date_of_birth.day):
            years -= 1
        return years


class PersonGroupObjectPermission(GroupObjectPermissionBase):
    """An agency's grant on a person: guardian's direct foreign-key table, so
    "which people may this agency see" is a join, not a generic lookup."""

    content_object = models.ForeignKey(Person, on_delete=models.CASCADE)

    class Meta(GroupObjectPermissionBase.Meta):
        indexes = [models.Index(fields=["group", "permission"], name="person_grant_group")]


class PersonUserObjectPermission(UserObjectPermissionBase):
    """A named user's access to a restricted person."""

    content_object = models.ForeignKey(Person, on_delete=models.CASCADE)


class InvolvementReason(models.TextChoices):
    LEAD_AGENCY = "lead", "Lead agency"
    COHORT = "cohort", "Cohort involvement"
    PANEL = "panel", "Panel involvement"
    REFERRAL = "referral", "Referral received"
    SHARE = "share", "Explicit share"


class Involvement(models.Model):
    """Why an agency may see a person. An agency's grant exists while it has at
    least one active involvement, so closing a referral does not remove access
    the agency also has as, say, a cohort partner."""

    person = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="involvements")
    agency = models.ForeignKey("access.Agency", on_delete=models.PROTECT, related_name="+")
    reason = models.CharField(max_length=10, choices=InvolvementReason.choices)
    # What the involvement comes from (a referral id, a panel id…), so the same
    # source ends exactly its own involvement.
    source = models.CharField(max_length=64, blank=True)
    can_change = models.BooleanField(default=False)
    justification = models.TextField(max_length=REASON, blank=True)
    started_at = models.DateTimeField(auto_now_add=True)
    started_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    ended_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["person", "agency", "reason", "source"],
                condition=Q(ended_at__isnull=True),
                name="one_active_involvement_per_source",
            ),
            text_bound("justification", REASON, prefix="involvement"),
        ]
        indexes = [models.Index(fields=["person", "agency"], name="involvement_person_agency")]

    def __str__(self) -> str:
        return f"{self.agency} on {self.person_id}: {self.get_reason_display()}"


class Alias(models.Model):
    person = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="aliases")
    given_name = models.CharField(max_length=100)
    family_name = models.CharField(max_length=100)

    class Meta:
        verbose_name_plural = "aliases"

    def __str__(self) -> str:
        return f"{self.given_name} {self.family_name}"


class Address(models.Model):
    person = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="addresses")
    line_1 = models.CharField(max_length=200)
    town = models.CharField(max_length=100, blank=True)
    postcode = models.CharField(max_length=10, blank=True)
    borough = models.CharField(max_length=100, blank=True)
    from_date = models.DateField()
    to_date = models.DateField(null=True, blank=True)

    class Meta:
        ordering = ["-from_date"]
        verbose_name_plural = "addresses"

    def __str__(self) -> str:
        return f"{self.line_1}, {self.postcode}"


class Cohort(models.TextChoices):
    IOM = "iom", "IOM"
    PPO = "ppo", "PPO"
    DIP = "dip", "DIP"
    MAPPA = "mappa", "MAPPA"
    SGV = "sgv", "SGV"
    ASB = "asb", "ASB"


class IomStrand(models.TextChoices):
    FIXED = "fixed", "Fixed"
    FLEX = "flex", "Flex"
    FREE = "free", "Free"


class CohortMembership(models.Model):
    person = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="cohort_memberships")
    cohort = models.CharField(max_length=5, choices=Cohort.choices)
    start_date = models.DateField()
    end_date = models.DateField(null=True, blank=True)
    strand = models.CharField(max_length=5, choices=IomStrand.choices, blank=True)
    mappa_category = models.PositiveSmallIntegerField(null=True, blank=True)
    mappa_level = models.PositiveSmallIntegerField(null=True, blank=True)
    selection_reason = models.TextField(max_length=REASON, blank=True)
    deselection_reason = models.TextField(max_length=REASON, blank=True)
    selection_score = models.DecimalField(max_digits=7, decimal_places=2, null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    version = models.PositiveIntegerField(default=1)

    class Meta:
        ordering = ["-start_date"]
        constraints = [
            models.UniqueConstraint(
                fields=["person", "cohort", "start_date"], name="cohort_membership_key"
            ),
            models.CheckConstraint(
                condition=Q(end_date__isnull=True) | Q(end_date__gte=F("start_date")),
                name="cohort_membership_ends_after_start",
            ),
            models.CheckConstraint(
                condition=Q(mappa_category__isnull=True)
                | Q(mappa_category__gte=1, mappa_category__lte=4),
                name="mappa_category_1_to_4",
            ),
            models.CheckConstraint(
                condition=Q(mappa_level__isnull=True) | Q(mappa_level__gte=1, mappa_level__lte=3),
                name="mappa_level_1_to_3",
            ),
            text_bound("selection_reason", REASON, prefix="cohortmembership"),
            text_bound("deselection_reason", REASON, prefix="cohortmembership"),
        ]
        indexes = [
            # Covering the person: "who is in the IOM cohort today" (the case
            # list's cohort filter, KPIs) is answered from the index alone.
            models.Index(
                fields=["cohort", "start_date", "end_date"],
                include=["person"],
                name="cohort_active_people",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_cohort_display()} from {self.start_date}"

    def is_active_on(self, day: date) -> bool:
        return self.start_date <= day and (self.end_date is None or self.end_date >= day)


class BragChange(models.Model):
    person = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="brag_changes")
    status = models.CharField(max_length=5, choices=Brag.choices)
    reason = models.TextField(max_length=REASON)
    changed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    changed_at = models.DateTimeField()

    class Meta:
        constraints = [
            text_bound("reason", REASON, prefix="bragchange"),
        ]
        ordering = ["-changed_at", "-id"]
        indexes = [models.Index(fields=["person", "-changed_at"], name="brag_person_at")]

    def __str__(self) -> str:
        return f"{self.get_status_display()} on {self.changed_at:%Y-%m-%d}"


class DisposalType(models.TextChoices):
    CUSTODY = "custody", "Custody"
    LICENCE = "licence", "Licence"
    PSS = "pss", "Post-sentence supervision"
    COMMUNITY_ORDER = "community_order", "Community order"
    SUSPENDED_SENTENCE_ORDER = "suspended_sentence_order", "Suspended sentence order"
    FINE = "fine", "Fine"
    DISCHARGE = "discharge", "Discharge"
    CAUTION = "caution", "Caution"


SUPERVISED_TYPES = (
    DisposalType.LICENCE,
    DisposalType.PSS,
    DisposalType.COMMUNITY_ORDER,
    DisposalType.SUSPENDED_SENTENCE_ORDER,
)


class AccommodationStatus(models.TextChoices):
    SETTLED = "settled", "Settled"
    UNSETTLED = "unsettled", "Unsettled"
    NFA = "nfa", "No fixed abode"
    UNKNOWN = "unknown", "Unknown"


class EmploymentStatus(models.TextChoices):
    EMPLOYED = "employed", "Employed"
    UNEMPLOYED = "unemployed", "Unemployed"
    UNAVAILABLE = "unavailable", "Unavailable for work"
    UNKNOWN = "unknown", "Unknown"


class Disposal(models.Model):
    person = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="disposals")
    reference = models.CharField(max_length=32, unique=True)
    type = models.CharField(max_length=30, choices=DisposalType.choices)
    start_date = models.DateField()
    release_date = models.DateField(null=True, blank=True, help_text="Custody only")
    end_date = models.DateField(
        null=True, blank=True, help_text="Sentence, order or licence expiry"
    )
    terminated_date = models.DateField(null=True, blank=True)
    termination_reason = models.TextField(
        max_length=REASON,
        blank=True,
        help_text="Why it ended, when a practitioner ended it in rrcase",
    )
    supervised_by_probation = models.BooleanField(default=False)
    # Whether a community order / SSO has a rehabilitation activity requirement
    # (Probation Reset applies to those).
    has_rar = models.BooleanField("rehabilitation activity requirement", default=False)
    accommodation_at_end = models.CharField(
        max_length=10, choices=AccommodationStatus.choices, default=AccommodationStatus.UNKNOWN
    )
    employment_at_end = models.CharField(
        max_length=12, choices=EmploymentStatus.choices, default=EmploymentStatus.UNKNOWN
    )
    version = models.PositiveIntegerField(default=1)

    class Meta:
        ordering = ["-start_date"]
        constraints = [
            models.CheckConstraint(
                condition=Q(end_date__isnull=True) | Q(end_date__gte=F("start_date")),
                name="disposal_ends_after_start",
            ),
            text_bound("termination_reason", REASON, prefix="disposal"),
        ]
        indexes = [
            models.Index(fields=["person", "start_date"], name="disposal_person_start"),
            models.Index(fields=["type", "start_date"], name="disposal_type_start"),
            models.Index(fields=["type", "release_date"], name="disposal_type_release"),
            models.Index(fields=["terminated_date"], name="disposal_terminated"),
        ]

    def __str__(self) -> str:
        return f"{self.get_type_display()} from {self.start_date}"

    @property
    def two_thirds_date(self) -> date | None:
        """Probation Reset (2024): active supervision stops at the two-thirds point
        of a licence, or of a community order / SSO with a RAR (DOMAIN.md)."""
        if self.end_date is None:
            return None
        if self.type == DisposalType.LICENCE:
            begins = self.start_date
        elif self.type in (DisposalType.COMMUNITY_ORDER, DisposalType.SUSPENDED_SENTENCE_ORDER):
            if not self.has_rar:
                return None
            begins = self.start_date
        else:
            return None
        span = (self.end_date - begins).days
        return date.fromordinal(begins.toordinal() + (2 * span) // 3)


class RiskAssessment(models.Model):
    person = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="assessments")
    assessed_on = models.DateField()
    rosh = models.CharField(max_length=10, choices=Rosh.choices, blank=True)
    ogrs3_1y = models.PositiveSmallIntegerField("OGRS3 1-year %", null=True, blank=True)
    ogrs3_2y = models.PositiveSmallIntegerField("OGRS3 2-year %", null=True, blank=True)
    ovp_2y = models.PositiveSmallIntegerField("OVP 2-year %", null=True, blank=True)
    predicted_3m = models.DecimalField(
        "predicted 3-month reoffending probability",
        max_digits=5,
        decimal_places=4,
        null=True,
        blank=True,
    )

    class Meta:
        ordering = ["-assessed_on"]
        constraints = [
            models.UniqueConstraint(fields=["person", "assessed_on"], name="assessment_key"),
            models.CheckConstraint(
                condition=Q(ogrs3_1y__isnull=True) | Q(ogrs3_1y__lte=99), name="ogrs3_1y_0_99"
            ),
            models.CheckConstraint(
                condition=Q(ogrs3_2y__isnull=True) | Q(ogrs3_2y__lte=99), name="ogrs3_2y_0_99"
            ),
            models.CheckConstraint(
                condition=Q(ovp_2y__isnull=True) | Q(ovp_2y__lte=99), name="ovp_2y_0_99"
            ),
            models.CheckConstraint(
                condition=Q(predicted_3m__isnull=True)
                | Q(predicted_3m__gte=0, predicted_3m__lte=1),
                name="predicted_3m_0_1",
            ),
        ]

    def __str__(self) -> str:
        return f"Assessment on {self.assessed_on}"


class OffenceCategory(models.TextChoices):
    VIOLENCE_WITH_INJURY = "violence_with_injury", "Violence with injury"
    VIOLENCE_WITHOUT_INJURY = "violence_without_injury", "Violence without injury"
    HOMICIDE = "homicide", "Homicide"
    SEXUAL_OFFENCE = "sexual_offence", "Sexual offence"
    ROBBERY = "robbery", "Robbery"
    DOMESTIC_BURGLARY = "domestic_burglary", "Domestic burglary"
    NON_DOMESTIC_BURGLARY = "non_domestic_burglary", "Non-domestic burglary"
    VEHICLE_THEFT = "vehicle_theft", "Vehicle theft"
    THEFT_FROM_VEHICLE = "theft_from_vehicle", "Theft from vehicle"
    THEFT_FROM_PERSON = "theft_from_person", "Theft from the person"
    SHOPLIFTING = "shoplifting", "Shoplifting"
    OTHER_THEFT = "other_theft", "Other theft"
    CRIMINAL_DAMAGE = "criminal_damage", "Criminal damage"
    ARSON = "arson", "Arson"
    DRUG_POSSESSION = "drug_possession", "Drug possession"
    DRUG_SUPPLY = "drug_supply", "Drug supply"
    PUBLIC_ORDER = "public_order", "Public order"
    POSSESSION_OF_WEAPONS = "possession_of_weapons", "Possession of weapons"
    FRAUD = "fraud", "Fraud"
    MOTORING = "motoring", "Motoring"
    OTHER = "other", "Other"


class OffenceOutcome(models.TextChoices):
    CONVICTION = "conviction", "Conviction"
    CAUTION = "caution", "Caution"
    NFA = "nfa", "No further action"
    PENDING = "pending", "Pending"
    ACQUITTED = "acquitted", "Acquitted"


PROVEN_OUTCOMES = (OffenceOutcome.CONVICTION, OffenceOutcome.CAUTION)


class Offence(models.Model):
    person = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="offences")
    reference = models.CharField(max_length=32, unique=True)
    offence_date = models.DateField()
    category = models.CharField(max_length=32, choices=OffenceCategory.choices)
    outcome = models.CharField(max_length=12, choices=OffenceOutcome.choices)
    outcome_date = models.DateField(null=True, blank=True)

    class Meta:
        ordering = ["-offence_date"]
        constraints = [
            models.CheckConstraint(
                condition=Q(outcome_date__isnull=True) | Q(outcome_date__gte=F("offence_date")),
                name="offence_outcome_after_offence",
            ),
            models.CheckConstraint(
                condition=~Q(outcome__in=["conviction", "caution"]) | Q(outcome_date__isnull=False),
                name="proven_offence_has_outcome_date",
            ),
        ]
        indexes = [
            models.Index(fields=["person", "offence_date"], name="offence_person_date"),
            # The KPI engine's proven-offence scans.
            models.Index(
                fields=["offence_date", "person"],
                name="offence_proven_date",
                condition=Q(outcome__in=["conviction", "caution"]),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_category_display()} on {self.offence_date}"


class Sensitivity(models.TextChoices):
    """Classes of information the sharing agreement controls (rrcase.access.SharingRule)."""

    STANDARD = "standard", "Standard"
    POLICE_INTELLIGENCE = "police_intelligence", "Police intelligence"
    HEALTH = "health", "Health"
    MAPPA = "mappa", "MAPPA"


class ContactKind(models.TextChoices):
    APPOINTMENT = "appointment", "Appointment"
    HOME_VISIT = "home_visit", "Home visit"
    JOINT_HOME_VISIT = "joint_home_visit", "Joint home visit"
    PRISON_VISIT = "prison_visit", "Prison visit"
    PHONE = "phone", "Phone call"
    DRUG_TEST = "drug_test", "Drug test"
    NOTE = "note", "Case note"


class ContactOutcome(models.TextChoices):
    ATTENDED = "attended", "Attended"
    MISSED_ACCEPTABLE = "missed_acceptable", "Missed (acceptable)"
    MISSED_UNACCEPTABLE = "missed_unacceptable", "Missed (unacceptable)"
    RESCHEDULED = "rescheduled", "Rescheduled"


class DrugTestResult(models.TextChoices):
    NEGATIVE = "negative", "Negative"
    POSITIVE = "positive", "Positive"
    REFUSED = "refused", "Refused"


class Contact(models.Model):
    person = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="contacts")
    kind = models.CharField(max_length=20, choices=ContactKind.choices)
    occurred_on = models.DateField()
    outcome = models.CharField(max_length=20, choices=ContactOutcome.choices, blank=True)
    agency = models.ForeignKey("access.Agency", on_delete=models.PROTECT, related_name="+")
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    recorded_at = models.DateTimeField(auto_now_add=True)
    drug_test_result = models.CharField(max_length=10, choices=DrugTestResult.choices, blank=True)
    substances = models.CharField(max_length=200, blank=True)
    notes = models.TextField(max_length=NOTE, blank=True)
    sensitivity = models.CharField(
        max_length=20, choices=Sensitivity.choices, default=Sensitivity.STANDARD
    )

    class Meta:
        constraints = [
            text_bound("notes", NOTE, prefix="contact"),
        ]
        ordering = ["-occurred_on", "-id"]
        indexes = [models.Index(fields=["person", "-occurred_on"], name="contact_person_on")]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} on {self.occurred_on}"


class EnforcementKind(models.TextChoices):
    WARNING_LETTER = "warning_letter", "Warning letter"
    BREACH = "breach", "Breach"
    RECALL_REQUESTED = "recall_requested", "Recall requested"
    RECALL = "recall", "Recall"
    ARREST = "arrest", "Arrest"
    CIVIL_ORDER = "civil_order", "Civil order"


class Enforcement(models.Model):
    person = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="enforcements")
    kind = models.CharField(max_length=20, choices=EnforcementKind.choices)
    occurred_at = models.DateTimeField()
    # Recall must be requested within 2 hours of the decision (DOMAIN.md).
    decision_at = models.DateTimeField(null=True, blank=True)
    agency = models.ForeignKey("access.Agency", on_delete=models.PROTECT, related_name="+")
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    notes = models.TextField(max_length=NOTE, blank=True)
    sensitivity = models.CharField(
        max_length=20, choices=Sensitivity.choices, default=Sensitivity.STANDARD
    )

    class Meta:
        constraints = [
            text_bound("notes", NOTE, prefix="enforcement"),
        ]
        ordering = ["-occurred_at", "-id"]
        indexes = [models.Index(fields=["person", "-occurred_at"], name="enforcement_person_at")]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} at {self.occurred_at:%Y-%m-%d %H:%M}"


def licence_follow_up_date(disposal: Disposal) -> date | None:
    """The one follow-up appointment midway through a licence's final third."""
    two_thirds = disposal.two_thirds_date
    if disposal.type != DisposalType.LICENCE or two_thirds is None or disposal.end_date is None:
        return None
    return date.fromordinal((two_thirds.toordinal() + disposal.end_date.toordinal()) // 2)


class AlertSnapshot(models.Model):
    """Which people had which alert on a day (offenders.alerts), written daily by
    a Celery beat task so trends and "how long has this been flagged" can be
    read back later. One row per (person, code, day): rewriting a day is a no-op."""

    person = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="alert_snapshots")
    code = models.CharField(max_length=32)
    on = models.DateField()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["person", "code", "on"], name="alert_snapshot_key")
        ]
        indexes = [models.Index(fields=["on", "code"], name="alert_snapshot_day")]

    def __str__(self) -> str:
        return f"{self.code} on {self.on}"


class SelectionMatrix(models.Model):
    """The local PPO/IOM selection matrix (DOMAIN.md): a weighted count of a
    person's proven offences in the look-back window; over the threshold makes
    them a candidate for the cohort. Configuration, edited in the admin."""

    cohort = models.CharField(max_length=5, choices=Cohort.choices, unique=True)
    look_back_months = models.PositiveSmallIntegerField(default=12)
    threshold = models.DecimalField(max_digits=6, decimal_places=2, default=Decimal("6"))
    # Offences with outcome pending count too when on (intelligence-led selection).
    count_pending = models.BooleanField(default=False)
    default_weight = models.DecimalField(
        max_digits=4,
        decimal_places=2,
        default=Decimal("1"),
        help_text="Weight for categories without their own row",
    )
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name_plural = "selection matrices"

    def __str__(self) -> str:
        return f"{self.get_cohort_display()} selection matrix"


class SelectionWeight(models.Model):
    matrix = models.ForeignKey(SelectionMatrix, on_delete=models.CASCADE, related_name="weights")
    category = models.CharField(max_length=32, choices=OffenceCategory.choices)
    weight = models.DecimalField(max_digits=4, decimal_places=2)

    class Meta:
        ordering = ["category"]
        constraints = [
            models.UniqueConstraint(fields=["matrix", "category"], name="selection_weight_key")
        ]

    def __str__(self) -> str:
        return f"{self.get_category_display()} × {self.weight}"


class ImportRunStatus(models.TextChoices):
    QUEUED = "queued", "Waiting to start"
    RUNNING = "running", "Running"
    IMPORTED = "imported", "Imported"
    PARTIAL = "partial", "Imported, with rejected rows"
    REJECTED = "rejected", "Nothing imported: rows were rejected"
    CHECKED = "checked", "Checked, not imported"
    FAILED = "failed", "Failed"


IMPORT_RUN_FINISHED = (
    ImportRunStatus.IMPORTED,
    ImportRunStatus.PARTIAL,
    ImportRunStatus.REJECTED,
    ImportRunStatus.CHECKED,
    ImportRunStatus.FAILED,
)


class ImportRun(JobRecord):
    """One upload of CSV extracts through the import page, run by a Celery task
    (offenders.imports.import_run_execute). The files are kept under
    MEDIA_ROOT/imports/<storage_key>/, outside the web root. Delivery (queued,
    heartbeat, attempts, claim) is rrcase.core.jobs's."""

    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    agency = models.ForeignKey("access.Agency", on_delete=models.PROTECT, related_name="+")
    requested_at = models.DateTimeField(auto_now_add=True)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    status = models.CharField(
        max_length=10, choices=ImportRunStatus.choices, default=ImportRunStatus.QUEUED
    )
    partial = models.BooleanField(default=False)
    dry_run = models.BooleanField(default=False)
    storage_key = models.CharField(max_length=32, unique=True)
    # [{"name": "people.csv", "size": 1234}, ...]
    files = models.JSONField(default=list)
    rows_total = models.PositiveIntegerField(default=0)
    rows_done = models.PositiveIntegerField(default=0)
    # offenders.imports.ImportResult.summary_dict()
    summary = models.JSONField(default=dict, blank=True)
    rejected_count = models.PositiveIntegerField(default=0)
    error = models.TextField(max_length=ERROR, blank=True)

    class Meta:
        constraints = [
            text_bound("error", ERROR, prefix="importrun"),
        ]
        ordering = ["-requested_at", "-id"]
        indexes = [
            models.Index(fields=["requested_by", "-requested_at"], name="import_run_by"),
            # The sweeper's every-minute look for queued and running runs.
            models.Index(
                fields=["status"],
                condition=Q(status__in=["queued", "running"]),
                name="import_run_unfinished",
            ),
        ]

    def __str__(self) -> str:
        return f"Import {self.pk} ({self.get_status_display()})"

    @property
    def finished(self) -> bool:
        return self.status in IMPORT_RUN_FINISHED

    @property
    def percent_done(self) -> int:
        if self.finished:
            return 100
        if not self.rows_total:
            return 0
        return min(99, self.rows_done * 100 // self.rows_total)


class ApiToken(models.Model):
    """A key an integration uses to call the API as one user (offenders.api.auth).
    Only a SHA-256 of the key is stored; the key itself is shown once, when
    issued, and only to users enrolled in the second factor."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    name = models.CharField(max_length=100, help_text="What the token is for")
    # The first characters of the key, so a user can tell their tokens apart.
    prefix = models.CharField(max_length=8)
    key_hash = models.CharField(max_length=64, unique=True)
    created_at = models.DateTimeField(auto_now_add=True)
    expires_at = models.DateTimeField()
    last_used_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"{self.name} ({self.prefix}…)"


# --- Appointments and the diary (docs/decisions.md "Appointments") -------------------


class AppointmentStatus(models.TextChoices):
    BOOKED = "booked", "Booked"
    RESCHEDULED = "rescheduled", "Rescheduled"
    CANCELLED = "cancelled", "Cancelled"
    DONE = "done", "Outcome recorded"


class AppointmentOutcome(models.TextChoices):
    ATTENDED = "attended", "Attended"
    ACCEPTABLE_ABSENCE = "acceptable_absence", "Acceptable absence"
    UNACCEPTABLE_ABSENCE = "unacceptable_absence", "Unacceptable absence"
    FAILED_TO_ATTEND = "failed_to_attend", "Failed to attend"
    RESCHEDULED_BY_US = "rescheduled_by_us", "Rescheduled by us"


# The contact an outcome becomes, so compliance, alerts and KPIs read it as they
# read every logged contact. A failure to attend with no reason given is an
# unacceptable absence until a reason is accepted (DOMAIN.md enforcement).
# "Rescheduled by us" is not the person's contact at all: no contact is made.
OUTCOME_CONTACT: dict[str, str] = {
    AppointmentOutcome.ATTENDED: ContactOutcome.ATTENDED,
    AppointmentOutcome.ACCEPTABLE_ABSENCE: ContactOutcome.MISSED_ACCEPTABLE,
    AppointmentOutcome.UNACCEPTABLE_ABSENCE: ContactOutcome.MISSED_UNACCEPTABLE,
    AppointmentOutcome.FAILED_TO_ATTEND: ContactOutcome.MISSED_UNACCEPTABLE,
}

# Every contact kind but a case note can be booked.
APPOINTMENT_KIND_CHOICES = [(v, label) for v, label in ContactKind.choices if v != ContactKind.NOTE]
# A person in custody is seen in prison or called there, nothing else.
CUSTODY_KINDS = (ContactKind.PRISON_VISIT, ContactKind.PHONE)
NOTES_MAX = 2000
REASON_MAX = 500


class Appointment(models.Model):
    """A contact booked for the future: who sees the person, when, where.

    Not a Contact until its outcome is recorded: then appointment_outcome_record
    makes the Contact (`contact`), so compliance, alerts and KPIs, which read
    contacts only, never count what has not happened. A reschedule ends this
    row (status rescheduled) and books a new one pointing back at it, so the
    history of a booking is the chain of `rescheduled_from`."""

    person = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="appointments")
    kind = models.CharField(max_length=20, choices=APPOINTMENT_KIND_CHOICES)
    starts_at = models.DateTimeField()
    ends_at = models.DateTimeField()
    place = models.CharField(max_length=200)
    officer = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="appointments"
    )
    # The booking agency (the officer's), and the partner for a joint visit.
    agency = models.ForeignKey("access.Agency", on_delete=models.PROTECT, related_name="+")
    joint_agency = models.ForeignKey(
        "access.Agency", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    # varchar: PostgreSQL itself refuses text past the bound.
    notes = models.CharField(max_length=NOTES_MAX, blank=True)
    sensitivity = models.CharField(
        max_length=20, choices=Sensitivity.choices, default=Sensitivity.STANDARD
    )
    status = models.CharField(
        max_length=12, choices=AppointmentStatus.choices, default=AppointmentStatus.BOOKED
    )
    outcome = models.CharField(max_length=20, choices=AppointmentOutcome.choices, blank=True)
    # Why it was cancelled or rescheduled, or the reason for an acceptable absence.
    reason = models.CharField(max_length=REASON_MAX, blank=True)
    contact = models.OneToOneField(
        Contact, null=True, blank=True, on_delete=models.SET_NULL, related_name="appointment"
    )
    rescheduled_from = models.OneToOneField(
        "self", null=True, blank=True, on_delete=models.SET_NULL, related_name="rescheduled_to"
    )
    booked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    booked_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    version = models.PositiveIntegerField(default=1)

    class Meta:
        ordering = ["starts_at", "id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(ends_at__gt=F("starts_at")), name="appointment_ends_after_start"
            ),
            models.CheckConstraint(
                condition=~Q(kind="note"), name="appointment_is_not_a_case_note"
            ),
            # An outcome once recorded; "rescheduled by us" only on a rescheduled row.
            models.CheckConstraint(
                condition=Q(status="done", outcome__gt="")
                | Q(status="rescheduled", outcome__in=["", "rescheduled_by_us"])
                | Q(status__in=["booked", "cancelled"], outcome=""),
                name="appointment_outcome_matches_status",
            ),
        ]
        indexes = [
            # The diary: one officer's appointments in a day or week.
            models.Index(fields=["officer", "starts_at"], name="appointment_officer_at"),
            models.Index(fields=["person", "starts_at"], name="appointment_person_at"),
            # "Outcomes to log": booked and started, a small set however large the table.
            models.Index(
                fields=["officer", "starts_at"],
                condition=Q(status="booked"),
                name="appointment_booked_officer",
            ),
            models.Index(
                fields=["agency", "starts_at"],
                condition=Q(status="booked"),
                name="appointment_booked_agency",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} at {self.starts_at:%Y-%m-%d %H:%M}"

    @property
    def duration_minutes(self) -> int:
        return int((self.ends_at - self.starts_at).total_seconds() // 60)


class CalendarFeed(models.Model):
    """A user's private calendar feed (offenders.diary_views.calendar_feed):
    an unguessable URL their own calendar app polls. Only a SHA-256 of the
    token is kept; the URL is shown once, when made. Revoking deletes nothing
    but the token's use: revoked_at set, the URL answers 404."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    token_hash = models.CharField(max_length=64, unique=True)
    created_at = models.DateTimeField(auto_now_add=True)
    last_used_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["user"], condition=Q(revoked_at__isnull=True), name="one_live_feed_per_user"
            )
        ]

    def __str__(self) -> str:
        return f"Calendar feed {self.pk} of user {self.user_id}"
