"""Resettlement pathways: the reference data (pathways and their catalogue of
specific needs), each person's needs, the services directory, referrals from a
need to a service, and the outcome histories that feed NI 143 / 144.

Terms: ../shared/DOMAIN.md "Resettlement pathways". Writes go through
pathways/services.py; reads through pathways/selectors.py, which scopes every
query to the acting user's agency grants and the sharing agreement.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone

from rrcase.core.text import DESCRIPTION, NOTE, REASON, text_bound


class Pathway(models.Model):
    """One resettlement pathway. The set is data: seven pathways (National
    Reducing Re-offending Action Plan) or eight (London model), with drugs and
    alcohol as one pathway or two. System admins edit it in the Django admin."""

    code = models.SlugField(max_length=40, unique=True)
    name = models.CharField(max_length=100, unique=True)
    description = models.TextField(max_length=DESCRIPTION, blank=True)
    position = models.PositiveSmallIntegerField(default=0)
    # The sharing agreement's class for what is recorded on this pathway
    # (offenders.Sensitivity): health and drug treatment are health data.
    sensitivity = models.CharField(max_length=20, default="standard")
    is_active = models.BooleanField(default=True)

    class Meta:
        constraints = [
            text_bound("description", DESCRIPTION, prefix="pathway"),
        ]
        ordering = ["position", "name"]

    def __str__(self) -> str:
        return self.name


class NeedType(models.Model):
    """A specific need in a pathway's catalogue ("no fixed abode", "no bank account")."""

    pathway = models.ForeignKey(Pathway, on_delete=models.PROTECT, related_name="need_types")
    code = models.SlugField(max_length=40)
    name = models.CharField(max_length=120)
    position = models.PositiveSmallIntegerField(default=0)
    # "Other": the practitioner describes the need in the need's detail.
    is_other = models.BooleanField(default=False)
    is_active = models.BooleanField(default=True)

    class Meta:
        ordering = ["pathway__position", "is_other", "position", "name"]
        constraints = [
            models.UniqueConstraint(fields=["pathway", "code"], name="need_type_key"),
        ]

    def __str__(self) -> str:
        return f"{self.pathway.name}: {self.name}"


class NeedLevel(models.TextChoices):
    NONE = "none", "None"
    LOW = "low", "Low"
    MEDIUM = "medium", "Medium"
    HIGH = "high", "High"


class Responsibility(models.TextChoices):
    """Who holds the need while the person's sentence runs."""

    COMMUNITY = "community", "Community"
    PRISON = "prison", "Prison (held in custody)"


class PathwayAssessment(models.Model):
    """The level of need on one pathway for one person (one row per pair)."""

    person = models.ForeignKey(
        "offenders.Person", on_delete=models.CASCADE, related_name="pathway_assessments"
    )
    pathway = models.ForeignKey(Pathway, on_delete=models.PROTECT, related_name="+")
    level = models.CharField(max_length=6, choices=NeedLevel.choices)
    responsibility = models.CharField(
        max_length=10, choices=Responsibility.choices, default=Responsibility.COMMUNITY
    )
    responsible_agency = models.ForeignKey(
        "access.Agency", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    assessed_on = models.DateField()
    assessed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    recorded_by_agency = models.ForeignKey(
        "access.Agency", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    version = models.PositiveIntegerField(default=1)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["person", "pathway"], name="pathway_assessment_key"),
        ]

    def __str__(self) -> str:
        return f"{self.pathway}: {self.get_level_display()}"


class NeedStatus(models.TextChoices):
    NOT_STARTED = "not_started", "Not started"
    IN_PROGRESS = "in_progress", "In progress"
    MET = "met", "Met"
    DECLINED = "declined", "Declined"


OPEN_NEED_STATUSES = (NeedStatus.NOT_STARTED, NeedStatus.IN_PROGRESS)


