"""Risk assessment of a breach from its facts: a severity score and a notification advice.

Two published sources, each for what it is made for:

* **Severity** follows ENISA, *Recommendations for a methodology of the assessment
  of severity of personal data breaches* (2013): SE = DPC * EI + CB, with the
  data-processing context (DPC 1 to 4 with its contextual adjustments), the ease of
  identification (EI 0.25 to 1) and the circumstances of the breach (CB: loss of
  confidentiality, integrity, availability, malicious intent), banded low < 2 ≤
  medium < 3 ≤ high < 4 ≤ very high.
* **The advice** follows the GDPR (Art. 33(1), 34(1), 34(3)) as explained by the
  EDPB Guidelines 9/2022 on personal data breach notification and 01/2021 on
  examples: it weighs the type of breach, the nature, sensitivity and volume of
  the data, the ease of identification, the severity of the consequences, special
  characteristics of the people (minors, vulnerable people), whether the data was
  unintelligible with a safe key, who could read it and what they did with it,
  how likely misuse is (lost rather than taken, seen only by people bound to
  confidentiality), malicious intent, whether a backup restored availability in
  time, whether people depend on data that was lost or unavailable, and the
  consequences for the people recorded in the facts (physical harm, threats to
  safety, serious distress, discrimination, identity theft, financial loss:
  Recitals 75 and 85).

The two answer different questions: ENISA rates how severe a breach of this data in
these circumstances is; the advice judges the likelihood and severity of the risk to
the people concerned (EDPB 9/2022). Where they differ the reasons say which holds and
why, so no reader is left with a "very high" score next to "not high" without an
explanation; where nothing recorded explains the difference, the score's high severity
holds.

Facts that are unknown yet are taken cautiously (towards notifying) and each
assumption that was used is named in the reasons, so the privacy officer sees
which open questions drive the advice. The advice is for a person to decide on.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import IntEnum
from typing import Any, Literal

from sentinel.incidents.facts import UNKNOWN, Facts

LARGE_SCALE = 100
"""People affected from which exposure to unknown parties counts as large scale."""
SHORT_OUTAGE_HOURS = 24.0
"""Unavailability restored within this, without effect on people, is unlikely to be a risk."""

SubjectsAdvice = Literal["yes", "no", "public_communication"]


@dataclass(frozen=True, slots=True)
class Thresholds:
    """The organisation's own thresholds (settings ``incidents.*``), so every place that
    assesses (the page, the decision, the register, the drafts) gives the same advice."""

    large_scale: int = LARGE_SCALE
    short_outage_hours: float = SHORT_OUTAGE_HOURS

    def assess(self, facts: Facts) -> Assessment:
        return assess(
            facts, large_scale=self.large_scale, short_outage_hours=self.short_outage_hours
        )


class Level(IntEnum):
    UNLIKELY = 0
    RISK = 1
    HIGH = 2


LEVEL_NAMES = {Level.UNLIKELY: "unlikely", Level.RISK: "risk", Level.HIGH: "high"}

# ENISA data-processing context: the basic score of each category, and why.
DPC_BASE: dict[str, tuple[int, str]] = {
    "contact": (1, "contact details (simple data)"),
    "identity": (1, "identity data such as name, date of birth or customer number (simple data)"),
    "vehicle": (1, "vehicle data (simple data)"),
    "location": (2, "location data (behavioural data)"),
    "behavioural": (2, "behavioural data"),
    "communications": (2, "contents of communications (behavioural data)"),
    "credentials": (2, "login credentials, which open the accounts they protect"),
    "national_id": (3, "national identification numbers, which enable identity fraud"),
    "identity_documents": (3, "copies of identity documents, which enable identity fraud"),
    "financial": (3, "financial data"),
    "payment_card": (4, "full payment card data, which enables fraud (financial data +1)"),
    "special": (4, "special categories of personal data (Art. 9, sensitive data)"),
    "criminal": (4, "data on criminal convictions and offences (Art. 10, sensitive data)"),
}
UNKNOWN_DPC = 3
EI_SCORES = {"negligible": 0.25, "limited": 0.5, "significant": 0.75, "maximum": 1.0}
BANDS = ((4.0, "very_high"), (3.0, "high"), (2.0, "medium"), (0.0, "low"))

_MALICIOUS_CAUSES = {
    "hacking",
    "malware",
    "ransomware",
    "phishing",
    "credential_stuffing",
    "social_engineering",
    "insider_misuse",
    "stolen_device",
    "stolen_paper",
}
_ACCIDENTAL_CAUSES = {
    "misdirected_email",
    "misdirected_mail",
    "wrong_member_shown",
    "accidental_publication",
    "verbal_disclosure",
    "lost_device",
    "lost_paper",
    "improper_disposal",
    "misconfiguration",
    "software_error",
}
_CONFIDENTIALITY_CAUSES = _MALICIOUS_CAUSES - {"ransomware", "malware"} | (
    _ACCIDENTAL_CAUSES - {"software_error", "misconfiguration"}
)
_AVAILABILITY_CAUSES = {"ransomware", "lost_device", "stolen_device", "lost_paper", "stolen_paper"}
_CONTAINED = {"asked_to_delete", "deleted_confirmed", "returned"}
_LOSS_CAUSES = {"lost_device", "lost_paper", "improper_disposal"}
"""Causes where the data left the organisation's hands without anyone known to hold it."""


