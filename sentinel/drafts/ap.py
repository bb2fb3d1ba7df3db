"""The notification to the AP: the form's questions answered from the incident's facts.

Three kinds, as Art. 33(4) GDPR and the AP's form allow:

* **initial** — every question of the form, in the form's order; what is still
  unknown is marked as such and listed on top, so an incomplete notification
  can go out in time and be completed later;
* **follow-up** (vervolgmelding) — quotes the AP's reference number and answers
  only the questions whose facts changed since the last notification or are
  still missing, each changed answer marked;
* **withdrawal** (intrekking) — the reference and the reason.

The answers are composed here from ``FactView`` (words or markers); the
templates lay them out and, in HTML, escape them.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Literal

from sentinel.drafts.ap_form import (
    FORM,
    READ_ON,
    SOURCE,
    Option,
    Question,
    cite,
    cited_sources,
    confirmations,
)
from sentinel.drafts.view import FactView
from sentinel.incidents.deadline import deadline
from sentinel.incidents.facts import Range, diff, label, parse_facts, translation_of
from sentinel.incidents.model import Incident
from sentinel.incidents.timeline import contradictions

ApKind = Literal["initial", "follow_up", "withdrawal"]
AP_KINDS: tuple[str, ...] = ("initial", "follow_up", "withdrawal")

# A fact only asked for when another fact does not rule it out: fact → (other fact, its values
# that make the question moot).
RULED_OUT: dict[str, tuple[str, frozenset[Any]]] = {
    "processor.name": ("processor.involved", frozenset({False})),
    "dates.ended": ("dates.ongoing", frozenset({True})),
    "cross_border.countries": ("cross_border.applies", frozenset({False})),
    "cross_border.lead_authority": ("cross_border.applies", frozenset({False})),
    "cross_border.other_authorities": ("cross_border.applies", frozenset({False})),
    "encryption.key_safe": ("encryption.state", frozenset({"none"})),
    "disclosure.contained": ("disclosure.recipients", frozenset({"none"})),
    "communication.subjects_informed_at": (
        "communication.subjects_informed",
        frozenset({"no", "planned", "not_required"}),
    ),
    "communication.channel": ("communication.subjects_informed", frozenset({"no", "not_required"})),
    "communication.disproportionate_effort": (
        "communication.subjects_informed",
        frozenset({"yes", "planned", "not_required"}),
    ),
}


@dataclass(frozen=True, slots=True)
class Organisation:
    """The controller as the drafts name it (settings ``organisation``)."""

    name: str = ""
    address: str = ""
    dpo_name: str = ""
    dpo_email: str = ""
    dpo_phone: str = ""
    sector: str = ""


@dataclass(slots=True)
class Line:
    label: str
    text: str
    changed: bool = False


@dataclass(slots=True)
class Answer:
    id: str
    question: str
    gdpr: str | None
    lines: list[Line] = field(default_factory=list)
    suggested: list[str] | None = None
    """The form's options the facts point to; None when no choice follows from facts."""
    options: list[str] = field(default_factory=list)
    """Every option the form offers for this question."""
    form_wording: str | None = None
    """In the English draft: the question as the (Dutch) form words it, to find it there."""


@dataclass(frozen=True, slots=True)
class FormOnly:
    """Something the form asks that Sentinel does not record: filled in on the form itself."""

    id: str
    label: str


@dataclass(slots=True)
class SectionAnswers:
    number: int
    title: str
    answers: list[Answer]


def relevant(view: FactView, name: str) -> bool:
    """False when another known fact makes the question about this one moot."""
    rule = RULED_OUT.get(name)
    if rule is None:
        return True
    other, moot = rule
    return not (view.known(other) and view.raw(other) in moot)


def context(
    incident: Incident,
    view: FactView,
    kind: ApKind,
    *,
    organisation: Organisation,
    now: datetime,
    reason: str | None = None,
) -> dict[str, Any]:
    """Everything the AP templates need, answers included."""
    facts = view.facts
    aware = incident.awareness.at if incident.awareness else None
    due = deadline(aware) if aware else None
    previous = incident.last_told("authority")
    changed: list[str] = []
    if kind == "follow_up" and previous is not None:
        changed = _in_language(diff(parse_facts(previous.facts), facts), view.lang)
    ctx: dict[str, Any] = {
        "kind": kind,
        "incident": {"id": incident.id, "title": incident.title},
        "organisation": organisation,
        "awareness": aware,
        "deadline": due,
        "previous_at": previous.at if previous else None,
        "changed": [label(n, view.lang) for n in changed],
        "reason": reason,
        "source": SOURCE,
        "sources": cited_sources(),
        "confirmed": confirmations(view.lang),
        "read_on": READ_ON,
    }
    composer = _Composer(incident, view, kind, organisation, now, due, set(changed), reason)
    ctx["sections"] = composer.sections()
    ctx["form_only"] = composer.form_only
    ctx["phased"] = kind == "initial" and bool(view.opened)
    ctx["contradictions"] = [c.text(view.lang) for c in contradictions(facts, now, view.zone)]
    return ctx


