"""Raw records built the way the sources hand them to parsers."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sentinel.sources.base import RawRecord


def make_record(
    data: str | dict[str, Any],
    *,
    stream: str = "stream-1",
    reference_time: datetime | None = None,
    head: str | None = None,
    offset: int = 0,
) -> RawRecord:
    return RawRecord(
        data=data,
        position=f"{stream}:{offset}",
        label=f"test.log:{offset}",
        stream=stream,
        reference_time=reference_time,
        head=head,
    )
