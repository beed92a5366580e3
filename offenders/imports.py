"""Loading the partnership's CSV extracts (DOMAIN.md "Import format").

One service, `import_directory`, called by `manage.py import_data` and by the
upload page's Celery task (`import_run_execute`). The contract (DESIGN.md
"Contracts other tools rely on", docs/import.md):

- five optional files, read in the order people, offences, disposals, cohorts,
  assessments, so people created by this import can be referred to by the others;
- each row is keyed by its reference (cohorts by person_ref + cohort +
  start_date, assessments by person_ref + assessed_on): a key seen again
  updates that row, an identical row changes nothing;
- every bad row is written to the rejects CSV (file, line, reason — several
  problems in one row are joined with "; " in one reject row);
- all-or-nothing unless `partial`: one rejected row and nothing is kept;
- files stream: rows are read, checked and written in batches of
  BATCH_SIZE, and people are looked up a batch at a time.

Who may change what (SECURITY.md "Imports are writes like any other"): an
import run by a user (`by`, the Imports page) may create people, led by the
user's own agency, and may update only people the user's agency may change —
`offenders.selectors.person_change_scope_for`, the rule the edit pages use,
asked once a batch for the people the batch names. Every other row is rejected
with one neutral reason (NOT_YOURS) whether or not the person exists, so the
rejects and the counts say nothing about other agencies' records; each refusal
of an existing person is an `access_denied` event on that person, dry runs
included. Only the lead agency's own import moves the lead. `manage.py
import_data` (by=None) is the operator's tool and keeps full rights; it names
the operator in the audit trail.

Audit: one summary event per import (counts, file names, rejects) and one event
per person created or changed, for the whole import, naming what each file did
and the fields changed (gathered batch by batch, written with one COPY when the
import is kept: `audit_record_copy`). New people's lead-agency grants go
through `involvements_start_bulk`, which records each grant as usual.
"""

from __future__ import annotations

import codecs
import csv
import functools
import logging
import operator
import re
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any, cast

from django.conf import settings
from django.contrib.auth.models import User
from django.core.files.uploadedfile import UploadedFile
from django.db import connection, models, transaction
from django.db.models import F, OuterRef, Subquery
from django.db.models.expressions import RawSQL
from django.db.models.functions import Coalesce
from django.utils import timezone

from rrcase.access.models import Agency
from rrcase.access.selectors import agency_of
from rrcase.audit.models import Action, AuditEvent
from rrcase.audit.services import (
    audit_event,
    audit_record,
    audit_record_copy,
    audit_record_many,
)
from rrcase.core import jobs
from rrcase.exports import spreadsheet_safe_value

from . import services
from .models import (
    AccommodationStatus,
    Cohort,
    CohortMembership,
    Disposal,
    DisposalType,
    EmploymentStatus,
    Gender,
    ImportRun,
    ImportRunStatus,
    Involvement,
    InvolvementReason,
    IomStrand,
    Offence,
    OffenceCategory,
    OffenceOutcome,
    Person,
    RiskAssessment,
    Rosh,
)
from .selectors import person_change_scope_for

BATCH_SIZE = 2000
FILE_ORDER = ("people", "offences", "disposals", "cohorts", "assessments")
REJECTS_HEADER = ("file", "line", "reason")
_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")
_INTEGER = re.compile(r"\d+")
_DECIMAL = re.compile(r"\d+(\.\d+)?|\.\d+")
# The one reason a user's import gives for a row about a person its agency may
# not change, whether or not that person exists: nothing more is said.
NOT_YOURS = "not a record your agency can update"


# Foreign keys are compared by their column (person_id) and written by name.


class ImportDirectoryError(ValueError):
    """The import cannot start at all (no such directory, no files)."""


# --- Parsing one value ----------------------------------------------------------


def _shown(value: str) -> str:
    """A value quoted in a reason, cut short: reasons name the problem, not the record."""
    return repr(value if len(value) <= 40 else value[:37] + "...")


def _date(value: str, column: str) -> date:
    if not _DATE.fullmatch(value):
        raise ValueError(f"{column} {_shown(value)} is not a date in the form YYYY-MM-DD")
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise ValueError(f"{column} {_shown(value)} is not a real date") from None


def _choice(choices: type[models.TextChoices]) -> Callable[[str, str], str]:
    allowed = [str(c) for c in choices.values]

    def parse(value: str, column: str) -> str:
        if value not in allowed:
            raise ValueError(
                f"unknown {column} {_shown(value)} (expected one of: {', '.join(allowed)})"
            )
        return value

    return parse


def _integer(low: int, high: int) -> Callable[[str, str], int]:
    def parse(value: str, column: str) -> int:
        if not _INTEGER.fullmatch(value):
            raise ValueError(f"{column} {_shown(value)} is not a whole number")
        number = int(value)
        if not low <= number <= high:
            raise ValueError(f"{column} {number} is outside {low}–{high}")
        return number

    return parse


def _probability(value: str, column: str) -> Decimal:
    if not _DECIMAL.fullmatch(value):
        raise ValueError(f"{column} {_shown(value)} is not a number")
    try:
        number = Decimal(value)
    except InvalidOperation:
        raise ValueError(f"{column} {_shown(value)} is not a number") from None
    if not Decimal(0) <= number <= Decimal(1):
        raise ValueError(f"{column} {value} is outside 0–1")
    if -number.as_tuple().exponent > 4:  # type: ignore[operator]
        raise ValueError(f"{column} {value} has more than 4 decimal places")
    return number


def _boolean(value: str, column: str) -> bool:
    # Spreadsheets write TRUE/FALSE; the format says true/false. Both are meant.
    lowered = value.lower()
    if lowered not in ("true", "false"):
        raise ValueError(f"{column} {_shown(value)} is not true or false")
    return lowered == "true"


def _text(value: str, column: str) -> str:
    return value


# --- The files ------------------------------------------------------------------


@dataclass(frozen=True)
class Column:
    name: str
    required: bool = False
    parse: Callable[[str, str], Any] = _text
    # The model field the value lands in ("" for person_ref and lead_agency, which
    # are resolved to ids; for text columns, also the source of max_length).
    field: str = ""


@dataclass(frozen=True)
class FileSpec:
    name: str
    model: type[models.Model]
    columns: tuple[Column, ...]
    # CSV columns that identify a row (its reference or natural key).
    key: tuple[str, ...]
    # Model fields matching `key`, for the upsert and the existing-row lookup.
    unique_fields: tuple[str, ...]

    @property
    def filename(self) -> str:
        return f"{self.name}.csv"

    def column(self, name: str) -> Column:
        return _columns_by_name(self)[name]


@functools.cache
def _columns_by_name(spec: FileSpec) -> dict[str, Column]:
    # Looked up for every value of every row: a dict, not a scan.
    return {c.name: c for c in spec.columns}


PERSON_REF = Column("person_ref", required=True)

