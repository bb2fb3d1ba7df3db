"""The draft service: render, list, approve only the text read, and the letters' .eml zip."""

from __future__ import annotations

import io
import zipfile
from datetime import timedelta
from pathlib import Path

import pytest

from sentinel.config import Settings
from sentinel.incidents.playbooks import load_playbooks
from sentinel.incidents.runs import Runs, default_handlers
from sentinel.incidents.service import Incidents
from sentinel.services.actor import Caller
from sentinel.services.context import ServiceContext
from sentinel.services.drafts import DraftService
from sentinel.services.errors import Forbidden, Invalid, NotFound, Stale
from sentinel.services.incidents import IncidentService
from tests.conftest import ManualClock
from tests.drafts.conftest import full_facts, write_touched
from tests.services.conftest import nested

EVERYTHING = Caller("olga", permissions=None)
COMMANDER = Caller(
    "carla",
    permissions=frozenset(
        {"incidents:read", "incidents:write", "drafts:read", "drafts:write", "alerts:triage"}
    ),
)


@pytest.fixture
def english(ctx: ServiceContext, tmp_path: Path) -> ServiceContext:
    """Descriptions written in English (as the full facts are), a member directory, the DPO."""
    directory = tmp_path / "members.csv"
    directory.write_text(
        "member_id,name,email,language\n"
        "M001,Anna de Boer,anna@example.nl,en\n"
        "M002,Ben Smith,ben@example.com,en\n"
        "M003,Chris Peeters,chris@example.be,en\n"
        "M004,Dirk Visser,,en\n",
        encoding="utf-8",
    )
    settings = Settings(
        _env_file=None,  # type: ignore[call-arg]
        store_url="sqlite:///unused.db",
        incidents={"playbooks_dir": ctx.settings.incidents.playbooks_dir, "text_language": "en"},
        member_directory=directory,
        organisation={"name": "Wegenwacht Leden B.V.", "dpo_email": "fg@wegenwacht.example"},
    )
    return ServiceContext(settings, ctx.store, ctx.clock)


def insider(ctx: ServiceContext, clock: ManualClock) -> str:
    write_touched(ctx.store, clock.now() - timedelta(hours=30))
    inc = IncidentService(ctx).open(EVERYTHING, None, alerts=["AL-1"]).id
    IncidentService(ctx).update_facts(EVERYTHING, inc, document=nested(full_facts()))
    return inc


def test_render_list_and_approve_only_the_text_read(
    english: ServiceContext, clock: ManualClock
) -> None:
    inc = insider(english, clock)
    drafts = DraftService(english)

    made = drafts.render(COMMANDER, inc, "ap_initial", lang="en", fmt="txt")
    assert made.id == f"{inc}.ap_initial.en.txt.v1" and made.new_version
    assert "Wegenwacht Leden B.V." in made.content
    again = drafts.render(COMMANDER, inc, "ap_initial", lang="en", fmt="txt")
    assert (again.id, again.new_version) == (made.id, False)
    with pytest.raises(Invalid, match="draft kind must be one of"):
        drafts.render(COMMANDER, inc, "member_letters")

    with pytest.raises(Forbidden, match="drafts:approve"):
        drafts.approve(COMMANDER, made.id)
    with pytest.raises(Stale, match="not the text you read"):
        drafts.approve(EVERYTHING, made.id, content_hash="0" * 64)
    approved = drafts.approve(EVERYTHING, made.id, content_hash=made.content_hash)
    assert approved.approved is not None and approved.approved.by == "olga"

    IncidentService(english).update_facts(EVERYTHING, inc, assignments=[("subjects.people", "7")])
    listed = drafts.list(COMMANDER, inc)
    assert [(d.id, d.current, d.approved is not None) for d in listed] == [(made.id, False, True)]
    with pytest.raises(NotFound, match="no draft"):
        drafts.show(COMMANDER, f"{inc}.ap_initial.en.v9")


def test_drafts_of_a_restricted_incident_are_hidden_from_outsiders(
    english: ServiceContext, clock: ManualClock
) -> None:
    inc = insider(english, clock)
    made = DraftService(english).render(EVERYTHING, inc, "management_summary", lang="en")
    IncidentService(english).update(EVERYTHING, inc, restricted=True)
    outsider = Caller("otto", permissions=COMMANDER.permissions)

    with pytest.raises(NotFound, match=f"no incident {inc}"):
        DraftService(english).show(outsider, made.id)
    with pytest.raises(NotFound, match=f"no incident {inc}"):
        DraftService(english).list(outsider, inc)


def test_the_letters_zip_holds_one_eml_per_reachable_member_once_approved(
    english: ServiceContext, clock: ManualClock, tmp_path: Path
) -> None:
    inc = insider(english, clock)
    drafts = DraftService(english)
    letters = drafts.member_letters(
        COMMANDER, inc, langs=["en"], recipients=tmp_path / "recipients.csv"
    )
    assert (letters.members, letters.missing_from_directory) == (5, 1)
    assert (tmp_path / "recipients.csv").stat().st_mode & 0o777 == 0o600

    with pytest.raises(Invalid, match="is not approved"):
        drafts.letters_zip(EVERYTHING, inc, io.BytesIO())
    for letter in letters.letters:
        drafts.approve(EVERYTHING, letter.id)
    with pytest.raises(Forbidden, match="letters:export"):
        drafts.letters_zip(COMMANDER, inc, io.BytesIO())
    out = io.BytesIO()
    assert drafts.letters_zip(EVERYTHING, inc, out) == 3
    names = sorted(zipfile.ZipFile(out).namelist())
    assert names == ["M001.eml", "M002.eml", "M003.eml"]
    body = zipfile.ZipFile(out).read("M002.eml").decode()
    assert "Ben Smith <ben@example.com>" in body and "X-Unsent: 1" in body


def test_pending_drafts_are_made_for_every_incident_and_shown_as_need_to_know_allows(
    english: ServiceContext,
) -> None:
    ctx = english
    incidents = IncidentService(ctx)
    public = incidents.open(EVERYTHING, "Letter to the wrong garage").id
    secret = incidents.open(EVERYTHING, "Board member's account misused").id
    incidents.update(EVERYTHING, secret, restricted=True)
    inner = Incidents(ctx.store, ctx.clock)
    books, errors = load_playbooks(ctx.settings.incidents.playbooks_dir)
    assert not errors
    runs = Runs(ctx.store, ctx.clock, inner, books, default_handlers(inner))  # no renderer yet
    for inc in (public, secret):
        incidents.update_facts(EVERYTHING, inc, document=nested(full_facts()))
        runs.start(inc, "general_breach", by="carla")
        for step in ("triage", "contain", "evidence", "scope", "assess", "brief_management"):
            runs.complete(inc, step, by="carla")
    outsider = Caller("otto", permissions=COMMANDER.permissions)

    made = DraftService(ctx).pending(outsider)

    assert [(p.incident, p.draft, p.ok) for p in made] == [(public, "management_summary", True)]
    assert runs.pending_actions("render_draft") == []  # the secret one was made all the same
    assert {d.kind for d in DraftService(ctx).list(EVERYTHING, secret)} == {"management_summary"}