@dataclass(frozen=True, slots=True)
class Enisa:
    dpc: int
    ei: float
    confidentiality: float
    integrity: float
    availability: float
    malicious: float

    @property
    def circumstances(self) -> float:
        return self.confidentiality + self.integrity + self.availability + self.malicious

    @property
    def score(self) -> float:
        return round(self.dpc * self.ei + self.circumstances, 2)

    @property
    def band(self) -> str:
        return next(name for floor, name in BANDS if self.score >= floor)


@dataclass(frozen=True, slots=True)
class Assessment:
    severity: str
    """ENISA band: low, medium, high or very_high."""
    score: float
    notify_authority: bool
    notify_subjects: SubjectsAdvice
    reasons: list[str]
    risk: str
    """unlikely, risk or high: the risk to people's rights and freedoms this advice rests on."""
    enisa: Enisa
    assumed: list[str] = field(default_factory=list)
    """Facts that were unknown and taken cautiously."""

    def to_dict(self) -> dict[str, Any]:
        return {
            "severity": self.severity,
            "score": self.score,
            "notify_authority": self.notify_authority,
            "notify_subjects": self.notify_subjects,
            "reasons": list(self.reasons),
        }


class _Reader:
    """Reads facts, substituting a cautious value for an unknown one and remembering that."""

    def __init__(self, facts: Facts) -> None:
        self.facts = facts
        self.assumed: dict[str, str] = {}

    def known(self, name: str) -> Any:
        return self.facts.value(name)

    def get(self, name: str, default: Any, assumption: str) -> Any:
        value = self.facts.value(name)
        if value is UNKNOWN:
            self.assumed.setdefault(name, assumption)
            return default
        return value


@dataclass(slots=True)
class _Finding:
    level: Level
    reasons: list[str]
    basis: str = ""
    """What this finding rests on, in a clause (for the reasons that reconcile it with ENISA)."""
    likelihood: str = ""
    """Why misuse is not likely although the data is sensitive, in a clause: the severity ENISA
    scores can then be high while the risk, which weighs likelihood too, is not."""


def assess(
    facts: Facts,
    *,
    large_scale: int = LARGE_SCALE,
    short_outage_hours: float = SHORT_OUTAGE_HOURS,
) -> Assessment:
    r = _Reader(facts)
    if r.get("breach.personal_data", True, "assumed personal data is involved") is False:
        enisa = Enisa(1, 0.25, 0, 0, 0, 0)
        return Assessment(
            severity=enisa.band,
            score=enisa.score,
            notify_authority=False,
            notify_subjects="no",
            reasons=[
                "No personal data is involved, so this is not a personal data breach: "
                "Art. 33 and 34 do not apply. If a notification was made, withdraw it.",
                "Keep the incident on record with this conclusion.",
            ],
            risk=LEVEL_NAMES[Level.UNLIKELY],
            enisa=enisa,
        )

    dpc, dpc_reason = _dpc(r)
    ease = r.known("identification.ease")
    ei_name = "maximum" if ease is UNKNOWN else str(ease)
    ei = EI_SCORES[ei_name]
    malicious = _malicious(r)
    c_aff, i_aff, a_aff = _affected(r)

    conf = _confidentiality(r, c_aff, dpc, malicious, large_scale)
    integ = _integrity(r, i_aff)
    avail = _availability(r, a_aff, short_outage_hours)
    consequence = _consequences(r)

    findings: list[_Finding] = [conf, integ, avail, consequence]
    level = max(f.level for f in findings)
    nothing_exposed_or_lost = (not c_aff or conf.neutralised) and integ.cb == 0 and avail.cb == 0
    enisa = Enisa(
        dpc=dpc,
        ei=EI_SCORES["negligible"] if nothing_exposed_or_lost else ei,
        confidentiality=conf.cb,
        integrity=integ.cb,
        availability=avail.cb,
        malicious=0.5 if malicious else 0.0,
    )
    reasons = [_enisa_sentence(enisa, dpc_reason, ei_name, nothing_exposed_or_lost)]
    reasons += conf.reasons + integ.reasons + avail.reasons + consequence.reasons
    level, reconciled = _reconcile(
        r, enisa, level, findings, exposed=c_aff and not conf.neutralised
    )
    reasons += reconciled

    notify_authority = level >= Level.RISK
    if notify_authority:
        reasons.append(
            "Notify the AP: the breach is likely to result in a risk to the rights and "
            "freedoms of the people concerned (Art. 33(1)), within 72 hours of awareness."
        )
    else:
        reasons.append(
            "No notification to the AP is needed: the breach is unlikely to result in a risk "
            "to the rights and freedoms of the people concerned (Art. 33(1))."
        )
    subjects, subject_reasons = _subjects(r, level, conf.unintelligible)
    reasons += subject_reasons
    if r.assumed:
        reasons.append(
            "Unknown yet and taken cautiously: "
            + "; ".join(f"{text} ({name})" for name, text in r.assumed.items())
            + ". Establish these facts; the advice may change."
        )
    reasons.append("Record the breach in the breach register whatever is decided (Art. 33(5)).")
    return Assessment(
        severity=enisa.band,
        score=enisa.score,
        notify_authority=notify_authority,
        notify_subjects=subjects,
        reasons=reasons,
        risk=LEVEL_NAMES[level],
        enisa=enisa,
        assumed=list(r.assumed),
    )


