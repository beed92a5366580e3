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

Nothing here writes one audit row per imported row: the import records one
summary event (counts, file names, rejects). New people's lead-agency grants
go through `involvements_start_bulk`, which records each grant as usual.
"""

from __future__ import annotations

import codecs
import csv
import functools
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
from django.db import connection, connections, models, transaction
from django.db.models import F, OuterRef, Subquery
from django.db.models.functions import Coalesce
from django.utils import timezone

from rrcase.access.models import Agency
from rrcase.access.selectors import agency_of
from rrcase.audit.models import Action
from rrcase.audit.services import audit_record
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
    InvolvementReason,
    IomStrand,
    Offence,
    OffenceCategory,
    OffenceOutcome,
    Person,
    RiskAssessment,
    Rosh,
)

BATCH_SIZE = 2000
FILE_ORDER = ("people", "offences", "disposals", "cohorts", "assessments")
REJECTS_HEADER = ("file", "line", "reason")
_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")
_INTEGER = re.compile(r"\d+")
_DECIMAL = re.compile(r"\d+(\.\d+)?|\.\d+")


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


@dataclass
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
        columns = [spec.column(name) for name in header]
        limits = [_max_length(spec, c) for c in columns]
        check = CHECKS[spec.name]
        seen: dict[tuple[str, ...], int] = {}
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
            row = _Row(line=line, values={})
            if len(record) != len(header):
                row.problems.append(f"expected {len(header)} fields, found {len(record)}")
                yield row
                continue
            for column, limit, raw in zip(columns, limits, record, strict=True):
                value = raw.strip()
                if not value:
                    if column.required:
                        row.problems.append(f"{column.name} is required")
                    else:
                        row.values[column.name] = None
                    continue
                if limit is not None and len(value) > limit:
                    row.problems.append(f"{column.name} is longer than {limit} characters")
                    continue
                try:
                    row.values[column.name] = column.parse(value, column.name)
                except ValueError as error:
                    row.problems.append(str(error))
            row.person_ref = row.values.get("person_ref") or ""
            if not row.problems:
                row.problems.extend(check(row.values))
            if all(k in row.values and row.values[k] is not None for k in spec.key):
                key = tuple(str(row.values[k]) for k in spec.key)
                if key in seen:
                    shown = ", ".join(
                        f"{k} {_shown(v)}" for k, v in zip(spec.key, key, strict=True)
                    )
                    row.problems.append(f"duplicate {shown} (first on line {seen[key]})")
                else:
                    seen[key] = line
            yield row


class _FileProblem(Exception):
    def __init__(self, line: int, reason: str) -> None:
        super().__init__(reason)
        self.line = line
        self.reason = reason


# --- Writing --------------------------------------------------------------------


class _Importer:
    def __init__(
        self,
        *,
        by: User | None,
        partial: bool,
        dry_run: bool,
        rejects: _Rejects,
        progress: Callable[[int], None] | None,
    ) -> None:
        self.by = by
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

    # One file, in batches.
    def run_file(self, spec: FileSpec, path: Path, summary: FileSummary) -> None:
        header: list[str] = []
        batch: list[_Row] = []
        try:
            for row in _rows(spec, path, header):
                batch.append(row)
                if len(batch) >= BATCH_SIZE:
                    self._flush(spec, header, batch, summary)
                    batch = []
        except _FileProblem as problem:
            self._flush(spec, header, batch, summary)
            summary.error = problem.reason
            self._reject(spec, problem.line, [problem.reason], summary)
            return
        self._flush(spec, header, batch, summary)

    def _reject(self, spec: FileSpec, line: int, reasons: list[str], summary: FileSummary) -> None:
        self.rejects.add(spec.filename, line, reasons)
        summary.rejected += 1
        if not self.partial:
            self.writing = False

    def _flush(
        self, spec: FileSpec, header: list[str], batch: list[_Row], summary: FileSummary
    ) -> None:
        if not batch:
            return
        summary.read += len(batch)
        if spec.name == "people":
            self._resolve_lead_agencies(batch)
        else:
            self._resolve_people(batch)
        for row in batch:
            if row.problems:
                self._reject(spec, row.line, row.problems, summary)
        good = [row for row in batch if not row.problems]
        if good:
            self._upsert(spec, header, good, summary)
        self.rows_done += len(batch)
        if self.progress:
            self.progress(self.rows_done)

    def _resolve_people(self, batch: list[_Row]) -> None:
        wanted = {r.person_ref for r in batch if r.person_ref} - self.people.keys()
        wanted -= self.not_people
        if wanted:
            found = dict(Person.objects.filter(reference__in=wanted).values_list("reference", "id"))
            self.people.update(found)
            self.not_people.update(wanted - found.keys())
        for row in batch:
            if row.person_ref and row.person_ref not in self.people:
                row.problems.append(
                    f"unknown person_ref {_shown(row.person_ref)}: not in the database "
                    "nor among this import's accepted people.csv rows"
                )

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
        values: dict[str, Any],
        current: dict[str, Any] | None,
        lead_moves: list[tuple[int, int]],
    ) -> tuple[str, Agency | None]:
        """Sets values["lead_agency_id"]; returns (problem, agency to grant).
        A blank lead_agency keeps an existing person's; a new person gets
        IMPORT_DEFAULT_LEAD_AGENCY, or is rejected when that is not set."""
        named: Agency | None = row.values.get("lead_agency")
        if current is None:
            default = getattr(settings, "IMPORT_DEFAULT_LEAD_AGENCY", "") or ""
            agency = named or self.agencies.get(default)
            if agency is None:
                return (
                    "lead_agency is required for a new person"
                    + (f" (the default agency {default!r} does not exist)" if default else ""),
                    None,
                )
            values["lead_agency_id"] = agency.pk
            return "", agency
        if named is None or named.pk == current["lead_agency_id"]:
            values["lead_agency_id"] = current["lead_agency_id"]
            return "", None
        values["lead_agency_id"] = named.pk
        lead_moves.append((current["id"], current["lead_agency_id"]))
        return "", named

    def _upsert(
        self, spec: FileSpec, header: list[str], rows: list[_Row], summary: FileSummary
    ) -> None:
        model = spec.model
        # Only the columns the file has: a column left out of the file leaves
        # that field alone on existing rows.
        fields = [spec.column(name).field for name in header if spec.column(name).field]
        fields = [f for f in fields if f not in spec.unique_fields]
        fields.append("lead_agency_id" if spec.name == "people" else "person_id")
        existing = self._existing(spec, rows, fields)

        new: list[models.Model] = []
        changed: list[models.Model] = []
        changed_ids: list[int] = []
        grants: list[tuple[models.Model, Agency]] = []
        lead_moves: list[tuple[int, int]] = []  # (person id, old lead agency id)
        for row in rows:
            values = self._field_values(spec, row)
            current = existing.get(self._key(spec, row))
            grant_to: Agency | None = None
            if spec.name == "people":
                problem, grant_to = self._lead_agency(row, values, current, lead_moves)
                if problem:
                    self._reject(spec, row.line, [problem], summary)
                    continue
            if current is None:
                summary.created += 1
                new.append(model(**values))
                if spec.name == "people":
                    self.people.setdefault(row.values["person_ref"], None)
            elif any(current[f] != values[f] for f in fields):
                summary.updated += 1
                changed.append(model(**values))
                changed_ids.append(current["id"])
            else:
                summary.unchanged += 1
                continue
            if grant_to is not None:
                grants.append((new[-1] if current is None else changed[-1], grant_to))
        if not self.writing or not (new or changed):
            return
        objects = new + changed
        write_fields = [f for f in fields if f not in spec.unique_fields]
        if spec.name == "people":
            write_fields.append("updated_at")
        ids = _copy_upsert(model, objects, list(spec.unique_fields), write_fields)
        if spec.name == "people":
            for obj in objects:
                obj.pk = ids[(obj.reference,)]  # type: ignore[attr-defined]
        if changed_ids and any(f.name == "version" for f in model._meta.fields):
            # Someone editing one of these rows in the app now gets the
            # "someone else changed this" page instead of overwriting the import.
            model._default_manager.filter(pk__in=changed_ids).update(version=F("version") + 1)
        if spec.name == "people":
            for obj in objects:
                self.people[obj.reference] = obj.pk  # type: ignore[attr-defined]
            self._grant_leads(grants, lead_moves)
        if spec.name == "assessments":
            self._refresh_rosh({obj.person_id for obj in objects})  # type: ignore[attr-defined]

    def _grant_leads(
        self, grants: list[tuple[models.Model, Agency]], lead_moves: list[tuple[int, int]]
    ) -> None:
        services.involvements_start_bulk(
            rows=[
                (person, agency, InvolvementReason.LEAD_AGENCY, True)  # type: ignore[misc]
                for person, agency in grants
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

    def _field_values(self, spec: FileSpec, row: _Row) -> dict[str, Any]:
        values: dict[str, Any] = {}
        for name, value in row.values.items():
            if name.startswith("_") or (name == "person_ref" and spec.name != "people"):
                continue
            column = spec.column(name)
            if not column.field:
                continue
            values[column.field] = _stored(spec.model, column.field, value)
        if spec.name != "people":
            values["person_id"] = self.people[row.person_ref]
        return values

    def _key(self, spec: FileSpec, row: _Row) -> tuple[Any, ...]:
        if spec.unique_fields == ("reference",):
            return (row.values[spec.key[0]],)
        return (self.people[row.person_ref], *(row.values[k] for k in spec.key[1:]))

    def _existing(
        self, spec: FileSpec, rows: list[_Row], fields: list[str]
    ) -> dict[tuple[Any, ...], dict[str, Any]]:
        """The rows already stored under this batch's keys: one query a batch."""
        wanted = ["id", *fields]
        manager = spec.model._default_manager
        if spec.unique_fields == ("reference",):
            refs = [row.values[spec.key[0]] for row in rows]
            found = manager.filter(reference__in=refs).values("reference", *wanted)
            return {(r.pop("reference"),): r for r in found}
        person_ids = {self.people[row.person_ref] for row in rows} - {None}
        found = manager.filter(person_id__in=person_ids).values(*spec.unique_fields[1:], *wanted)
        return {(r["person_id"], *(r[k] for k in spec.unique_fields[1:])): r for r in found}


