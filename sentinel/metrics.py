"""Figures this process counts as it works, for Prometheus (served by the web app's /metrics).

Only what happens in this process is counted here (job run times, alerts raised);
what the store knows (ingest lag, failed notifications, incident clocks) is read
from the store when /metrics is scraped, so it is right whichever worker did the work.
"""

from __future__ import annotations

from prometheus_client import Counter, Histogram

job_seconds = Histogram(
    "sentinel_job_duration_seconds",
    "How long each run of a scheduled job took: 'rule <name>', 'ingest <source>', delivery",
    ["job"],
    buckets=(0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300),
)
job_failures = Counter(
    "sentinel_job_failures_total", "Scheduled job runs that ended in an error", ["job"]
)
alerts_raised = Counter("sentinel_alerts_raised_total", "New alerts raised, per rule", ["rule"])