# data-processing context ------------------------------------------------------------


def _dpc(r: _Reader) -> tuple[int, str]:
    categories = r.known("data.categories")
    special = r.known("data.special")
    names = set() if categories is UNKNOWN else set(categories)
    if special is not UNKNOWN and special:
        names.add("special")
    if categories is UNKNOWN and not names:
        r.assumed["data.categories"] = (
            f"assumed data as sensitive as financial data (context {UNKNOWN_DPC})"
        )
        base, why = UNKNOWN_DPC, "the categories of data are not known yet"
    elif not names:
        base, why = 1, "no categories of personal data recorded (simple data)"
    else:
        top = max(names, key=lambda c: DPC_BASE[c][0])
        base, why = DPC_BASE[top]
    adjustments = []
    score = base
    insight = r.known("data.insight")
    if insight == "minimal":
        score = 1
        adjustments.append("the data reveals next to nothing about the people")
    elif insight == "limited":
        score = min(score, 2)
        adjustments.append("the data reveals little about the people")
    elif insight == "extensive":
        score = min(4, score + 1)
        adjustments.append("the data is detailed enough to profile people or commit fraud")
    subject_groups = r.known("subjects.categories")
    if subject_groups is not UNKNOWN and {"minors", "vulnerable"} & set(subject_groups):
        score = min(4, score + 1)
        adjustments.append("minors or other vulnerable people are affected")
    text = (
        why if score == base else f"{why}, adjusted to {score} because " + " and ".join(adjustments)
    )
    return score, text


def _malicious(r: _Reader) -> bool:
    value = r.known("cause.malicious")
    if value is not UNKNOWN:
        return bool(value)
    actor = r.known("cause.actor")
    if actor is not UNKNOWN:
        return str(actor).endswith("_malicious")
    kind = r.known("cause.kind")
    if kind in _MALICIOUS_CAUSES:
        return True
    if kind in _ACCIDENTAL_CAUSES:
        return False
    r.assumed["cause.malicious"] = "assumed malicious intent"
    return True


# which kinds of loss ------------------------------------------------------------------


def _affected(r: _Reader) -> tuple[bool, bool, bool]:
    """Confidentiality, integrity, availability: recorded, else inferred from the other facts.

    A type not recorded counts as affected when other facts show it (a restored
    backup shows availability was lost); when the breach is described by its other
    types it counts as not affected; when nothing at all is known it is assumed.
    """
    f = r.facts
    nature = set(f.value("breach.nature") if f.value("breach.nature") is not UNKNOWN else ())
    kind = f.value("cause.kind")
    evidence = {
        "confidentiality": bool(
            f.value("disclosure.exfiltrated") is True
            or f.value("disclosure.recipients") in ("trusted", "known", "unknown")
            or nature & {"read", "copied", "stolen"}
            or kind in _CONFIDENTIALITY_CAUSES
        ),
        "integrity": bool(
            nature & {"altered"}
            or f.value("alteration.recoverable") is not UNKNOWN
            or f.value("alteration.misused") is not UNKNOWN
        ),
        "availability": bool(
            nature & {"deleted", "lost", "stolen"}
            or kind in _AVAILABILITY_CAUSES
            or any(
                f.value(f"availability.{n}") is not UNKNOWN
                for n in ("backup", "restored", "outage_hours", "impact")
            )
        ),
    }
    recorded = {k: f.value(f"breach.{k}") for k in evidence}
    described = any(v is True for v in recorded.values()) or any(evidence.values())
    out = []
    for name in ("confidentiality", "integrity", "availability"):
        value = recorded[name]
        if value is not UNKNOWN:
            out.append(bool(value))
        elif evidence[name]:
            out.append(True)
        elif described:
            out.append(False)
        else:
            r.assumed[f"breach.{name}"] = f"assumed a loss of {name}"
            out.append(True)
    return out[0], out[1], out[2]


