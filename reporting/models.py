"""Reference data and records the reporting app keeps.

Unit costs of crime are reference data an administrator can replace
(DOMAIN.md "iom_impact"): a table has a name, a price year and a source, and a
cost per offence category. Categories a table has no row for are uncosted:
they count as 0 and reports list them. Costs are only ever summed within one
table, so two price years are never mixed.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import F, Q

from offenders.models import Cohort, OffenceCategory
from rrcase.core.models import JobRecord
from rrcase.core.text import DESCRIPTION, ERROR, text_bound


class UnitCostTable(models.Model):
    name = models.CharField(max_length=200, unique=True)
    price_year = models.PositiveSmallIntegerField(
        help_text="The year whose prices the costs are in, e.g. 2003"
    )
    source = models.TextField(max_length=DESCRIPTION, help_text="Publication the figures come from")
    is_default = models.BooleanField(
        default=False, help_text="Used by reports unless another table is chosen"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-is_default", "name"]
        constraints = [
            models.UniqueConstraint(
                fields=["is_default"], condition=Q(is_default=True), name="one_default_unit_costs"
            ),
            text_bound("source", DESCRIPTION, prefix="unitcosttable"),
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.price_year} prices)"


class UnitCost(models.Model):
    table = models.ForeignKey(UnitCostTable, on_delete=models.CASCADE, related_name="costs")
    category = models.CharField(max_length=32, choices=OffenceCategory.choices)
    cost = models.DecimalField(
        "cost per offence (£)", max_digits=12, decimal_places=2, help_text="Pounds per offence"
    )
    note = models.CharField(
        max_length=200, blank=True, help_text="Which published figure this uses"
    )

    class Meta:
        ordering = ["table", "category"]
        constraints = [
            models.UniqueConstraint(fields=["table", "category"], name="unit_cost_key"),
            models.CheckConstraint(condition=Q(cost__gte=0), name="unit_cost_not_negative"),
        ]

    def __str__(self) -> str:
        return f"{self.get_category_display()}: £{self.cost}"


class ReportKind(models.TextChoices):
    QUARTERLY = "quarterly", "Quarterly CSP report"
    ON_DEMAND = "on_demand", "On demand"


class ReportStatus(models.TextChoices):
    QUEUED = "queued", "Queued"
    RUNNING = "running", "Running"
    DONE = "done", "Ready"
    FAILED = "failed", "Failed"


class ReportRun(JobRecord):
    """One run of the KPI report: what was asked, under which definition
    version, and what came out. Downloads (CSV, XLSX, PDF) are rendered from
    `results`, so a run's files always match its figures. Delivery (queued,
    heartbeat, attempts, claim) is rrcase.core.jobs's."""

    kind = models.CharField(max_length=10, choices=ReportKind.choices)
    status = models.CharField(
        max_length=8, choices=ReportStatus.choices, default=ReportStatus.QUEUED
    )
    period_start = models.DateField()
    period_end = models.DateField()
    as_of = models.DateField()
    cohort = models.CharField(max_length=5, choices=Cohort.choices, default=Cohort.IOM)
    cost_table = models.ForeignKey(
        UnitCostTable, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    parameters = models.JSONField(default=dict)
    definition_version = models.PositiveSmallIntegerField()
    results = models.JSONField(null=True, blank=True)
    error = models.TextField(max_length=ERROR, blank=True)
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    requested_at = models.DateTimeField(auto_now_add=True)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    # For the progress page: percentage done and the section being worked on.
    progress = models.PositiveSmallIntegerField(default=0)
    stage = models.CharField(max_length=100, blank=True)

    class Meta:
        ordering = ["-requested_at", "-id"]
        constraints = [
            # The beat task creates each quarter's automatic run once.
            models.UniqueConstraint(
                fields=["period_start", "period_end", "cohort"],
                condition=Q(kind="quarterly"),
                name="one_quarterly_run_per_quarter",
            ),
            models.CheckConstraint(
                condition=Q(period_end__gte=F("period_start")), name="report_period_in_order"
            ),
            text_bound("error", ERROR, prefix="reportrun"),
        ]
        indexes = [
            models.Index(fields=["-requested_at"], name="report_run_requested"),
            models.Index(fields=["period_start", "period_end", "cohort"], name="report_run_period"),
            # The sweeper's every-minute look for queued and running runs.
            models.Index(
                fields=["status"],
                condition=Q(status__in=["queued", "running"]),
                name="report_run_unfinished",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.period_start} to {self.period_end}"
