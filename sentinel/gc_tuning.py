"""The cycle collector's setting for batch work, apart from ingest so that every command
can set it at start-up without loading the parsers and enrichers."""

from __future__ import annotations

import gc

GC_GEN0_THRESHOLD = 50_000


def tune_gc_for_batches() -> None:
    """Let the cycle collector run per batch rather than hundreds of times within one.

    A batch holds thousands of fresh, acyclic event dicts; with Python's default
    generation-0 threshold (700 allocations) the collector rescans them over and
    over, which costs about a tenth of ingest time. The process calls this once at
    start-up (the command line does), so threads never race over the setting.
    """
    _, gen1, gen2 = gc.get_threshold()
    gc.set_threshold(GC_GEN0_THRESHOLD, gen1, gen2)