# confidentiality ------------------------------------------------------------------------


@dataclass(slots=True)
class _Confidentiality(_Finding):
    cb: float = 0.0
    neutralised: bool = False
    unintelligible: bool = False


def _confidentiality(
    r: _Reader, affected: bool, dpc: int, malicious: bool, large_scale: int
) -> _Confidentiality:
    if not affected:
        return _Confidentiality(Level.UNLIKELY, [])
    state = r.get("encryption.state", "none", "assumed the data was not encrypted")
    key_safe = (
        r.get("encryption.key_safe", False, "assumed the key may be in unauthorised hands")
        if state == "strong"
        else False
    )
    if state == "strong" and key_safe:
        return _Confidentiality(
            Level.UNLIKELY,
            [
                "The data was encrypted (or hashed) to the state of the art and the key stayed "
                "safe, so it is unintelligible to anyone who got hold of it: confidentiality "
                "is not at risk (EDPB 9/2022; Art. 34(3)(a) would also exempt informing people)."
            ],
            basis="the data was unintelligible to anyone who got hold of it",
            neutralised=True,
            unintelligible=True,
        )
    weak = (
        ["The data was encrypted, but not strongly enough to make it unintelligible."]
        if state == "weak"
        else []
    )
    if r.known("data.public") is True:
        return _Confidentiality(
            Level.UNLIKELY,
            ["The data was already publicly available, so its disclosure adds little risk."],
            basis="the data was already public",
            neutralised=True,
        )
    audience = _audience(r)
    contained = (
        r.get("disclosure.contained", "none", "assumed the recipients still hold the data")
        if audience in ("trusted", "known")
        else "none"
    )
    if audience == "none":
        return _Confidentiality(
            Level.UNLIKELY,
            ["The data was exposed but nobody unauthorised is known to have read it."],
            basis="nobody unauthorised is known to have read the data",
            neutralised=True,
        )
    if audience == "trusted" and contained in ("deleted_confirmed", "returned"):
        return _Confidentiality(
            Level.UNLIKELY,
            [
                "Only a trusted recipient bound to confidentiality saw the data and has "
                "deleted or returned it, so it is unlikely to be misused (EDPB 01/2021)."
            ],
            basis="only a trusted recipient saw the data and deleted or returned it",
            neutralised=True,
        )
    if audience == "trusted" and not malicious:
        return _Confidentiality(
            Level.RISK,
            [
                *weak,
                "Only people bound to confidentiality (the organisation's own staff, or a "
                "professional under secrecy) could see the data and none is known to have "
                "misused it. It is not deleted, so a risk remains, but their duty of "
                "confidentiality makes misuse unlikely (EDPB 01/2021 case 9).",
            ],
            cb=0.25,
            likelihood="only people bound to confidentiality could see the data and none is "
            "known to have misused it",
        )
    if audience == "trusted":
        audience = "known"
    ease = r.known("identification.ease")
    if ease is UNKNOWN:
        r.assumed["identification.ease"] = "assumed the people are fully identifiable"
    people = r.known("subjects.people")
    if people is UNKNOWN:
        r.assumed["subjects.people"] = f"assumed {large_scale} or more people"
        people_max = large_scale
    else:
        people_max = people.max
    ei = EI_SCORES["maximum" if ease is UNKNOWN else str(ease)]
    initial = dpc * ei
    cb = 0.5 if audience == "unknown" else 0.25
    lost = (
        audience == "unknown"
        and not malicious
        and r.known("cause.kind") in _LOSS_CAUSES
        and r.known("disclosure.exfiltrated") is not True
    )
    who = (
        "whoever finds it"
        if lost
        else "unknown or unauthorised parties (an attacker, a thief, the public)"
        if audience == "unknown"
        else "known recipients"
    )
    reasons = [*weak, f"The data could be read by {who}."]
    if initial >= 3:
        reasons.append(
            "Sensitive, identifiable data (context times identification of 3 or more) in "
            "unauthorised hands is likely to lead to serious harm such as fraud, identity theft "
            "or discrimination: high risk."
        )
        return _Confidentiality(
            Level.HIGH, reasons, basis="sensitive, identifiable data in unauthorised hands", cb=cb
        )
    if audience == "unknown" and initial >= 2 and not lost:
        reasons.append(
            "Data that reveals a fair amount about identifiable people is in unknown hands: "
            "high risk."
        )
        return _Confidentiality(
            Level.HIGH,
            reasons,
            basis="data revealing a fair amount about identifiable people in unknown hands",
            cb=cb,
        )
    if audience == "unknown" and people_max >= large_scale and ei >= 0.75:
        reasons.append(
            f"Data identifying about {people_max} people is in unknown hands; at that scale "
            "misuse such as phishing or identity fraud is likely for some of them: high risk."
        )
        return _Confidentiality(
            Level.HIGH,
            reasons,
            basis=f"the scale: data identifying about {people_max} people in unknown hands",
            cb=cb,
        )
    if audience == "known" and not malicious and people_max < large_scale and _contact_only(r):
        reasons.append(
            "A mistake showed only contact details of few people to known recipients (an email "
            "with every address visible, say): unlikely to result in a risk unless many people "
            "are affected, the list itself says something sensitive about them or it carries "
            "passwords (EDPB 9/2022)."
        )
        return _Confidentiality(
            Level.UNLIKELY,
            reasons,
            basis="only contact details of few people reached known recipients",
            cb=cb,
        )
    if (
        audience == "known"
        and not malicious
        and initial <= 2
        and people_max < large_scale
        and contained in _CONTAINED
    ):
        reasons.append(
            "A mistake revealed data of few people and little sensitivity to known recipients, "
            "who were asked to delete or return it: unlikely to result in a risk (EDPB 01/2021)."
        )
        return _Confidentiality(
            Level.UNLIKELY,
            reasons,
            basis="a mistake revealed little sensitive data of few people to known recipients "
            "who were asked to delete or return it",
            cb=cb,
        )
    if malicious and audience == "known" and people_max >= 10 * large_scale:
        reasons.append(
            f"Someone took data of about {people_max} people deliberately; at that scale onward "
            "use such as sale or targeted phishing cannot be ruled out: high risk."
        )
        return _Confidentiality(
            Level.HIGH,
            reasons,
            basis=f"data of about {people_max} people taken deliberately",
            cb=cb,
        )
    if malicious and audience == "known":
        reasons.append(
            "Someone took the data deliberately; without reassurance about what they will do "
            "with it, a risk cannot be ruled out."
        )
    elif lost:
        reasons.append(
            "It was lost, not taken, and nobody is known to have found or read it: misuse is "
            "possible but not likely (EDPB 9/2022 weighs the likelihood of harm with its "
            "severity)."
        )
        return _Confidentiality(
            Level.RISK,
            reasons,
            cb=cb,
            likelihood="the data was lost, not taken, and nobody is known to have read it",
        )
    else:
        reasons.append("People lose control over this data: a risk.")
    return _Confidentiality(Level.RISK, reasons, cb=cb)


