"""The structured facts of a breach: one schema that the assessment and the drafts both read.

Every fact starts *unknown yet* (``UNKNOWN``), which is different from an empty
or "none" answer: ``measures.taken = []`` says nothing was done, an unknown
``measures.taken`` says nobody has recorded it. The drafts print an explicit
"[AANVULLEN: …]" / "[TO COMPLETE: …]" marker for an unknown fact, using the
Dutch and English labels kept here next to each fact.

In JSON a fact is known when it is present with a value (``null``, ``[]`` and
``""`` are values); it is unknown when it is absent or written as
``{"status": "unknown"}``. Facts are addressed by dotted names
(``subjects.people``), the names playbooks ask for and test.

Free text (the descriptions, the lists of measures) is written in one language,
the setting ``incidents.text_language``. Its version in the other language is a
translation: ``summary@en`` or ``cause.description@nl``, next to the fact in
JSON (``{"cause": {"description": "…", "description@en": "…"}}``). Drafts in
that language use it, and ask for it until it is there.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Annotated, Any, Literal, get_args, get_origin
from zoneinfo import ZoneInfo

from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    Field,
    GetCoreSchemaHandler,
    PlainSerializer,
    ValidationError,
    model_validator,
)
from pydantic_core import core_schema

from sentinel.events import format_timestamp
from sentinel.localtime import parse_when

UNKNOWN_MARK = {"status": "unknown"}


class Unknown:
    """The one value of a fact nobody has established yet."""

    _instance: Unknown | None = None

    def __new__(cls) -> Unknown:
        if cls._instance is None:
            cls._instance = super().__new__(cls)
        return cls._instance

    def __repr__(self) -> str:
        return "UNKNOWN"

    def __bool__(self) -> bool:
        raise TypeError("an unknown fact is neither true nor false; compare it with `is UNKNOWN`")

    @classmethod
    def __get_pydantic_core_schema__(
        cls, source: Any, handler: GetCoreSchemaHandler
    ) -> core_schema.CoreSchema:
        def validate(value: Any) -> Unknown:
            if value is UNKNOWN or is_unknown_mark(value):
                return UNKNOWN
            raise ValueError("unknown")

        return core_schema.no_info_plain_validator_function(
            validate,
            serialization=core_schema.plain_serializer_function_ser_schema(
                lambda _v: dict(UNKNOWN_MARK)
            ),
        )


UNKNOWN = Unknown()


def is_unknown_mark(value: Any) -> bool:
    return (
        isinstance(value, Mapping)
        and value.get("status") == "unknown"
        and set(value) <= {"status", "note"}
    )


def known(value: Any) -> bool:
    return value is not UNKNOWN


class FactsError(ValueError):
    """Facts that do not fit the schema; the message names each fact and what is wrong."""


TRANSLATED = (
    "summary",
    "discovery.how",
    "cause.description",
    "data.description",
    "subjects.description",
    "encryption.description",
    "disclosure.description",
    "consequences.description",
    "measures.prior",
    "measures.taken",
    "measures.planned",
    "communication.explanation",
)
"""The facts written in prose, which a reader in the other language needs translated (names,
addresses, roles and country codes are the same in both)."""
TEXT_LANGS = ("nl", "en")


def _aware(value: datetime) -> datetime:
    if value.tzinfo is None:
        raise ValueError(
            "give the time with its offset, e.g. 2026-03-10T14:00+01:00 or 2026-03-10T13:00Z"
        )
    return value


Time = Annotated[datetime, AfterValidator(_aware), PlainSerializer(format_timestamp)]


class Range(BaseModel):
    """An approximate count: ``min`` to ``max`` (equal when the number is exact)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    min: int = Field(ge=0)
    max: int = Field(ge=0)

    @model_validator(mode="before")
    @classmethod
    def _from_number(cls, value: Any) -> Any:
        if isinstance(value, int) and not isinstance(value, bool):
            return {"min": value, "max": value}
        if isinstance(value, str):
            low, _, high = value.partition("-")
            try:
                return {"min": int(low), "max": int(high or low)}
            except ValueError:
                raise ValueError(f"{value!r} is not a number or a range like 100-250") from None
        return value

    @model_validator(mode="after")
    def _ordered(self) -> Range:
        if self.min > self.max:
            raise ValueError(f"min {self.min} is above max {self.max}")
        return self

    def __str__(self) -> str:
        return str(self.min) if self.min == self.max else f"{self.min}-{self.max}"


