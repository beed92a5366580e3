"""A report's tables as files: CSV (one table), XLSX (one sheet per table),
PDF (every table, with charts). Each carries the OFFICIAL-SENSITIVE marking.

Spreadsheet formulas are escaped (SECURITY.md "Data integrity"): a text cell
starting with = + - @ gets a leading apostrophe. Numbers stay numbers. The
PDF is drawn by fpdf2 from our own values: nothing in it is fetched.
"""

from __future__ import annotations

import csv
import io
from typing import Any

from fpdf import FPDF
from fpdf.enums import XPos, YPos
from openpyxl import Workbook
from openpyxl.styles import Font

from rrcase.exports import spreadsheet_safe_value

from .tables import Table, display

MARKING = "OFFICIAL-SENSITIVE"


def safe_cell(value: Any) -> Any:
    """A value that no spreadsheet will run as a formula."""
    return "" if value is None else spreadsheet_safe_value(value)


def table_csv(table: Table, *, title: str) -> bytes:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow([MARKING])
    writer.writerow([safe_cell(title)])
    writer.writerow([safe_cell(h) for h in table.header()])
    for row in table.values():
        writer.writerow([safe_cell(v) for v in row])
    for note in table.notes:
        writer.writerow([safe_cell(note)])
    return out.getvalue().encode("utf-8-sig")


def report_xlsx(tables: list[Table], *, title: str) -> bytes:
    workbook = Workbook()
    workbook.remove(workbook.active)
    bold = Font(bold=True)
    for table in tables:
        sheet = workbook.create_sheet(_sheet_name(table.title))
        sheet.append([MARKING])
        sheet.append([safe_cell(f"{title}: {table.title}")])
        sheet.append([safe_cell(h) for h in table.header()])
        for cell in sheet[3]:
            cell.font = bold
        for row in table.values():
            sheet.append([safe_cell(v) for v in row])
        sheet.append([])
        for note in table.notes:
            sheet.append([safe_cell(note)])
        sheet["A1"].font = bold
        for index, _ in enumerate(table.visible_columns):
            letter = sheet.cell(row=3, column=index + 1).column_letter
            sheet.column_dimensions[letter].width = 24
    workbook.properties.title = title
    workbook.properties.keywords = MARKING
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()


def _sheet_name(title: str) -> str:
    for character in "[]:*?/\\":
        title = title.replace(character, " ")
    return title[:31]


def _latin(text: str) -> str:
    """fpdf2's built-in Helvetica is Latin-1 only; swap the few characters we use."""
    text = text.replace("–", "-").replace("—", "-").replace("’", "'").replace("≤", "<=")
    return text.encode("latin-1", "replace").decode("latin-1")


class _MarkedPDF(FPDF):
    def header(self) -> None:
        self.set_font("Helvetica", "B", 10)
        self.cell(0, 6, MARKING, align="C", new_x=XPos.LMARGIN, new_y=YPos.NEXT)
        self.ln(2)

    def footer(self) -> None:
        self.set_y(-12)
        self.set_font("Helvetica", "B", 9)
        self.cell(0, 6, f"{MARKING} - page {self.page_no()}", align="C")


def report_pdf(tables: list[Table], *, title: str) -> bytes:
    pdf = _MarkedPDF(orientation="landscape", format="A4")
    pdf.set_title(_latin(title))
    pdf.set_author("rrcase")
    pdf.set_keywords(MARKING)
    pdf.set_auto_page_break(auto=True, margin=15)
    pdf.add_page()
    pdf.set_font("Helvetica", "B", 16)
    pdf.multi_cell(0, 9, _latin(title), new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    for table in tables:
        pdf.ln(3)
        pdf.set_font("Helvetica", "B", 12)
        pdf.cell(0, 8, _latin(table.title), new_x=XPos.LMARGIN, new_y=YPos.NEXT)
        pdf.set_font("Helvetica", "", 9)
        with pdf.table(text_align="LEFT", line_height=5.5, first_row_as_headings=True) as grid:
            grid.row([_latin(h) for h in table.header()])
            for row in table.rows:
                grid.row([_latin(display(row.get(c.key), c.kind)) for c in table.visible_columns])
        _pdf_bars(pdf, table)
        pdf.set_font("Helvetica", "I", 8)
        for note in table.notes:
            pdf.multi_cell(0, 4.5, _latin(note), new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    return bytes(pdf.output())


def _pdf_bars(pdf: FPDF, table: Table) -> None:
    """A simple bar chart of the table's first count or rate column, drawn
    with rectangles (the same figures as the table above it)."""
    chart_columns = {"iom_impact": "offences", "proven_reoffending": "binary_rate"}
    key = chart_columns.get(table.slug)
    if key is None:
        return
    label_key = "phase" if table.slug == "iom_impact" else "group"
    rows = [r for r in table.rows if table.slug != "proven_reoffending" or r["breakdown"] != "All"]
    numbers = [r[key] for r in rows if isinstance(r.get(key), int | float)]
    top = max([*numbers, 0]) or 1
    pdf.ln(2)
    pdf.set_font("Helvetica", "", 8)
    for row in rows:
        if pdf.will_page_break(5):
            pdf.add_page()
        label = row[label_key]
        if table.slug == "proven_reoffending":
            label = f"{row['breakdown']}: {label}"
        x, y = pdf.get_x(), pdf.get_y()
        pdf.cell(70, 4.5, _latin(str(label)))
        value = row.get(key)
        width = 120 * max(value, 0) / top if isinstance(value, int | float) else 0
        if width:
            pdf.set_fill_color(29, 112, 184)
            pdf.rect(x + 72, y + 0.7, width, 3.2, style="F")
        pdf.set_xy(x + 74 + width, y)
        pdf.cell(20, 4.5, _latin(display(value, "rate" if key == "binary_rate" else "count")))
        pdf.ln(4.5)
    pdf.ln(1)
