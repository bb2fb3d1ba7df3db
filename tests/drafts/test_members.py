"""Member letters: the evidence decides who, the directory how to reach them, segments what."""

from __future__ import annotations

import csv
import email
from datetime import UTC, datetime, timedelta
from email import policy
from pathlib import Path

import orjson
import pytest

from sentinel.drafts.eml import write_eml
from sentinel.drafts.errors import DraftError
from sentinel.drafts.members import DirectoryError, write_recipients
from sentinel.drafts.service import DraftService
from sentinel.events import Event
from sentinel.incidents.service import Incidents
from sentinel.store.base import Store
from tests.drafts.conftest import full_facts
from tests.incidents.conftest import make_alert

DIRECTORY = """member_id,name,email,language,partner_name
M001,Anna de Boer,anna@example.nl,nl,Garage Jansen
M002,Ben Smith,ben@example.com,en,Garage Jansen
M003,Chris Peeters,chris@example.be,nl,Autobedrijf Noord
M004,Dirk Visser,,nl,Autobedrijf Noord
M777,Not Affected,nobody@example.nl,nl,Garage Jansen
"""


@pytest.fixture
def directory(tmp_path: Path) -> Path:
    path = tmp_path / "members.csv"
    path.write_text(DIRECTORY, encoding="utf-8")
    return path


def test_one_letter_per_segment_and_language_and_everyone_on_the_list(
    drafts: DraftService,
    incidents: Incidents,
    insider_incident: str,
    directory: Path,
    tmp_path: Path,
) -> None:
    incidents.update_facts(insider_incident, full_facts(), by="frank")
    with drafts.affected(insider_incident, directory=directory) as members:
        # M001-M005 were touched by the alert's user; M900 by someone else.
        assert members.count() == 5
        assert members.missing_from_directory() == 1  # M005
        made = drafts.member_letters(insider_incident, members, by="fenna")
        assert sorted(made) == [
            ("P01-contact+vehicle", "en"),
            ("P01-contact+vehicle", "nl"),
            ("P03-contact+financial", "nl"),
            ("direct-credentials", "nl"),
        ]
        letters = {key: m.draft.id for key, m in made.items()}
        out = tmp_path / "recipients.csv"
        with out.open("w", encoding="utf-8", newline="") as handle:
            assert write_recipients(handle, members, letters, "csv") == 5
    rows = list(csv.DictReader(out.open(encoding="utf-8")))
    assert [r["member_id"] for r in rows] == ["M001", "M002", "M003", "M004", "M005"]
    by_id = {r["member_id"]: r for r in rows}
    assert by_id["M002"]["language"] == "en"
    assert by_id["M002"]["letter"] == made[("P01-contact+vehicle", "en")].draft.id
    assert by_id["M002"]["events"] == "2"
    assert by_id["M004"]["status"] == "no_email"
    assert by_id["M005"]["status"] == "missing_from_directory"  # listed, not dropped
    assert by_id["M005"]["letter"] == made[("direct-credentials", "nl")].draft.id
    assert "M777" not in by_id and "M900" not in by_id

    p01_nl = made[("P01-contact+vehicle", "nl")].draft
    assert p01_nl.content.startswith("Onderwerp: Datalek bij Wegenwacht Leden B.V.")
    assert "Beste [[name]]," in p01_nl.content
    assert "Uw gegevens zijn bij ons vastgelegd via Garage Jansen." in p01_nl.content
    assert "- gegevens van uw auto (zoals kenteken en chassisnummer)" in p01_nl.content
    assert "financiële" not in p01_nl.content and "bankafschriften" not in p01_nl.content
    assert "- naam: Fenna de Vries" in p01_nl.content  # the DPO (Art. 34(2), 33(3)(b))
    assert "Autoriteit Persoonsgegevens (artikel 77 AVG)" in p01_nl.content
    assert "phishing" in p01_nl.content
    assert p01_nl.details["members"] == 1 and p01_nl.open_questions == []

    p01_en = made[("P01-contact+vehicle", "en")].draft.content
    assert p01_en.startswith("Subject: Data breach at") and "Dear [[name]]," in p01_en
    assert "We hold your data through Garage Jansen." in p01_en

    p03 = made[("P03-contact+financial", "nl")].draft.content
    assert "Controleer de komende tijd uw bankafschriften" in p03
    assert "Wijzig uw wachtwoord" not in p03
    direct = made[("direct-credentials", "nl")].draft.content
    assert "Wijzig uw wachtwoord" in direct and "vastgelegd via" not in direct