def _in_language(changed: list[str], lang: str) -> list[str]:
    """Changed facts as a draft in ``lang`` sees them: a new translation into that language
    changes its fact's answer; a translation into the other language changes nothing here."""
    out: list[str] = []
    for name in changed:
        if "@" in name:
            name, text_lang = translation_of(name)
            if text_lang != lang:
                continue
        if name not in out:
            out.append(name)
    return out


@dataclass(slots=True)
class _Composer:
    incident: Incident
    v: FactView
    kind: ApKind
    org: Organisation
    now: datetime
    due: datetime | None
    changed: set[str]
    reason: str | None
    form_only: list[FormOnly] = field(default_factory=list)

    def sections(self) -> list[SectionAnswers]:
        out = []
        for section in FORM:
            answers = [a for q in section.questions if (a := self.answer(q)) is not None]
            if answers:
                title = section.nl if self.v.lang == "nl" else section.en
                out.append(SectionAnswers(section.number, title, answers))
        return out

    def answer(self, q: Question) -> Answer | None:
        lang = self.v.lang
        answer = Answer(
            q.id,
            q.nl if lang == "nl" else q.en,
            cite(q.gdpr, lang) if q.gdpr else None,
            form_wording=None if lang == "nl" else q.nl,
        )
        if q.answer_from is not None:
            lines = self.special(q.answer_from)
            if lines is None:
                return None
            answer.lines = lines
        elif not q.facts:
            return self.asked_on_form(q, answer)
        names = [n for n in q.facts if relevant(self.v, n)]
        touched = any(
            n in self.changed or (not self.v.known(n) and n not in q.optional) for n in names
        )
        if self.kind == "follow_up" and q.facts and not touched:
            return None
        if self.kind == "withdrawal" and q.answer_from is None:
            return None
        for name in names:
            shown = (
                self.v.t("niet opgegeven (optioneel op het formulier)", "not given (optional)")
                if name in q.optional and not self.v.known(name)
                else self.v.show(name)
            )
            answer.lines.append(
                Line(
                    label(name, lang) if len(names) > 1 else "",
                    shown,
                    changed=name in self.changed,
                )
            )
        if self.kind == "initial":
            for item in q.form_only:
                answer.lines.append(Line(self.word(item), self.on_form_text()))
                self.form_only.append(FormOnly(q.id, self.word(item)))
        if q.options and (self.kind == "initial" or q.answer_from is None):
            answer.options = [self.option(o) for o in q.options]
            answer.suggested = (
                self.suggested(q)
                if q.answer_option is None
                else [self.option(q.options[q.answer_option])]
            )
        return answer

    def asked_on_form(self, q: Question, answer: Answer) -> Answer | None:
        """A question Sentinel keeps no facts for: in the initial draft, one to fill in."""
        if self.kind != "initial":
            return None
        answer.lines = [Line("", self.on_form_text())]
        answer.options = [self.option(o) for o in q.options]
        self.form_only.append(FormOnly(q.id, answer.question))
        return answer

    def suggested(self, q: Question) -> list[str] | None:
        """The options the known facts point to, in the form's order; None if a fact is unknown."""
        if not q.suggest:
            return None
        picked: set[int] = set()
        for name, mapping in q.suggest.items():
            if not self.v.known(name):
                return None
            value = self.v.raw(name)
            for item in value if isinstance(value, list) else [value]:
                index = mapping.get(str(item))
                if index is not None:
                    picked.update(index if isinstance(index, tuple) else (index,))
        return [self.option(q.options[i]) for i in sorted(picked)]

    def option(self, option: Option) -> str:
        """The option as the form words it; in English followed by its rendering."""
        return option.nl if self.v.lang == "nl" else f"{option.nl} ({option.en})"

    def word(self, item: Option) -> str:
        return item.nl if self.v.lang == "nl" else item.en

    def on_form_text(self) -> str:
        return self.v.t(
            "vul in op het formulier (Sentinel legt dit niet vast)",
            "fill in on the form (Sentinel does not record this)",
        )

    def special(self, source: str) -> list[Line] | None:
        v, kind = self.v, self.kind
        if source == "kind":
            words = {
                "initial": v.t(
                    "Ik wil één inbreuk melden (reguliere melding)",
                    "Ik wil één inbreuk melden (reguliere melding): one breach, a regular "
                    "notification",
                ),
                "follow_up": v.t(
                    "Vervolgmelding (aanvulling of wijziging) van de eerdere melding met het "
                    "meldnummer bij S1",
                    "Follow-up (supplement or change) to the earlier notification with the "
                    "reference at S1",
                ),
                "withdrawal": v.t(
                    "Intrekking van de melding met het meldnummer bij S1",
                    "Withdrawal of the notification with the reference at S1",
                ),
            }
            return [Line("", words[kind])]
        if source == "reference":
            if kind == "initial":
                return [Line("", v.t("Niet van toepassing (eerste melding)", "Not applicable"))]
            ref = self.incident.authority_reference()
            return [
                Line("", ref or v.ask("reference", "meldnummer van de AP", "the AP's reference"))
            ]
        if source == "organisation":
            if kind == "follow_up" and self.org.name and self.org.address:
                return None
            return [
                Line(
                    v.t("naam", "name"),
                    self.org.name
                    or v.ask(
                        "organisation.name", "naam van de organisatie", "the organisation's name"
                    ),
                ),
                Line(
                    v.t("adres", "address"),
                    self.org.address
                    or v.ask(
                        "organisation.address",
                        "adres van de organisatie",
                        "the organisation's address",
                    ),
                ),
            ]
        if kind != "initial":
            return None
        if source == "regime":
            return [
                Line(
                    "",
                    v.t(
                        "Algemene verordening gegevensbescherming (AVG), art. 33; kies ook de "
                        "Telecommunicatiewet bij een openbare elektronische communicatiedienst",
                        "General Data Protection Regulation (AVG), Art. 33; also choose the "
                        "Telecommunicatiewet for a public electronic communications service",
                    ),
                )
            ]
        if source == "delay":
            return [Line("", self.delay())]
        if source == "sector":
            return [
                Line(
                    "",
                    self.org.sector
                    or v.ask(
                        "organisation.sector",
                        "sector van de organisatie (instelling organisation.sector)",
                        "the organisation's sector (setting organisation.sector)",
                    ),
                )
            ]
        if source == "documents":
            return self.documents()
        if source == "not_informing":
            return [Line("", self.not_informing())]
        if source == "informed_count":
            return [Line("", self.informed_count())]
        raise ValueError(f"the AP form names an unknown answer source {source!r}")

    def documents(self) -> list[Line]:
        """The incident's evidence in Sentinel and the documents recorded as attached."""
        v = self.v
        lines = [
            Line(
                v.t("bewijs in Sentinel", "evidence in Sentinel"),
                f"{e.alert}"
                + (f" ({e.rule})" if e.rule else "")
                + (f": {e.title}" if e.title else "")
                + v.t(
                    f" — gebeurtenissen: sentinel alerts show {e.alert}",
                    f" — events: sentinel alerts show {e.alert}",
                ),
            )
            for e in self.incident.evidence
        ]
        if v.known("documents.attached") or not lines:
            lines.append(Line(label("documents.attached", v.lang), v.show("documents.attached")))
        return lines

    def not_informing(self) -> str:
        """Why the people are not told: the decision's reason, else the facts' explanation."""
        v = self.v
        decision = self.incident.decision
        if decision is not None:
            if decision.notify_subjects == "no":
                return decision.reason
            return v.t(
                "Niet van toepassing: volgens het besluit worden de betrokkenen geïnformeerd"
                + (" (openbare mededeling)." if decision.notify_subjects != "yes" else "."),
                "Not applicable: by the decision the people concerned are informed"
                + (" (public communication)." if decision.notify_subjects != "yes" else "."),
            )
        informed = v.raw("communication.subjects_informed")
        if informed in ("no", "not_required"):
            return v.show("communication.explanation")
        if informed in ("yes", "planned"):
            return v.t(
                "Niet van toepassing: de betrokkenen worden geïnformeerd.",
                "Not applicable: the people concerned are informed.",
            )
        return v.ask(
            "decision",
            "besluit over het informeren van de betrokkenen, met de reden "
            "(sentinel incident decide)",
            "the decision on informing the people concerned, with its reason "
            "(sentinel incident decide)",
        )

    def informed_count(self) -> str:
        """How many people were told, from the communications recorded on the incident."""
        v = self.v
        told = [n for n in self.incident.notifications if n.to == "members"]
        counts = [n.count for n in told if n.count is not None]
        if counts:
            return v.count_text(Range(min=sum(counts), max=sum(counts)))
        decision = self.incident.decision
        informed = v.raw("communication.subjects_informed")
        if (decision is not None and decision.notify_subjects == "no") or informed in (
            "no",
            "not_required",
        ):
            return v.t(
                "0: de betrokkenen worden niet geïnformeerd (zie 10.1.x1)",
                "0: the people concerned are not informed (see 10.1.x1)",
            )
        if not told and informed in (None, "planned"):
            return v.t(
                "Nog niemand: nog geen bericht aan de betrokkenen vastgelegd",
                "Nobody yet: no communication to the people concerned recorded",
            )
        return v.ask(
            "notification.count",
            "aantal geïnformeerde betrokkenen (sentinel incident notified … --count)",
            "how many people were informed (sentinel incident notified … --count)",
        )

    def delay(self) -> str:
        v = self.v
        initial = self.incident.initial_notification()
        if initial is not None:
            if initial.late:
                return initial.delay_reason or v.ask(
                    "delay_reason", "reden voor de vertraging", "reasons for the delay"
                )
            return v.t("Niet van toepassing: binnen 72 uur gemeld.", "Not applicable: in time.")
        if self.due is not None and self.now > self.due:
            return v.ask("delay_reason", "reden voor de vertraging", "reasons for the delay")
        due = v.at(self.due) if self.due else v.missing("dates.aware")
        return v.t(
            f"Niet van toepassing als de melding vóór {due} wordt gedaan.",
            f"Not applicable if the notification is made before {due}.",
        )