Category = Literal[
    "contact",
    "identity",
    "national_id",
    "identity_documents",
    "financial",
    "payment_card",
    "credentials",
    "location",
    "vehicle",
    "behavioural",
    "communications",
    "special",
    "criminal",
]
CATEGORIES: tuple[str, ...] = get_args(Category)

CauseKind = Literal[
    "hacking",
    "malware",
    "ransomware",
    "phishing",
    "credential_stuffing",
    "social_engineering",
    "insider_misuse",
    "misdirected_email",
    "misdirected_mail",
    "wrong_member_shown",
    "accidental_publication",
    "verbal_disclosure",
    "lost_device",
    "stolen_device",
    "lost_paper",
    "stolen_paper",
    "improper_disposal",
    "misconfiguration",
    "software_error",
    "other",
]
Level4 = Literal["negligible", "limited", "significant", "severe"]


def fact(en: str, nl: str) -> Any:
    """A fact field: unknown until set, with its English and Dutch label for drafts."""
    return Field(UNKNOWN, description=en, json_schema_extra={"nl": nl})


class _Group(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Discovery(_Group):
    how: Unknown | str = fact("how the breach was discovered", "hoe het datalek is ontdekt")
    source: (
        Unknown
        | Literal[
            "internal_detection",
            "employee",
            "member",
            "partner",
            "processor",
            "researcher",
            "authority",
            "media",
            "other",
        ]
    ) = fact("who discovered or reported it", "wie het datalek heeft ontdekt of gemeld")


class Dates(_Group):
    started: Unknown | Time = fact("when the breach started", "wanneer het datalek begon")
    ended: Unknown | Time = fact("when the breach ended", "wanneer het datalek eindigde")
    ongoing: Unknown | bool = fact(
        "whether the breach is still going on", "of het datalek nog voortduurt"
    )
    discovered: Unknown | Time = fact("when the breach was discovered", "wanneer het is ontdekt")
    aware: Unknown | Time = fact(
        "when the organisation became aware of the breach",
        "wanneer de organisatie zich bewust werd van het datalek",
    )


class Breach(_Group):
    personal_data: Unknown | bool = fact(
        "whether personal data is involved (a personal data breach)",
        "of het om persoonsgegevens gaat (een datalek)",
    )
    confidentiality: Unknown | bool = fact(
        "whether data was read or disclosed without authorisation (confidentiality)",
        "of gegevens onbevoegd zijn ingezien of verstrekt (vertrouwelijkheid)",
    )
    integrity: Unknown | bool = fact(
        "whether data was altered (integrity)", "of gegevens zijn gewijzigd (integriteit)"
    )
    availability: Unknown | bool = fact(
        "whether data was lost, destroyed or unavailable (availability)",
        "of gegevens verloren, vernietigd of onbeschikbaar zijn (beschikbaarheid)",
    )
    nature: Unknown | list[Literal["read", "copied", "altered", "deleted", "stolen", "lost"]] = (
        fact("what happened to the data", "wat er met de gegevens is gebeurd")
    )


class Cause(_Group):
    kind: Unknown | CauseKind = fact("the cause", "de oorzaak")
    actor: (
        Unknown
        | Literal[
            "external_malicious", "internal_malicious", "external_accidental", "internal_accidental"
        ]
    ) = fact("who caused it", "wie het datalek veroorzaakte")
    malicious: Unknown | bool = fact(
        "whether there was malicious intent", "of er sprake was van kwade opzet"
    )
    description: Unknown | str = fact("how it happened", "hoe het is gebeurd")


class Data(_Group):
    categories: Unknown | list[Category] = fact(
        "categories of personal data", "soorten persoonsgegevens"
    )
    special: (
        Unknown
        | list[
            Literal[
                "health",
                "racial_ethnic",
                "political",
                "religious",
                "trade_union",
                "genetic",
                "biometric",
                "sex_life",
                "sexual_orientation",
            ]
        ]
    ) = fact("special categories of personal data (Art. 9)", "bijzondere persoonsgegevens")
    description: Unknown | str = fact("which data exactly", "welke gegevens precies")
    insight: Unknown | Literal["minimal", "limited", "normal", "extensive"] = fact(
        "how much the data reveals about a person",
        "hoeveel de gegevens over iemand prijsgeven",
    )
    public: Unknown | bool = fact(
        "whether the data was already publicly available",
        "of de gegevens al openbaar waren",
    )


class Subjects(_Group):
    categories: (
        Unknown
        | list[
            Literal[
                "members",
                "partner_staff",
                "employees",
                "applicants",
                "minors",
                "vulnerable",
                "other",
            ]
        ]
    ) = fact("categories of people affected", "groepen betrokkenen")
    description: Unknown | str = fact("who the affected people are", "wie de betrokkenen zijn")
    people: Unknown | Range = fact("approximate number of people", "aantal betrokkenen")
    records: Unknown | Range = fact(
        "approximate number of records", "aantal betrokken gegevensrecords"
    )
    countries: Unknown | list[Annotated[str, Field(pattern=r"^[A-Z]{2}$")]] = fact(
        "countries where the affected people live", "landen waar de betrokkenen wonen"
    )


class Identification(_Group):
    ease: Unknown | Literal["negligible", "limited", "significant", "maximum"] = fact(
        "how easily people can be identified from the data",
        "hoe eenvoudig betrokkenen uit de gegevens te identificeren zijn",
    )


class Encryption(_Group):
    state: Unknown | Literal["none", "weak", "strong"] = fact(
        "whether the data was encrypted or hashed, and how strongly",
        "of de gegevens versleuteld of gehasht waren, en hoe sterk",
    )
    key_safe: Unknown | bool = fact(
        "whether the key (or salt) stayed out of unauthorised hands",
        "of de sleutel (of salt) buiten bereik van onbevoegden is gebleven",
    )
    description: Unknown | str = fact(
        "how the data was protected", "hoe de gegevens beveiligd waren"
    )


class Disclosure(_Group):
    exfiltrated: Unknown | bool = fact(
        "whether data was copied out by an unauthorised party",
        "of gegevens door een onbevoegde zijn gekopieerd",
    )
    recipients: Unknown | Literal["none", "trusted", "known", "unknown"] = fact(
        "who could read the data", "wie de gegevens heeft kunnen inzien"
    )
    contained: Unknown | Literal["none", "asked_to_delete", "deleted_confirmed", "returned"] = fact(
        "what the recipients did with the data", "wat de ontvangers met de gegevens deden"
    )
    description: Unknown | str = fact(
        "to whom the data was disclosed", "aan wie de gegevens zijn verstrekt"
    )


class Alteration(_Group):
    recoverable: Unknown | bool = fact(
        "whether altered data can be restored", "of gewijzigde gegevens te herstellen zijn"
    )
    misused: Unknown | bool = fact(
        "whether altered data was used in a way that affects people",
        "of gewijzigde gegevens zijn gebruikt op een manier die betrokkenen raakt",
    )


class Availability(_Group):
    backup: Unknown | bool = fact(
        "whether a usable backup exists", "of er een bruikbare back-up is"
    )
    restored: Unknown | bool = fact(
        "whether the data has been restored", "of de gegevens zijn hersteld"
    )
    outage_hours: Unknown | Annotated[float, Field(ge=0)] = fact(
        "how long the data was unavailable (hours)",
        "hoe lang de gegevens onbeschikbaar waren (uren)",
    )
    impact: Unknown | Literal["none", "minor", "significant", "severe"] = fact(
        "the effect of the unavailability on people",
        "het gevolg van de onbeschikbaarheid voor betrokkenen",
    )
    essential: Unknown | bool = fact(
        "whether people depend on the data (for their care, or for a service delivered to them)",
        "of betrokkenen afhankelijk zijn van de gegevens (voor zorg, of voor een dienst aan hen)",
    )


class Consequences(_Group):
    likely: (
        Unknown
        | list[
            Literal[
                "identity_theft",
                "fraud",
                "financial_loss",
                "phishing",
                "discrimination",
                "reputational_damage",
                "distress",
                "serious_distress",
                "physical_harm",
                "threat_to_safety",
                "loss_of_control",
                "loss_of_confidentiality",
                "other",
            ]
        ]
    ) = fact("likely consequences for the people", "waarschijnlijke gevolgen voor betrokkenen")
    severity: Unknown | Level4 = fact(
        "how severe those consequences are", "hoe ernstig die gevolgen zijn"
    )
    description: Unknown | str = fact(
        "the likely consequences in words", "de waarschijnlijke gevolgen in woorden"
    )


class Measures(_Group):
    prior: Unknown | list[str] = fact(
        "security measures in place before the breach",
        "maatregelen die al waren getroffen voordat het datalek plaatsvond",
    )
    taken: Unknown | list[str] = fact("measures taken", "getroffen maatregelen")
    planned: Unknown | list[str] = fact("measures planned", "voorgenomen maatregelen")
    high_risk_removed: Unknown | bool = fact(
        "whether measures taken since make a high risk no longer likely (Art. 34(3)(b))",
        "of genomen maatregelen een hoog risico niet langer waarschijnlijk maken (art. 34 lid 3b)",
    )


class CrossBorder(_Group):
    applies: Unknown | bool = fact(
        "whether people in other EU countries are affected (cross-border processing)",
        "of betrokkenen in andere EU-landen geraakt zijn (grensoverschrijdende verwerking)",
    )
    countries: Unknown | list[Annotated[str, Field(pattern=r"^[A-Z]{2}$")]] = fact(
        "other EU countries concerned", "andere betrokken EU-landen"
    )
    lead_authority: Unknown | str = fact(
        "the lead supervisory authority", "de leidende toezichthouder"
    )
    other_authorities: Unknown | list[str] = fact(
        "other authorities notified", "andere toezichthouders die een melding kregen"
    )


class Processor(_Group):
    involved: Unknown | bool = fact(
        "whether a processor was involved", "of een verwerker betrokken was"
    )
    name: Unknown | str = fact("the processor", "de verwerker")


class Dpo(_Group):
    name: Unknown | str = fact(
        "the data protection officer's name", "naam van de functionaris gegevensbescherming"
    )
    email: Unknown | str = fact("the DPO's email", "e-mailadres van de FG")
    phone: Unknown | str = fact("the DPO's phone number", "telefoonnummer van de FG")


class Notifier(_Group):
    """Who makes the notification to the AP and answers its questions."""

    name: Unknown | str = fact("the notifier's name", "naam van de melder")
    role: Unknown | str = fact("the notifier's job title", "functie van de melder")
    phone: Unknown | str = fact("the notifier's phone number", "telefoonnummer van de melder")
    email: Unknown | str = fact("the notifier's email", "e-mailadres van de melder")


class Communication(_Group):
    subjects_informed: Unknown | Literal["yes", "no", "planned", "not_required"] = fact(
        "whether the affected people have been informed", "of betrokkenen zijn geïnformeerd"
    )
    subjects_informed_at: Unknown | Time = fact(
        "when the affected people were informed", "wanneer betrokkenen zijn geïnformeerd"
    )
    channel: Unknown | str = fact(
        "how the affected people are informed", "hoe betrokkenen worden geïnformeerd"
    )
    explanation: Unknown | str = fact(
        "why the people are or are not informed", "toelichting op het wel of niet informeren"
    )
    disproportionate_effort: Unknown | bool = fact(
        "whether informing each person would take disproportionate effort (Art. 34(3)(c))",
        "of ieder afzonderlijk informeren onevenredige inspanning vergt (art. 34 lid 3c)",
    )
    other_supervisors: (
        Unknown
        | list[
            Literal[
                "afm",
                "agentschap_telecom",
                "dnb",
                "igj",
                "ilt",
                "onderwijsinspectie",
                "nctv",
                "ovv",
                "other",
            ]
        ]
    ) = fact(
        "supervisors told under other notification duties (none: an empty list)",
        "toezichthouders die op grond van andere meldplichten zijn geïnformeerd",
    )


class Documents(_Group):
    attached: Unknown | list[str] = fact(
        "documents attached to the notification (reports, logs, letters)",
        "bij de melding gevoegde documenten (rapporten, logbestanden, brieven)",
    )


class Facts(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    summary: Unknown | str = fact("what happened", "wat er is gebeurd")
    discovery: Discovery = Field(default_factory=Discovery)
    dates: Dates = Field(default_factory=Dates)
    breach: Breach = Field(default_factory=Breach)
    cause: Cause = Field(default_factory=Cause)
    data: Data = Field(default_factory=Data)
    subjects: Subjects = Field(default_factory=Subjects)
    identification: Identification = Field(default_factory=Identification)
    encryption: Encryption = Field(default_factory=Encryption)
    disclosure: Disclosure = Field(default_factory=Disclosure)
    alteration: Alteration = Field(default_factory=Alteration)
    availability: Availability = Field(default_factory=Availability)
    consequences: Consequences = Field(default_factory=Consequences)
    measures: Measures = Field(default_factory=Measures)
    cross_border: CrossBorder = Field(default_factory=CrossBorder)
    processor: Processor = Field(default_factory=Processor)
    dpo: Dpo = Field(default_factory=Dpo)
    notifier: Notifier = Field(default_factory=Notifier)
    communication: Communication = Field(default_factory=Communication)
    documents: Documents = Field(default_factory=Documents)
    translations: dict[str, str | list[str]] = Field(default_factory=dict)
    """``summary@en`` → the text in that language; in JSON they sit next to their fact."""

    @model_validator(mode="before")
    @classmethod
    def _gather_translations(cls, data: Any) -> Any:
        if not isinstance(data, Mapping):
            return data
        found: dict[str, Any] = dict(data.get("translations") or {})
        out = _without_translations(data, "", found)
        if found:
            out["translations"] = found
        return out

    @model_validator(mode="after")
    def _check_translations(self) -> Facts:
        for name, value in self.translations.items():
            base, _ = translation_of(name)
            if FACTS[base].kind == "text" and not isinstance(value, str):
                raise ValueError(f"{name}: a translation of a text is a text")
            if FACTS[base].kind == "list" and not isinstance(value, list):
                raise ValueError(f"{name}: a translation of a list is a list")
        return self

    # reading -----------------------------------------------------------------
    def value(self, name: str) -> Any:
        """The fact's value, or ``UNKNOWN``."""
        if "@" in name:
            translation_of(name)
            return self.translations.get(name, UNKNOWN)
        spec = spec_of(name)
        node: Any = self
        for part in spec.path:
            node = getattr(node, part)
        return node

    def unknowns(self) -> list[str]:
        return [name for name in FACTS if self.value(name) is UNKNOWN]

    def known_values(self) -> dict[str, Any]:
        """Dotted name → JSON value, for every known fact."""
        flat = {}
        for name in FACTS:
            value = self.value(name)
            if value is not UNKNOWN:
                flat[name] = _json(value)
        for name in sorted(self.translations):
            flat[name] = _json(self.translations[name])
        return flat

    def to_dict(self) -> dict[str, Any]:
        """Nested JSON with the known facts only (absent means unknown)."""
        out: dict[str, Any] = {}
        for name, value in self.known_values().items():
            _put(out, path_of(name), value)
        return out

    # changing ----------------------------------------------------------------
    def with_changes(self, changes: Mapping[str, Any]) -> Facts:
        """A copy with facts set (``UNKNOWN`` makes a fact unknown again); validated."""
        flat = self.known_values()
        for name, value in changes.items():
            path_of(name)
            if value is UNKNOWN or is_unknown_mark(value):
                flat.pop(name, None)
            else:
                flat[name] = value
        nested: dict[str, Any] = {}
        for name, value in flat.items():
            _put(nested, path_of(name), value)
        return parse_facts(nested)


def _without_translations(node: Mapping[str, Any], prefix: str, found: dict[str, Any]) -> Any:
    """The facts document with its ``name@lang`` keys moved into ``found``."""
    out: dict[str, Any] = {}
    for key, value in node.items():
        if key == "translations" and not prefix:
            continue
        if isinstance(key, str) and "@" in key:
            found[f"{prefix}{key}"] = value
        elif (
            isinstance(value, Mapping) and not is_unknown_mark(value) and key not in ("min", "max")
        ):
            out[key] = _without_translations(value, f"{prefix}{key}.", found)
        else:
            out[key] = value
    return out


def _json(value: Any) -> Any:
    if isinstance(value, BaseModel):
        return value.model_dump(mode="json")
    if isinstance(value, datetime):
        return format_timestamp(value)
    if isinstance(value, list):
        return [_json(v) for v in value]
    return value


def _put(tree: dict[str, Any], path: tuple[str, ...], value: Any) -> None:
    for part in path[:-1]:
        tree = tree.setdefault(part, {})
    tree[path[-1]] = value


def parse_facts(data: Mapping[str, Any] | None) -> Facts:
    """Facts from JSON; a wrong value is refused with the fact's name and the reason."""
    try:
        return Facts.model_validate(dict(data or {}))
    except ValidationError as exc:
        raise FactsError(describe_errors(exc)) from None


def describe_errors(exc: ValidationError) -> str:
    """One line per wrong fact, leaving out the union branch that only accepts 'unknown'."""
    lines: dict[str, str] = {}
    for err in exc.errors():
        parts = [str(p) for p in err["loc"]]
        if any("Unknown" in p or "function-plain" in p for p in parts):
            continue
        name = ".".join(p for p in parts if not _is_branch(p))
        lines.setdefault(name, err["msg"])
    if not lines:
        return str(exc)
    return "invalid facts:\n" + "\n".join(f"  {name}: {msg}" for name, msg in lines.items())


def _is_branch(part: str) -> bool:
    return "[" in part or part in {"function-after", "int", "float", "str", "bool"}


# the catalogue of facts ----------------------------------------------------------


@dataclass(frozen=True, slots=True)
class FactSpec:
    name: str
    path: tuple[str, ...]
    kind: Literal["text", "bool", "time", "number", "range", "choice", "choices", "list"]
    choices: tuple[str, ...]
    en: str
    nl: str


def _kind(annotation: Any) -> tuple[str, tuple[str, ...]]:
    args = [a for a in get_args(annotation) if a is not Unknown]
    inner = args[0] if len(args) == 1 else annotation
    while get_origin(inner) is Annotated:
        inner = get_args(inner)[0]
    origin = get_origin(inner)
    if origin is Literal:
        return "choice", tuple(get_args(inner))
    if origin is list:
        item = get_args(inner)[0]
        while get_origin(item) is Annotated:
            item = get_args(item)[0]
        if get_origin(item) is Literal:
            return "choices", tuple(get_args(item))
        return "list", ()
    simple = {bool: "bool", str: "text", float: "number", datetime: "time", Range: "range"}
    return simple[inner], ()


def _catalogue() -> dict[str, FactSpec]:
    specs: dict[str, FactSpec] = {}

    def add(path: tuple[str, ...], info: Any) -> None:
        kind, choices = _kind(info.annotation)
        extra = info.json_schema_extra or {}
        specs[".".join(path)] = FactSpec(
            ".".join(path), path, kind, choices, info.description or "", str(extra.get("nl", ""))
        )  # type: ignore[arg-type]

    for group, info in Facts.model_fields.items():
        if group == "translations":
            continue
        annotation = info.annotation
        if isinstance(annotation, type) and issubclass(annotation, _Group):
            for leaf, leaf_info in annotation.model_fields.items():
                add((group, leaf), leaf_info)
        else:
            add((group,), info)
    return specs


FACTS: dict[str, FactSpec] = _catalogue()


def translation_of(name: str) -> tuple[str, str]:
    """(fact, language) of a translation name such as ``summary@en``; refused otherwise."""
    base, _, lang = name.partition("@")
    spec_of(base)
    if base not in TRANSLATED:
        raise FactsError(
            f"{name!r}: {base} is the same in every language; translations are for "
            f"{', '.join(TRANSLATED)}"
        )
    if lang not in TEXT_LANGS:
        raise FactsError(f"{name!r}: a translation is {base}@nl or {base}@en")
    return base, lang


def base_spec(name: str) -> FactSpec:
    """The fact a name is about: itself, or the fact a translation translates."""
    return FACTS[translation_of(name)[0]] if "@" in name else spec_of(name)


def path_of(name: str) -> tuple[str, ...]:
    """Where the fact (or its translation, next to it) sits in the nested JSON."""
    if "@" not in name:
        return spec_of(name).path
    base, lang = translation_of(name)
    path = FACTS[base].path
    return (*path[:-1], f"{path[-1]}@{lang}")


def spec_of(name: str) -> FactSpec:
    try:
        return FACTS[name]
    except KeyError:
        close = [n for n in FACTS if n.split(".")[-1] == name.split(".")[-1]]
        hint = f"; did you mean {', '.join(close)}?" if close else ""
        raise FactsError(f"unknown fact {name!r}{hint}") from None


def changes_from(data: Mapping[str, Any]) -> dict[str, Any]:
    """Dotted changes from a (partial) facts document: present facts set, unknown marks unset.

    Facts absent from the document are left as they are, so a file can carry only
    what someone has just learned.
    """
    changes: dict[str, Any] = {}

    def walk(node: Mapping[str, Any], prefix: str) -> None:
        for key, value in node.items():
            name = f"{prefix}{key}"
            if name in FACTS or "@" in name:
                path_of(name)
                changes[name] = UNKNOWN if is_unknown_mark(value) else value
            elif isinstance(value, Mapping) and any(n.startswith(f"{name}.") for n in FACTS):
                walk(value, f"{name}.")
            else:
                spec_of(name)

    walk(data, "")
    return changes


_IN_LANG = {
    "nl": {"nl": "in het Nederlands", "en": "in het Engels"},
    "en": {"nl": "in Dutch", "en": "in English"},
}


def label(name: str, lang: str = "en") -> str:
    if "@" in name:
        base, text_lang = translation_of(name)
        return f"{label(base, lang)} ({_IN_LANG[lang if lang == 'nl' else 'en'][text_lang]})"
    spec = spec_of(name)
    return spec.nl if lang == "nl" else spec.en


def template() -> dict[str, Any]:
    """Every fact, unknown: a file to fill in."""
    out: dict[str, Any] = {}
    for spec in FACTS.values():
        _put(out, spec.path, dict(UNKNOWN_MARK))
    return out


def diff(before: Facts, after: Facts) -> list[str]:
    """Names of the facts whose value (or knownness) differs."""
    a, b = before.known_values(), after.known_values()
    names = [*FACTS, *sorted((set(a) | set(b)) - set(FACTS))]
    return [name for name in names if a.get(name, UNKNOWN) != b.get(name, UNKNOWN)]


_TRUE = {"yes", "y", "true", "ja", "1"}
_FALSE = {"no", "n", "false", "nee", "0"}


def parse_value(name: str, text: str, zone: ZoneInfo, now: datetime) -> Any:
    """A fact's value as typed on the command line (``unknown`` makes it unknown again)."""
    spec = base_spec(name)
    raw = text.strip()
    if raw.lower() == "unknown":
        return UNKNOWN
    if spec.kind == "bool":
        if raw.lower() in _TRUE:
            return True
        if raw.lower() in _FALSE:
            return False
        raise FactsError(f"{name}: {text!r} is not yes or no")
    if spec.kind == "time":
        try:
            return parse_when(raw, zone, now)
        except ValueError as exc:
            raise FactsError(f"{name}: {exc}") from None
    if spec.kind == "number":
        try:
            return float(raw)
        except ValueError:
            raise FactsError(f"{name}: {text!r} is not a number") from None
    if spec.kind in ("choices", "list"):
        return [item.strip() for item in raw.split(",") if item.strip()]
    return raw
