"""Values from logs, facts, directories and settings made safe to show as the text they are.

A terminal obeys escape sequences, a carriage return rewrites the line it is on and
bidirectional overrides reorder what a reader sees. Such characters (and tabs, which a
terminal widens) in a user name or a raw log line are shown as visible escapes (``\\x1b``,
``\\u202e``, ``\\t``), so what is printed is what was logged. Newlines stay unless the value
must fit on one line.
"""

from __future__ import annotations

import re

_BIDI = "\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069"
_UNSAFE = re.compile(f"[\x00-\x09\x0b-\x1f\x7f-\x9f{_BIDI}]")
_UNSAFE_LINE = re.compile(f"[\x00-\x1f\x7f-\x9f{_BIDI}]")
_NAMED = {"\n": "\\n", "\r": "\\r", "\t": "\\t"}


def _escape(match: re.Match[str]) -> str:
    char = match.group()
    if char in _NAMED:
        return _NAMED[char]
    code = ord(char)
    return f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}"


def printable(value: object) -> str:
    """``value`` as text with control and direction characters escaped; newlines kept."""
    return _UNSAFE.sub(_escape, str(value))


def one_line(value: object) -> str:
    """Like ``printable``, newlines escaped too: for headers, subjects and one-line fields."""
    return _UNSAFE_LINE.sub(_escape, str(value))
