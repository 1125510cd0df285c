"""One table of rows as a download: CSV (with a BOM, for Excel) or a one-sheet XLSX."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Sequence
from typing import Any

from server.common.text import clean_text

XLSX_MIMETYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
FORMULA_STARTS = ("=", "+", "-", "@")


def safe_cell(value: Any) -> Any:
    """Quote text a spreadsheet would run as a formula, drop what XLSX cannot hold."""
    value = storable_cell(value)
    if isinstance(value, str) and value[:1] in FORMULA_STARTS:
        return "'" + value
    return value


def storable_cell(value: Any) -> Any:
    """Drop control characters and lone surrogates an XLSX file cannot hold."""
    return clean_text(value) if isinstance(value, str) else value


def table_file(columns: Sequence[str], rows: Iterable[Sequence[Any]], fmt: str,
               sheet_title: str, basename: str) -> tuple[bytes, str, str]:
    """Return (body, mimetype, filename) of the rows as `fmt` (csv or xlsx)."""
    table = [[safe_cell(v) for v in row] for row in rows]
    if fmt == "csv":
        buffer = io.StringIO()
        writer = csv.writer(buffer)
        writer.writerow(columns)
        writer.writerows(table)
        # A BOM so Excel opens the Chinese text correctly.
        return ("\ufeff" + buffer.getvalue()).encode("utf-8"), "text/csv; charset=utf-8", \
            f"{basename}.csv"
    from openpyxl import Workbook

    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.title = sheet_title
    sheet.append(list(columns))
    for row in table:
        sheet.append(row)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue(), XLSX_MIMETYPE, f"{basename}.xlsx"
