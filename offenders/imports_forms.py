"""The upload form for offenders.imports (the import page)."""

from __future__ import annotations

import codecs
import csv
from typing import Any

from django import forms
from django.conf import settings
from django.core.files.uploadedfile import UploadedFile
from django.template.defaultfilters import filesizeformat

from .imports import FILE_ORDER, SPECS, _header_problem

_SNIFF_BYTES = 64 * 1024


def _columns(kind: str) -> str:
    return ", ".join(c.name + ("*" if c.required else "") for c in SPECS[kind].columns)


_NOT_UTF8 = "The selected file must be saved as UTF-8 text (in Excel: CSV UTF-8)"


def _text_problem(upload: UploadedFile) -> str | None:
    """Why the whole file is not clean UTF-8 text, naming the line, or None.

    The header check above reads only the start of the file. A NUL byte
    anywhere (PostgreSQL text cannot hold one: the import would fail as a
    server error) or bytes that are not UTF-8 further down are refused here,
    on the form, before anything is stored or queued."""
    decoder = codecs.getincrementaldecoder("utf-8-sig")()
    line = 1
    upload.seek(0)
    try:
        for chunk in upload.chunks():
            nul = chunk.find(b"\x00")
            try:
                decoder.decode(chunk if nul < 0 else chunk[:nul])
            except UnicodeDecodeError as error:
                where = line + chunk[: max(error.start, 0)].count(b"\n")
                return f"{_NOT_UTF8}: line {where} is not"
            if nul >= 0:
                where = line + chunk[:nul].count(b"\n")
                return (
                    f"The selected file contains a null character (a zero byte) on line "
                    f"{where}: save it again as CSV UTF-8"
                )
            line += chunk.count(b"\n")
        try:
            decoder.decode(b"", final=True)
        except UnicodeDecodeError:
            return f"{_NOT_UTF8}: line {line} is not"
    finally:
        upload.seek(0)
    return None


class ImportUploadForm(forms.Form):
    people = forms.FileField(label="People (people.csv)", required=False)
    offences = forms.FileField(label="Offences (offences.csv)", required=False)
    disposals = forms.FileField(label="Disposals (disposals.csv)", required=False)
    cohorts = forms.FileField(label="Cohort memberships (cohorts.csv)", required=False)
    assessments = forms.FileField(label="Risk assessments (assessments.csv)", required=False)
    if_rejected = forms.ChoiceField(
        label="If any row is rejected",
        choices=[
            ("nothing", "Import nothing, so I can fix the files and try again"),
            ("partial", "Import the rows that are valid"),
        ],
        initial="nothing",
        widget=forms.RadioSelect,
        error_messages={"required": "Select what to do if any row is rejected"},
    )
    dry_run = forms.BooleanField(
        label="Only check the files: do not import anything", required=False
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for kind in FILE_ORDER:
            field = self.fields[kind]
            field.help_text = f"CSV, UTF-8, with a header row. Columns: {_columns(kind)}"
            field.widget.attrs["accept"] = ".csv,text/csv"
            field.error_messages["empty"] = "The selected file is empty"

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        if not self.errors and not any(cleaned.get(kind) for kind in FILE_ORDER):
            self.add_error("people", "Select at least one CSV file")
        return cleaned

    def _clean_file(self, kind: str) -> UploadedFile | None:
        upload: UploadedFile | None = self.cleaned_data.get(kind)
        if not upload:
            return None
        limit = settings.IMPORT_UPLOAD_MAX_BYTES
        if not (upload.name or "").lower().endswith(".csv"):
            raise forms.ValidationError("The selected file must be a CSV")
        if upload.size == 0:
            raise forms.ValidationError("The selected file is empty")
        if upload.size is not None and upload.size > limit:
            raise forms.ValidationError(
                f"The selected file must be smaller than {filesizeformat(limit)}"
            )
        upload.seek(0)
        head = upload.read(_SNIFF_BYTES)
        upload.seek(0)
        try:
            text = codecs.getincrementaldecoder("utf-8-sig")().decode(head, final=False)
        except UnicodeDecodeError:
            raise forms.ValidationError(_NOT_UTF8) from None
        first_line = text.splitlines()[0] if text else ""
        header = [name.strip() for name in next(csv.reader([first_line]), [])]
        problem = _header_problem(SPECS[kind], header)
        if problem:
            raise forms.ValidationError(f"The selected file does not fit {kind}.csv: {problem}")
        not_text = _text_problem(upload)
        if not_text:
            raise forms.ValidationError(not_text)
        return upload

    def clean_people(self) -> UploadedFile | None:
        return self._clean_file("people")

    def clean_offences(self) -> UploadedFile | None:
        return self._clean_file("offences")

    def clean_disposals(self) -> UploadedFile | None:
        return self._clean_file("disposals")

    def clean_cohorts(self) -> UploadedFile | None:
        return self._clean_file("cohorts")

    def clean_assessments(self) -> UploadedFile | None:
        return self._clean_file("assessments")