SPECS: dict[str, FileSpec] = {
    "people": FileSpec(
        "people",
        Person,
        (
            Column("person_ref", True, _text, "reference"),
            Column("pnc_id", False, _text, "pnc_id"),
            Column("given_name", True, _text, "given_name"),
            Column("family_name", True, _text, "family_name"),
            Column("date_of_birth", True, _date, "date_of_birth"),
            Column("gender", True, _choice(Gender), "gender"),
            Column("ethnicity", False, _text, "ethnicity"),
            Column("lead_agency", False, _text, ""),
        ),
        key=("person_ref",),
        unique_fields=("reference",),
    ),
    "offences": FileSpec(
        "offences",
        Offence,
        (
            PERSON_REF,
            Column("offence_ref", True, _text, "reference"),
            Column("offence_date", True, _date, "offence_date"),
            Column("category", True, _choice(OffenceCategory), "category"),
            Column("outcome", True, _choice(OffenceOutcome), "outcome"),
            Column("outcome_date", False, _date, "outcome_date"),
        ),
        key=("offence_ref",),
        unique_fields=("reference",),
    ),
    "disposals": FileSpec(
        "disposals",
        Disposal,
        (
            PERSON_REF,
            Column("disposal_ref", True, _text, "reference"),
            Column("type", True, _choice(DisposalType), "type"),
            Column("start_date", True, _date, "start_date"),
            Column("release_date", False, _date, "release_date"),
            Column("end_date", False, _date, "end_date"),
            Column("terminated_date", False, _date, "terminated_date"),
            Column("supervised_by_probation", False, _boolean, "supervised_by_probation"),
            Column(
                "accommodation_at_end", False, _choice(AccommodationStatus), "accommodation_at_end"
            ),
            Column("employment_at_end", False, _choice(EmploymentStatus), "employment_at_end"),
        ),
        key=("disposal_ref",),
        unique_fields=("reference",),
    ),
    "cohorts": FileSpec(
        "cohorts",
        CohortMembership,
        (
            PERSON_REF,
            Column("cohort", True, _choice(Cohort), "cohort"),
            Column("start_date", True, _date, "start_date"),
            Column("end_date", False, _date, "end_date"),
            Column("strand", False, _choice(IomStrand), "strand"),
            Column("mappa_category", False, _integer(1, 4), "mappa_category"),
            Column("mappa_level", False, _integer(1, 3), "mappa_level"),
            Column("reason", False, _text, "selection_reason"),
        ),
        key=("person_ref", "cohort", "start_date"),
        unique_fields=("person", "cohort", "start_date"),
    ),
    "assessments": FileSpec(
        "assessments",
        RiskAssessment,
        (
            PERSON_REF,
            Column("assessed_on", True, _date, "assessed_on"),
            Column("rosh", False, _choice(Rosh), "rosh"),
            Column("ogrs3_1y", False, _integer(0, 99), "ogrs3_1y"),
            Column("ogrs3_2y", False, _integer(0, 99), "ogrs3_2y"),
            Column("ovp_2y", False, _integer(0, 99), "ovp_2y"),
            Column("predicted_3m", False, _probability, "predicted_3m"),
        ),
        key=("person_ref", "assessed_on"),
        unique_fields=("person", "assessed_on"),
    ),
}


def _max_length(spec: FileSpec, column: Column) -> int | None:
    if column.name == "person_ref":
        return Person._meta.get_field("reference").max_length
    if column.name == "lead_agency":
        return Agency._meta.get_field("code").max_length
    if column.parse is _text and column.field:
        return cast(models.Field, spec.model._meta.get_field(column.field)).max_length
    return None


# Cross-column rules, on the parsed values of one row. Each returns reasons.
def _check_offence(row: dict[str, Any]) -> list[str]:
    problems = []
    outcome_date, offence_date = row.get("outcome_date"), row.get("offence_date")
    if row.get("outcome") in ("conviction", "caution") and outcome_date is None:
        problems.append(f"outcome_date is required for a {row['outcome']}")
    if outcome_date and offence_date and outcome_date < offence_date:
        problems.append("outcome_date is before offence_date")
    return problems


def _check_disposal(row: dict[str, Any]) -> list[str]:
    problems = []
    start = row.get("start_date")
    if row.get("release_date") and row.get("type") not in (None, DisposalType.CUSTODY):
        problems.append("release_date is only for custody")
    for column in ("release_date", "end_date", "terminated_date"):
        if start and row.get(column) and row[column] < start:
            problems.append(f"{column} is before start_date")
    return problems


def _check_cohort(row: dict[str, Any]) -> list[str]:
    problems = []
    cohort = row.get("cohort")
    if row.get("start_date") and row.get("end_date") and row["end_date"] < row["start_date"]:
        problems.append("end_date is before start_date")
    if row.get("strand") and cohort not in (None, Cohort.IOM):
        problems.append("strand is only for the iom cohort")
    for column in ("mappa_category", "mappa_level"):
        if row.get(column) is not None and cohort not in (None, Cohort.MAPPA):
            problems.append(f"{column} is only for the mappa cohort")
    return problems


def _check_person(row: dict[str, Any]) -> list[str]:
    born = row.get("date_of_birth")
    if born and born > timezone.localdate():
        return ["date_of_birth is in the future"]
    return []


CHECKS: dict[str, Callable[[dict[str, Any]], list[str]]] = {
    "people": _check_person,
    "offences": _check_offence,
    "disposals": _check_disposal,
    "cohorts": _check_cohort,
    "assessments": lambda row: [],
}


# --- Results --------------------------------------------------------------------


@dataclass
class FileSummary:
    read: int = 0
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    rejected: int = 0
    # A problem with the file as a whole (encoding, header): none of it was read.
    error: str = ""

    def as_dict(self) -> dict[str, Any]:
        return {
            "read": self.read,
            "created": self.created,
            "updated": self.updated,
            "unchanged": self.unchanged,
            "rejected": self.rejected,
            "error": self.error,
        }


@dataclass
class ImportResult:
    files: dict[str, FileSummary]
    rejected: int
    # Whether the rows were kept: false for a dry run and for an all-or-nothing
    # import with any reject.
    committed: bool
    dry_run: bool
    partial: bool
    rejects_path: Path | None

    @property
    def totals(self) -> FileSummary:
        total = FileSummary()
        for summary in self.files.values():
            total.read += summary.read
            total.created += summary.created
            total.updated += summary.updated
            total.unchanged += summary.unchanged
            total.rejected += summary.rejected
        return total

    def summary_dict(self) -> dict[str, Any]:
        return {
            "files": {f"{name}.csv": s.as_dict() for name, s in self.files.items()},
            "rejected": self.rejected,
            "committed": self.committed,
            "dry_run": self.dry_run,
            "partial": self.partial,
        }