def _contact_only(r: _Reader) -> bool:
    """Whether the data reveals no more than how to reach the people (EDPB 9/2022's cc example).

    Recorded as such (insight minimal, nothing intimate), or only contact details with no
    special categories, of people who are not minors or otherwise vulnerable.
    """
    categories = r.known("data.categories")
    special = r.known("data.special")
    groups = r.known("subjects.categories")
    if special is not UNKNOWN and special:
        return False
    if groups is not UNKNOWN and {"minors", "vulnerable"} & set(groups):
        return False
    if categories is UNKNOWN or _INTIMATE & set(categories):
        return False
    return r.known("data.insight") == "minimal" or set(categories) <= {"contact"}


def _audience(r: _Reader) -> str:
    """Who holds the data: as recorded; else the insider; else whoever copied it out."""
    recipients = r.known("disclosure.recipients")
    if recipients is not UNKNOWN:
        return str(recipients)
    if r.known("cause.kind") == "insider_misuse" or r.known("cause.actor") == "internal_malicious":
        return "known"
    if r.known("disclosure.exfiltrated") is True:
        return "unknown"
    r.assumed["disclosure.recipients"] = "assumed unknown parties saw the data"
    return "unknown"


# integrity ----------------------------------------------------------------------------


@dataclass(slots=True)
class _Scored(_Finding):
    cb: float = 0.0


def _integrity(r: _Reader, affected: bool) -> _Scored:
    if not affected:
        return _Scored(Level.UNLIKELY, [])
    recoverable = r.known("alteration.recoverable")
    if recoverable is UNKNOWN and (
        r.known("availability.restored") is True or r.known("availability.backup") is True
    ):
        recoverable = True
    misused = r.known("alteration.misused")
    if misused is True:
        return _Scored(
            Level.HIGH,
            ["Altered data was used in a way that affects people: high risk."],
            basis="altered data was used against the people",
            cb=0.25 if recoverable is True else 0.5,
        )
    if recoverable is UNKNOWN:
        r.assumed["alteration.recoverable"] = "assumed altered data cannot be restored"
        recoverable = False
    if recoverable:
        return _Scored(
            Level.UNLIKELY,
            ["Altered data can be restored and is not known to have been misused."],
            basis="altered data can be restored and was not misused",
        )
    return _Scored(
        Level.RISK,
        ["Altered data cannot be restored, so decisions about people may rest on wrong data."],
        cb=0.5,
    )


