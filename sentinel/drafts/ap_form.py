"""The AP's online breach notification form ("Meldformulier datalekken"), kept as data.

The AP takes notifications only through its online form and publishes the
questions beforehand ("Vragenlijst meldformulier datalekken", also in English:
"Questionnaire personal data breach notification form"). The draft follows the
form section by section, so the privacy officer can carry it over field by field.

Sources, as consulted for this version:

* AP, "Zo meldt u een datalek" / "This is how you report a data breach"
  (autoriteitpersoonsgegevens.nl/themas/beveiliging/datalekken/zo-meldt-u-een-datalek):
  notify only through the form, within 72 hours of awareness; a notification
  can be supplemented, changed or withdrawn; a cross-border breach goes to the
  lead authority of the member state of the main establishment.
* AP, "Privacyverklaring datalek melden": the notifier gives name, job title,
  telephone number and email address, and a contact person (e.g. the DPO) when
  that is someone else.
* The form's section headings 0-9 ("Over deze melding" … "Overig"), as
  reproduced by organisations that mirror the AP form for internal reporting.
* GDPR Art. 33(1), 33(3)(a)-(d), 33(4), 34.

The question wording below is Sentinel's paraphrase, not the AP's text, and the
AP changes its form from time to time: before relying on a draft, the privacy
officer compares these questions with the AP's current questionnaire (see
docs/drafts.md). Change this file, not the templates, when the form changes.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

SOURCE = (
    "Autoriteit Persoonsgegevens, Meldformulier datalekken and its published "
    "Vragenlijst meldformulier datalekken; autoriteitpersoonsgegevens.nl/themas/"
    "beveiliging/datalekken/zo-meldt-u-een-datalek (questions paraphrased by Sentinel)"
)


@dataclass(frozen=True, slots=True)
class Question:
    id: str
    nl: str
    en: str
    facts: tuple[str, ...] = ()
    """The facts that answer it; empty when the answer comes from elsewhere (see ``source``)."""
    source: str | None = None
    """For answers not taken from facts: kind, reference, organisation, deadline, delay, other."""
    gdpr: str | None = None
    """The GDPR provisions the question serves (``33(3)(b)``, ``9+10``), shown next to it."""


@dataclass(frozen=True, slots=True)
class Section:
    number: int
    nl: str
    en: str
    questions: tuple[Question, ...]


FORM: tuple[Section, ...] = (
    Section(
        0,
        "Over deze melding",
        "About this notification",
        (
            Question(
                "0.1",
                "Gaat het om een nieuwe melding, een vervolgmelding (aanvulling of wijziging) of "
                "het intrekken van een melding?",
                "Is this a new notification, a follow-up (supplement or change) or the "
                "withdrawal of a notification?",
                source="kind",
                gdpr="33(4)",
            ),
            Question(
                "0.2",
                "Meldnummer van de eerdere melding",
                "Reference number of the earlier notification",
                source="reference",
            ),
        ),
    ),
    Section(
        1,
        "Contactgegevens en overige algemene informatie",
        "Contact details and other general information",
        (
            Question(
                "1.1",
                "Naam en adres van de organisatie (verwerkingsverantwoordelijke)",
                "Name and address of the organisation (controller)",
                source="organisation",
            ),
            Question(
                "1.2",
                "Wie doet de melding? Naam, functie, telefoonnummer en e-mailadres",
                "Who makes the notification? Name, job title, telephone number and email",
                facts=("notifier.name", "notifier.role", "notifier.phone", "notifier.email"),
            ),
            Question(
                "1.3",
                "Contactpersoon voor meer informatie: de functionaris gegevensbescherming (FG)",
                "Contact point for more information: the data protection officer (DPO)",
                facts=("dpo.name", "dpo.email", "dpo.phone"),
                gdpr="33(3)(b)",
            ),
            Question(
                "1.4",
                "Is een verwerker (of een andere organisatie) bij het datalek betrokken?",
                "Is a processor (or another organisation) involved in the breach?",
                facts=("processor.involved", "processor.name"),
            ),
        ),
    ),
    Section(
        2,
        "Tijdlijn",
        "Timeline",
        (
            Question(
                "2.1",
                "Wanneer vond het datalek plaats (begin en einde), en duurt het nog voort?",
                "When did the breach take place (start and end), and is it still going on?",
                facts=("dates.started", "dates.ended", "dates.ongoing"),
            ),
            Question(
                "2.2",
                "Wanneer is het datalek ontdekt?",
                "When was the breach discovered?",
                facts=("dates.discovered",),
            ),
            Question(
                "2.3",
                "Wanneer kreeg de organisatie kennis van het datalek (begin van de 72 uur)?",
                "When did the organisation become aware of the breach (start of the 72 hours)?",
                source="deadline",
                gdpr="33(1)",
            ),
            Question(
                "2.4",
                "Reden voor de vertraging, als de melding later dan 72 uur na de kennisname "
                "wordt gedaan",
                "Reasons for the delay, if the notification is made later than 72 hours after "
                "becoming aware",
                source="delay",
                gdpr="33(1)",
            ),
        ),
    ),
    Section(
        3,
        "Gegevens over het datalek",
        "About the breach",
        (
            Question(
                "3.1",
                "Samenvatting: wat is er gebeurd?",
                "Summary: what happened?",
                facts=("summary",),
                gdpr="33(3)(a)",
            ),
            Question(
                "3.2",
                "Wat is de aard van de inbreuk (lezen, kopiëren, veranderen, verwijderen of "
                "vernietigen, diefstal)?",
                "What is the nature of the breach (reading, copying, alteration, deletion or "
                "destruction, theft)?",
                facts=(
                    "breach.nature",
                    "breach.confidentiality",
                    "breach.integrity",
                    "breach.availability",
                ),
                gdpr="33(3)(a)",
            ),
            Question(
                "3.3",
                "Wat is de oorzaak en hoe is het gebeurd?",
                "What caused it and how did it happen?",
                facts=("cause.kind", "cause.actor", "cause.description"),
            ),
            Question(
                "3.4",
                "Hoe en door wie is het datalek ontdekt?",
                "How and by whom was the breach discovered?",
                facts=("discovery.how", "discovery.source"),
            ),
        ),
    ),
    Section(
        4,
        "Persoonsgegevens die betrokken zijn bij het datalek",
        "Personal data involved in the breach",
        (
            Question(
                "4.1",
                "Om welke soorten persoonsgegevens gaat het?",
                "Which types of personal data are involved?",
                facts=("data.categories", "data.description"),
                gdpr="33(3)(a)",
            ),
            Question(
                "4.2",
                "Gaat het om bijzondere persoonsgegevens, en zo ja welke?",
                "Are special categories of personal data involved, and if so which?",
                facts=("data.special",),
                gdpr="9",
            ),
            Question(
                "4.3",
                "Hoeveel gegevensrecords zijn (bij benadering) getroffen? (minimum en maximum)",
                "Approximately how many records are affected? (minimum and maximum)",
                facts=("subjects.records",),
                gdpr="33(3)(a)",
            ),
        ),
    ),
    Section(
        5,
        "De groep mensen van wie persoonsgegevens betrokken zijn",
        "The people whose personal data are involved",
        (
            Question(
                "5.1",
                "Van hoeveel personen zijn (bij benadering) persoonsgegevens betrokken? "
                "(minimum en maximum)",
                "Approximately how many people's data are involved? (minimum and maximum)",
                facts=("subjects.people",),
                gdpr="33(3)(a)",
            ),
            Question(
                "5.2",
                "Om welke groepen personen gaat het (bijvoorbeeld kwetsbare groepen of "
                "minderjarigen)?",
                "Which groups of people are concerned (for example vulnerable groups or minors)?",
                facts=("subjects.categories", "subjects.description"),
                gdpr="33(3)(a)",
            ),
        ),
    ),
    Section(
        6,
        "Maatregelen die zijn getroffen voordat het datalek plaatsvond",
        "Measures in place before the breach",
        (
            Question(
                "6.1",
                "Welke technische en organisatorische beveiligingsmaatregelen waren getroffen?",
                "Which technical and organisational security measures were in place?",
                facts=("measures.prior",),
            ),
            Question(
                "6.2",
                "Waren de gegevens versleuteld, gehasht of op een andere manier onbegrijpelijk "
                "of ontoegankelijk gemaakt voor onbevoegden?",
                "Were the data encrypted, hashed or otherwise made unintelligible or "
                "inaccessible to unauthorised people?",
                facts=("encryption.state", "encryption.key_safe", "encryption.description"),
                gdpr="34(3)(a)",
            ),
        ),
    ),
    Section(
        7,
        "Gevolgen van het datalek",
        "Consequences of the breach",
        (
            Question(
                "7.1",
                "Wie heeft de gegevens kunnen inzien, en wat is ermee gebeurd?",
                "Who could read the data, and what happened to them?",
                facts=(
                    "disclosure.recipients",
                    "disclosure.exfiltrated",
                    "disclosure.contained",
                    "disclosure.description",
                ),
            ),
            Question(
                "7.2",
                "Wat zijn de waarschijnlijke gevolgen voor de betrokkenen?",
                "What are the likely consequences for the people concerned?",
                facts=("consequences.likely", "consequences.severity", "consequences.description"),
                gdpr="33(3)(c)",
            ),
        ),
    ),
    Section(
        8,
        "Vervolgacties naar aanleiding van het datalek",
        "Follow-up actions",
        (
            Question(
                "8.1",
                "Zijn of worden de betrokkenen geïnformeerd? Licht uw keuze toe (bij "
                "onevenredige inspanning: hoe een openbare mededeling hen bereikt)",
                "Have the people concerned been or will they be informed? Explain your choice "
                "(with disproportionate effort: how a public communication reaches them)",
                facts=(
                    "communication.subjects_informed",
                    "communication.subjects_informed_at",
                    "communication.channel",
                    "communication.explanation",
                    "communication.disproportionate_effort",
                ),
                gdpr="34",
            ),
            Question(
                "8.2",
                "Welke maatregelen zijn getroffen of voorgesteld om het datalek aan te pakken "
                "en de nadelige gevolgen te beperken?",
                "Which measures have been taken or are proposed to address the breach and "
                "mitigate its possible adverse effects?",
                facts=("measures.taken", "measures.planned"),
                gdpr="33(3)(d)",
            ),
            Question(
                "8.3",
                "Internationale aspecten: zijn personen in andere EU-landen betrokken, en is "
                "het datalek bij andere toezichthouders gemeld?",
                "International aspects: are people in other EU countries concerned, and has "
                "the breach been notified to other supervisory authorities?",
                facts=(
                    "cross_border.applies",
                    "cross_border.countries",
                    "cross_border.lead_authority",
                    "cross_border.other_authorities",
                ),
                gdpr="56",
            ),
        ),
    ),
    Section(
        9,
        "Overig",
        "Other",
        (
            Question(
                "9.1",
                "Overige informatie",
                "Other information",
                source="other",
            ),
        ),
    ),
)


def questions() -> list[Question]:
    return [q for section in FORM for q in section.questions]


_PROVISION = re.compile(r"^(\d+)(?:\((\d+)\))?(?:\(([a-z])\))?$")


def cite(code: str, lang: str) -> str:
    """``33(3)(b)`` → ``art. 33 lid 3 sub b AVG`` / ``Art. 33(3)(b) GDPR``; ``9+10`` for two."""
    parts = []
    for item in code.split("+"):
        match = _PROVISION.match(item)
        if match is None:
            raise ValueError(f"{item!r} is not a GDPR provision like 33(3)(b)")
        article, paragraph, point = match.groups()
        if lang == "nl":
            text = article
            text += f" lid {paragraph}" if paragraph else ""
            text += f" sub {point}" if point else ""
        else:
            text = (
                article + (f"({paragraph})" if paragraph else "") + (f"({point})" if point else "")
            )
        parts.append(text)
    joined = " en ".join(parts) if lang == "nl" else " and ".join(parts)
    return f"art. {joined} AVG" if lang == "nl" else f"Art. {joined} GDPR"