class _Rejects:
    """The rejects CSV, written as rows are rejected so a file of bad rows never
    sits in memory. Cells are escaped against spreadsheet formulas."""

    def __init__(self, path: Path | None) -> None:
        self.count = 0
        self._file = path.open("w", newline="", encoding="utf-8") if path else None
        self._writer = csv.writer(self._file) if self._file else None
        if self._writer:
            self._writer.writerow(REJECTS_HEADER)

    def add(self, filename: str, line: int, reasons: list[str]) -> None:
        self.count += 1
        if self._writer:
            self._writer.writerow([filename, line, spreadsheet_safe_value("; ".join(reasons))])

    def close(self) -> None:
        if self._file:
            self._file.close()


# --- Reading a file -------------------------------------------------------------


def _first_undecodable_line(path: Path) -> int | None:
    """The line of the first byte that is not UTF-8, or None. Checked before any
    row is read, so a badly encoded file is refused whole rather than half loaded."""
    decoder = codecs.getincrementaldecoder("utf-8")()
    newlines = 0
    with path.open("rb") as stream:
        while chunk := stream.read(1 << 20):
            try:
                decoder.decode(chunk)
            except UnicodeDecodeError as error:
                return newlines + chunk[: error.start].count(b"\n") + 1
            newlines += chunk.count(b"\n")
        try:
            decoder.decode(b"", final=True)
        except UnicodeDecodeError:
            return newlines + 1
    return None


def _count_lines(path: Path) -> int:
    with path.open("rb") as stream:
        return sum(chunk.count(b"\n") for chunk in iter(lambda: stream.read(1 << 20), b""))


@dataclass(slots=True)
class _Row:
    line: int
    values: dict[str, Any]
    problems: list[str] = field(default_factory=list)
    person_ref: str = ""


def _header_problem(spec: FileSpec, header: list[str]) -> str:
    known = {c.name for c in spec.columns}
    missing = [c.name for c in spec.columns if c.required and c.name not in header]
    unknown = [name for name in header if name not in known]
    repeated = sorted({name for name in header if header.count(name) > 1})
    problems = []
    if missing:
        problems.append(f"the header row lacks required column(s): {', '.join(missing)}")
    if unknown:
        problems.append(f"unknown column(s) in the header row: {', '.join(map(_shown, unknown))}")
    if repeated:
        problems.append(f"column(s) named twice in the header row: {', '.join(repeated)}")
    return "; ".join(problems)


# Parsed values are remembered per file and column (dates and codes repeat from
# row to row), up to this many distinct values each.
_MEMO_LIMIT = 1 << 16


def _cells(spec: FileSpec, header: list[str]) -> list[tuple[str, bool, Any, int | None, Any]]:
    """Per header column, worked out once a file: (name, required, parser or None
    for text kept as it is, max length or None, memo of parsed values or None)."""
    cells = []
    for name in header:
        column = spec.column(name)
        parse = None if column.parse is _text else column.parse
        memo: dict[str, Any] | None = {} if parse is not None else None
        cells.append((name, column.required, parse, _max_length(spec, column), memo))
    return cells


def _rows(spec: FileSpec, path: Path, header_out: list[str]) -> Iterator[_Row]:
    """Parse and check each row on its own (no database). Raises _FileProblem
    for a file that cannot be read at all."""
    bad_line = _first_undecodable_line(path)
    if bad_line is not None:
        raise _FileProblem(
            bad_line, f"the file is not UTF-8 text (first bad byte on line {bad_line})"
        )
    with path.open(newline="", encoding="utf-8-sig") as stream:
        reader = csv.reader(stream, strict=True)
        try:
            header = [name.strip() for name in next(reader)]
        except StopIteration:
            raise _FileProblem(1, "the file is empty: it needs a header row") from None
        except csv.Error as error:
            raise _FileProblem(1, f"the header row cannot be read as CSV ({error})") from None
        problem = _header_problem(spec, header)
        if problem:
            raise _FileProblem(1, problem)
        header_out.extend(header)
        cells = _cells(spec, header)
        width = len(header)
        check = CHECKS[spec.name]
        key_names = spec.key
        single_key = key_names[0] if len(key_names) == 1 else None
        seen: dict[Any, int] = {}
        last_line = reader.line_num
        while True:
            try:
                record = next(reader)
            except StopIteration:
                return
            except csv.Error as error:
                raise _FileProblem(
                    last_line + 1,
                    f"cannot read the file as CSV from this line on ({error}); "
                    "the rest of the file was not read",
                ) from None
            line, last_line = last_line + 1, reader.line_num
            if not record:
                continue  # a blank line holds no data
            if len(record) != width:
                yield _Row(line, {}, [f"expected {width} fields, found {len(record)}"])
                continue
            values: dict[str, Any] = {}
            problems: list[str] = []
            for (name, required, parse, limit, memo), raw in zip(cells, record):  # noqa: B905
                value = raw.strip()
                if not value:
                    if required:
                        problems.append(f"{name} is required")
                    else:
                        values[name] = None
                elif limit is not None and len(value) > limit:
                    problems.append(f"{name} is longer than {limit} characters")
                elif parse is None:
                    values[name] = value
                elif value in memo:
                    values[name] = memo[value]
                else:
                    try:
                        parsed = parse(value, name)
                    except ValueError as error:
                        problems.append(str(error))
                        continue
                    values[name] = parsed
                    if len(memo) < _MEMO_LIMIT:
                        memo[value] = parsed
            if not problems:
                problems.extend(check(values))
            row = _Row(line, values, problems, values.get("person_ref") or "")
            # The key as text; one value for a reference, a tuple for a natural key.
            if single_key is not None:
                key: Any = values.get(single_key)
                if key is not None:
                    key = str(key)
            elif all(values.get(k) is not None for k in key_names):
                key = tuple(str(values[k]) for k in key_names)
            else:
                key = None
            if key is not None:
                if key in seen:
                    parts = (key,) if single_key is not None else key
                    shown = ", ".join(
                        f"{k} {_shown(v)}" for k, v in zip(key_names, parts, strict=True)
                    )
                    problems.append(f"duplicate {shown} (first on line {seen[key]})")
                else:
                    seen[key] = line
            yield row


class _FileProblem(Exception):
    def __init__(self, line: int, reason: str) -> None:
        super().__init__(reason)
        self.line = line
        self.reason = reason


# --- Writing --------------------------------------------------------------------


