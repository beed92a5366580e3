"""Multi-agency panels: the panel types a partnership runs (IOM, MAPPA, SGV,
DIP, ASB & Community MARAC, resettlement), their meetings, agendas,
decisions and actions.

Every write goes through panels/services.py (state machines for meetings and
actions live there, in one place); every read through panels/selectors.py,
scoped to the acting user. See docs/panels.md.
"""

from __future__ import annotations

from datetime import date

from django.conf import settings
from django.contrib.postgres.fields import ArrayField
from django.db import models
from django.db.models import Q

from offenders.models import Sensitivity
from rrcase.core.text import DESCRIPTION, NOTE, REASON, text_bound


def _sensitivity(help_text: str) -> models.CharField:
    """The class of information a piece of free text is, chosen where it is
    written (offenders.Sensitivity; rrcase.access.SharingRule says which
    agencies see which class, the same rule as contacts)."""
    return models.CharField(
        max_length=20,
        choices=Sensitivity.choices,
        default=Sensitivity.STANDARD,
        # Kept in the database too: rows written by raw COPY (bench/) and
        # every row there before this column get "standard".
        db_default=Sensitivity.STANDARD,
        help_text=help_text,
    )


class Frequency(models.TextChoices):
    MONTHLY = "monthly", "Monthly"
    FORTNIGHTLY = "fortnightly", "Every two weeks"
    WEEKLY = "weekly", "Weekly"


class Weekday(models.IntegerChoices):
    MONDAY = 0, "Monday"
    TUESDAY = 1, "Tuesday"
    WEDNESDAY = 2, "Wednesday"
    THURSDAY = 3, "Thursday"
    FRIDAY = 4, "Friday"


class WeekOfMonth(models.IntegerChoices):
    FIRST = 1, "First"
    SECOND = 2, "Second"
    THIRD = 3, "Third"
    FOURTH = 4, "Fourth"
    LAST = -1, "Last"


