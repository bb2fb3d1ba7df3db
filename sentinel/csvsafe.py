"""CSV that a spreadsheet opens as text: no cell is ever read as a formula.

Excel, LibreOffice and Google Sheets run a cell starting with ``=``, ``+``, ``-`` or
``@`` (and, after a tab or carriage return, the same) as a formula, so a member
name like ``=HYPERLINK(…)`` in the recipient list or the register would act when
the file is opened. Such a cell is written with a leading apostrophe, which the
spreadsheet shows as the text itself (OWASP, "CSV Injection").
"""

from __future__ import annotations

import csv
from collections.abc import Iterable, Mapping
from typing import Any, TextIO

FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def cell(value: Any) -> Any:
    """A string that would start a formula gets an apostrophe; numbers stay numbers."""
    if isinstance(value, str) and value.startswith(FORMULA_START):
        return "'" + value
    return value


class DictWriter:
    """``csv.DictWriter`` whose every string cell is made safe with ``cell``."""

    def __init__(self, out: TextIO, fieldnames: Iterable[str]) -> None:
        self._writer = csv.DictWriter(out, fieldnames=list(fieldnames))

    def writeheader(self) -> None:
        self._writer.writeheader()

    def writerow(self, row: Mapping[str, Any]) -> None:
        self._writer.writerow({k: cell(v) for k, v in row.items()})
