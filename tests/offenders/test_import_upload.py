"""The import page's upload checks: a file that is not clean UTF-8 text is
refused on the form, with a GOV.UK error that says what is wrong and where,
before anything is stored or queued (#13: a NUL byte was a 500)."""

from __future__ import annotations

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from offenders.models import ImportRun

pytestmark = pytest.mark.django_db

HEADER = "person_ref,pnc_id,given_name,family_name,date_of_birth,gender,ethnicity,lead_agency\n"
ROW = "U{n},,Una,Upload,1990-01-01,female,,\n"


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


def _upload(client, content: bytes, kind: str = "people"):
    data = {kind: SimpleUploadedFile(f"{kind}.csv", content, "text/csv")}
    return client.post(reverse("imports:new"), {"if_rejected": "nothing", **data})


def _rows(count: int) -> bytes:
    return (HEADER + "".join(ROW.format(n=n) for n in range(count))).encode()


@pytest.mark.parametrize(
    ("content", "message"),
    [
        # A NUL in the first row, and one far past the first 64 KiB the
        # header check reads (3,000 rows is about 120 KiB).
        (HEADER.encode() + b"U1,,Una,Up\x00load,1990-01-01,female,,\n", "line 2"),
        (_rows(3000) + b"U9,,Una,Upload\x00,1990-01-01,female,,\n", "line 3002"),
        # Bytes that are not UTF-8, past the first 64 KiB too.
        (_rows(3000) + b"U9,,Ren\xe9e,Upload,1990-01-01,female,,\n", "line 3002"),
    ],
)
def test_a_file_that_is_not_utf8_text_is_refused_on_the_form(
    sign_in, borough, content, message, django_capture_on_commit_callbacks
):
    client = sign_in("probation-admin")
    with django_capture_on_commit_callbacks(execute=True):
        response = _upload(client, content)
    assert response.status_code == 200  # the form again, not a 500
    page = response.content.decode()
    assert "There is a problem" in page
    assert "govuk-error-summary" in page
    assert 'href="#id_people"' in page  # the summary links to the field
    assert message in page
    assert not ImportRun.objects.exists()  # nothing stored, nothing queued


def test_a_nul_byte_is_named_as_such(sign_in, borough):
    response = _upload(sign_in("probation-admin"), HEADER.encode() + b"A\x00B\n")
    assert "contains a null character (a zero byte) on line 2" in response.content.decode()


def test_a_clean_large_file_is_still_accepted(sign_in, borough):
    response = _upload(sign_in("probation-admin"), _rows(3000))
    assert response.status_code == 302
    assert ImportRun.objects.count() == 1
