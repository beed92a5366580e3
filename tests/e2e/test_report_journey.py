"""An analyst runs the quarter's report in the browser, reads it and downloads
the XLSX, whose sheets open with every table."""

from __future__ import annotations

import pytest
from openpyxl import load_workbook
from playwright.sync_api import expect

from rrcase.audit.models import AuditEvent
from tests.e2e.journeys import sign_in
from tests.reporting.test_proven_reoffending import build_worked_example

pytestmark = pytest.mark.django_db(transaction=True)


def test_analyst_runs_and_downloads_the_quarterly_report(page, borough, settings, tmp_path):
    build_worked_example()
    sign_in(page, "analyst", settings.DEMO_TOTP_SECRET)
    page.get_by_role("link", name="Reports", exact=True).click()
    expect(page.get_by_role("heading", name="Reports", level=1)).to_be_visible()
    page.axe.check()

    page.get_by_label("First day of the period").fill("2023-01-01")
    page.get_by_label("Last day of the period").fill("2023-03-31")
    page.get_by_label("Data as of (optional)").fill("2025-01-01")
    page.get_by_role("button", name="Run report").click()
    # Tasks run in-process here, so the report is ready when the page loads;
    # with a worker the progress page would refresh itself until it is.
    expect(
        page.get_by_role("heading", name="Report for 1 January 2023 to 31 March 2023")
    ).to_be_visible()
    expect(page.locator("#table-proven_reoffending")).to_contain_text("40.0")
    page.axe.check()

    with page.expect_download() as download_info:
        page.get_by_role("link", name="Every table as a spreadsheet (XLSX)").click()
    path = tmp_path / "report.xlsx"
    download_info.value.save_as(path)
    book = load_workbook(path)
    assert "Proven reoffending" in book.sheetnames
    assert book["Proven reoffending"]["A1"].value == "OFFICIAL-SENSITIVE"
    assert book["Proven reoffending"]["E4"].value == 40.0
    assert AuditEvent.objects.filter(action="disclose", details__format="xlsx").count() == 1

    page.get_by_role("link", name="Back to reports").click()
    page.get_by_role("link", name="partnership dashboard").click()
    expect(page.get_by_role("heading", name="Partnership dashboard")).to_be_visible()
    expect(page.get_by_role("heading", name="Proven reoffending rate")).to_be_visible()
    page.axe.check()