class _Plan:
    """How the rows of one file become database rows, worked out once from its
    header. A row becomes a tuple of values in the order of `names`:

    - `fields`, compared with the stored row and written on update: the file's
      columns other than the key, then lead_agency_id (people) or person_id;
    - then the file's key columns (reference; cohort, start_date; assessed_on).

    A column left out of the file is in neither: new rows get the model default,
    stored rows keep their value."""

    def __init__(self, spec: FileSpec, header: list[str]) -> None:
        model = spec.model
        self.spec = spec
        self.spec_header = frozenset(header)
        columns = [c for c in map(spec.column, header) if c.field]
        compared = [c for c in columns if c.field not in spec.unique_fields]
        keyed = [c for c in columns if c.field in spec.unique_fields]
        # (CSV column, what an empty value stores)
        self.sources = [(c.name, _blank(model, c.field)) for c in compared]
        self.key_sources = [(c.name, _blank(model, c.field)) for c in keyed]
        self.link = "lead_agency_id" if spec.name == "people" else "person_id"
        self.fields = [c.field for c in compared] + [self.link]
        self.names = self.fields + [c.field for c in keyed]
        # Disposals ending in this file: accommodation / employment at the end
        # come from pathways outcomes where there are any (docs/pathways.md), so
        # both are compared and written even when the file leaves them out.
        # (indexes in `fields` of accommodation_at_end, employment_at_end; of
        # those the file leaves out, which then keep a stored row's value)
        self.end_statuses: list[int] = []
        self.end_statuses_held: list[int] = []
        if spec.name == "disposals" and "terminated_date" in header:
            for name in ("accommodation_at_end", "employment_at_end"):
                if name not in header:
                    self.sources.append(("", _blank(model, name)))
                    self.fields.insert(len(self.sources) - 1, name)
                    self.names.insert(len(self.sources) - 1, name)
                    self.end_statuses_held.append(self.fields.index(name))
                self.end_statuses.append(self.fields.index(name))
            self.terminated = self.fields.index("terminated_date")
        self.link_index = self.fields.index(self.link)

    def values(self, row: _Row) -> list[Any]:
        """The row's `fields` values but the last (its link), as the database holds
        them (an empty optional value is the field's default, "" or NULL), so an
        unchanged row compares equal."""
        values = row.values
        return [
            blank if (value := values.get(name) if name else None) is None else value
            for name, blank in self.sources
        ]

    def key_values(self, row: _Row) -> list[Any]:
        values = row.values
        return [
            blank if (value := values[name]) is None else value for name, blank in self.key_sources
        ]