def _constant(value: Any) -> Callable[[models.Model], Any]:
    return lambda _obj: value


def _copy_upsert(
    model: type[models.Model],
    objects: list[models.Model],
    unique_fields: list[str],
    update_fields: list[str],
) -> dict[tuple[Any, ...], int]:
    """Insert or update `objects` by their unique fields, through COPY into a
    temporary table and one INSERT … ON CONFLICT: an order of magnitude less
    work per row than building Django's multi-row INSERT. Returns the ids by
    unique key. Field defaults and auto_now values are applied as save() would."""
    now = timezone.now()
    fields = [
        f for f in model._meta.concrete_fields if not f.primary_key
    ]  # every column but the id
    columns = [f.column for f in fields]
    getters: list[Callable[[models.Model], Any]] = []
    for f in fields:
        if getattr(f, "auto_now", False) or getattr(f, "auto_now_add", False):
            getters.append(_constant(now))
        else:
            getters.append(operator.attrgetter(f.attname))
    table = model._meta.db_table
    column_of = {f.name: f.column for f in fields} | {f.attname: f.column for f in fields}
    unique_columns = [column_of[name] for name in unique_fields]
    updates = [column_of[name] for name in update_fields]
    update_sql = ", ".join(f'"{c}" = EXCLUDED."{c}"' for c in updates)
    conflict = f"DO UPDATE SET {update_sql}" if updates else "DO NOTHING"
    column_sql = ", ".join(f'"{c}"' for c in columns)
    key_sql = ", ".join(f'"{c}"' for c in unique_columns)
    with connection.cursor() as cursor:
        cursor.execute(f'DROP TABLE IF EXISTS "import_{table}"')
        cursor.execute(
            f'CREATE TEMPORARY TABLE "import_{table}" AS '  # noqa: S608
            f'SELECT {column_sql} FROM "{table}" WITH NO DATA'
        )
        with cursor.cursor.copy(f'COPY "import_{table}" ({column_sql}) FROM STDIN') as copy:
            for obj in objects:
                copy.write_row([getter(obj) for getter in getters])
        # Table and column names come from the model, never from the file.
        cursor.execute(
            f'INSERT INTO "{table}" ({column_sql}) SELECT {column_sql} FROM "import_{table}" '  # noqa: S608
            f"ON CONFLICT ({key_sql}) {conflict} RETURNING id, {key_sql}"
        )
        return {tuple(row[1:]): row[0] for row in cursor.fetchall()}


