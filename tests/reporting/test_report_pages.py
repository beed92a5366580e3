"""Report pages and downloads, by persona (STYLE.md): analysts and panel chairs
run and download; practitioners read; other roles are refused."""

from __future__ import annotations

import io
from datetime import date

import pytest
from django.urls import reverse
from openpyxl import load_workbook

from reporting import services
from reporting.models import ReportRun, ReportStatus
from rrcase.audit.models import AuditEvent

from .factories import PersonFactory, disposal, membership, offence
from .test_proven_reoffending import build_worked_example

pytestmark = pytest.mark.django_db


@pytest.fixture
def finished_run(borough):
    build_worked_example()
    run = services.report_run_request(
        by=None, start=date(2023, 1, 1), end=date(2023, 3, 31), as_of=date(2025, 1, 1)
    )
    services.report_run_execute(run_id=run.pk)
    run.refresh_from_db()
    return run


def urls(run):
    return [
        reverse("reporting:list"),
        reverse("reporting:detail", args=[run.pk]),
        reverse("reporting:download", args=[run.pk, "xlsx"]),
        reverse("reporting:download", args=[run.pk, "pdf"]),
        reverse("reporting:download", args=[run.pk, "csv"]) + "?table=ni18",
    ]


@pytest.mark.parametrize("username", ["probation-admin", "dpo", "sysadmin"])
def test_roles_without_reports_are_refused_everywhere(finished_run, sign_in, username):
    client = sign_in(username)
    for url in urls(finished_run):
        assert client.get(url).status_code == 403, url
    progress = reverse("reporting:progress", args=[finished_run.pk])
    assert client.get(progress).status_code == 403
    assert client.post(reverse("reporting:list"), {}).status_code == 403


def test_signed_out_users_are_sent_to_sign_in(finished_run, client):
    for url in urls(finished_run):
        assert client.get(url).status_code == 302


def test_practitioner_reads_but_cannot_run_or_download(finished_run, sign_in):
    client = sign_in("probation")
    html = client.get(reverse("reporting:detail", args=[finished_run.pk])).content.decode()
    assert "Proven reoffending" in html
    assert "Download" not in html
    for url in urls(finished_run)[2:]:
        assert client.get(url).status_code == 403
    response = client.post(reverse("reporting:list"), {"start": "2023-01-01", "end": "2023-03-31"})
    assert response.status_code == 403
    assert not AuditEvent.objects.filter(action="disclose").exists()


def test_analyst_runs_a_report_and_sees_progress_then_the_report(
    borough, sign_in, django_capture_on_commit_callbacks
):
    client = sign_in("analyst")
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            reverse("reporting:list"),
            {"start": "2023-01-01", "end": "2023-03-31", "as_of": "2025-01-01", "cohort": "iom"},
        )
    run = ReportRun.objects.get()
    assert response["Location"] == reverse("reporting:detail", args=[run.pk])
    # Tasks run in-process in tests, after commit: the run is already done.
    assert run.status == ReportStatus.DONE
    assert run.requested_by.username == "analyst"
    html = client.get(response["Location"]).content.decode()
    assert "Report for 1 January 2023 to 31 March 2023" in html
    assert "<svg" in html
    assert "OFFICIAL-SENSITIVE" in html


def test_run_form_errors_show_the_error_summary(borough, sign_in):
    html = (
        sign_in("chair")
        .post(reverse("reporting:list"), {"start": "2023-04-01", "end": "2023-03-31"})
        .content.decode()
    )
    assert "There is a problem" in html
    assert "The last day must be the same as or after the first day" in html
    assert not ReportRun.objects.exists()


def test_progress_page_polls_and_falls_back_to_refresh(borough, sign_in):
    from django.contrib.auth import get_user_model

    analyst = get_user_model().objects.get(username="analyst")
    run = ReportRun.objects.create(
        kind="on_demand",
        period_start=date(2023, 1, 1),
        period_end=date(2023, 3, 31),
        as_of=date(2025, 1, 1),
        definition_version=1,
        requested_by=analyst,
    )
    client = sign_in("analyst")
    html = client.get(reverse("reporting:detail", args=[run.pk])).content.decode()
    assert 'hx-get="{}"'.format(reverse("reporting:progress", args=[run.pk])) in html
    assert '<noscript><meta http-equiv="refresh" content="5"></noscript>' in html
    partial = client.get(reverse("reporting:progress", args=[run.pk]), HTTP_HX_REQUEST="true")
    assert partial.status_code == 200
    assert "Queued" in partial.content.decode()
    ReportRun.objects.filter(pk=run.pk).update(status="running", progress=42, stage="Panels")
    partial = client.get(reverse("reporting:progress", args=[run.pk]), HTTP_HX_REQUEST="true")
    assert "42% done: Panels" in partial.content.decode()
    assert '<progress id="report-progress-bar" max="100" value="42">' in partial.content.decode()
    ReportRun.objects.filter(pk=run.pk).update(status=ReportStatus.DONE, results=None)
    done = client.get(reverse("reporting:progress", args=[run.pk]), HTTP_HX_REQUEST="true")
    assert done["HX-Redirect"] == reverse("reporting:detail", args=[run.pk])


def test_progress_and_unfinished_runs_belong_to_whoever_asked(borough, sign_in):
    from django.contrib.auth import get_user_model

    analyst = get_user_model().objects.get(username="analyst")
    run = ReportRun.objects.create(
        kind="on_demand",
        period_start=date(2023, 1, 1),
        period_end=date(2023, 3, 31),
        as_of=date(2025, 1, 1),
        definition_version=1,
        requested_by=analyst,
    )
    client = sign_in("chair")
    assert client.get(reverse("reporting:progress", args=[run.pk])).status_code == 404
    assert client.get(reverse("reporting:detail", args=[run.pk])).status_code == 404
    list_html = client.get(reverse("reporting:list")).content.decode()
    assert reverse("reporting:detail", args=[run.pk]) not in list_html


