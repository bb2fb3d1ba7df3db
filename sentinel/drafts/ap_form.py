"""The AP's online breach notification form ("Meldformulier datalekken"), kept as data.

The AP takes notifications only through its online form (renewed on 10 May
2021, ``ap_renewal``) and publishes its questions beforehand in the "Vragenlijst meldformulier
datalekken" (August 2022). The draft follows the form chapter by chapter and
question by question, with the form's numbers and answer options, so the
privacy officer can carry it over field by field. Change this file, not the
templates, when the form changes; ``tests/drafts/test_ap.py`` checks every
question still appears in the draft in this order.

How far each part is confirmed (sources in ``SOURCES``, read on ``READ_ON``):

* **Order, numbers, chapter titles and answer options** follow OpenVWR's
  transcription of the August 2022 questionnaire (``openvwr``). The AP's own
  questionnaire could not be read; OpenVWR is a third party. Four things the
  renewed form added (how the breach was discovered, more kinds of incident
  such as the BCC mistake, an explanation of the risk estimate, bulk
  notifications; ``renewal``) all appear in its transcription.
* **Question wording** is the form's own text where a reproduction of the form
  shows it verbatim (``mirrors``: organisations that copy the AP form, and a
  processor quoting it in 2021; the renewal changed little of the content), and
  OpenVWR's wording of the 2022 question otherwise. The AP's own pages confirm
  the records question (``ap_records``), who notifies and the contact person
  (``ap_privacy``) and that a notification can be supplemented, changed or
  withdrawn (``ap_howto``).
* A number with ``x`` is a question the form asks whose number in the current
  form is not known; a number starting with ``S`` is Sentinel's own addition, not
  a question found in any source.
* ``Question.confirmed_against`` says for each confirmed wording what it was
  confirmed against (mostly copies of the form from before and around its
  renewal), which is what the privacy officer compares with the live form.

English renderings are Sentinel's. The options are printed in Dutch as the form
shows them (with the English in the English draft), so they can be ticked as
they are.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field

READ_ON = "2026-11-30"
"""When the sources below were read (stored copies of the pages and repository files)."""


@dataclass(frozen=True, slots=True)
class Source:
    key: str
    title: str
    urls: tuple[str, ...]
    shows: str
    """What this source confirms."""


SOURCES: dict[str, Source] = {
    s.key: s
    for s in (
        Source(
            "ap_howto",
            "Autoriteit Persoonsgegevens, 'Zo meldt u een datalek' / 'This is how you report a "
            "data breach'",
            (
                "https://www.autoriteitpersoonsgegevens.nl/themas/beveiliging/datalekken/"
                "zo-meldt-u-een-datalek",
                "https://www.autoriteitpersoonsgegevens.nl/en/themes/security/data-breaches/"
                "this-is-how-you-report-a-data-breach",
            ),
            "notify only through the Meldformulier datalekken within 72 hours; a notification "
            "can be supplemented, changed or withdrawn; Telecommunicatiewet breaches use the same "
            "form; bulk notifications; the Vragenlijst meldformulier datalekken exists",
        ),
        Source(
            "ap_privacy",
            "Autoriteit Persoonsgegevens, 'Privacyverklaring datalek melden'",
            ("https://autoriteitpersoonsgegevens.nl/nl/privacyverklaring-datalek-melden",),
            "the notifier gives name, job title and telephone number (email optional); a "
            "contact person, for example the DPO, when that is someone else",
        ),
        Source(
            "ap_records",
            "Autoriteit Persoonsgegevens, 'Datalekken', question 'Wat wordt bedoeld met "
            "gegevensrecords in het meldformulier datalekken?'",
            ("https://autoriteitpersoonsgegevens.nl/themas/beveiliging/datalekken",),
            "the form asks how many data records (gegevensregisters) the breach affected",
        ),
        Source(
            "ap_questionnaire",
            "Autoriteit Persoonsgegevens, 'Vragenlijst meldformulier datalekken' (augustus 2022)",
            (
                "https://autoriteitpersoonsgegevens.nl/uploads/imported/"
                "vragenlijst_meldformulier_datalekken_augustus_2022.docx",
            ),
            "nothing: not read (it could not be reached); its address is the one OpenVWR cites",
        ),
        Source(
            "ap_renewal",
            "Autoriteit Persoonsgegevens, announcement of the new Meldformulier datalekken "
            "(May 2021), as republished in 'Nieuw meldformulier datalekken' (Vivere Media, "
            "5 May 2021, 'Bron: Autoriteit Persoonsgegevens')",
            ("https://www.viveremedia.nl/nieuw-meldformulier-datalekken/",),
            "the AP takes the renewed form into use on Monday 10 May 2021 (the old one is "
            "offline from 7 May); supplementing a notification becomes easier and a draft can "
            "be saved",
        ),
        Source(
            "openvwr",
            "OpenVWR (github.com/sourcehaven-bv/openvwr): docs/ap_melding.md, "
            "src/cms/app/Services/ApReport/ApReportBuilder.php, "
            "src/cms/resources/lang/nl/ap_report.php and nl/data_breach_record.php",
            ("https://github.com/sourcehaven-bv/openvwr",),
            "a third party's transcription of the August 2022 questionnaire: chapters 1-10, "
            "question numbers and answer options",
        ),
        Source(
            "mirrors",
            "Reproductions of the form: suitit.nl/datalek (sections 0-9 with the questions, "
            "among them 'Waarom ziet u af van het melden van het datalek aan de betrokkenen?' "
            "and 9.2's opening 'Lichamelijke, materiële en immateriële schade voor de "
            "betrokkenen.'), "
            "brover.nl/datalek (sections 0-9), nostradamus.nu/melding (a processor's answers "
            "for its customers, April 2021, quoting the questions)",
            (
                "https://suitit.nl/datalek/",
                "https://www.brover.nl/datalek/",
                "https://nostradamus.nu/melding/",
            ),
            "verbatim wording of questions of the form as it was before and around its renewal",
        ),
        Source(
            "renewal",
            "Dirkzwager, 'Nieuw meldformulier datalekken: wat is er veranderd?' (7 June 2021); "
            "Executive Finance, 'Nieuw meldformulier moet het melden van datalekken "
            "gemakkelijker maken' (June 2021)",
            (
                "https://dirkzwager.nl/kennis/artikelen/nieuw-meldformulier-datalekken-wat-is-er-"
                "veranderd",
                "https://executivefinance.nl/2021/06/nieuw-meldformulier-moet-het-melden-van-"
                "datalekken-gemakkelijker-maken/",
            ),
            "the renewed form (in use since 10 May 2021 by the AP's announcement; these articles "
            "date it 31 May): content mostly unchanged; new: how the breach was "
            "discovered, more kinds of incident, an explanation of the risk estimate, "
            "withdrawing a notification, bulk notifications, saving a draft",
        ),
    )
}


@dataclass(frozen=True, slots=True)
class Option:
    """One answer the form offers, as the form words it (nl) and in English."""

    nl: str
    en: str


@dataclass(frozen=True, slots=True)
class Question:
    id: str
    nl: str
    en: str
    facts: tuple[str, ...] = ()
    """The facts that answer it."""
    answer_from: str | None = None
    """For answers not taken from facts: kind, reference, regime, organisation, sector, delay,
    documents, not_informing, informed_count."""
    gdpr: str | None = None
    """The GDPR provisions the question serves (``33(3)(b)``, ``9+10``), shown next to it."""
    options: tuple[Option, ...] = ()
    """The answers the form offers to tick; empty for a free answer."""
    suggest: Mapping[str, Mapping[str, int | tuple[int, ...]]] = field(default_factory=dict)
    """fact → its choice (``str()`` of the value) → the option(s) that choice suggests ticking."""
    answer_option: int | None = None
    """For an ``answer_from`` answer: the option it amounts to in an initial notification."""
    form_only: tuple[Option, ...] = ()
    """Fields of the question Sentinel does not record: filled in on the form itself. A question
    with no facts, no ``answer_from`` and no such fields is asked on the form only."""
    wording: str = "sentinel"
    """Where the Dutch wording comes from: a key of ``SOURCES``, or "sentinel" for our own."""
    cited: tuple[str, ...] = ()
    """Keys of ``SOURCES`` that show the question exists; empty for Sentinel's own ("S") items."""
    optional: tuple[str, ...] = ()
    """Facts the form lets the notifier leave empty: unknown, they are not asked for."""

    @property
    def confirmed(self) -> bool:
        """True when the AP itself or a reproduction of the form shows this wording."""
        return self.wording in CONFIRMING

    @property
    def confirmed_against(self) -> str | None:
        """What the wording was confirmed against, to compare with the live form; None if not."""
        return self.confirmation("en")

    def confirmation(self, lang: str) -> str | None:
        """``confirmed_against`` in Dutch (``nl``) or English."""
        if not self.confirmed:
            return None
        keys = dict.fromkeys((self.wording, *self.cited))
        index = 0 if lang == "nl" else 1
        return "; ".join(CONFIRMING[k][index] for k in keys if k in CONFIRMING)