def _stored(model: type[models.Model], name: str, value: Any) -> Any:
    """The value as the database holds it, so unchanged rows compare equal."""
    return _blank(model, name) if value is None else value


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
) -> ImportResult:
    """Load the CSV files in `directory` (see the module docstring and
    docs/import.md). Writes the rejects CSV to `rejects_path` (default
    DIR/rejects.csv), always, with just its header when nothing was rejected.
    Records one audit event for the import unless it is a dry run."""
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
    try:
        with transaction.atomic():
            importer = _Importer(
                by=by, partial=partial, dry_run=dry_run, rejects=rejects, progress=progress
            )
            for name in names:
                importer.run_file(SPECS[name], directory / f"{name}.csv", summaries[name])
            committed = not dry_run and (partial or rejects.count == 0)
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
    if not dry_run:
        totals = result.totals
        audit_record(
            action=Action.COLLECT if totals.created else Action.ALTER,
            actor=by,
            obj=import_run,
            details={
                "import": "csv",
                "directory": directory.name,
                **result.summary_dict(),
                "lead_agency_changes": importer.lead_changes if committed else 0,
            },
        )
    return result


def estimated_rows(directory: Path) -> int:
    """Data rows in the import files (lines less headers), for progress bars."""
    return sum(
        max(_count_lines(directory / f"{name}.csv") - 1, 0) for name in import_files_in(directory)
    )


