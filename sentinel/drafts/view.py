"""The facts as a draft shows them: words in the reader's language, or an explicit marker.

Templates never touch a fact directly. They ask this view, which returns the
fact in words when it is known and the marker "[AANVULLEN: … — nog onbekend]"
/ "[TO COMPLETE: … — not yet known]" when it is not, and remembers every
marker it handed out: that list becomes the open questions at the top of the
draft. Asking for a fact that does not exist is a template bug and fails loudly.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from sentinel.drafts.labels import YES_NO, Lang, choice, join, pick, when
from sentinel.incidents.facts import FACTS, TRANSLATED, UNKNOWN, Facts, Range, spec_of
from sentinel.incidents.facts import label as label_of


@dataclass(frozen=True, slots=True)
class OpenQuestion:
    key: str
    """A fact name, or another item the draft needs (``organisation.name``, ``delay_reason``)."""
    label: str


def marker(label: str, lang: Lang) -> str:
    if lang == "nl":
        return f"[AANVULLEN: {label} — nog onbekend]"
    return f"[TO COMPLETE: {label} — not yet known]"


@dataclass(slots=True)
class FactView:
    facts: Facts
    lang: Lang
    zone: ZoneInfo
    text_lang: Lang | None = None
    """The language free-text facts are written in; None: as written they serve either
    language, and a translation is used where there is one."""
    opened: dict[str, str] = field(default_factory=dict)

    # what is open --------------------------------------------------------------------
    @property
    def open_questions(self) -> list[OpenQuestion]:
        return [OpenQuestion(k, v) for k, v in self.opened.items()]

    def ask(self, key: str, nl: str, en: str) -> str:
        """The marker for something the draft needs that is not a fact (e.g. a reason)."""
        label = nl if self.lang == "nl" else en
        self.opened.setdefault(key, label)
        return marker(label, self.lang)

    def missing(self, name: str) -> str:
        spec = spec_of(name)
        return self.ask(name, spec.nl, spec.en)

    # reading --------------------------------------------------------------------------
    def known(self, name: str) -> bool:
        return self.facts.value(name) is not UNKNOWN

    def raw(self, name: str) -> Any:
        """The value for template logic; None when unknown (check ``known`` to tell apart)."""
        value = self.facts.value(name)
        return None if value is UNKNOWN else value

    def is_(self, name: str, expected: Any) -> bool:
        """True only when the fact is known and equals ``expected``."""
        value = self.facts.value(name)
        return value is not UNKNOWN and value == expected

    def has(self, name: str, item: str) -> bool:
        """True only when the list fact is known and contains ``item``."""
        value = self.facts.value(name)
        return value is not UNKNOWN and item in value

    # showing --------------------------------------------------------------------------
    def show(self, name: str, *, empty: tuple[str, str] = ("geen", "none")) -> str:
        """The fact in words, whatever its kind; the marker when unknown."""
        value = self.facts.value(name)
        if value is UNKNOWN:
            return self.missing(name)
        kind = FACTS[name].kind
        if kind == "bool":
            return pick(YES_NO[bool(value)], self.lang)
        if kind == "time":
            return when(value, self.zone, self.lang)
        if kind == "range":
            return self.count_text(value)
        if kind == "number":
            return f"{value:g}"
        if kind == "choice":
            return choice(name, str(value), self.lang)
        if kind in ("choices", "list"):
            items = self.items(name)
            return join(items, self.lang) if items else pick(empty, self.lang)
        text, flag = self._translated(name, value)
        text = str(text).strip() or pick(empty, self.lang)
        return f"{flag} {text}" if flag else text

    def items(self, name: str) -> list[str]:
        """A list fact as words, one per item; ``[marker]`` when unknown, ``[]`` when empty.

        Free-text items not yet translated into the reader's language come after a marker.
        """
        value = self.facts.value(name)
        if value is UNKNOWN:
            return [self.missing(name)]
        if FACTS[name].kind == "choices":
            return [choice(name, str(v), self.lang) for v in value]
        value, flag = self._translated(name, value)
        items = [str(v) for v in value]
        return [flag, *items] if flag and items else items

    def _translated(self, name: str, value: Any) -> tuple[Any, str]:
        """Free text in the reader's language: as written, its translation, or flagged.

        Text written in the other language is shown as it is, after a marker that asks
        for the translation, so the draft is neither blank nor silently in two languages.
        """
        if self.lang == self.text_lang or name not in TRANSLATED:
            return value, ""
        translation = f"{name}@{self.lang}"
        translated = self.facts.value(translation)
        if translated is not UNKNOWN:
            return translated, ""
        if self.text_lang is None:
            return value, ""
        label = label_of(translation, self.lang)
        self.opened.setdefault(translation, label)
        return value, marker(label, self.lang)

    def count_text(self, value: Range) -> str:
        if value.min == value.max:
            return f"{value.min:,}".replace(",", "." if self.lang == "nl" else ",")
        low, high = (
            f"{n:,}".replace(",", "." if self.lang == "nl" else ",") for n in (value.min, value.max)
        )
        return f"{low} tot {high}" if self.lang == "nl" else f"{low} to {high}"

    def at(self, ts: datetime | None, *, clock: bool = True) -> str:
        """A time that is not a fact (a deadline), in the reader's words and local time."""
        return "—" if ts is None else when(ts, self.zone, self.lang, clock=clock)

    def t(self, nl: str, en: str) -> str:
        """The template's own words in the reader's language."""
        return nl if self.lang == "nl" else en