@dataclass(frozen=True, slots=True)
class Section:
    number: int
    nl: str
    en: str
    questions: tuple[Question, ...]
    cited: tuple[str, ...] = ("openvwr",)


CONFIRMING: dict[str, tuple[str, str]] = {
    "mirrors": (
        "kopieën van het formulier van vóór en rond de vernieuwing van 10 mei 2021 (suitit.nl, "
        "brover.nl, nostradamus.nu, april 2021), niet het actuele formulier",
        "copies of the form from before and around its renewal of 10 May 2021 (suitit.nl, "
        "brover.nl, nostradamus.nu, April 2021), not the live form",
    ),
    "ap_records": (
        "de eigen pagina 'Datalekken' van de AP (de vraag naar gegevensrecords)",
        "the AP's own page 'Datalekken' (the question on data records)",
    ),
    "ap_privacy": (
        "de privacyverklaring van de AP voor datalekmeldingen (wie meldt, de contactpersoon)",
        "the AP's privacy statement for breach notifications (who notifies, the contact person)",
    ),
}
"""Sources whose wording is the form's own (or the AP's), not a transcription's label, and
what each one is (Dutch, English): what a confirmed wording was confirmed against."""


def _options(*pairs: tuple[str, str]) -> tuple[Option, ...]:
    return tuple(Option(nl, en) for nl, en in pairs)