# --- Uploads (the page and its Celery task) --------------------------------------


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
    from .tasks import import_run_process

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
    transaction.on_commit(lambda: import_run_process.delay(run.pk))
    return run


def _progress_writer(run_id: int) -> tuple[Callable[[int], None], Callable[[], None]]:
    """Progress is written on a second database connection: the import itself
    runs in one transaction, whose writes the progress page could not see."""
    connection = connections.create_connection("default")

    def write(rows_done: int) -> None:
        with connection.cursor() as cursor:
            cursor.execute(
                f"UPDATE {ImportRun._meta.db_table} SET rows_done = %s WHERE id = %s",  # noqa: S608
                [rows_done, run_id],
            )

    return write, connection.close


def import_run_execute(*, run_id: int) -> ImportRun:
    """Run a queued upload. Safe to run again after a worker died part way: the
    import is idempotent and a finished run is left alone."""
    run = ImportRun.objects.select_related("requested_by").get(pk=run_id)
    if run.status not in (ImportRunStatus.QUEUED, ImportRunStatus.RUNNING):
        return run
    run.status = ImportRunStatus.RUNNING
    run.started_at = timezone.now()
    run.rows_done = 0
    run.save(update_fields=["status", "started_at", "rows_done"])
    write_progress, close = _progress_writer(run.pk)
    try:
        result = import_directory(
            directory=import_run_directory(run),
            by=run.requested_by,
            partial=run.partial,
            dry_run=run.dry_run,
            rejects_path=import_run_rejects_path(run),
            progress=write_progress,
            import_run=run,
        )
    except Exception as error:
        run.status = ImportRunStatus.FAILED
        run.error = f"{type(error).__name__}: the import stopped; nothing was imported."
        run.finished_at = timezone.now()
        run.save(update_fields=["status", "error", "finished_at"])
        raise
    finally:
        close()
    if result.dry_run:
        status = ImportRunStatus.CHECKED
    elif not result.committed:
        status = ImportRunStatus.REJECTED
    elif result.rejected:
        status = ImportRunStatus.PARTIAL
    else:
        status = ImportRunStatus.IMPORTED
    run.status = status
    run.summary = result.summary_dict()
    run.rejected_count = result.rejected
    run.rows_done = result.totals.read
    run.finished_at = timezone.now()
    run.save(update_fields=["status", "summary", "rejected_count", "rows_done", "finished_at"])
    return run


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