class _Importer:
    def __init__(
        self,
        *,
        by: User | None,
        partial: bool,
        dry_run: bool,
        rejects: _Rejects,
        progress: Callable[[int], None] | None,
        operator: str = "",
        import_id: str = "",
    ) -> None:
        self.by = by
        self.import_id = import_id
        # A user's import is held to what the user's agency may change; the
        # operator's command line import (by=None) is not.
        self.scoped = by is not None
        self.agency = agency_of(by) if by is not None else None
        # person ids the scope has been asked about, and those it allows
        self.scope_checked: set[int] = set()
        self.changeable: set[int] = set()
        # person_refs this import creates (allowed to later files whatever the scope)
        self.created_refs: set[str] = set()
        # (file, line, person id) of rows refused on an existing person: each an
        # access_denied event once the import is over (dry runs too).
        self.denied: list[tuple[str, int, int]] = []
        # The per-person audit events of this import, all from one template
        # (audit_event once, not a membership lookup per event).
        template = audit_event(action=Action.ALTER, actor=by, actor_username=operator)
        self._event_base = {
            "actor_id": template.actor_id,
            "actor_username": template.actor_username,
            "agency_id": template.agency_id,
            "ip_address": template.ip_address,
            "request_id": template.request_id,
            "object_type": Person._meta.label_lower,
        }
        self.people_audited = 0
        # person id -> file name -> what this import did (write_person_events)
        self.person_changes: dict[int, dict[str, dict[str, Any]]] = {}
        self.partial = partial
        # Rows are written while this is true. An all-or-nothing import stops
        # writing at its first reject (everything is rolled back anyway) and
        # goes on only checking, so the rejects file still names every bad row.
        self.writing = not dry_run
        self.rejects = rejects
        self.progress = progress
        self.rows_done = 0
        self.agencies = {a.code: a for a in Agency.objects.filter(is_active=True)}
        # person_ref -> id; None for people this run would create but has not
        # written (dry run, or after an all-or-nothing import's first reject).
        self.people: dict[str, int | None] = {}
        self.not_people: set[str] = set()
        self.lead_changes = 0
        # Disposals whose accommodation / employment at the end came from
        # pathways outcomes rather than the file.
        self.end_statuses_from_outcomes = 0
        self._copy_tables: set[str] = set()
        self._file = ""

    # One file, in batches.
    def run_file(self, spec: FileSpec, path: Path, summary: FileSummary) -> None:
        self._file = spec.name
        header: list[str] = []
        batch: list[_Row] = []
        plans: list[_Plan] = []  # made once the header has been read
        try:
            for row in _rows(spec, path, header):
                batch.append(row)
                if len(batch) >= BATCH_SIZE:
                    self._flush(spec, header, plans, batch, summary)
                    batch = []
        except _FileProblem as problem:
            self._flush(spec, header, plans, batch, summary)
            summary.error = problem.reason
            self._reject(spec, problem.line, [problem.reason], summary)
            return
        self._flush(spec, header, plans, batch, summary)

    def _reject(self, spec: FileSpec, line: int, reasons: list[str], summary: FileSummary) -> None:
        self.rejects.add(spec.filename, line, reasons)
        summary.rejected += 1
        if not self.partial:
            self.writing = False

    def _flush(
        self,
        spec: FileSpec,
        header: list[str],
        plans: list[_Plan],
        batch: list[_Row],
        summary: FileSummary,
    ) -> None:
        if not batch:
            return
        summary.read += len(batch)
        if spec.name == "people":
            self._resolve_lead_agencies(batch)
        else:
            self._resolve_people(batch)
        good = []
        for row in batch:
            if row.problems:
                self._reject(spec, row.line, row.problems, summary)
            else:
                good.append(row)
        if good:
            if not plans:
                plans.append(_Plan(spec, header))
            self._upsert(plans[0], good, summary)
        self.rows_done += len(batch)
        if self.progress:
            self.progress(self.rows_done)

    def _resolve_people(self, batch: list[_Row]) -> None:
        wanted = {r.person_ref for r in batch if r.person_ref} - self.people.keys()
        wanted -= self.not_people
        if wanted:
            found = dict(_select(Person, ("reference", "id"), "reference", list(wanted)))
            self.people.update(found)
            self.not_people.update(wanted - found.keys())
        people = self.people
        if self.scoped:
            # Unknown and not-yours read the same: the rejects and the counts
            # must not tell the uploader which references exist.
            self._ask_scope([i for r in batch if (i := people.get(r.person_ref)) is not None])
            for row in batch:
                if row.person_ref and not self._may_change(row.person_ref):
                    row.problems.append(f"person_ref {_shown(row.person_ref)}: {NOT_YOURS}")
                    person_id = people.get(row.person_ref)
                    if person_id is not None:
                        self.denied.append((f"{self._file}.csv", row.line, person_id))
            return
        for row in batch:
            if row.person_ref and row.person_ref not in people:
                row.problems.append(
                    f"unknown person_ref {_shown(row.person_ref)}: not in the database "
                    "nor among this import's accepted people.csv rows"
                )

    def _ask_scope(self, person_ids: list[int]) -> None:
        """Learn which of these people the user's agency may change: one query
        for those not asked about before (person_change_scope_for, the edit
        pages' rule)."""
        todo = [i for i in person_ids if i not in self.scope_checked]
        if not todo or self.by is None:
            return
        self.scope_checked.update(todo)
        # One array parameter, not a placeholder per id: half the time a batch.
        ids = RawSQL("SELECT unnest(%s::bigint[])", [todo])
        self.changeable.update(
            person_change_scope_for(self.by).filter(pk__in=ids).values_list("pk", flat=True)
        )

    def _may_change(self, person_ref: str) -> bool:
        if person_ref in self.created_refs:
            return True
        person_id = self.people.get(person_ref)
        return person_id is not None and person_id in self.changeable

    def _scope_problem(self, row: _Row, current: tuple[Any, ...] | None) -> str:
        """Why a user's import may not take this people.csv row, or "". `current`
        is the stored (id, …, lead_agency_id) or None. Checked in an order that
        gives the same answer for a person the agency may not change as for one
        that does not exist (docs/import.md "Whose records an import may change")."""
        own = self.agency
        if own is None:
            return "only members of an agency can import people"
        named: Agency | None = row.values.get("lead_agency")
        if current is not None and current[0] in self.changeable:
            if named is not None and named.pk != current[-1] and current[-1] != own.pk:
                return "only the lead agency's own import can move the lead agency"
            return ""
        if named is not None and named.pk != own.pk:
            return (
                f"lead_agency {_shown(named.code)} is not your agency: an import adds "
                f"people led by your own agency ({own.code}) only"
            )
        if current is not None:
            self.denied.append(("people.csv", row.line, current[0]))
            return f"person_ref {_shown(row.values['person_ref'])}: {NOT_YOURS}"
        row.values["lead_agency"] = own  # a new person is led by the importing agency
        return ""

    def _resolve_lead_agencies(self, batch: list[_Row]) -> None:
        for row in batch:
            code = row.values.get("lead_agency")
            row.values["lead_agency"] = None
            if code and code not in self.agencies:
                row.problems.append(f"unknown lead_agency {_shown(code)}")
            elif code:
                row.values["lead_agency"] = self.agencies[code]

    def _lead_agency(
        self,
        row: _Row,
        current: tuple[Any, ...] | None,
        lead_moves: list[tuple[int, int]],
    ) -> tuple[str, int | None, Agency | None]:
        """Returns (problem, lead_agency_id, agency to grant). A blank lead_agency
        keeps an existing person's; a new person gets IMPORT_DEFAULT_LEAD_AGENCY,
        or is rejected when that is not set. `current` is (id, …, lead_agency_id)."""
        named: Agency | None = row.values.get("lead_agency")
        if current is None:
            default = getattr(settings, "IMPORT_DEFAULT_LEAD_AGENCY", "") or ""
            agency = named or self.agencies.get(default)
            if agency is None:
                return (
                    "lead_agency is required for a new person"
                    + (f" (the default agency {default!r} does not exist)" if default else ""),
                    None,
                    None,
                )
            return "", agency.pk, agency
        current_lead = current[-1]
        if named is None or named.pk == current_lead:
            return "", current_lead, None
        lead_moves.append((current[0], current_lead))
        return "", named.pk, named

    def _upsert(self, plan: _Plan, rows: list[_Row], summary: FileSummary) -> None:
        spec = plan.spec
        is_people = spec.name == "people"
        people = self.people
        existing = self._existing(plan, rows)
        by_reference = spec.unique_fields == ("reference",)
        reference = spec.key[0]
        natural_key = spec.key[1:]
        scoped = self.scoped
        if scoped and (is_people or by_reference):
            # People rows update the stored person; an offence or disposal held
            # under its reference belongs to its stored person (its last field).
            self._ask_scope([c[0] if is_people else c[-1] for c in existing.values()])

        new: list[tuple[Any, ...]] = []
        changed: list[tuple[Any, ...]] = []
        grants: list[tuple[tuple[Any, ...], Agency]] = []
        lead_moves: list[tuple[int, int]] = []  # (person id, old lead agency id)
        end_rows: list[list[Any]] = []
        candidates: list[tuple[list[Any], tuple[Any, ...] | None, _Row]] = []
        for row in rows:
            values = plan.values(row)
            if is_people:
                key: tuple[Any, ...] = (row.values[reference],)
                current = existing.get(key)
                problem = self._scope_problem(row, current) if scoped else ""
                if problem:
                    self._reject(spec, row.line, [problem], summary)
                    continue
                problem, lead_id, grant_to = self._lead_agency(row, current, lead_moves)
                if problem:
                    self._reject(spec, row.line, [problem], summary)
                    continue
                values.append(lead_id)
                if grant_to is not None:
                    grants.append((key, grant_to))
            else:
                person_id = people[row.person_ref]
                values.append(person_id)
                if by_reference:
                    key = (row.values[reference],)
                else:
                    key = (person_id, *(row.values[k] for k in natural_key))
                current = existing.get(key)
                if scoped and by_reference and current is not None:
                    held_by = current[-1]
                    if held_by != person_id and held_by not in self.changeable:
                        # Moving another agency's offence or disposal to one of
                        # ours would take it over: refused, in the same words.
                        self.denied.append((spec.filename, row.line, held_by))
                        problem = f"{reference} {_shown(str(key[0]))}: {NOT_YOURS}"
                        self._reject(spec, row.line, [problem], summary)
                        continue
            candidates.append((values, current, row))
            if plan.end_statuses:
                if current is not None:
                    for index in plan.end_statuses_held:  # left out of the file: as held
                        values[index] = current[index + 1]
                if values[plan.terminated] is not None:
                    end_rows.append(values)
        from_outcomes = self._end_statuses(plan, end_rows) if end_rows else set()

        audited: list[tuple[list[Any], tuple[Any, ...] | None, _Row]] = []
        for values, current, row in candidates:
            if current is None:
                summary.created += 1
                new.append((*values, *plan.key_values(row)))
                if is_people:
                    people.setdefault(row.values[reference], None)
                    self.created_refs.add(row.values[reference])
                audited.append((values, current, row))
            elif tuple(values) != current[1:]:
                summary.updated += 1
                changed.append((*values, *plan.key_values(row)))
                audited.append((values, current, row))
            else:
                summary.unchanged += 1
                continue
            if id(values) in from_outcomes:
                self.end_statuses_from_outcomes += 1
        if not self.writing or not (new or changed):
            return
        written = new + changed
        write_fields = list(plan.fields)
        if is_people:
            write_fields.append("updated_at")
        ids = self._copy_upsert(
            spec.model, plan.names, written, spec.unique_fields, write_fields, ids=is_people
        )
        if is_people:
            for key, id_ in ids.items():
                people[key[0]] = id_
                self.changeable.add(id_)  # created by, or updated with, this user's rights
            self._grant_leads(plan, ids, written, grants, lead_moves)
        self._audit_people(plan, audited)
        if spec.name == "assessments":
            self._refresh_rosh({values[plan.link_index] for values in written})
        if spec.name == "cohorts" and "end_date" in plan.spec_header:
            today = timezone.localdate()
            self._end_cohort_access(
                [
                    current[0]
                    for values, current, row in audited
                    if current is not None
                    and row.values.get("end_date") is not None
                    and row.values["end_date"] <= today
                ]
            )

    def _audit_people(
        self, plan: _Plan, audited: list[tuple[list[Any], tuple[Any, ...] | None, _Row]]
    ) -> None:
        """Note, per person, what this batch created or changed about them and
        which fields (before and after, for a person's own details, as
        services.person_update records them). Written as one event per person
        for the whole import by write_person_events."""
        if not audited:
            return
        spec = plan.spec
        fields = plan.fields
        changes = self.person_changes
        codes = {a.pk: a.code for a in self.agencies.values()}

        def shown(name: str, value: Any) -> str:
            if name == "lead_agency_id":
                return codes.get(value, str(value))
            return "" if value is None else str(value)

        def changed(values: list[Any], current: tuple[Any, ...]) -> list[int]:
            return [i for i, (a, b) in enumerate(zip(values, current[1:], strict=True)) if a != b]

        if spec.name == "people":
            for values, current, row in audited:
                if current is None:
                    person_id = cast(int, self.people[row.values["person_ref"]])
                    set_ = [f for f, v in zip(fields, values, strict=True) if v not in (None, "")]
                    detail: dict[str, Any] = {
                        "created": True,
                        "fields": [_field(f) for f in set_],
                    }
                else:
                    person_id = current[0]
                    diff = changed(values, current)
                    detail = {
                        "fields": [_field(fields[i]) for i in diff],
                        "before": {
                            _field(fields[i]): shown(fields[i], current[i + 1]) for i in diff
                        },
                        "after": {_field(fields[i]): shown(fields[i], values[i]) for i in diff},
                    }
                changes.setdefault(person_id, {})[spec.filename] = detail
            return
        by_reference = spec.unique_fields == ("reference",)
        link = plan.link_index
        for values, current, row in audited:
            person_id = values[link]
            if by_reference:
                key = str(row.values[spec.key[0]])
            else:
                key = " ".join(str(row.values[k]) for k in spec.key[1:])
            entry = changes.setdefault(person_id, {}).setdefault(spec.filename, {})
            if current is None:
                entry.setdefault("created", []).append(key)
                continue
            diff = changed(values, current)
            entry.setdefault("updated", {})[key] = [_field(fields[i]) for i in diff]
            if current[-1] != person_id:  # an offence or disposal moved between people
                moved = changes.setdefault(current[-1], {}).setdefault(spec.filename, {})
                moved.setdefault("moved_away", []).append(key)

    def write_person_events(self) -> None:
        """One audit event per person this import created or changed, naming
        each file's changes (docs/import.md "Audit"): `collect` when all it did
        was add, else `alter`. One COPY for them all."""
        if not self.person_changes:
            return
        events = []
        for person_id, files in self.person_changes.items():
            only_added = all(
                set(change) <= {"created", "fields"} and change.get("created", True)
                for change in files.values()
            )
            events.append(
                {
                    **self._event_base,
                    "action": str(Action.COLLECT if only_added else Action.ALTER),
                    "object_id": str(person_id),
                    "person_id": person_id,
                    "details": {"import": self.import_id, "files": files},
                }
            )
        audit_record_copy(events)
        self.people_audited = len(events)

    @staticmethod
    def _end_statuses(plan: _Plan, rows: list[list[Any]]) -> set[int]:
        """A disposal ending in this file takes its accommodation and employment at
        the end from the pathways outcomes recorded by its terminated_date, as
        services.disposal_end_outcomes_record does for one: one query a batch.
        Sets them in the rows' values; returns the id() of those it changed."""
        from pathways.selectors import disposal_end_statuses_many  # pathways reads offenders

        link, terminated = plan.link_index, plan.terminated
        found = disposal_end_statuses_many([(values[link], values[terminated]) for values in rows])
        changed = set()
        for values in rows:
            statuses = found.get((values[link], values[terminated]), (None, None))
            for index, status in zip(plan.end_statuses, statuses, strict=True):
                if status is not None and status != values[index]:
                    values[index] = status
                    changed.add(id(values))
        return changed

    def _grant_leads(
        self,
        plan: _Plan,
        ids: dict[tuple[Any, ...], int],
        written: list[tuple[Any, ...]],
        grants: list[tuple[tuple[Any, ...], Agency]],
        lead_moves: list[tuple[int, int]],
    ) -> None:
        # Model instances only for the people who get a grant, for the access services.
        reference = plan.names.index("reference")
        granted = {key for key, _ in grants}
        people = {
            (values[reference],): Person(**dict(zip(plan.names, values, strict=True)))
            for values in written
            if (values[reference],) in granted
        }
        for key, person in people.items():
            person.pk = ids[key]
        services.involvements_start_bulk(
            rows=[
                (people[key], agency, InvolvementReason.LEAD_AGENCY, True) for key, agency in grants
            ],
            by=self.by,
            justification="Lead agency (import)",
        )
        # A changed lead agency: the old one's lead involvement ends (it keeps
        # access only through any other involvement). Rare, so one at a time.
        agencies = {a.pk: a for a in self.agencies.values()}
        for person_id, old_agency_id in lead_moves:
            old = agencies.get(old_agency_id) or Agency.objects.get(pk=old_agency_id)
            services.involvement_end(
                person=Person.objects.get(pk=person_id),
                agency=old,
                reason=InvolvementReason.LEAD_AGENCY,
                by=self.by,
                justification="Lead agency changed by import",
            )
            self.lead_changes += 1

    def _end_cohort_access(self, membership_ids: list[int]) -> None:
        """A membership this import ended takes with it the access its partner
        agencies had from it (as services.cohort_deselect does): access ends
        with the reason for it (rrcase.access.live_reasons). One query a batch;
        each ending is the usual `revoke` event."""
        if not membership_ids:
            return
        sources = [f"cohort:{pk}" for pk in membership_ids]
        for involvement in Involvement.objects.filter(
            reason=InvolvementReason.COHORT, source__in=sources, ended_at__isnull=True
        ).select_related("person", "agency"):
            services.involvement_end(
                person=involvement.person,
                agency=involvement.agency,
                reason=involvement.reason,
                source=involvement.source,
                by=self.by,
                justification="Cohort membership ended (import)",
            )

    @staticmethod
    def _refresh_rosh(person_ids: set[int]) -> None:
        """Person.rosh is the current RoSH: that of the latest assessment giving one."""
        latest = (
            RiskAssessment.objects.filter(person=OuterRef("pk"))
            .exclude(rosh="")
            .order_by("-assessed_on")
            .values("rosh")[:1]
        )
        Person.objects.filter(pk__in=person_ids).update(rosh=Coalesce(Subquery(latest), F("rosh")))

    def _existing(self, plan: _Plan, rows: list[_Row]) -> dict[tuple[Any, ...], tuple[Any, ...]]:
        """The rows already stored under this batch's keys, as (id, *plan.fields)
        by key: one query a batch."""
        spec = plan.spec
        if spec.unique_fields == ("reference",):
            refs = [row.values[spec.key[0]] for row in rows]
            found = _select(spec.model, ("reference", "id", *plan.fields), "reference", refs)
            return {(r[0],): r[1:] for r in found}
        person_ids = list({self.people[row.person_ref] for row in rows} - {None})
        if not person_ids:
            return {}
        natural = spec.unique_fields[1:]
        found = _select(
            spec.model, ("person_id", *natural, "id", *plan.fields), "person_id", person_ids
        )
        width = 1 + len(natural)
        return {r[:width]: r[width:] for r in found}

    def _copy_upsert(
        self,
        model: type[models.Model],
        names: list[str],
        rows: list[tuple[Any, ...]],
        unique_fields: tuple[str, ...],
        update_fields: list[str],
        *,
        ids: bool,
    ) -> dict[tuple[Any, ...], int]:
        """Insert or update `rows` (values in the order of `names`) by their unique
        fields, through COPY into a temporary table and one INSERT … ON CONFLICT:
        an order of magnitude less work per row than building Django's multi-row
        INSERT. Every row that conflicts is an update, and gets a new version.
        With `ids`, returns the ids by unique key (else {}). Field defaults and
        auto_now values are applied as save() would."""
        now = timezone.now()
        fields = [f for f in model._meta.concrete_fields if not f.primary_key and not f.generated]
        position = {name: i for i, name in enumerate(names)}
        width = len(names)
        picks: list[int] = []  # per column, its index in (*row, *constants)
        constants: list[Any] = []
        per_row: list[tuple[int, Callable[[], Any]]] = []  # callable defaults
        for f in fields:
            index = position.get(f.attname, position.get(f.name))
            if getattr(f, "auto_now", False) or getattr(f, "auto_now_add", False):
                index = None
                default: Any = now
            elif index is None:
                default = f.get_default()
                if f.has_default() and callable(f.default):
                    per_row.append((len(picks), f.get_default))
            if index is None:
                index = width + len(constants)
                constants.append(default)
            picks.append(index)
        pick = operator.itemgetter(*picks)
        extra = tuple(constants)

        table = model._meta.db_table
        column_of = {f.name: f.column for f in fields} | {f.attname: f.column for f in fields}
        columns = [f.column for f in fields]
        unique_columns = [column_of[name] for name in unique_fields]
        updates = [f'"{column_of[n]}" = EXCLUDED."{column_of[n]}"' for n in update_fields]
        if updates and "version" in column_of and "version" not in update_fields:
            # Someone editing one of these rows in the app now gets the "someone
            # else changed this" page instead of overwriting the import.
            updates.append(f'"version" = "{table}"."version" + 1')
        conflict = f"DO UPDATE SET {', '.join(updates)}" if updates else "DO NOTHING"
        column_sql = ", ".join(f'"{c}"' for c in columns)
        key_sql = ", ".join(f'"{c}"' for c in unique_columns)
        temporary = f"import_{table}"
        with connection.cursor() as cursor:
            if temporary in self._copy_tables:
                cursor.execute(f'TRUNCATE "{temporary}"')
            else:
                cursor.execute(f'DROP TABLE IF EXISTS "{temporary}"')
                cursor.execute(
                    f'CREATE TEMPORARY TABLE "{temporary}" AS '  # noqa: S608
                    f'SELECT {column_sql} FROM "{table}" WITH NO DATA'
                )
                self._copy_tables.add(temporary)
            with cursor.cursor.copy(f'COPY "{temporary}" ({column_sql}) FROM STDIN') as copy:
                write = copy.write_row
                if per_row:
                    for row in rows:
                        out = list(pick(row + extra))
                        for index, make in per_row:
                            out[index] = make()
                        write(out)
                else:
                    for row in rows:
                        write(pick(row + extra))
            # Table and column names come from the model, never from the file.
            cursor.execute(
                f'INSERT INTO "{table}" ({column_sql}) SELECT {column_sql} FROM "{temporary}" '  # noqa: S608
                f"ON CONFLICT ({key_sql}) {conflict}" + (f" RETURNING id, {key_sql}" if ids else "")
            )
            return {tuple(row[1:]): row[0] for row in cursor.fetchall()} if ids else {}