_INCIDENT = _options(
    (
        "E-mail met persoonsgegevens verstuurd aan verkeerde ontvanger(s)",
        "email with personal data sent to the wrong recipient(s)",
    ),
    (
        "E-mail verstuurd met persoonsgegevens met ontvangers in het aan-veld of in de cc, in "
        "plaats van bcc",
        "email with personal data sent with the recipients in 'to' or 'cc' instead of 'bcc'",
    ),
    (
        "Brief of postpakket met persoonsgegevens verstuurd of afgegeven aan de verkeerde "
        "ontvanger(s)",
        "letter or parcel with personal data sent or handed to the wrong recipient(s)",
    ),
    (
        "Brief of postpakket met persoonsgegevens geopend retour ontvangen",
        "letter or parcel with personal data returned opened",
    ),
    ("Brief of postpakket met persoonsgegevens kwijtgeraakt", "letter or parcel lost"),
    (
        "Autorisatie(s) van medewerker(s) verkeerd ingesteld.",
        "staff access rights set up wrongly",
    ),
    (
        "Netwerkmappen of -locaties met persoonsgegevens zijn te breed toegankelijk ingesteld "
        "binnen de organisatie",
        "network folders or locations with personal data open too widely within the organisation",
    ),
    (
        "Apparaat, gegevensdrager (bijv. USB-stick) en/of papier met persoonsgegevens "
        "kwijtgeraakt of gestolen",
        "device, data carrier (e.g. USB stick) or paper with personal data lost or stolen",
    ),
    ("Persoonsgegevens per ongeluk gepubliceerd", "personal data published by mistake"),
    ("Hacking, malware (bijv. ransomware) en/of phishing", "hacking, malware or phishing"),
    (
        "Persoonsgegevens toegevoegd aan het verkeerde dossier",
        "personal data added to the wrong file",
    ),
    ("Overig", "other"),
)
_OTHER_INCIDENT = len(_INCIDENT) - 1
_HACK = 9
_LOST = 7

_GENERAL_DATA = _options(
    ("Naam", "name"),
    ("Geslacht", "gender"),
    ("Geboortedatum en/of leeftijd", "date of birth or age"),
    ("Burgerservicenummer (BSN)", "citizen service number (BSN)"),
    ("Contactgegevens", "contact details"),
    ("Adres en woonplaats", "address and place of residence"),
    ("E-mailadres", "email address"),
    ("Telefoonnummer", "telephone number"),
    ("Toegangs- of identificatiegegevens", "access or identification data"),
    ("Financiële gegevens", "financial data"),
    ("Bankrekeningnummer / IBAN", "bank account number / IBAN"),
    ("Creditcardgegevens", "credit card data"),
    ("Gegevens over (problematische) schulden", "data on (problem) debts"),
    ("Gegevens over uitkering en/of schulden", "data on benefits or debts"),
    ("Andere financiële gegevens", "other financial data"),
    (
        "(Kopieën van) paspoorten of andere legitimatiebewijzen",
        "(copies of) passports or other identity documents",
    ),
    ("Locatiegegevens", "location data"),
    (
        "Persoonsgegevens betreffende strafrechtelijke veroordelingen en strafbare feiten of "
        "daarmee verband houdende veiligheidsmaatregelen",
        "personal data on criminal convictions and offences or related security measures",
    ),
    ("Onbekend", "unknown"),
    ("Anders", "other"),
)
_SPECIAL_DATA = _options(
    (
        "Persoonsgegevens waaruit iemands ras of etnische afkomst blijkt",
        "data revealing racial or ethnic origin",
    ),
    (
        "Persoonsgegevens waaruit iemands politieke opvattingen blijken",
        "data revealing political opinions",
    ),
    (
        "Persoonsgegevens waaruit iemands religieuze of levensbeschouwelijke overtuigingen blijken",
        "data revealing religious or philosophical beliefs",
    ),
    (
        "Persoonsgegevens waaruit iemands lidmaatschap van een vakbond blijkt",
        "data revealing trade union membership",
    ),
    (
        "Gegevens met betrekking tot iemands seksueel gedrag of seksuele gerichtheid",
        "data concerning sex life or sexual orientation",
    ),
    ("Gegevens over iemands gezondheid", "data concerning health"),
    ("Genetische gegevens", "genetic data"),
    (
        "Biometrische gegevens (bijvoorbeeld: vingerafdruk of irisscan)",
        "biometric data (e.g. fingerprint or iris scan)",
    ),
)