# availability --------------------------------------------------------------------------


def _availability(r: _Reader, affected: bool, short_hours: float) -> _Scored:
    if not affected:
        return _Scored(Level.UNLIKELY, [])
    impact = r.known("availability.impact")
    backup = r.known("availability.backup")
    restored = r.known("availability.restored")
    hours = r.known("availability.outage_hours")
    lost = backup is False and restored is False
    if impact in ("significant", "severe"):
        return _Scored(
            Level.HIGH,
            [
                "The unavailability seriously affects people (for example care, payments or "
                "services they depend on are delayed): high risk."
            ],
            basis="the unavailability seriously affects the people concerned",
            cb=0.5 if lost else 0.25,
        )
    depended = _depended_on(r)
    if depended is not None and impact not in ("none", "minor"):
        if lost or (backup is UNKNOWN and restored is UNKNOWN):
            if not lost:
                r.assumed["availability.backup"] = "assumed no usable backup"
            return _Scored(
                Level.HIGH,
                [
                    f"People depend on this data ({depended}) and it is lost for good"
                    + ("" if lost else ", as far as is known")
                    + ": they may be denied the care or service it serves, or be harmed by "
                    "decisions taken without it: high risk (EDPB 9/2022)."
                ],
                basis=f"people depend on data ({depended}) that is lost",
                cb=0.5 if lost else 0.25,
            )
        if hours is not UNKNOWN and hours > short_hours:
            return _Scored(
                Level.HIGH,
                [
                    f"People depend on this data ({depended}) and it was unavailable for "
                    f"{hours:g} hours, long enough for care or services they need to be "
                    "delayed or refused: high risk (EDPB 9/2022; EDPB 01/2021 case 3)."
                ],
                basis=f"people depend on data ({depended}) unavailable for {hours:g} hours",
                cb=0.25,
            )
        if hours is UNKNOWN and restored is not True:
            r.assumed["availability.outage_hours"] = (
                "assumed the data stays unavailable long enough to affect the people"
            )
            return _Scored(
                Level.HIGH,
                [
                    f"People depend on this data ({depended}) and it is not restored yet: "
                    "while it is unavailable care or services they need may be delayed or "
                    "refused: high risk (EDPB 9/2022)."
                ],
                basis=f"people depend on data ({depended}) that is still unavailable",
                cb=0.25,
            )
    why = (
        f"; people depend on it, but the effect on them is recorded as {impact}"
        if depended is not None
        else ""
    )
    if lost:
        return _Scored(
            Level.RISK,
            [f"The data is lost for good: no backup, not restored{why}."],
            cb=0.5,
        )
    if backup is UNKNOWN and restored is UNKNOWN:
        r.assumed["availability.backup"] = "assumed no usable backup"
        return _Scored(
            Level.RISK, ["It is not known yet whether the data can be restored."], cb=0.25
        )
    if hours is not UNKNOWN and hours > short_hours:
        return _Scored(
            Level.RISK,
            [f"The data was unavailable for {hours:g} hours, too long to rule out a risk{why}."],
            cb=0.25,
        )
    if backup is True or (restored is True and hours is not UNKNOWN):
        return _Scored(
            Level.UNLIKELY,
            [
                "Availability was restored from a backup in good time without effect on "
                "people, so the loss of availability is unlikely to be a risk (EDPB 01/2021)."
            ],
            basis="availability was restored in good time without effect on people",
        )
    r.assumed["availability.outage_hours"] = "assumed the outage was not short"
    return _Scored(Level.RISK, ["The data was restored, but not quickly enough to rule out risk."])


def _depended_on(r: _Reader) -> str | None:
    """Why people depend on the data, or None: as recorded, else health data is care data."""
    essential = r.known("availability.essential")
    if essential is True:
        return "for their care or for a service delivered to them"
    if essential is False:
        return None
    special = r.known("data.special")
    if special is not UNKNOWN and "health" in special:
        r.assumed["availability.essential"] = "assumed people depend on their health data for care"
        return "health data, which care depends on"
    return None


# consequences ---------------------------------------------------------------------------