def test_eml_files_come_only_from_approved_complete_letters_one_per_member(
    drafts: DraftService,
    incidents: Incidents,
    insider_incident: str,
    directory: Path,
    tmp_path: Path,
) -> None:
    incidents.update_facts(insider_incident, full_facts(), by="frank")
    outbox = tmp_path / "eml"
    with drafts.affected(insider_incident, directory=directory) as members:
        made = drafts.member_letters(insider_incident, members, by="fenna")
        letters = {key: m.draft for key, m in made.items()}
        with pytest.raises(DraftError, match="is not approved"):
            write_eml(outbox, members, letters)
        assert not outbox.exists()
        approved = {k: drafts.versions.approve(d.id, by="fenna") for k, d in letters.items()}
        assert write_eml(outbox, members, approved, sender="fg@wegenwacht-leden.example") == 3
    files = sorted(p.name for p in outbox.iterdir())
    assert files == ["M001.eml", "M002.eml", "M003.eml"]  # M004 has no email, M005 is unknown
    names = {"M001": "Anna de Boer", "M002": "Ben Smith", "M003": "Chris Peeters"}
    for member, name in names.items():
        msg = email.message_from_bytes(
            (outbox / f"{member}.eml").read_bytes(), policy=policy.default
        )
        body = msg.get_content()
        assert name in str(msg["To"])
        assert f"{name}," in body and "[[name]]" not in body
        others = [n for m, n in names.items() if m != member]
        assert not any(other in msg.as_string() for other in others)
    ben = email.message_from_bytes((outbox / "M002.eml").read_bytes(), policy=policy.default)
    assert ben["Subject"].startswith("Data breach at") and ben["Content-Language"] == "en"
    assert ben["X-Sentinel-Letter"] == made[("P01-contact+vehicle", "en")].draft.id
    assert ben["From"] == "fg@wegenwacht-leden.example"
    assert ben["X-Unsent"] == "1"  # opens in the mail client as a message to send


def test_letters_with_open_questions_are_not_turned_into_eml(
    drafts: DraftService, insider_incident: str, directory: Path, tmp_path: Path
) -> None:
    with drafts.affected(insider_incident, directory=directory) as members:
        made = drafts.member_letters(insider_incident, members, by="fenna")
        draft = made[("P01-contact+vehicle", "nl")].draft
        assert "[AANVULLEN: de waarschijnlijke gevolgen in woorden — nog onbekend]" in draft.content
        approved = {k: drafts.versions.approve(m.draft.id, by="fenna") for k, m in made.items()}
        with pytest.raises(DraftError, match="still has open questions"):
            write_eml(tmp_path / "eml", members, approved)


def test_without_a_directory_every_member_is_listed_and_letters_come_in_both_languages(
    drafts: DraftService, insider_incident: str, tmp_path: Path
) -> None:
    with drafts.affected(insider_incident) as members:
        made = drafts.member_letters(insider_incident, members, by="f", langs=("nl", "en"))
        assert len(made) == 6  # three segments, two languages
        out = tmp_path / "recipients.jsonl"
        with out.open("w", encoding="utf-8") as handle:
            write_recipients(handle, members, {k: m.draft.id for k, m in made.items()}, "jsonl")
    rows = [orjson.loads(line) for line in out.read_text().splitlines()]
    assert len(rows) == 5 and {r["status"] for r in rows} == {"no_directory"}
    assert rows[0]["categories"] == "contact+vehicle" and rows[0]["language"] == "nl"


def test_an_incident_without_evidence_gets_one_general_letter(
    drafts: DraftService, incidents: Incidents, blank_incident: str
) -> None:
    incidents.update_facts(blank_incident, {"data.categories": ["identity_documents"]}, by="f")
    with drafts.affected(blank_incident) as members:
        made = drafts.member_letters(blank_incident, members, by="f", langs=("en",))
    letter = made[("all", "en")].draft
    assert letter.series == "member_letters.all.en"
    assert "- a copy of your identity document" in letter.content
    assert "Watch for misuse of your identity" in letter.content
    assert "[TO COMPLETE: what happened — not yet known]" in letter.content


def test_a_directory_without_member_ids_is_refused_with_file_line_and_reason(
    drafts: DraftService, insider_incident: str, tmp_path: Path
) -> None:
    path = tmp_path / "members.csv"
    path.write_text("id,name\nM1,A\n", encoding="utf-8")
    with pytest.raises(
        DirectoryError, match=r"members.csv:1: no member_id column \(columns: id, name\)"
    ):
        drafts.affected(insider_incident, directory=path)


BAD_RECORDS = """member_id,name,email,language,partner_name
M001,Anna de Boer,not-an-email,nl,Garage Jansen
M002,"Ben
Smith",ben@example.com,en,Garage Jansen
M003,Chris Peeters,chris@example.be,fr,Autobedrijf Noord
,Nobody,nobody@example.nl,nl,
M004,"=HYPERLINK(""http://evil.example"")",dirk@Example.NL,nl,@Autobedrijf Noord
M005,Eva,eva@example.nl,nl,Garage Jansen
M005,Eva Again,eva2@example.nl,nl,Garage Jansen
"""