def _field(name: str) -> str:
    """A field as the audit trail names it: lead_agency, person — not their ids."""
    return name.removesuffix("_id")


def _select(
    model: type[models.Model], names: tuple[str, ...], where: str, values: list[Any]
) -> list[tuple[Any, ...]]:
    """SELECT the fields `names` of the rows whose field `where` is one of `values`:
    one array parameter (`= ANY(%s)`), not a placeholder per value."""
    column_of = {f.name: f.column for f in model._meta.concrete_fields} | {
        f.attname: f.column for f in model._meta.concrete_fields
    }
    column_sql = ", ".join(f'"{column_of[name]}"' for name in names)
    with connection.cursor() as cursor:
        cursor.execute(
            f'SELECT {column_sql} FROM "{model._meta.db_table}" '  # noqa: S608
            f'WHERE "{column_of[where]}" = ANY(%s)',
            [values],
        )
        return cursor.fetchall()


@functools.cache
def _blank(model: type[models.Model], name: str) -> Any:
    """What an empty optional column stores: the field's default, else "" or NULL."""
    model_field = cast(models.Field, model._meta.get_field(name))
    if model_field.has_default() and not model_field.null:
        return model_field.default
    return None if model_field.null else ""


# --- The service ----------------------------------------------------------------


def import_files_in(directory: Path) -> list[str]:
    return [name for name in FILE_ORDER if (directory / f"{name}.csv").is_file()]