_GRAVITY = ("negligible", "limited", "significant", "severe")
_CONSEQUENCE_GRAVITY: dict[str, tuple[str, str]] = {
    "physical_harm": ("severe", "physical harm"),
    "threat_to_safety": ("severe", "a threat to their safety"),
    "serious_distress": ("significant", "serious distress"),
    "identity_theft": ("significant", "identity theft"),
    "fraud": ("significant", "fraud"),
    "financial_loss": ("significant", "financial loss"),
    "discrimination": ("significant", "discrimination"),
    "distress": ("limited", "distress"),
    "reputational_damage": ("limited", "damage to their reputation"),
    "phishing": ("limited", "phishing"),
    "loss_of_control": ("limited", "loss of control over their data"),
    "loss_of_confidentiality": ("limited", "loss of confidentiality"),
    "other": ("limited", "other consequences"),
}
"""How grave each recorded consequence is by its nature, on ENISA's scale of consequences for
people (very high: irreversible, such as physical or long-term psychological harm; high: serious
difficulties, such as fraud, financial loss or discrimination; medium: inconveniences, fear or
stress). Recitals 75 and 85 name them as the physical, material and non-material damage a breach
can cause."""
_INTIMATE = {"special", "criminal"}


def _consequences(r: _Reader) -> _Finding:
    """The consequences for the people recorded in the facts: what they are, and how severe.

    A recorded severity is the privacy officer's judgement and counts as given, except that
    physical harm or a threat to safety is never taken as less than high. Without one, each
    consequence counts by its nature; distress and damage to reputation weigh heavier when the
    data is intimate (special categories, criminal data) or the people are vulnerable.
    """
    likely = r.known("consequences.likely")
    severity = r.known("consequences.severity")
    names = [] if likely is UNKNOWN else list(likely)
    graded = {name: _consequence_gravity(r, name) for name in names}
    worst = max(graded.values(), key=_GRAVITY.index, default=None)
    severe_by_nature = [n for n in names if _CONSEQUENCE_GRAVITY[n][0] == "severe"]
    what = ", ".join(_CONSEQUENCE_GRAVITY[n][1] for n in names)
    if severity in ("significant", "severe"):
        listed = f" ({what})" if what else ""
        return _Finding(
            Level.HIGH,
            [f"The likely consequences for people{listed} are assessed as {severity}: high risk."],
            basis=f"the consequences for the people{listed}, assessed as {severity}",
        )
    if severe_by_nature:
        grave = ", ".join(_CONSEQUENCE_GRAVITY[n][1] for n in severe_by_nature)
        note = (
            f" Their severity is recorded as {severity}, but {grave} is not a limited "
            "consequence; check that assessment."
            if severity is not UNKNOWN
            else ""
        )
        return _Finding(
            Level.HIGH,
            [
                f"The facts record {grave} as a likely consequence for the people: physical "
                f"harm and danger to people's safety are a high risk (Recital 75).{note}"
            ],
            basis=f"the consequences recorded for the people ({grave})",
        )
    if severity is UNKNOWN and worst in ("significant", "severe"):
        grave = ", ".join(n_what for n, n_what in _names(names) if graded[n] == worst)
        return _Finding(
            Level.HIGH,
            [
                f"The facts record {grave} as a likely consequence for the people, which is "
                "serious damage they can overcome only with serious difficulty (Recitals 75 "
                "and 85; ENISA): high risk."
            ],
            basis=f"the consequences recorded for the people ({grave})",
        )
    if names and severity is not UNKNOWN:
        return _Finding(
            Level.UNLIKELY,
            [f"The likely consequences for people ({what}) are assessed as {severity}."],
            basis=f"the consequences for the people ({what}) are assessed as {severity}",
        )
    return _Finding(Level.UNLIKELY, [])


def _names(names: list[str]) -> list[tuple[str, str]]:
    return [(n, _CONSEQUENCE_GRAVITY[n][1]) for n in names]


def _consequence_gravity(r: _Reader, name: str) -> str:
    gravity = _CONSEQUENCE_GRAVITY[name][0]
    if name not in ("distress", "reputational_damage"):
        return gravity
    categories = r.known("data.categories")
    special = r.known("data.special")
    groups = r.known("subjects.categories")
    intimate = (categories is not UNKNOWN and bool(_INTIMATE & set(categories))) or (
        special is not UNKNOWN and bool(special)
    )
    vulnerable = groups is not UNKNOWN and bool({"minors", "vulnerable"} & set(groups))
    return "significant" if intimate or vulnerable else gravity


# ENISA and the advice --------------------------------------------------------------------


_BAND_WORDS = {"low": "low", "medium": "medium", "high": "high", "very_high": "very high"}