class Need(models.Model):
    """A specific need a person has, who is responsible for it and how it stands."""

    person = models.ForeignKey("offenders.Person", on_delete=models.CASCADE, related_name="needs")
    # Denormalised from need_type so the plan and the gap analysis group on a column.
    pathway = models.ForeignKey(Pathway, on_delete=models.PROTECT, related_name="needs")
    need_type = models.ForeignKey(NeedType, on_delete=models.PROTECT, related_name="needs")
    detail = models.CharField(max_length=200, blank=True, help_text="Required for other needs")
    status = models.CharField(
        max_length=12, choices=NeedStatus.choices, default=NeedStatus.NOT_STARTED
    )
    responsible_agency = models.ForeignKey(
        "access.Agency", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    responsibility = models.CharField(
        max_length=10, choices=Responsibility.choices, default=Responsibility.COMMUNITY
    )
    identified_on = models.DateField()
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    recorded_by_agency = models.ForeignKey(
        "access.Agency", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(auto_now=True)
    version = models.PositiveIntegerField(default=1)

    class Meta:
        ordering = ["pathway__position", "need_type__position", "id"]
        indexes = [
            models.Index(fields=["person", "pathway"], name="need_person_pathway"),
            models.Index(fields=["pathway", "status"], name="need_pathway_status"),
        ]

    def __str__(self) -> str:
        return self.detail if self.need_type.is_other and self.detail else self.need_type.name

    @property
    def is_open(self) -> bool:
        return self.status in OPEN_NEED_STATUSES


class NeedNote(models.Model):
    """The dated notes history of a need; a status change writes one too."""

    need = models.ForeignKey(Need, on_delete=models.CASCADE, related_name="notes")
    written_at = models.DateTimeField(default=timezone.now)
    written_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    agency = models.ForeignKey(
        "access.Agency", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    text = models.TextField(max_length=NOTE)
    status = models.CharField(max_length=12, choices=NeedStatus.choices, blank=True)

    class Meta:
        constraints = [
            text_bound("text", NOTE, prefix="neednote"),
        ]
        ordering = ["-written_at", "-id"]

    def __str__(self) -> str:
        return f"Note on {self.written_at:%Y-%m-%d}"


class Provider(models.Model):
    """Who delivers services: a partner agency on rrcase, or an outside
    organisation (then the referring agency records its responses)."""

    name = models.CharField(max_length=200, unique=True)
    agency = models.ForeignKey(
        "access.Agency",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="providers",
        help_text="Partner agency whose users receive referrals (empty: an outside organisation)",
    )
    description = models.TextField(max_length=DESCRIPTION, blank=True)
    website = models.URLField(blank=True)
    is_active = models.BooleanField(default=True)

    class Meta:
        constraints = [
            text_bound("description", DESCRIPTION, prefix="provider"),
        ]
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class Service(models.Model):
    """A service in the directory: what it offers on which pathway, who it is
    for, how many it can take, and how to refer."""

    provider = models.ForeignKey(Provider, on_delete=models.PROTECT, related_name="services")
    pathway = models.ForeignKey(Pathway, on_delete=models.PROTECT, related_name="services")
    need_types = models.ManyToManyField(
        NeedType, blank=True, related_name="services", help_text="The specific needs it addresses"
    )
    name = models.CharField(max_length=200)
    description = models.TextField(max_length=DESCRIPTION, blank=True)
    eligibility = models.TextField(max_length=DESCRIPTION, blank=True)
    capacity = models.PositiveIntegerField(
        null=True,
        blank=True,
        help_text="Places at once (accepted and started referrals); empty: no limit",
    )
    contact = models.CharField(max_length=200, blank=True)
    referral_route = models.TextField(max_length=DESCRIPTION, blank=True)
    response_target_hours = models.PositiveIntegerField(
        default=120, help_text="Hours from sending to a response (accept or reject)"
    )
    is_active = models.BooleanField(default=True)

    class Meta:
        ordering = ["pathway__position", "name"]
        constraints = [
            models.UniqueConstraint(fields=["provider", "name"], name="service_key"),
            text_bound("description", DESCRIPTION, prefix="service"),
            text_bound("eligibility", DESCRIPTION, prefix="service"),
            text_bound("referral_route", DESCRIPTION, prefix="service"),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def response_target_text(self) -> str:
        hours = self.response_target_hours
        if hours % 24 == 0 and hours >= 48:
            return f"{hours // 24} days"
        return f"{hours} hours"


class ReferralState(models.TextChoices):
    DRAFT = "draft", "Draft"
    SENT = "sent", "Sent"
    ACCEPTED = "accepted", "Accepted"
    REJECTED = "rejected", "Rejected"
    STARTED = "started", "Started"
    COMPLETED = "completed", "Completed"
    DISENGAGED = "disengaged", "Disengaged"
    WITHDRAWN = "withdrawn", "Withdrawn"


# Sent but not yet closed: the receiving agency has access while a referral is in these.
OPEN_REFERRAL_STATES = (ReferralState.SENT, ReferralState.ACCEPTED, ReferralState.STARTED)
# Taking up a place at the service (counted against its capacity).
PLACE_STATES = (ReferralState.ACCEPTED, ReferralState.STARTED)
CLOSED_REFERRAL_STATES = (
    ReferralState.REJECTED,
    ReferralState.COMPLETED,
    ReferralState.DISENGAGED,
    ReferralState.WITHDRAWN,
)


class Referral(models.Model):
    """A referral from a person's need to a service. Its states and the allowed
    transitions are in pathways/services.py (REFERRAL_TRANSITIONS)."""

    person = models.ForeignKey(
        "offenders.Person", on_delete=models.CASCADE, related_name="referrals"
    )
    need = models.ForeignKey(Need, on_delete=models.PROTECT, related_name="referrals")
    service = models.ForeignKey(Service, on_delete=models.PROTECT, related_name="referrals")
    from_agency = models.ForeignKey("access.Agency", on_delete=models.PROTECT, related_name="+")
    # The service's provider agency when it is on rrcase; empty for outside organisations.
    to_agency = models.ForeignKey(
        "access.Agency", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    state = models.CharField(
        max_length=10, choices=ReferralState.choices, default=ReferralState.DRAFT
    )
    reason = models.TextField(max_length=REASON, help_text="Why this person needs this service")
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)
    sent_at = models.DateTimeField(null=True, blank=True)
    respond_by = models.DateTimeField(null=True, blank=True)
    responded_at = models.DateTimeField(null=True, blank=True)
    closed_at = models.DateTimeField(null=True, blank=True)
    rejection_reason = models.TextField(max_length=REASON, blank=True)
    outcome = models.TextField(max_length=NOTE, blank=True)
    version = models.PositiveIntegerField(default=1)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["to_agency", "state", "respond_by"], name="referral_inbox"),
            models.Index(fields=["from_agency", "state"], name="referral_outbox"),
            models.Index(fields=["service", "state"], name="referral_service_state"),
            models.Index(fields=["person", "state"], name="referral_person_state"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=~Q(state="rejected") | ~Q(rejection_reason=""),
                name="rejected_referral_has_reason",
            ),
            text_bound("reason", REASON, prefix="referral"),
            text_bound("rejection_reason", REASON, prefix="referral"),
            text_bound("outcome", NOTE, prefix="referral"),
        ]

    def __str__(self) -> str:
        return f"Referral {self.pk} to {self.service}"

    @property
    def is_open(self) -> bool:
        return self.state in OPEN_REFERRAL_STATES


class ReferralEvent(models.Model):
    """One transition of a referral: the history shown on its page."""

    referral = models.ForeignKey(Referral, on_delete=models.CASCADE, related_name="events")
    from_state = models.CharField(max_length=10, choices=ReferralState.choices, blank=True)
    to_state = models.CharField(max_length=10, choices=ReferralState.choices)
    at = models.DateTimeField(default=timezone.now)
    by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    agency = models.ForeignKey(
        "access.Agency", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    note = models.TextField(max_length=NOTE, blank=True)

    class Meta:
        constraints = [
            text_bound("note", NOTE, prefix="referralevent"),
        ]
        ordering = ["at", "id"]

    def __str__(self) -> str:
        return f"{self.from_state or 'new'} → {self.to_state}"


class OutcomeKind(models.TextChoices):
    ACCOMMODATION = "accommodation", "Accommodation"
    ETE = "ete", "Employment, training and education"
    TREATMENT = "treatment", "Treatment engagement"


class AccommodationOutcome(models.TextChoices):
    SETTLED = "settled", "Settled"
    TEMPORARY = "temporary", "Temporary"
    NFA = "nfa", "No fixed abode"
    IN_CUSTODY = "in_custody", "In custody"


class EteOutcome(models.TextChoices):
    EMPLOYED = "employed", "Employed"
    EDUCATION_TRAINING = "education_training", "In education or training"
    UNEMPLOYED = "unemployed", "Unemployed"
    UNAVAILABLE = "unavailable", "Unavailable for work"


class TreatmentOutcome(models.TextChoices):
    SEEN_WITHIN_48_HOURS = "seen_48h", "Seen within 48 hours of release"
    SEEN_LATER = "seen_later", "Seen, later than 48 hours after release"
    IN_TREATMENT = "in_treatment", "In treatment"
    IN_TREATMENT_12_WEEKS = "in_treatment_12w", "In treatment for 12 weeks"
    LEFT_TREATMENT = "left_treatment", "Left treatment"


OUTCOME_VALUES: dict[str, type[models.TextChoices]] = {
    OutcomeKind.ACCOMMODATION: AccommodationOutcome,
    OutcomeKind.ETE: EteOutcome,
    OutcomeKind.TREATMENT: TreatmentOutcome,
}


# The outcome history a pathway's services feed (completing a referral records
# the person's situation in it; the gap analysis counts good outcomes). By
# pathway code: a partnership that splits drugs and alcohol adds its codes here.
PATHWAY_OUTCOME_KIND: dict[str, str] = {
    "accommodation": OutcomeKind.ACCOMMODATION,
    "ete": OutcomeKind.ETE,
    "drugs_alcohol": OutcomeKind.TREATMENT,
    "drugs": OutcomeKind.TREATMENT,
    "alcohol": OutcomeKind.TREATMENT,
}
# The values that count as a good outcome in the gap analysis.
GOOD_OUTCOMES: frozenset[str] = frozenset(
    {
        AccommodationOutcome.SETTLED,
        EteOutcome.EMPLOYED,
        EteOutcome.EDUCATION_TRAINING,
        TreatmentOutcome.IN_TREATMENT,
        TreatmentOutcome.IN_TREATMENT_12_WEEKS,
    }
)


class Outcome(models.Model):
    """A dated fact in one of the outcome histories: the person's situation
    from `recorded_on`. The latest on or before a day is their status that day."""

    person = models.ForeignKey(
        "offenders.Person", on_delete=models.CASCADE, related_name="outcomes"
    )
    kind = models.CharField(max_length=14, choices=OutcomeKind.choices)
    value = models.CharField(max_length=20)
    recorded_on = models.DateField(help_text="The date this became true")
    note = models.TextField(max_length=NOTE, blank=True)
    referral = models.ForeignKey(
        Referral, null=True, blank=True, on_delete=models.SET_NULL, related_name="outcomes"
    )
    # Treatment is health data: the sharing agreement decides who sees it.
    sensitivity = models.CharField(max_length=20, default="standard")
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    agency = models.ForeignKey(
        "access.Agency", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            text_bound("note", NOTE, prefix="outcome"),
        ]
        ordering = ["-recorded_on", "-id"]
        indexes = [
            models.Index(fields=["person", "kind", "-recorded_on", "-id"], name="outcome_latest"),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()}: {self.value_display} from {self.recorded_on}"

    @property
    def value_display(self) -> str:
        choices = OUTCOME_VALUES.get(self.kind)
        if choices is None:
            return self.value
        return str(dict(choices.choices).get(self.value, self.value))


class Notification(models.Model):
    """An in-app message to one user (referrals received, accepted, closed)."""

    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notifications"
    )
    agency = models.ForeignKey("access.Agency", on_delete=models.CASCADE, related_name="+")
    message = models.CharField(max_length=300)
    referral = models.ForeignKey(
        Referral, null=True, blank=True, on_delete=models.CASCADE, related_name="notifications"
    )
    created_at = models.DateTimeField(default=timezone.now)
    read_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["recipient", "read_at", "-created_at"], name="notification_inbox"),
        ]

    def __str__(self) -> str:
        return self.message