def import_directory(
    *,
    directory: Path,
    by: User | None,
    partial: bool = False,
    dry_run: bool = False,
    rejects_path: Path | None = None,
    progress: Callable[[int], None] | None = None,
    import_run: ImportRun | None = None,
    operator: dict[str, str] | None = None,
) -> ImportResult:
    """Load the CSV files in `directory` (see the module docstring and
    docs/import.md). Writes the rejects CSV to `rejects_path` (default
    DIR/rejects.csv), always, with just its header when nothing was rejected.
    Records one audit event for the import unless it is a dry run, one per
    person created or changed, and one access_denied per row refused on an
    existing person (dry runs included).

    `by` is the user whose import this is: its rows may change only what that
    user's agency may change. None is the operator's command-line import, with
    full rights; `operator` (os_user, and optionally name and reason) then says
    who ran it."""
    directory = Path(directory)
    if not directory.is_dir():
        raise ImportDirectoryError(f"{directory} is not a directory")
    names = import_files_in(directory)
    if not names:
        raise ImportDirectoryError(
            f"{directory} has none of the import files: "
            + ", ".join(f"{n}.csv" for n in FILE_ORDER)
        )
    rejects_path = rejects_path or directory / "rejects.csv"
    rejects = _Rejects(rejects_path)
    summaries = {name: FileSummary() for name in names}
    import_id = uuid.uuid4().hex
    operator_name = ""
    if by is None and operator:
        operator_name = " ".join(
            filter(None, [operator.get("name", ""), f"({operator.get('os_user', '?')})"])
        )[:150]
    try:
        with transaction.atomic():
            importer = _Importer(
                by=by,
                partial=partial,
                dry_run=dry_run,
                rejects=rejects,
                progress=progress,
                operator=operator_name,
                import_id=import_id,
            )
            for name in names:
                importer.run_file(SPECS[name], directory / f"{name}.csv", summaries[name])
            committed = not dry_run and (partial or rejects.count == 0)
            if committed:
                importer.write_person_events()
            if not committed:
                transaction.set_rollback(True)
    finally:
        rejects.close()
    result = ImportResult(
        files=summaries,
        rejected=rejects.count,
        committed=committed,
        dry_run=dry_run,
        partial=partial,
        rejects_path=rejects_path,
    )
    # Outside the import's transaction, so a dry run or a rolled-back import
    # still leaves them: probing for other agencies' references is on record.
    if importer.denied:
        template = audit_event(
            action=Action.ACCESS_DENIED, actor=by, obj=import_run, actor_username=operator_name
        )
        audit_record_many(
            [
                AuditEvent(
                    actor=template.actor,
                    actor_username=template.actor_username,
                    agency_id=template.agency_id,
                    action=Action.ACCESS_DENIED,
                    object_type=template.object_type,
                    object_id=template.object_id,
                    person_id=person_id,
                    ip_address=template.ip_address,
                    request_id=template.request_id,
                    details={
                        "object": "offenders.person",
                        "reason": "import row for a record the agency may not change",
                        "import": import_id,
                        "file": filename,
                        "line": line,
                        "dry_run": dry_run,
                    },
                )
                for filename, line, person_id in importer.denied
            ]
        )
    if not dry_run:
        totals = result.totals
        audit_record(
            action=Action.COLLECT if totals.created else Action.ALTER,
            actor=by,
            actor_username=operator_name,
            obj=import_run,
            details={
                "import": "csv",
                "import_id": import_id,
                "directory": directory.name,
                **({"operator": operator} if by is None and operator else {}),
                **result.summary_dict(),
                "lead_agency_changes": importer.lead_changes if committed else 0,
                "end_statuses_from_outcomes": (
                    importer.end_statuses_from_outcomes if committed else 0
                ),
                "people_events": importer.people_audited if committed else 0,
                "refused_not_changeable": len(importer.denied),
            },
        )
    return result