def _reconcile(
    r: _Reader, enisa: Enisa, level: Level, findings: list[_Finding], *, exposed: bool
) -> tuple[Level, list[str]]:
    """Say which holds when the ENISA band and the risk level point different ways.

    ENISA's bands describe consequences for people: low (none, or a few inconveniences),
    medium (significant inconveniences), high (significant consequences, overcome with serious
    difficulty), very high (significant or irreversible consequences). A high or very high band
    next to a risk that is not high holds only when a recorded fact explains it; otherwise the
    score's severity holds and the risk is taken as high.
    """
    band = _BAND_WORDS[enisa.band]
    score = f"The ENISA severity ({enisa.score:g}, {band})"
    if enisa.band in ("high", "very_high") and level < Level.HIGH:
        severity = r.known("consequences.severity")
        if not exposed:
            held = [f.basis for f in findings if f.basis and f.level == level]
            because = f"; {held[0]}" if held else ""
            return level, [
                f"{score} counts how sensitive the data is as if it had reached someone; no "
                f"readable data reached anyone unauthorised{because}. The risk to the people is "
                f"{_LEVEL_TEXT[level]}, and that holds over the score."
            ]
        held = [f.likelihood for f in findings if f.likelihood and f.level == level]
        if held and severity not in ("significant", "severe"):
            return level, [
                f"{score} rates how severe misuse of this data would be; misuse is not likely "
                f"because {held[0]}, so the risk to the people is {_LEVEL_TEXT[level]}, and "
                "that holds over the score (EDPB 9/2022 weighs likelihood with severity)."
            ]
        if severity in ("negligible", "limited"):
            return level, [
                f"{score} is higher than the consequences for the people as assessed "
                f"({severity}); that assessment of what this breach means for them holds over "
                "the score. Check it if the data or its recipients suggest otherwise."
            ]
        return Level.HIGH, [
            f"{score} means the people may face significant consequences, and nothing recorded "
            "makes them unlikely (the data was not unintelligible, not contained, not "
            "restored): the score holds, so the risk is taken as high."
        ]
    if level == Level.HIGH and enisa.band in ("low", "medium"):
        held = [f.basis for f in findings if f.basis and f.level == Level.HIGH]
        return level, [
            f"{score} is below a high risk, but the advice holds: it rests on "
            + "; ".join(held)
            + ". The score rates the kind of data, how easily people are identified and the "
            "circumstances of the breach; the advice also weighs the number of people and the "
            "consequences for them (EDPB 9/2022), and on those the high risk holds."
        ]
    if level == Level.UNLIKELY and enisa.band == "medium":
        held = [f.basis for f in findings if f.basis]
        because = "; ".join(held) if held else "nothing recorded makes harm to people likely"
        return level, [
            f"{score} rates how serious this breach could be; a risk is nonetheless unlikely "
            f"because {because}. The advice holds."
        ]
    if level == Level.RISK and enisa.band == "low":
        return level, [
            f"{score} means the people would meet at most a few inconveniences: a risk that is "
            "reported to the AP (Art. 33 exempts only a breach unlikely to result in a risk), "
            "not a high one."
        ]
    return level, []


_LEVEL_TEXT = {Level.UNLIKELY: "unlikely", Level.RISK: "not high", Level.HIGH: "high"}


# informing the people (Art. 34) ---------------------------------------------------------


def _subjects(r: _Reader, level: Level, unintelligible: bool) -> tuple[SubjectsAdvice, list[str]]:
    if level < Level.HIGH:
        return "no", [
            "Informing the people concerned is not required: the risk to them is not high "
            "(Art. 34(1)); it may still be done as a courtesy."
        ]
    if r.known("measures.high_risk_removed") is True:
        return "no", [
            "The risk would be high, but measures taken since make it no longer likely to "
            "materialise, so informing the people is not required (Art. 34(3)(b)); keep the "
            "evidence for that."
        ]
    if r.known("communication.disproportionate_effort") is True:
        return "public_communication", [
            "The risk to the people is high (Art. 34(1)), but informing each of them would "
            "take disproportionate effort: make a public communication instead, as effective "
            "as informing them directly (Art. 34(3)(c))."
        ]
    extra = "" if not unintelligible else " (the encrypted part needs no communication)"
    return "yes", [
        "Inform the people concerned without undue delay: the breach is likely to result in "
        f"a high risk to them (Art. 34(1)){extra}, in clear and plain language with what "
        "they can do to protect themselves (Art. 34(2))."
    ]


def _enisa_sentence(enisa: Enisa, dpc_reason: str, ei_name: str, neutralised: bool) -> str:
    ei_text = (
        "negligible: nobody unauthorised could identify anyone from what they got, "
        "and nothing was lost for good"
        if neutralised
        else ei_name
    )
    return (
        f"ENISA severity {enisa.score:g} ({enisa.band.replace('_', ' ')}): data-processing "
        f"context {enisa.dpc} ({dpc_reason}) times ease of identification {enisa.ei:g} ({ei_text}) "
        f"+ circumstances {enisa.circumstances:g} (confidentiality {enisa.confidentiality:g}, "
        f"integrity {enisa.integrity:g}, availability {enisa.availability:g}, malicious intent "
        f"{enisa.malicious:g})."
    )