def test_bad_directory_records_are_reported_by_line_and_every_other_letter_is_made(
    drafts: DraftService, incidents: Incidents, insider_incident: str, tmp_path: Path
) -> None:
    incidents.update_facts(insider_incident, full_facts(), by="frank")
    path = tmp_path / "members.csv"
    path.write_text(BAD_RECORDS, encoding="utf-8")
    with drafts.affected(insider_incident, directory=path) as members:
        problems = [str(p) for p in members.problems()]
        made = drafts.member_letters(insider_incident, members, by="fenna")
        letters = {key: m.draft for key, m in made.items()}
        for draft in letters.values():
            drafts.versions.approve(draft.id, by="fenna")
        letters = {key: drafts.versions.get(d.id) for key, d in letters.items()}
        out = tmp_path / "recipients.csv"
        with out.open("w", encoding="utf-8", newline="") as handle:
            write_recipients(handle, members, {k: d.id for k, d in letters.items()}, "csv")
        written = write_eml(tmp_path / "eml", members, letters, sender="dpo@example.nl")

    assert problems == [
        f"{path}:2: email 'not-an-email' of member M001 is not an address: An email address "
        "must have an @-sign.",
        f"{path}:3: name of member M002 holds a line break or control character",
        f"{path}:5: language 'fr' for member M003 is not nl or en (the letters exist in Dutch "
        "and English)",
        f"{path}:6: empty member_id",
        f"{path}:9: member M005 is listed twice; neither record is used",
    ]
    rows = {r["member_id"]: r for r in csv.DictReader(out.open(encoding="utf-8"))}
    assert {k: r["status"] for k, r in rows.items()} == {
        "M001": "directory_problem",
        "M002": "directory_problem",
        "M003": "directory_problem",
        "M004": "ok",
        "M005": "directory_problem",
    }
    assert rows["M001"]["problem"].endswith("An email address must have an @-sign.")
    # A spreadsheet shows the name as text instead of running it; the address is normalised.
    assert rows["M004"]["name"] == '\'=HYPERLINK("http://evil.example")'
    assert rows["M004"]["email"] == "dirk@example.nl"
    assert written == 1 and [p.name for p in (tmp_path / "eml").iterdir()] == ["M004.eml"]


def test_thousands_of_members_are_streamed_in_batches_without_losing_or_doubling_one(
    drafts: DraftService, incidents: Incidents, store: Store, tmp_path: Path
) -> None:
    start = datetime(2026, 3, 27, 8, 0, tzinfo=UTC)
    store.write_events(
        [
            Event(
                id=f"bulk{i}",
                timestamp=start + timedelta(seconds=i),
                source="partner-portal",
                fields={
                    "event.action": "member.view",
                    "user.name": "jdoe",
                    "sentinel.member.id": f"M{i % 2500:05d}",
                    "sentinel.member.partner_id": "P01",
                    "sentinel.data_categories": ["contact"],
                },
            )
            for i in range(3000)
        ]
    )
    make_alert(store, "AL-BULK", user="jdoe", start=start, end=start + timedelta(hours=2))
    inc = incidents.open("Bulk export", by="frank", alerts=["AL-BULK"]).incident.id
    rows = [
        f"M{i:05d},Member {i},m{i}@example.nl,{'en' if i % 10 == 0 else 'nl'}" for i in range(2500)
    ]
    directory = tmp_path / "members.csv"
    directory.write_text("member_id,name,email,language\n" + "\n".join(rows) + "\n")
    with drafts.affected(inc, directory=directory) as members:
        assert members.count() == 2500 and members.missing_from_directory() == 0
        made = drafts.member_letters(inc, members, by="f")
        assert {k: m.draft.details["members"] for k, m in made.items()} == {
            ("P01-contact", "en"): 250,
            ("P01-contact", "nl"): 2250,
        }
        out = tmp_path / "recipients.jsonl"
        with out.open("w", encoding="utf-8") as handle:
            write_recipients(handle, members, {k: m.draft.id for k, m in made.items()}, "jsonl")
    ids = [orjson.loads(line)["member_id"] for line in out.read_text().splitlines()]
    assert ids == [f"M{i:05d}" for i in range(2500)]

    rows.insert(2300, "M01234,Again,again@example.nl,nl")  # a duplicate past the first batch
    directory.write_text("member_id,name,email,language\n" + "\n".join(rows) + "\n")
    with drafts.affected(inc, directory=directory) as members:
        assert [str(p) for p in members.problems()] == [
            f"{directory}:2302: member M01234 is listed twice; neither record is used"
        ]
        statuses = {r.member_id: r.status for r in members.recipients()}
    assert statuses["M01234"] == "directory_problem" and statuses["M01233"] == "ok"