def estimated_rows(directory: Path) -> int:
    """Data rows in the import files (lines less headers), for progress bars."""
    return sum(
        max(_count_lines(directory / f"{name}.csv") - 1, 0) for name in import_files_in(directory)
    )


# --- Uploads (the page and its Celery task) --------------------------------------

logger = logging.getLogger(__name__)


def import_storage_root() -> Path:
    """Uploads live under MEDIA_ROOT/imports, which is not served by the web
    server: they are only read by the task and the rejects download view."""
    return Path(settings.MEDIA_ROOT) / "imports"


def import_run_directory(run: ImportRun) -> Path:
    return import_storage_root() / run.storage_key


def import_run_rejects_path(run: ImportRun) -> Path:
    return import_run_directory(run) / "rejects.csv"


@transaction.atomic
def import_run_create(
    *, by: User, files: dict[str, UploadedFile], partial: bool, dry_run: bool
) -> ImportRun:
    """Store the uploaded files (named by kind: "people", "offences"…) and queue
    the import. The task starts only once this transaction commits."""
    agency = agency_of(by)
    if agency is None:
        raise ValueError("Only members of an agency can import data.")
    unknown = set(files) - set(FILE_ORDER)
    if unknown or not files:
        raise ValueError(f"Files must be one of {', '.join(FILE_ORDER)}.")
    run = ImportRun.objects.create(
        requested_by=by,
        agency=agency,
        partial=partial,
        dry_run=dry_run,
        storage_key=uuid.uuid4().hex,
        files=[
            {"name": f"{kind}.csv", "size": files[kind].size}
            for kind in FILE_ORDER
            if kind in files
        ],
    )
    directory = import_run_directory(run)
    directory.mkdir(parents=True, exist_ok=False)
    for kind, upload in files.items():
        with (directory / f"{kind}.csv").open("wb") as out:
            for chunk in upload.chunks():
                out.write(chunk)
    run.rows_total = estimated_rows(directory)
    run.save(update_fields=["rows_total"])
    # Published after commit; if the broker is down the run stays queued and
    # rrcase.core.jobs.jobs_sweep delivers it later (the page says so).
    jobs.job_queue_on_commit(run)
    return run


def import_run_execute(*, run_id: int) -> ImportRun:
    """Run a queued upload, exactly once in effect: only the execution holding
    the run's claim imports (rrcase.core.jobs); a finished run is left alone;
    a run whose worker died is imported again (the import is idempotent by
    reference, and the interrupted attempt's transaction was rolled back). The
    result is recorded in the import's own transaction, so the rows and the
    run's status commit together or not at all."""
    with jobs.job_execution(ImportRun, run_id, reset={"rows_done": 0, "error": ""}) as job:
        if job is None:
            return ImportRun.objects.get(pk=run_id)
        run = ImportRun.objects.select_related("requested_by").get(pk=run_id)

        def progress(rows_done: int) -> None:
            # On the job's own session: the import's transaction is not yet
            # visible to the progress page.
            job.update_aside(rows_done=rows_done)

        try:
            with transaction.atomic():
                result = import_directory(
                    directory=import_run_directory(run),
                    by=run.requested_by,
                    partial=run.partial,
                    dry_run=run.dry_run,
                    rejects_path=import_run_rejects_path(run),
                    progress=progress,
                    import_run=run,
                )
                job.lock_in_transaction()
                if result.dry_run:
                    status = ImportRunStatus.CHECKED
                elif not result.committed:
                    status = ImportRunStatus.REJECTED
                elif result.rejected:
                    status = ImportRunStatus.PARTIAL
                else:
                    status = ImportRunStatus.IMPORTED
                job.finish(
                    status=status,
                    summary=result.summary_dict(),
                    rejected_count=result.rejected,
                    rows_done=result.totals.read,
                )
        except jobs.ClaimLost:
            logger.warning("Import run %s: another execution took over; this one stops", run_id)
        except Exception as error:
            job.finish(
                status=ImportRunStatus.FAILED,
                error=f"{type(error).__name__}: the import stopped; nothing was imported.",
            )
            raise
    return ImportRun.objects.get(pk=run_id)


def import_run_rejects_open(*, run: ImportRun, by: User) -> Any:
    """The rejects CSV of a run, for download: a disclosure in the audit trail."""
    path = import_run_rejects_path(run)
    if not path.is_file():
        raise FileNotFoundError(path)
    audit_record(
        action=Action.DISCLOSE,
        actor=by,
        obj=run,
        recipient=by.get_full_name() or by.get_username(),
        details={"file": "rejects.csv", "rejected": run.rejected_count},
    )
    return path.open("rb")