class PanelType(models.Model):
    """A kind of panel the partnership runs, configured by system admins."""

    code = models.SlugField(max_length=32, unique=True)
    name = models.CharField(max_length=120, unique=True)
    description = models.TextField(blank=True, max_length=DESCRIPTION)
    member_agencies = models.ManyToManyField("access.Agency", related_name="panel_types")
    chairs = models.ManyToManyField(
        settings.AUTH_USER_MODEL, related_name="chaired_panel_types", blank=True
    )
    # Cadence as rule fields (dateutil rrule): e.g. monthly, second Tuesday.
    frequency = models.CharField(
        max_length=12, choices=Frequency.choices, default=Frequency.MONTHLY
    )
    weekday = models.PositiveSmallIntegerField(choices=Weekday.choices, default=Weekday.TUESDAY)
    week_of_month = models.SmallIntegerField(
        choices=WeekOfMonth.choices,
        null=True,
        blank=True,
        help_text="Monthly panels only: which week of the month",
    )
    cadence_starts_on = models.DateField(
        help_text="The first meeting date the cadence counts from (fortnightly panels "
        "alternate from this date)"
    )
    start_time = models.TimeField()
    location = models.CharField(max_length=200, blank=True)
    online_link = models.URLField(blank=True)
    quorum = models.PositiveSmallIntegerField(
        default=3, help_text="How many member agencies must be present"
    )
    cohorts = ArrayField(
        models.CharField(max_length=5),
        default=list,
        blank=True,
        help_text="Cohorts this panel manages (offenders.Cohort values, e.g. iom, mappa)",
    )
    # For MAPPA panels: the MAPPA level the panel reviews (2 or 3).
    mappa_level = models.PositiveSmallIntegerField(null=True, blank=True)
    # offenders.Sensitivity: minutes and agendas of a "mappa" panel are seen
    # only by member agencies the sharing agreement allows MAPPA information.
    confidentiality = models.CharField(max_length=20, default="standard")
    # Which panel leads when a person is discussed at several (lower leads).
    lead_priority = models.PositiveSmallIntegerField(default=50)
    update_request_days = models.PositiveSmallIntegerField(
        default=7, help_text="Days before a meeting that agencies are asked for updates"
    )
    is_active = models.BooleanField(default=True)

    class Meta:
        ordering = ["lead_priority", "name"]
        constraints = [
            models.CheckConstraint(
                condition=Q(week_of_month__isnull=True) | Q(week_of_month__in=[1, 2, 3, 4, -1]),
                name="panel_week_of_month_valid",
            ),
            models.CheckConstraint(
                condition=Q(mappa_level__isnull=True) | Q(mappa_level__in=[1, 2, 3]),
                name="panel_mappa_level_valid",
            ),
            text_bound("description", DESCRIPTION, prefix="paneltype"),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def cadence_text(self) -> str:
        day = Weekday(self.weekday).label
        if self.frequency == Frequency.MONTHLY and self.week_of_month:
            return f"Monthly, {WeekOfMonth(self.week_of_month).label.lower()} {day}"
        return f"{Frequency(self.frequency).label}, {day}"


class RuleKind(models.TextChoices):
    REFERRALS = "referrals", "Referrals into the cohort awaiting a decision"
    RED_BRAG = "red_brag", "Red BRAG"
    RELEASE_OR_START = "release_or_start", "Release or order start soon"
    BREACHES_RECALLS = "breaches_recalls", "Breaches and recalls since the last meeting"
    UNMET_NEEDS = "unmet_needs", "Needs unmet for too long"
    OVERDUE_ACTIONS = "overdue_actions", "Overdue actions"
    MAPPA_REVIEW = "mappa_review", "MAPPA review due"
    OVERLAP = "overlap", "Discussed at another panel too"


# (default on, default threshold in days, what the threshold means)
RULE_DEFAULTS: dict[str, tuple[bool, int | None, str]] = {
    RuleKind.REFERRALS: (True, None, ""),
    RuleKind.RED_BRAG: (True, None, ""),
    RuleKind.RELEASE_OR_START: (True, 28, "days ahead"),
    RuleKind.BREACHES_RECALLS: (True, 31, "days back when there is no earlier meeting"),
    RuleKind.UNMET_NEEDS: (True, 28, "days a need has been unmet"),
    RuleKind.OVERDUE_ACTIONS: (True, None, ""),
    RuleKind.MAPPA_REVIEW: (True, 112, "days between reviews"),
    RuleKind.OVERLAP: (True, 90, "days to look back at other panels"),
}


class AgendaRule(models.Model):
    """One rule the agenda is built from, switched on or off per panel type by its chair."""

    panel_type = models.ForeignKey(PanelType, on_delete=models.CASCADE, related_name="rules")
    kind = models.CharField(max_length=20, choices=RuleKind.choices)
    enabled = models.BooleanField(default=True)
    threshold_days = models.PositiveSmallIntegerField(null=True, blank=True)
    version = models.PositiveIntegerField(default=1)

    class Meta:
        ordering = ["panel_type", "id"]
        constraints = [
            models.UniqueConstraint(fields=["panel_type", "kind"], name="agenda_rule_key")
        ]

    def __str__(self) -> str:
        return f"{self.panel_type}: {self.get_kind_display()}"


class MeetingStatus(models.TextChoices):
    SCHEDULED = "scheduled", "Scheduled"
    IN_PROGRESS = "in_progress", "In progress"
    CONCLUDED = "concluded", "Concluded"
    CANCELLED = "cancelled", "Cancelled"


class PanelMeeting(models.Model):
    panel_type = models.ForeignKey(PanelType, on_delete=models.PROTECT, related_name="meetings")
    date = models.DateField()
    start_time = models.TimeField()
    location = models.CharField(max_length=200, blank=True)
    online_link = models.URLField(blank=True)
    status = models.CharField(
        max_length=12, choices=MeetingStatus.choices, default=MeetingStatus.SCHEDULED
    )
    started_at = models.DateTimeField(null=True, blank=True)
    concluded_at = models.DateTimeField(null=True, blank=True)
    notes = models.TextField("general notes", blank=True, max_length=NOTE)
    notes_sensitivity = _sensitivity("Class of information of the general notes")
    agenda_built_at = models.DateTimeField(null=True, blank=True)
    update_requests_sent_at = models.DateTimeField(null=True, blank=True)
    version = models.PositiveIntegerField(default=1)

    class Meta:
        ordering = ["date", "start_time", "id"]
        constraints = [
            models.UniqueConstraint(fields=["panel_type", "date"], name="one_meeting_a_day"),
            text_bound("notes", NOTE, prefix="panelmeeting"),
        ]
        indexes = [models.Index(fields=["panel_type", "date"], name="meeting_panel_date")]

    def __str__(self) -> str:
        return f"{self.panel_type} on {self.date:%d %B %Y}"


class ReferralStatus(models.TextChoices):
    AWAITING = "awaiting", "Awaiting a decision"
    ACCEPTED = "accepted", "Accepted"
    DECLINED = "declined", "Declined"


class PanelReferral(models.Model):
    """A person proposed for a panel's cohort, waiting for the panel to decide."""

    panel_type = models.ForeignKey(PanelType, on_delete=models.PROTECT, related_name="referrals")
    person = models.ForeignKey(
        "offenders.Person", on_delete=models.CASCADE, related_name="panel_referrals"
    )
    cohort = models.CharField(max_length=5)
    reason = models.TextField(max_length=REASON)
    referred_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    referring_agency = models.ForeignKey(
        "access.Agency", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    status = models.CharField(
        max_length=10, choices=ReferralStatus.choices, default=ReferralStatus.AWAITING
    )
    decided_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["created_at", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["panel_type", "person"],
                condition=Q(status="awaiting"),
                name="one_awaiting_referral_per_panel",
            ),
            text_bound("reason", REASON, prefix="panelreferral"),
        ]

    def __str__(self) -> str:
        return f"Referral of {self.person_id} to {self.panel_type}"


class AgendaItem(models.Model):
    meeting = models.ForeignKey(PanelMeeting, on_delete=models.CASCADE, related_name="items")
    person = models.ForeignKey(
        "offenders.Person", on_delete=models.CASCADE, related_name="panel_agenda_items"
    )
    # RuleKind values (and "added" for a chair's manual addition).
    reasons = ArrayField(models.CharField(max_length=20), default=list)
    position = models.PositiveIntegerField(default=0)
    discussion = models.TextField(blank=True, max_length=NOTE)
    discussion_sensitivity = _sensitivity("Class of information of the discussion notes")
    added_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    added_at = models.DateTimeField(auto_now_add=True)
    version = models.PositiveIntegerField(default=1)

    class Meta:
        ordering = ["meeting", "position", "id"]
        constraints = [
            models.UniqueConstraint(fields=["meeting", "person"], name="one_item_per_person"),
            text_bound("discussion", NOTE, prefix="agendaitem"),
        ]
        indexes = [models.Index(fields=["person", "meeting"], name="item_person_meeting")]

    def __str__(self) -> str:
        return f"Item {self.position} at {self.meeting_id}"


class AttendanceStatus(models.TextChoices):
    PRESENT = "present", "Present"
    APOLOGIES = "apologies", "Apologies"
    ABSENT = "absent", "Absent"


class Attendance(models.Model):
    meeting = models.ForeignKey(PanelMeeting, on_delete=models.CASCADE, related_name="attendance")
    agency = models.ForeignKey("access.Agency", on_delete=models.PROTECT, related_name="+")
    status = models.CharField(max_length=10, choices=AttendanceStatus.choices)
    representative = models.CharField(max_length=200, blank=True)
    declarations = models.TextField("declarations of interest", blank=True, max_length=NOTE)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["meeting", "agency__name"]
        constraints = [
            models.UniqueConstraint(fields=["meeting", "agency"], name="one_attendance_per_agency"),
            text_bound("declarations", NOTE, prefix="attendance"),
        ]

    def __str__(self) -> str:
        return f"{self.agency_id} {self.status}"


class DecisionOutcome(models.TextChoices):
    ACCEPT = "accept", "Accept into cohort"
    RETAIN = "retain", "Retain"
    STEP_UP = "step_up", "Step up"
    STEP_DOWN = "step_down", "Step down"
    DESELECT = "deselect", "De-select"
    NO_CHANGE = "no_change", "No change"


class PanelDecision(models.Model):
    item = models.ForeignKey(AgendaItem, on_delete=models.CASCADE, related_name="decisions")
    outcome = models.CharField(max_length=10, choices=DecisionOutcome.choices)
    cohort = models.CharField(max_length=5, blank=True)
    brag_from = models.CharField(max_length=5, blank=True)
    brag_to = models.CharField(max_length=5, blank=True)
    brag_reason = models.TextField(blank=True, max_length=REASON)
    rationale = models.TextField(blank=True, max_length=REASON)
    # Covers the free text (rationale, BRAG reason); the outcome and the BRAG
    # change itself change the person record, which every involved agency sees.
    sensitivity = _sensitivity("Class of information of the decision's reasons")
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    decided_at = models.DateTimeField()

    class Meta:
        ordering = ["decided_at", "id"]
        constraints = [
            text_bound("brag_reason", REASON, prefix="paneldecision"),
            text_bound("rationale", REASON, prefix="paneldecision"),
        ]

    def __str__(self) -> str:
        return f"{self.get_outcome_display()} ({self.item_id})"


class ActionStatus(models.TextChoices):
    OPEN = "open", "Open"
    DONE = "done", "Done"
    NOT_POSSIBLE = "not_possible", "Not possible (circumstances changed)"
    NOT_DONE = "not_done", "Not done"


class PanelAction(models.Model):
    meeting = models.ForeignKey(PanelMeeting, on_delete=models.PROTECT, related_name="actions")
    item = models.ForeignKey(
        AgendaItem, null=True, blank=True, on_delete=models.SET_NULL, related_name="actions"
    )
    person = models.ForeignKey(
        "offenders.Person",
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="panel_actions",
    )
    description = models.TextField(max_length=REASON)
    owner_agency = models.ForeignKey("access.Agency", on_delete=models.PROTECT, related_name="+")
    owner_user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="panel_actions",
    )
    due_date = models.DateField()
    status = models.CharField(
        max_length=12, choices=ActionStatus.choices, default=ActionStatus.OPEN
    )
    outcome_note = models.TextField(blank=True, max_length=NOTE)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    closed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    closed_at = models.DateTimeField(null=True, blank=True)
    version = models.PositiveIntegerField(default=1)

    class Meta:
        ordering = ["due_date", "id"]
        indexes = [
            models.Index(fields=["status", "due_date"], name="action_status_due"),
            models.Index(fields=["owner_agency", "status"], name="action_agency_status"),
            models.Index(fields=["owner_user", "status"], name="action_user_status"),
        ]
        constraints = [
            text_bound("description", REASON, prefix="panelaction"),
            text_bound("outcome_note", NOTE, prefix="panelaction"),
        ]

    def __str__(self) -> str:
        return f"Action {self.pk} ({self.status})"

    def tracker_status(self, today: date) -> str:
        """open, due (within 7 days), overdue, or the closed status."""
        if self.status != ActionStatus.OPEN:
            return str(self.status)
        if self.due_date < today:
            return "overdue"
        if (self.due_date - today).days <= 7:
            return "due"
        return "open"


class UpdateRequest(models.Model):
    """Before a meeting, each involved agency is asked for an update on each item."""

    item = models.ForeignKey(AgendaItem, on_delete=models.CASCADE, related_name="update_requests")
    agency = models.ForeignKey("access.Agency", on_delete=models.PROTECT, related_name="+")
    requested_at = models.DateTimeField(auto_now_add=True)
    response = models.TextField(blank=True, max_length=NOTE)
    # offenders.Sensitivity of the response: a police-intelligence or health
    # update is shown, and printed, only to agencies allowed that class.
    sensitivity = _sensitivity("Class of information of the response")
    responded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    responded_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["item", "agency__name"]
        constraints = [
            models.UniqueConstraint(fields=["item", "agency"], name="one_update_request"),
            text_bound("response", NOTE, prefix="updaterequest"),
        ]
        indexes = [models.Index(fields=["agency", "responded_at"], name="update_agency_open")]

    def __str__(self) -> str:
        return f"Update from {self.agency_id} on {self.item_id}"