FORM: tuple[Section, ...] = (
    Section(
        1,
        "Introductie",
        "Introduction",
        (
            Question(
                "1.1",
                "Wat voor soort melding wilt u doen?",
                "What kind of notification do you want to make?",
                answer_from="kind",
                answer_option=0,
                gdpr="33(4)",
                options=_options(
                    ("Ik wil één inbreuk melden (reguliere melding)", "one breach (regular)"),
                    (
                        "Bulkmelding (precieze tekst van deze keuze niet bevestigd)",
                        "bulk notification (exact wording of this choice not confirmed)",
                    ),
                ),
                wording="openvwr",
                cited=("openvwr", "ap_howto"),
            ),
            Question(
                "S1",
                "Meldnummer van de eerdere melding (bij aanvullen, wijzigen of intrekken)",
                "Reference number of the earlier notification (to supplement, change or withdraw)",
                answer_from="reference",
            ),
            Question(
                "1.2",
                "Op grond van welke wettelijke bepaling doet u deze melding?",
                "Under which statutory provision are you making this notification?",
                answer_from="regime",
                answer_option=0,
                options=_options(
                    (
                        "Algemene verordening gegevensbescherming (AVG)",
                        "General Data Protection Regulation (GDPR)",
                    ),
                    ("Telecommunicatiewet", "Telecommunications Act"),
                    ("Wet politiegegevens (Wpg)", "Police Data Act"),
                ),
                wording="openvwr",
                cited=("openvwr", "mirrors", "ap_howto"),
            ),
            Question(
                "1.3",
                "Heeft u de inbreuk gemeld bij toezichthouders op andere meldplichten?",
                "Have you reported the breach to supervisors of other notification duties?",
                facts=("communication.other_supervisors",),
                options=_options(
                    ("Autoriteit Financiële Markten (AFM)", "AFM"),
                    ("Agentschap Telecom (AT)", "Radiocommunications Agency"),
                    ("De Nederlandsche Bank (DNB)", "DNB"),
                    ("Inspectie Gezondheidszorg en Jeugd (IGJ)", "IGJ"),
                    ("Inspectie Leefomgeving en Transport (ILT)", "ILT"),
                    ("Inspectie voor het Onderwijs", "Inspectorate of Education"),
                    (
                        "Nationaal Coördinator Terrorismebestrijding en Veiligheid (NCTV)",
                        "NCTV",
                    ),
                    ("Onderzoeksraad voor Veiligheid (OVV)", "Dutch Safety Board"),
                    ("Andere toezichthouder", "another supervisor"),
                ),
                suggest={
                    "communication.other_supervisors": {
                        "afm": 0,
                        "agentschap_telecom": 1,
                        "dnb": 2,
                        "igj": 3,
                        "ilt": 4,
                        "onderwijsinspectie": 5,
                        "nctv": 6,
                        "ovv": 7,
                        "other": 8,
                    }
                },
                wording="openvwr",
                cited=("openvwr",),
            ),
        ),
    ),
    Section(
        2,
        "Internationale aspecten",
        "International aspects",
        (
            Question(
                "2.1.1",
                "Heeft de inbreuk gevolgen voor personen in meerdere landen?",
                "Does the breach affect people in more than one country?",
                facts=("cross_border.applies", "cross_border.countries"),
                gdpr="56",
                wording="openvwr",
                cited=("openvwr",),
            ),
            Question(
                "2.2.1",
                "Heeft uw organisatie de inbreuk gemeld bij andere privacytoezichthouders?",
                "Has your organisation reported the breach to other data protection authorities?",
                facts=("cross_border.lead_authority", "cross_border.other_authorities"),
                gdpr="56",
                wording="openvwr",
                cited=("openvwr",),
            ),
        ),
    ),
    Section(
        3,
        "De verwerkingsverantwoordelijke",
        "The controller",
        (
            Question(
                "3.1.1",
                "Naam van het bedrijf of de organisatie; adres, postcode en plaats",
                "Name of the company or organisation; address, postcode and town",
                answer_from="organisation",
                form_only=_options(
                    ("KvK-nummer", "Chamber of Commerce number"),
                    ("registratienummer van de FG", "the DPO's registration number"),
                ),
                wording="openvwr",
                cited=("openvwr",),
            ),
            Question(
                "3.1.2",
                "In welke sector is de organisatie actief?",
                "In which sector is the organisation active?",
                answer_from="sector",
                wording="openvwr",
                cited=("openvwr",),
            ),
            Question(
                "3.2.1",
                "Wie meldt het datalek? Naam, functie, telefoonnummer en e-mailadres",
                "Who is notifying the breach? Name, job title, telephone number and email",
                facts=("notifier.name", "notifier.role", "notifier.phone", "notifier.email"),
                optional=("notifier.email",),
                wording="mirrors",
                cited=("openvwr", "mirrors", "ap_privacy"),
            ),
            Question(
                "3.2.2",
                "Contactpersoon voor de AP, indien afwijkend van de melder (bijvoorbeeld de "
                "functionaris gegevensbescherming)",
                "Contact person for the AP, if not the notifier (for example the data "
                "protection officer)",
                facts=("dpo.name", "dpo.email", "dpo.phone"),
                gdpr="33(3)(b)",
                wording="openvwr",
                cited=("openvwr", "ap_privacy"),
            ),
            Question(
                "3.3",
                "Was er een andere organisatie betrokken bij de inbreuk? Naam van de andere "
                "organisatie; in welke hoedanigheid was de andere organisatie betrokken bij de "
                "inbreuk?",
                "Was another organisation involved in the breach? Its name; in what capacity was "
                "it involved?",
                facts=("processor.involved", "processor.name"),
                wording="mirrors",
                cited=("openvwr", "mirrors"),
            ),
        ),
    ),
    Section(
        4,
        "Tijdlijn",
        "Timeline",
        (
            Question(
                "4.1.1",
                "Startdatum van de periode waarbinnen de inbreuk was (of de exacte datum, indien "
                "bekend)",
                "Start of the period in which the breach happened (or the exact date, if known)",
                facts=("dates.started",),
                wording="mirrors",
                cited=("openvwr", "mirrors"),
            ),
            Question(
                "4.1.2",
                "Einddatum van de periode waarbinnen de inbreuk was; duurt de inbreuk op dit "
                "moment nog voort?",
                "End of the period in which the breach happened; is the breach still going on?",
                facts=("dates.ongoing", "dates.ended"),
                wording="mirrors",
                cited=("openvwr", "mirrors"),
            ),
            Question(
                "4.2",
                "Wanneer werd de inbreuk ontdekt?",
                "When was the breach discovered?",
                facts=("dates.discovered",),
                wording="mirrors",
                cited=("openvwr", "mirrors"),
            ),
            Question(
                "4.3",
                "Geef (kort) aan hoe u de inbreuk heeft ontdekt",
                "Say (briefly) how you discovered the breach",
                facts=("discovery.how", "discovery.source"),
                wording="openvwr",
                cited=("openvwr", "renewal"),
            ),
            Question(
                "4.5",
                "Indien later dan 72 uur gemeld: waarom?",
                "If notified later than 72 hours: why?",
                answer_from="delay",
                gdpr="33(1)",
                wording="openvwr",
                cited=("openvwr",),
            ),
        ),
    ),
    Section(
        5,
        "Gegevens over de inbreuk",
        "About the breach",
        (
            Question(
                "5.1",
                "Aard van de inbreuk",
                "Nature of the breach",
                facts=(
                    "breach.confidentiality",
                    "breach.integrity",
                    "breach.availability",
                    "breach.nature",
                ),
                gdpr="33(3)(a)",
                options=_options(
                    (
                        "Persoonsgegevens (mogelijk) ingezien door onbevoegden",
                        "personal data (possibly) seen by unauthorised people",
                    ),
                    (
                        "Persoonsgegevens ongeoorloofd of onopzettelijk gewijzigd",
                        "personal data altered without authorisation or by accident",
                    ),
                    (
                        "Persoonsgegevens permanent niet beschikbaar (verloren/verwijderd)",
                        "personal data permanently unavailable (lost or deleted)",
                    ),
                    (
                        "Persoonsgegevens tijdelijk niet beschikbaar",
                        "personal data temporarily unavailable",
                    ),
                ),
                suggest={
                    "breach.confidentiality": {"True": 0},
                    "breach.integrity": {"True": 1},
                    "breach.availability": {"True": 3},
                    "breach.nature": {"deleted": 2, "lost": 2},
                },
                wording="mirrors",
                cited=("openvwr", "mirrors"),
            ),
            Question(
                "5.2",
                "Wat is de aard van het incident waarbij er een inbreuk op de beveiliging van "
                "persoonsgegevens is geweest?",
                "What kind of incident led to the breach of the security of personal data?",
                facts=("cause.kind", "cause.actor"),
                options=_INCIDENT,
                suggest={
                    "cause.kind": {
                        "hacking": _HACK,
                        "malware": _HACK,
                        "ransomware": _HACK,
                        "phishing": _HACK,
                        "credential_stuffing": _HACK,
                        "misdirected_email": 0,
                        "misdirected_mail": 2,
                        "lost_device": _LOST,
                        "stolen_device": _LOST,
                        "lost_paper": _LOST,
                        "stolen_paper": _LOST,
                        "accidental_publication": 8,
                        "social_engineering": _OTHER_INCIDENT,
                        "insider_misuse": _OTHER_INCIDENT,
                        "wrong_member_shown": _OTHER_INCIDENT,
                        "verbal_disclosure": _OTHER_INCIDENT,
                        "improper_disposal": _OTHER_INCIDENT,
                        "misconfiguration": _OTHER_INCIDENT,
                        "software_error": _OTHER_INCIDENT,
                        "other": _OTHER_INCIDENT,
                    }
                },
                wording="mirrors",
                cited=("openvwr", "mirrors", "renewal"),
            ),
            Question(
                "5.3",
                "Geef een samenvatting van het incident waarbij er een inbreuk op de beveiliging "
                "van persoonsgegevens is geweest",
                "Summarise the incident in which the security of personal data was breached",
                facts=("summary", "cause.description"),
                gdpr="33(3)(a)",
                wording="mirrors",
                cited=("openvwr", "mirrors"),
            ),
            Question(
                "5.4",
                "Ondersteunende documentatie",
                "Supporting documents",
                answer_from="documents",
                wording="openvwr",
                cited=("openvwr",),
            ),
        ),
    ),
    Section(
        6,
        "Welke persoonsgegevens",
        "Which personal data",
        (
            Question(
                "6.1",
                "Persoonsgegevens in het algemeen",
                "Personal data in general",
                facts=("data.categories", "data.description"),
                gdpr="33(3)(a)",
                options=_GENERAL_DATA,
                suggest={
                    "data.categories": {
                        "contact": (0, 4, 5, 6, 7),
                        "identity": (1, 2, 8),
                        "national_id": 3,
                        "identity_documents": 15,
                        "financial": 9,
                        "payment_card": 11,
                        "credentials": 8,
                        "location": 16,
                        "criminal": 17,
                        "vehicle": 19,
                        "behavioural": 19,
                        "communications": 19,
                    }
                },
                wording="mirrors",
                cited=("openvwr", "mirrors"),
            ),
            Question(
                "6.2",
                "Bijzondere categorieën van persoonsgegevens",
                "Special categories of personal data",
                facts=("data.special",),
                gdpr="9",
                options=_SPECIAL_DATA,
                suggest={
                    "data.special": {
                        "racial_ethnic": 0,
                        "political": 1,
                        "religious": 2,
                        "trade_union": 3,
                        "sex_life": 4,
                        "sexual_orientation": 4,
                        "health": 5,
                        "genetic": 6,
                        "biometric": 7,
                    }
                },
                wording="mirrors",
                cited=("openvwr", "mirrors"),
            ),
            Question(
                "6.3.1",
                "Geef (eventueel bij benadering) aan hoeveel gegevensrecords "
                "(“gegevensregisters”) zijn getroffen door de inbreuk",
                "State (approximately, if need be) how many data records were affected by the "
                "breach",
                facts=("subjects.records",),
                gdpr="33(3)(a)",
                wording="mirrors",
                cited=("openvwr", "mirrors", "ap_records"),
            ),
        ),
    ),
    Section(
        7,
        "Getroffen personen",
        "People affected",
        (
            Question(
                "7.1",
                "Welke groep(en) betrokkenen zijn getroffen?",
                "Which group(s) of people are affected?",
                facts=("subjects.categories",),
                gdpr="33(3)(a)",
                options=_options(
                    ("Werknemers", "employees"),
                    ("Klanten (huidig en potentieel)", "customers (current and prospective)"),
                    ("Leerlingen of studenten", "pupils or students"),
                    ("Patiënten", "patients"),
                    ("Minderjarigen", "minors"),
                    (
                        "Personen uit andere kwetsbare groepen",
                        "people from other vulnerable groups",
                    ),
                    ("Anders", "other"),
                ),
                suggest={
                    "subjects.categories": {
                        "employees": 0,
                        "members": 1,
                        "minors": 4,
                        "vulnerable": 5,
                        "partner_staff": 6,
                        "applicants": 6,
                        "other": 6,
                    }
                },
                wording="openvwr",
                cited=("openvwr",),
            ),
            Question(
                "7.2",
                "Nadere omschrijving van de groep(en) betrokkenen",
                "Further description of the group(s) of people",
                facts=("subjects.description",),
                wording="openvwr",
                cited=("openvwr",),
            ),
            Question(
                "7.3",
                "Aantal betrokkenen (exact, of minimum en maximum)",
                "Number of people concerned (exact, or minimum and maximum)",
                facts=("subjects.people",),
                gdpr="33(3)(a)",
                wording="openvwr",
                cited=("openvwr",),
            ),
        ),
    ),
    Section(
        8,
        "Maatregelen vooraf",
        "Measures taken beforehand",
        (
            Question(
                "8.1",
                "Waren de persoonsgegevens op het moment dat de inbreuk zich voordeed "
                "versleuteld, gecodeerd of op een andere manier onbegrijpelijk of ontoegankelijk "
                "voor onbevoegden?",
                "When the breach happened, were the personal data encrypted, coded or otherwise "
                "made unintelligible or inaccessible to unauthorised people?",
                facts=("encryption.state", "encryption.key_safe", "encryption.description"),
                gdpr="34(3)(a)",
                options=_options(
                    ("Versleuteld (encryptie)", "encrypted"),
                    ("Gehasht", "hashed"),
                    (
                        "Op een andere manier onbegrijpelijk of ontoegankelijk gemaakt",
                        "made unintelligible or inaccessible in another way",
                    ),
                    ("Nee", "no"),
                ),
                suggest={"encryption.state": {"none": 3}},
                wording="mirrors",
                cited=("openvwr", "mirrors"),
            ),
            Question(
                "S2",
                "Welke technische en organisatorische beveiligingsmaatregelen waren vooraf "
                "getroffen? (geen vraag van het formulier; gebruik dit bij 5.3 of als bijlage)",
                "Which technical and organisational security measures were in place beforehand? "
                "(not a question of the form; use it in 5.3 or as an attachment)",
                facts=("measures.prior",),
            ),
        ),
    ),
    Section(
        9,
        "Gevolgen",
        "Consequences",
        (
            Question(
                "9.1",
                "(Mogelijke) gevolgen voor de verwerkingsverantwoordelijke en de persoonsgegevens: "
                "gevolgen van de inbreuk op de vertrouwelijkheid, de integriteit en/of "
                "beschikbaarheid van de gegevens",
                "(Possible) consequences for the controller and the personal data: effects of "
                "the breach on the confidentiality, integrity or availability of the data",
                facts=(
                    "disclosure.recipients",
                    "disclosure.exfiltrated",
                    "disclosure.contained",
                    "disclosure.description",
                ),
                options=_options(
                    (
                        "Onbevoegden hebben kennis kunnen nemen van de gegevens",
                        "unauthorised people could take note of the data",
                    ),
                    (
                        "De gegevens kunnen op een onbehoorlijke of onrechtmatige manier worden "
                        "gebruikt",
                        "the data can be used improperly or unlawfully",
                    ),
                    (
                        "Er worden binnen uw eigen organisatie mogelijk onjuiste, onvolledige of "
                        "achterhaalde persoonsgegevens gebruikt",
                        "incorrect, incomplete or outdated data may be used within the "
                        "organisation",
                    ),
                    (
                        "Er worden mogelijk onjuiste, onvolledige of achterhaalde persoonsgegevens "
                        "hergebruikt voor andere doeleinden of doorgegeven aan andere organisaties",
                        "incorrect, incomplete or outdated data may be reused or passed on",
                    ),
                    (
                        "Een essentiële dienst kan tijdelijk niet meer worden verleend aan degenen "
                        "van wie gegevens zijn gelekt",
                        "an essential service is temporarily unavailable to those affected",
                    ),
                    (
                        "Een essentiële dienst kan permanent niet meer worden verleend aan degenen "
                        "van wie gegevens zijn gelekt",
                        "an essential service is permanently unavailable to those affected",
                    ),
                    ("Anders", "other"),
                ),
                suggest={"disclosure.exfiltrated": {"True": 0}},
                wording="mirrors",
                cited=("openvwr", "mirrors"),
            ),
            Question(
                "9.2",
                "Lichamelijke, materiële en immateriële schade voor de betrokkenen. (Mogelijke) "
                "gevolgen voor de betrokkene(n): welke gevolgen kan de inbreuk hebben voor de "
                "persoonlijke levenssfeer van de betrokkenen?",
                "Physical, material and non-material damage to the people concerned. (Possible) "
                "consequences for the people concerned: what can the breach mean for their "
                "private life?",
                facts=("consequences.likely",),
                gdpr="33(3)(c)",
                options=_options(
                    ("Discriminatie of uitsluiting", "discrimination or exclusion"),
                    ("Identiteitsdiefstal of -fraude", "identity theft or fraud"),
                    ("Financieel verlies", "financial loss"),
                    ("Reputatieschade", "damage to reputation"),
                    (
                        "Verlies van vertrouwelijkheid van door het beroepsgeheim beschermde "
                        "persoonsgegevens",
                        "loss of confidentiality of data protected by professional secrecy",
                    ),
                    (
                        "Ongeoorloofde ongedaanmaking van pseudonimisering",
                        "unauthorised reversal of pseudonymisation",
                    ),
                    (
                        "Betrokkenen kunnen hun persoonsgegevens niet inzien of op verzoek laten "
                        "verwijderen",
                        "people cannot see their data or have it erased on request",
                    ),
                    (
                        "Betrokkenen verliezen het overzicht van welke organisaties hun "
                        "persoonsgegevens verwerken",
                        "people lose track of which organisations process their data",
                    ),
                    ("Anders", "other"),
                ),
                suggest={
                    "consequences.likely": {
                        "discrimination": 0,
                        "identity_theft": 1,
                        "fraud": 1,
                        "financial_loss": 2,
                        "reputational_damage": 3,
                        "loss_of_confidentiality": 4,
                        "loss_of_control": 7,
                        "phishing": 8,
                        "distress": 8,
                        "serious_distress": 8,
                        "physical_harm": 8,
                        "threat_to_safety": 8,
                        "other": 8,
                    }
                },
                wording="mirrors",
                cited=("openvwr", "mirrors"),
            ),
            Question(
                "9.3",
                "Geef een inschatting van de ernst van de mogelijke gevolgen voor de betrokkenen, "
                "en licht die toe",
                "Estimate how severe the possible consequences for the people are, and explain "
                "the estimate",
                facts=("consequences.severity", "consequences.description"),
                gdpr="33(3)(c)",
                options=_options(
                    ("Verwaarloosbaar", "negligible"),
                    ("Beperkt", "limited"),
                    ("Aanzienlijk", "significant"),
                    ("Zeer groot", "very high"),
                ),
                suggest={
                    "consequences.severity": {
                        "negligible": 0,
                        "limited": 1,
                        "significant": 2,
                        "severe": 3,
                    }
                },
                wording="mirrors",
                cited=("openvwr", "mirrors", "renewal"),
            ),
        ),
    ),
    Section(
        10,
        "Vervolgacties",
        "Follow-up actions",
        (
            Question(
                "10.1.1",
                "Heeft u het datalek gemeld aan de betrokkenen of bent u van plan dat te gaan "
                "doen?",
                "Have you informed the people concerned, or do you intend to?",
                facts=("communication.subjects_informed", "communication.subjects_informed_at"),
                gdpr="34",
                wording="mirrors",
                cited=("openvwr", "mirrors"),
            ),
            Question(
                "10.1.x1",
                "Waarom ziet u af van het melden van het datalek aan de betrokkenen?",
                "Why are you not informing the people concerned of the breach?",
                answer_from="not_informing",
                gdpr="34",
                wording="mirrors",
                cited=("mirrors",),
            ),
            Question(
                "10.1.x2",
                "Licht uw keuze toe. Als het informeren van alle betrokkenen een onevenredige "
                "inspanning zou vergen, licht dan toe hoe u door een openbare mededeling of een "
                "soortgelijke maatregel de betrokkenen gaat informeren.",
                "Explain your choice. If informing every person would take disproportionate "
                "effort, explain how a public communication or a similar measure will inform "
                "them.",
                facts=("communication.explanation", "communication.disproportionate_effort"),
                gdpr="34(3)(c)",
                wording="mirrors",
                cited=("mirrors",),
            ),
            Question(
                "10.1.3",
                "Aan hoeveel personen heeft u de inbreuk gemeld?",
                "How many people have you informed of the breach?",
                answer_from="informed_count",
                wording="openvwr",
                cited=("openvwr",),
            ),
            Question(
                "10.1.7",
                "Op welke wijze zijn de betrokkenen geïnformeerd?",
                "How were the people informed?",
                facts=("communication.channel",),
                options=_options(
                    ("Telefonisch", "by telephone"),
                    ("Per brief", "by letter"),
                    ("Per e-mail", "by email"),
                    ("Via een mededeling op de website", "by a notice on the website"),
                    ("Via social media", "through social media"),
                    ("Via een advertentie in de krant", "by a newspaper advertisement"),
                    ("Anders", "other"),
                ),
                wording="openvwr",
                cited=("openvwr",),
            ),
            Question(
                "10.2",
                "Maatregelen om de inbreuk aan te pakken: welke maatregelen heeft u getroffen?",
                "Measures to address the breach: which measures have you taken (or planned)?",
                facts=("measures.taken", "measures.planned"),
                gdpr="33(3)(d)",
                wording="mirrors",
                cited=("openvwr", "mirrors"),
            ),
        ),
    ),
)