def test_report_page_shows_no_names(finished_run, sign_in):
    html = sign_in("chair").get(reverse("reporting:detail", args=[finished_run.pk])).content
    for family_name in ("Person", "KPI0"):
        assert family_name.encode() not in html


def test_xlsx_download_has_a_sheet_per_table_and_is_audited(finished_run, sign_in):
    response = sign_in("analyst").get(reverse("reporting:download", args=[finished_run.pk, "xlsx"]))
    assert response.status_code == 200
    assert response["Content-Disposition"].startswith("attachment;")
    book = load_workbook(io.BytesIO(response.content))
    assert book.sheetnames == [
        "About this report",
        "Proven reoffending",
        "IOM cohort offending",
        "At the end of supervision",
        "NI 18 reoffending against predi",
        "IOM offending before, during an",
        "Eight-quarter trend",
        "IOM cohort profile",
        "Compliance and enforcement",
        "Disproportionality by ethnicity",
        "Pathway needs and referrals",
        "Panel activity",
    ]
    sheet = book["Proven reoffending"]
    assert sheet["A1"].value == "OFFICIAL-SENSITIVE"
    assert [c.value for c in sheet[4]][:5] == ["All", "All", 5, 2, 40.0]
    event = AuditEvent.objects.get(action="disclose")
    assert event.recipient == "Quinn Marlow"
    assert event.object_id == str(finished_run.pk)
    assert event.details["format"] == "xlsx"


def test_pdf_download_is_a_marked_pdf_and_audited(finished_run, sign_in):
    response = sign_in("chair").get(reverse("reporting:download", args=[finished_run.pk, "pdf"]))
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response.content.startswith(b"%PDF")
    assert AuditEvent.objects.filter(action="disclose", details__format="pdf").count() == 1


def test_csv_download_per_table(finished_run, sign_in):
    client = sign_in("analyst")
    url = reverse("reporting:download", args=[finished_run.pk, "csv"])
    response = client.get(url + "?table=proven_reoffending")
    lines = response.content.decode("utf-8-sig").splitlines()
    assert lines[0] == "OFFICIAL-SENSITIVE"
    assert lines[3].startswith("All,All,5,2,40.0,3,0.6,1.5")
    assert client.get(url + "?table=nonsense").status_code == 404
    exe = reverse("reporting:download", args=[finished_run.pk, "exe"])
    assert client.get(exe).status_code == 404
    assert AuditEvent.objects.filter(action="disclose").count() == 1


def test_publication_edition_suppresses_small_numbers(finished_run, sign_in):
    client = sign_in("analyst")
    url = reverse("reporting:download", args=[finished_run.pk, "csv"])
    lines = client.get(url + "?table=proven_reoffending&edition=publication").content
    first = lines.decode("utf-8-sig").splitlines()[3]
    # cohort 5 stays; reoffenders 2 and reoffences 3 and every rate built on them go
    assert first == "All,All,5,[c],[c],[c],[c],[c]"
    html = client.get(
        reverse("reporting:detail", args=[finished_run.pk]) + "?edition=publication"
    ).content.decode()
    assert "[c]" in html
    event = AuditEvent.objects.get(action="disclose")
    assert event.details["publication"] is True


def test_rerun_shows_what_changed_since_the_previous_run(finished_run, sign_in):
    late = PersonFactory()
    disposal(late, "fine", "2023-02-10")
    rerun = services.report_run_request(
        by=None, start=date(2023, 1, 1), end=date(2023, 3, 31), as_of=date(2025, 1, 1)
    )
    services.report_run_execute(run_id=rerun.pk)
    html = sign_in("analyst").get(reverse("reporting:detail", args=[rerun.pk])).content.decode()
    assert "Changed since the previous run" in html
    assert "binary_rate" in html


def test_formulas_in_cells_are_escaped(finished_run, sign_in):
    person = PersonFactory(ethnicity="=HYPERLINK(1)")
    membership(person, "iom", "2022-01-01")
    offence(person, "2022-06-01")
    run = services.report_run_request(
        by=None, start=date(2023, 1, 1), end=date(2023, 3, 31), as_of=date(2025, 1, 1)
    )
    services.report_run_execute(run_id=run.pk)
    client = sign_in("analyst")
    book = load_workbook(
        io.BytesIO(client.get(reverse("reporting:download", args=[run.pk, "xlsx"])).content)
    )
    values = [c.value for row in book["IOM cohort profile"].iter_rows() for c in row]
    assert "'=hyperlink(1)" in [str(v).lower() for v in values]
    assert not any(isinstance(v, str) and v.startswith("=") for v in values)


def test_report_pages_query_count_does_not_grow(
    finished_run, sign_in, django_assert_max_num_queries
):
    """Guards the list and report pages against a query per run or per row."""
    client = sign_in("analyst")
    for _ in range(5):
        services.report_run_execute(
            run_id=services.report_run_request(
                by=None, start=date(2023, 1, 1), end=date(2023, 3, 31), as_of=date(2025, 1, 1)
            ).pk
        )
    with django_assert_max_num_queries(14):
        assert client.get(reverse("reporting:list")).status_code == 200
    with django_assert_max_num_queries(14):
        assert client.get(reverse("reporting:detail", args=[finished_run.pk])).status_code == 200
    with django_assert_max_num_queries(14):
        url = reverse("reporting:download", args=[finished_run.pk, "xlsx"])
        assert client.get(url).status_code == 200
