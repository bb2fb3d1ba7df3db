"""Enrichment: what an event means, added once at ingest so rules need not work it out.

Steps, in order: the data map (action and personal-data categories), the
directory (who the account is, inactive and cross-partner use), geo (country of
the source address) and local time (hour, weekday, business hours). See
docs/enrichment.md for the fields each sets.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import datetime
from threading import Lock
from typing import Any

from sentinel.clock import Clock, SystemClock
from sentinel.config import Settings
from sentinel.enrich.data_map import DataMapStep, load_data_map
from sentinel.enrich.directory import DirectoryFile, DirectoryStep
from sentinel.enrich.errors import EnrichmentError
from sentinel.enrich.geo import build_geo
from sentinel.enrich.local_time import LocalTimeStep

__all__ = ["Enricher", "EnrichmentError", "build_enricher"]

Step = Callable[[dict[str, Any], datetime], None]

_SYSTEM_CLOCK = SystemClock()
_built: dict[tuple[Any, ...], Enricher] = {}
_lock = Lock()


class Enricher:
    """Runs the steps in order on one event's fields, in place."""

    __slots__ = ("steps",)

    def __init__(self, steps: Sequence[Step]) -> None:
        self.steps = tuple(steps)

    def __call__(self, fields: dict[str, Any], ts: datetime) -> None:
        for step in self.steps:
            step(fields, ts)


def build_enricher(settings: Settings, clock: Clock | None = None) -> Enricher:
    """The enricher for these settings; the same one for every call with the same settings.

    The scheduler builds a pipeline for every pull. Sharing one enricher keeps
    its caches warm and lets the directory reload when its file changes instead
    of being read again every minute. The data map and the GeoIP file are read
    once; a change to them takes a restart (rules are checked against the data
    map at start-up too). A broken file raises EnrichmentError.
    """
    clock = clock or _SYSTEM_CLOCK
    # Absolute paths, so a later change of working directory cannot point a reload elsewhere.
    data_map, directory, mmdb = (
        p.resolve() if p is not None else None
        for p in (settings.data_map, settings.directory, settings.geoip_mmdb)
    )
    key = (
        data_map,
        directory,
        mmdb,
        settings.timezone,
        settings.business_hours.model_dump_json(),
        clock,
    )
    with _lock:
        enricher = _built.get(key)
        if enricher is None:
            steps: list[Step] = []
            if data_map is not None:
                steps.append(DataMapStep(load_data_map(data_map)))
            if directory is not None:
                steps.append(DirectoryStep(DirectoryFile(directory, settings.zone, clock)))
            steps.append(build_geo(mmdb))
            steps.append(LocalTimeStep(settings.zone, settings.business_hours))
            enricher = _built[key] = Enricher(steps)
        return enricher
