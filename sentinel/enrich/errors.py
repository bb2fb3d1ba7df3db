"""The one error an enrichment file raises, so callers can report any of them alike."""

from __future__ import annotations

from pathlib import Path


class EnrichmentError(ValueError):
    """A data map, directory or GeoIP file Sentinel cannot use; names the file, line and reason."""

    def __init__(self, path: Path | str, line: int | None, reason: str) -> None:
        self.path = str(path)
        self.line = line
        self.reason = reason
        where = f"{self.path}:{line}" if line is not None else self.path
        super().__init__(f"{where}: {reason}")
