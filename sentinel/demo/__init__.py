"""Demo logs for trying Sentinel: a company's access logs with planted incidents.

``generate`` writes the application audit log (JSON lines), the coding gateways'
OpenSSH auth log and the partner portal's web server log, and returns what it
planted (one incident for each alerting rule) and which accounts stayed quiet.
"""

from sentinel.demo.generate import DemoSummary, generate
from sentinel.demo.planted import Planted

__all__ = ["DemoSummary", "Planted", "generate"]
