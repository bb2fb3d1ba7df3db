"""Hostile values: what an attacker or a broken system can put in a log line or a directory.

Every test in this folder feeds them through a part of Sentinel and checks that the
value comes out as the text it is: not interpreted, not cut short, not lost.
"""

from __future__ import annotations

from sentinel.plaintext import printable

VALUES: dict[str, str] = {
    "markup": "[bold]m.mallory[/] [/] [conceal]x[/conceal]",
    "markup_link": "[link=http://evil.example]click[/link] [red]",
    "emoji": ":warning: :smile:",
    "ansi": "\x1b[31mred\x1b[0m \x1b]8;;http://evil.example\x1b\\link\x1b]8;;\x1b\\",
    "control": "a\x07b\x08c\rd\x00e\x7ff\x9bg",
    "newline": "first line\nsecond line",
    "bidi": "invoice\u202eexe.pdf",
    "formula": '=HYPERLINK("http://evil.example","open")',
    "formula_plus": "+31 6 1234 5678",
    "formula_minus": "-2+3",
    "formula_at": "@SUM(A1:A2)",
    "slack": "<!channel> <http://evil.example|click> &amp;",
    "html": "<script>alert(1)</script> &lt;b&gt;",
    "markdown": "**bold** [click](http://evil.example) _x_",
    "long": "L" * 5000,
    "unicode": "Zoë Ørsted 山田 \U0001f600",
}
"""Values that fit in JSON strings and so in any field of a JSONL line."""

RAW_LINES: dict[str, bytes] = {
    "invalid_utf8": b'{"user": "\xff\xfe bad"}',
    "binary": bytes(b for b in range(256) if b != 0x0A),
    "not_json": b"[bold]not json[/] \x1b[31m",
}
"""Raw lines no parser accepts: they must become dead letters, shown as text."""


def shown(value: str) -> str:
    """How a value looks in human output: control characters escaped, nothing else changed."""
    return printable(value)