SOURCE = (
    "de vragen, nummers en keuzes volgen het Meldformulier datalekken van de AP zoals OpenVWR "
    "ze overnam uit de 'Vragenlijst meldformulier datalekken' (augustus 2022), met de "
    "formulering uit overnames van het formulier waar die de tekst tonen; de vragenlijst van de "
    f"AP zelf is niet gecontroleerd (bronnen gelezen op {READ_ON})",
    "the questions, numbers and options follow the AP's Meldformulier datalekken as OpenVWR "
    "took them from the 'Vragenlijst meldformulier datalekken' (August 2022), worded as "
    "reproductions of the form show them where they do; the AP's own questionnaire was not "
    f"checked (sources read {READ_ON})",
)
"""The footer's note on where the questions come from, in Dutch and English."""


def questions() -> list[Question]:
    return [q for section in FORM for q in section.questions]


def confirmations(lang: str) -> list[tuple[str, list[str]]]:
    """What confirmed wordings were confirmed against, each with its questions in form order."""
    groups: dict[str, list[str]] = {}
    for q in questions():
        against = q.confirmation(lang)
        if against:
            groups.setdefault(against, []).append(q.id)
    return list(groups.items())


def cited_sources() -> list[Source]:
    """The sources the form's data rests on, in the order ``SOURCES`` lists them."""
    keys = {k for s in FORM for k in s.cited} | {k for q in questions() for k in q.cited}
    return [s for key, s in SOURCES.items() if key in keys]


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
