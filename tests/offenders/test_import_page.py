"""The import page: agency admins and analysts upload CSV files, the import
runs as a Celery job, they watch its progress and download its rejects."""

from __future__ import annotations

import csv
import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from offenders.models import ImportRun, Person
from rrcase.audit.models import AuditEvent

pytestmark = pytest.mark.django_db

PEOPLE = (
    "person_ref,pnc_id,given_name,family_name,date_of_birth,gender,ethnicity,lead_agency\n"
    "U1,,Una,Upload,1990-01-01,female,,\n"
)
BAD_PEOPLE = PEOPLE + "U2,,Ulf,Upload,1990-13-01,male,,\n"


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


def upload(client, content: str, name: str = "people.csv", **extra: str):
    data = {"people": SimpleUploadedFile(name, content.encode(), "text/csv")}
    return client.post(reverse("imports:new"), {"if_rejected": "nothing", **extra, **data})


@pytest.mark.parametrize("username", ["probation-admin", "analyst"])
def test_admins_and_analysts_upload_and_the_job_imports(
    sign_in, borough, username, django_capture_on_commit_callbacks
):
    client = sign_in(username)
    assert client.get(reverse("imports:new")).status_code == 200
    with django_capture_on_commit_callbacks(execute=True):
        response = upload(client, PEOPLE)
    run = ImportRun.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("imports:detail", args=[run.pk])
    run.refresh_from_db()
    assert run.status == "imported"
    assert run.summary["files"]["people.csv"]["created"] == 1
    assert Person.objects.filter(reference="U1").exists()
    page = client.get(response["Location"]).content.decode()
    assert "Every row was accepted" in page
    assert "hx-trigger" not in page  # finished: no more polling
    # The files are kept outside the web root.
    assert "imports" in str(run.storage_key) or run.storage_key
    event = AuditEvent.objects.get(details__import="csv")
    assert event.object_id == str(run.pk)


def test_a_queued_run_shows_progress_that_polls_with_and_without_javascript(sign_in, borough):
    client = sign_in("probation-admin")
    upload(client, PEOPLE)  # the test transaction never commits: the job stays queued
    run = ImportRun.objects.get()
    page = client.get(reverse("imports:detail", args=[run.pk])).content.decode()
    assert "Waiting to start" in page
    assert f'hx-get="{reverse("imports:progress", args=[run.pk])}"' in page
    assert '<noscript><meta http-equiv="refresh" content="5"></noscript>' in page
    partial = client.get(reverse("imports:progress", args=[run.pk])).content.decode()
    assert partial.lstrip().startswith('<div id="import-progress"')
    assert "of about 1 rows" in partial


def test_rejects_are_downloadable_and_the_download_is_a_disclosure(
    sign_in, borough, django_capture_on_commit_callbacks
):
    client = sign_in("probation-admin")
    with django_capture_on_commit_callbacks(execute=True):
        upload(client, BAD_PEOPLE)
    run = ImportRun.objects.get()
    assert run.status == "rejected"
    assert not Person.objects.exists()
    page = client.get(reverse("imports:detail", args=[run.pk])).content.decode()
    assert "Nothing was imported because 1 row was rejected" in page
    response = client.get(reverse("imports:rejects", args=[run.pk]))
    assert response.status_code == 200
    assert response["Content-Disposition"].startswith("attachment")
    rows = list(csv.DictReader(io.StringIO(b"".join(response.streaming_content).decode())))
    assert rows == [
        {
            "file": "people.csv",
            "line": "3",
            "reason": "date_of_birth '1990-13-01' is not a real date",
        }
    ]
    assert AuditEvent.objects.filter(action="disclose", object_id=str(run.pk)).count() == 1


def test_partial_import_from_the_page(sign_in, borough, django_capture_on_commit_callbacks):
    client = sign_in("analyst")
    with django_capture_on_commit_callbacks(execute=True):
        upload(client, BAD_PEOPLE, if_rejected="partial")
    run = ImportRun.objects.get()
    assert run.status == "partial"
    assert list(Person.objects.values_list("reference", flat=True)) == ["U1"]


def test_dry_run_from_the_page_imports_nothing(
    sign_in, borough, django_capture_on_commit_callbacks
):
    client = sign_in("analyst")
    with django_capture_on_commit_callbacks(execute=True):
        upload(client, PEOPLE, dry_run="on")
    assert ImportRun.objects.get().status == "checked"
    assert not Person.objects.exists()


@pytest.mark.parametrize("username", ["probation", "housing", "chair", "dpo"])
def test_other_roles_get_403(sign_in, borough, username):
    client = sign_in(username)
    assert client.get(reverse("imports:list")).status_code == 403
    assert client.get(reverse("imports:new")).status_code == 403
    assert upload(client, PEOPLE).status_code == 403
    assert not ImportRun.objects.exists()


@pytest.mark.parametrize("name", ["imports:detail", "imports:progress", "imports:rejects"])
def test_someone_elses_import_is_a_404(sign_in, borough, name, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        upload(sign_in("probation-admin"), BAD_PEOPLE)
    run = ImportRun.objects.get()
    assert sign_in("analyst").get(reverse(name, args=[run.pk])).status_code == 404


@pytest.mark.parametrize(
    ("content", "name", "message"),
    [
        (PEOPLE, "people.xlsx", "The selected file must be a CSV"),
        ("", "people.csv", "The selected file is empty"),
        ("ref,name\nX,Y\n", "people.csv", "The selected file does not fit people.csv"),
        ("person_ref,given_name\n", "people.csv", "lacks required column(s): family_name"),
    ],
)
def test_a_bad_upload_shows_the_error_summary(sign_in, borough, content, name, message):
    response = upload(sign_in("analyst"), content, name)
    page = response.content.decode()
    assert response.status_code == 200
    assert "There is a problem" in page
    assert 'href="#id_people"' in page
    assert message in page
    assert not ImportRun.objects.exists()


def test_a_file_that_is_not_utf8_is_refused_at_upload(sign_in, borough):
    client = sign_in("analyst")
    data = {"people": SimpleUploadedFile("people.csv", "person_ref,Ren\xe9e\n".encode("latin-1"))}
    page = client.post(reverse("imports:new"), {"if_rejected": "nothing", **data}).content.decode()
    assert "must be saved as UTF-8 text" in page


def test_an_upload_with_no_files_asks_for_one(sign_in, borough):
    page = sign_in("analyst").post(reverse("imports:new"), {"if_rejected": "nothing"})
    assert "Select at least one CSV file" in page.content.decode()


def test_files_over_the_size_limit_are_refused(sign_in, borough, settings):
    settings.IMPORT_UPLOAD_MAX_BYTES = 10
    page = upload(sign_in("analyst"), PEOPLE).content.decode()
    assert "The selected file must be smaller than 10" in page


IMPORTS_LINK = '<a class="govuk-service-navigation__link" href="/imports/"'


@pytest.mark.parametrize("username", ["probation-admin", "analyst"])
def test_importers_find_imports_in_the_service_navigation(sign_in, borough, username):
    client = sign_in(username)
    assert IMPORTS_LINK in client.get(reverse("core:home")).content.decode()
    on_imports = client.get(reverse("imports:list")).content.decode()
    assert f'{IMPORTS_LINK} aria-current="page">' in on_imports


@pytest.mark.parametrize("username", ["probation", "chair", "sysadmin"])
def test_roles_that_cannot_import_are_not_offered_the_link(sign_in, borough, username):
    client = sign_in(username)
    assert IMPORTS_LINK not in client.get(reverse("core:home")).content.decode()
    assert client.get(reverse("imports:list")).status_code == 403
