"""Words for the drafts: the fact choices in Dutch and English, and dates as people write them.

The facts schema keeps codes (``credentials``, ``insider_misuse``); a draft needs
the words an AP case handler or a member reads. Dates are written out in the
reader's language and local time with the zone's abbreviation, so a deadline
that crosses a DST change reads right ("dinsdag 31 maart 2026 11:00 CEST").
Nothing here depends on the machine's locale.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Literal
from zoneinfo import ZoneInfo

Lang = Literal["nl", "en"]
LANGS: tuple[Lang, ...] = ("nl", "en")

# fact name → choice → (Dutch, English)
CHOICES: dict[str, dict[str, tuple[str, str]]] = {
    "discovery.source": {
        "internal_detection": ("eigen detectie (monitoring)", "our own detection (monitoring)"),
        "employee": ("een medewerker", "an employee"),
        "member": ("een lid (betrokkene)", "a member (data subject)"),
        "partner": ("een partner", "a partner"),
        "processor": ("een verwerker", "a processor"),
        "researcher": ("een beveiligingsonderzoeker", "a security researcher"),
        "authority": ("een overheidsinstantie", "a public authority"),
        "media": ("de media", "the media"),
        "other": ("anders", "other"),
    },
    "breach.nature": {
        "read": ("lezen (vertrouwelijkheid)", "reading (confidentiality)"),
        "copied": ("kopiëren", "copying"),
        "altered": ("veranderen (integriteit)", "alteration (integrity)"),
        "deleted": (
            "verwijderen of vernietigen (beschikbaarheid)",
            "deletion or destruction (availability)",
        ),
        "stolen": ("diefstal", "theft"),
        "lost": ("verlies", "loss"),
    },
    "cause.kind": {
        "hacking": ("hacking", "hacking"),
        "malware": ("malware", "malware"),
        "ransomware": ("ransomware", "ransomware"),
        "phishing": ("phishing", "phishing"),
        "credential_stuffing": (
            "credential stuffing (inloggen met elders gelekte wachtwoorden)",
            "credential stuffing (logins with passwords leaked elsewhere)",
        ),
        "social_engineering": ("social engineering", "social engineering"),
        "insider_misuse": (
            "misbruik van bevoegdheden door een insider",
            "misuse of access rights by an insider",
        ),
        "misdirected_email": ("e-mail aan de verkeerde ontvanger", "email to the wrong recipient"),
        "misdirected_mail": ("post aan de verkeerde ontvanger", "post to the wrong recipient"),
        "wrong_member_shown": (
            "gegevens van een ander lid getoond",
            "another member's data shown",
        ),
        "accidental_publication": ("per ongeluk gepubliceerd", "published by mistake"),
        "verbal_disclosure": ("mondeling verstrekt", "disclosed verbally"),
        "lost_device": ("apparaat verloren", "device lost"),
        "stolen_device": ("apparaat gestolen", "device stolen"),
        "lost_paper": ("papieren verloren", "papers lost"),
        "stolen_paper": ("papieren gestolen", "papers stolen"),
        "improper_disposal": ("onjuist vernietigd of weggegooid", "improperly disposed of"),
        "misconfiguration": ("verkeerde configuratie", "misconfiguration"),
        "software_error": ("softwarefout", "software error"),
        "other": ("anders", "other"),
    },
    "cause.actor": {
        "external_malicious": ("een buitenstaander, met opzet", "an outsider, deliberately"),
        "internal_malicious": ("een insider, met opzet", "an insider, deliberately"),
        "external_accidental": ("een buitenstaander, per ongeluk", "an outsider, by accident"),
        "internal_accidental": ("een insider, per ongeluk", "an insider, by accident"),
    },
    "data.categories": {
        "contact": (
            "contactgegevens (naam, adres, woonplaats, telefoonnummer, e-mailadres)",
            "contact details (name, address, telephone number, email address)",
        ),
        "identity": (
            "identificerende gegevens (zoals geboortedatum, geslacht, klantnummer)",
            "identifying data (such as date of birth, gender, customer number)",
        ),
        "national_id": (
            "burgerservicenummer (BSN) of ander nationaal identificatienummer",
            "citizen service number (BSN) or other national identification number",
        ),
        "identity_documents": (
            "kopieën van paspoorten of andere identiteitsbewijzen",
            "copies of passports or other identity documents",
        ),
        "financial": (
            "financiële gegevens (zoals rekeningnummer)",
            "financial data (such as bank account number)",
        ),
        "payment_card": ("betaalkaartgegevens", "payment card data"),
        "credentials": (
            "toegangs- of inloggegevens (zoals gebruikersnaam en wachtwoord)",
            "access or login credentials (such as user name and password)",
        ),
        "location": ("locatiegegevens", "location data"),
        "vehicle": (
            "voertuiggegevens (zoals kenteken en chassisnummer)",
            "vehicle data (such as number plate and VIN)",
        ),
        "behavioural": ("gegevens over gedrag of gebruik", "data on behaviour or usage"),
        "communications": ("inhoud van communicatie", "contents of communications"),
        "special": (
            "bijzondere persoonsgegevens (art. 9 AVG)",
            "special categories of personal data (Art. 9 GDPR)",
        ),
        "criminal": (
            "strafrechtelijke persoonsgegevens (art. 10 AVG)",
            "personal data on criminal convictions and offences (Art. 10 GDPR)",
        ),
    },
    "data.special": {
        "health": ("gezondheid", "health"),
        "racial_ethnic": ("ras of etnische afkomst", "racial or ethnic origin"),
        "political": ("politieke opvattingen", "political opinions"),
        "religious": (
            "religieuze of levensbeschouwelijke overtuigingen",
            "religious or philosophical beliefs",
        ),
        "trade_union": ("lidmaatschap van een vakbond", "trade union membership"),
        "genetic": ("genetische gegevens", "genetic data"),
        "biometric": (
            "biometrische gegevens ter identificatie",
            "biometric data for identification",
        ),
        "sex_life": ("seksueel gedrag", "sex life"),
        "sexual_orientation": ("seksuele gerichtheid", "sexual orientation"),
    },
    "data.insight": {
        "minimal": ("nauwelijks iets", "next to nothing"),
        "limited": ("beperkt", "little"),
        "normal": ("gemiddeld", "a normal amount"),
        "extensive": (
            "veel (genoeg voor een profiel of fraude)",
            "a lot (enough to profile or defraud)",
        ),
    },
    "subjects.categories": {
        "members": ("leden (klanten)", "members (customers)"),
        "partner_staff": ("medewerkers van partners", "partners' staff"),
        "employees": ("eigen medewerkers", "our employees"),
        "applicants": ("sollicitanten", "job applicants"),
        "minors": ("minderjarigen", "minors"),
        "vulnerable": ("andere kwetsbare personen", "other vulnerable people"),
        "other": ("anderen", "others"),
    },
    "identification.ease": {
        "negligible": ("nauwelijks", "negligible"),
        "limited": ("beperkt", "limited"),
        "significant": ("aanzienlijk", "significant"),
        "maximum": ("direct herleidbaar", "directly identifiable"),
    },
    "encryption.state": {
        "none": ("niet versleuteld of gehasht", "not encrypted or hashed"),
        "weak": (
            "versleuteld of gehasht, maar niet volgens de stand van de techniek",
            "encrypted or hashed, but not to the state of the art",
        ),
        "strong": (
            "versleuteld of gehasht volgens de stand van de techniek",
            "encrypted or hashed to the state of the art",
        ),
    },
    "disclosure.recipients": {
        "none": ("niemand", "nobody"),
        "trusted": (
            "een vertrouwde ontvanger met een geheimhoudingsplicht",
            "a trusted recipient bound to confidentiality",
        ),
        "known": ("bekende ontvangers", "known recipients"),
        "unknown": ("onbekende derden", "unknown third parties"),
    },
    "disclosure.contained": {
        "none": ("geen afspraken met de ontvangers", "no arrangement with the recipients"),
        "asked_to_delete": (
            "ontvangers gevraagd de gegevens te verwijderen",
            "recipients asked to delete the data",
        ),
        "deleted_confirmed": (
            "verwijdering door de ontvangers bevestigd",
            "deletion confirmed by the recipients",
        ),
        "returned": ("gegevens teruggegeven", "data returned"),
    },
    "availability.impact": {
        "none": ("geen", "none"),
        "minor": ("gering", "minor"),
        "significant": ("aanzienlijk", "significant"),
        "severe": ("ernstig", "severe"),
    },
    "consequences.likely": {
        "identity_theft": ("identiteitsfraude", "identity theft or fraud"),
        "fraud": ("fraude", "fraud"),
        "financial_loss": ("financiële schade", "financial loss"),
        "phishing": (
            "phishing (misleidende berichten die de gegevens gebruiken)",
            "phishing (deceptive messages that use the data)",
        ),
        "discrimination": ("stigmatisering of discriminatie", "stigmatisation or discrimination"),
        "reputational_damage": ("reputatieschade", "damage to reputation"),
        "distress": ("emotioneel leed of ongerustheid", "distress or anxiety"),
        "serious_distress": (
            "ernstig emotioneel leed (angst, trauma)",
            "serious distress (fear, trauma)",
        ),
        "physical_harm": ("lichamelijk letsel", "physical harm"),
        "threat_to_safety": (
            "bedreiging van de persoonlijke veiligheid",
            "a threat to their personal safety",
        ),
        "loss_of_control": (
            "verlies van controle over de eigen gegevens",
            "loss of control over one's own data",
        ),
        "loss_of_confidentiality": (
            "verlies van vertrouwelijkheid van gegevens",
            "loss of confidentiality of data",
        ),
        "other": ("andere gevolgen", "other consequences"),
    },
    "communication.other_supervisors": {
        "afm": ("Autoriteit Financiële Markten (AFM)", "the AFM"),
        "agentschap_telecom": ("Agentschap Telecom (AT)", "the Radiocommunications Agency"),
        "dnb": ("De Nederlandsche Bank (DNB)", "De Nederlandsche Bank"),
        "igj": (
            "Inspectie Gezondheidszorg en Jeugd (IGJ)",
            "the Health and Youth Care Inspectorate",
        ),
        "ilt": (
            "Inspectie Leefomgeving en Transport (ILT)",
            "the Human Environment and Transport Inspectorate",
        ),
        "onderwijsinspectie": ("Inspectie van het Onderwijs", "the Inspectorate of Education"),
        "nctv": ("NCTV", "the NCTV"),
        "ovv": ("Onderzoeksraad voor Veiligheid (OVV)", "the Dutch Safety Board"),
        "other": ("een andere toezichthouder", "another supervisor"),
    },
    "consequences.severity": {
        "negligible": ("verwaarloosbaar", "negligible"),
        "limited": ("beperkt", "limited"),
        "significant": ("aanzienlijk", "significant"),
        "severe": ("ernstig", "severe"),
    },
    "communication.subjects_informed": {
        "yes": ("ja", "yes"),
        "no": ("nee", "no"),
        "planned": ("nog niet, dit is voorgenomen", "not yet; it is planned"),
        "not_required": ("nee, dit is niet vereist", "no, it is not required"),
    },
}

# The member letter says the same in words a member uses.
PLAIN_CATEGORIES: dict[str, tuple[str, str]] = {
    "contact": (
        "uw contactgegevens (zoals naam, adres, telefoonnummer of e-mailadres)",
        "your contact details (such as name, address, telephone number or email address)",
    ),
    "identity": (
        "gegevens die u identificeren (zoals geboortedatum of klantnummer)",
        "data that identify you (such as date of birth or customer number)",
    ),
    "national_id": ("uw burgerservicenummer (BSN)", "your citizen service number (BSN)"),
    "identity_documents": (
        "een kopie van uw identiteitsbewijs",
        "a copy of your identity document",
    ),
    "financial": (
        "financiële gegevens (zoals uw rekeningnummer)",
        "financial data (such as your bank account number)",
    ),
    "payment_card": ("gegevens van uw betaalkaart", "your payment card details"),
    "credentials": (
        "uw inloggegevens (gebruikersnaam en wachtwoord)",
        "your login details (user name and password)",
    ),
    "location": ("gegevens over waar u bent of was", "data on where you are or were"),
    "vehicle": (
        "gegevens van uw auto (zoals kenteken en chassisnummer)",
        "data about your car (such as number plate and VIN)",
    ),
    "behavioural": (
        "gegevens over hoe u onze diensten gebruikt",
        "data on how you use our services",
    ),
    "communications": ("berichten die u met ons wisselde", "messages you exchanged with us"),
    "special": ("gevoelige gegevens", "sensitive data"),
    "criminal": ("gegevens over strafbare feiten", "data about criminal offences"),
}

YES_NO = {True: ("ja", "yes"), False: ("nee", "no")}

_DAYS = (
    ("maandag", "Monday"),
    ("dinsdag", "Tuesday"),
    ("woensdag", "Wednesday"),
    ("donderdag", "Thursday"),
    ("vrijdag", "Friday"),
    ("zaterdag", "Saturday"),
    ("zondag", "Sunday"),
)
_MONTHS = (
    ("januari", "January"),
    ("februari", "February"),
    ("maart", "March"),
    ("april", "April"),
    ("mei", "May"),
    ("juni", "June"),
    ("juli", "July"),
    ("augustus", "August"),
    ("september", "September"),
    ("oktober", "October"),
    ("november", "November"),
    ("december", "December"),
)


def pick(pair: tuple[str, str], lang: Lang) -> str:
    return pair[0] if lang == "nl" else pair[1]


def choice(fact: str, value: str, lang: Lang) -> str:
    """The words for one choice of a fact; the code itself if nobody wrote words for it."""
    pair = CHOICES.get(fact, {}).get(value)
    return pick(pair, lang) if pair else value


def join(items: Sequence[str], lang: Lang) -> str:
    """``a, b en c`` / ``a, b and c``."""
    words = [str(i) for i in items]
    if len(words) <= 1:
        return "".join(words)
    last = " en " if lang == "nl" else " and "
    return ", ".join(words[:-1]) + last + words[-1]


def when(ts: datetime, zone: ZoneInfo, lang: Lang, *, clock: bool = True) -> str:
    """``dinsdag 31 maart 2026 11:00 CEST`` / ``Tuesday 31 March 2026 11:00 CEST``."""
    local = ts.astimezone(zone)
    day = pick(_DAYS[local.weekday()], lang)
    month = pick(_MONTHS[local.month - 1], lang)
    text = f"{day} {local.day} {month} {local.year}"
    if clock:
        text += f" {local:%H:%M} {local.tzname()}"
    return text
