"""The audit trail binds the state it describes: every direct edit of the store is named.

An incident is taken through the real services (opened, facts, a decision, a playbook
step, a draft approved) on both stores; then one record at a time is changed behind
Sentinel's back, as someone with access to the database or the cluster could, and
``audit verify`` must say which record changed, after which entry, and which fields.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from sentinel import audit
from sentinel.cli import app
from sentinel.drafts.service import DraftService
from sentinel.incidents.decisions import decide
from sentinel.incidents.playbooks import load_playbooks
from sentinel.incidents.runs import Runs, default_handlers
from sentinel.incidents.service import Incidents
from sentinel.scheduler import Claim, checkpoint_job
from sentinel.store.base import Store
from sentinel.store.sqlite import SQLiteStore, path_from_url
from tests.conftest import ManualClock
from tests.drafts.conftest import ORGANISATION, full_facts

PLAYBOOKS = Path(__file__).resolve().parents[1] / "playbooks"


def handled(store: Store, clock: ManualClock) -> dict[str, str]:
    """An incident as Sentinel leaves it after a morning's work; the ids of what it wrote."""
    incidents = Incidents(store, clock)
    inc = incidents.open("Bulk export", by="frank", playbook="insider_misuse").incident.id
    books, _ = load_playbooks(PLAYBOOKS)
    runs = Runs(store, clock, incidents, books, default_handlers(incidents))
    runs.start(inc, "insider_misuse", by="frank")
    clock.advance(minutes=5)
    incidents.update_facts(inc, full_facts(), by="fenna")
    decision = decide(
        incidents, inc, notify_authority="yes", notify_subjects="yes", reason="IBANs", by="fenna"
    )
    runs.complete(inc, "triage", by="frank", note="confirmed")
    drafts = DraftService(incidents, organisation=ORGANISATION)
    made = drafts.ap(inc, by="fenna", lang="en")
    drafts.versions.approve(made.draft.id, by="fenna")
    return {"incident": inc, "decision": decision.id, "draft": made.draft.id}


def edit(store: Store, kind: str, record_id: str, change: Callable[[dict[str, Any]], None]) -> None:
    """Change a record through the store itself, bypassing Sentinel's services."""
    rec = store.get_record(kind, record_id)
    assert rec is not None
    data = dict(rec.data)
    change(data)
    store.update_record(kind, record_id, data, rec.version)


def verify(store: Store) -> audit.VerifyResult:
    result = audit.verify(store)
    assert not result.ok and result.problem == "changed"
    return result


def test_an_untouched_incident_verifies_with_every_record_checked(
    store: Store, clock: ManualClock
) -> None:
    handled(store, clock)
    result = audit.verify(store)
    assert result.ok, result.message
    assert result.records == 4  # incident, decision, playbook run, approved draft


def test_an_edited_awareness_time_is_named(store: Store, clock: ManualClock) -> None:
    ids = handled(store, clock)

    edit(
        store,
        "incident",
        ids["incident"],
        lambda d: d["awareness"].update(at="2026-03-29T09:00:00Z"),
    )

    [change] = verify(store).changes
    assert change.startswith(f"incident {ids['incident']} was changed outside Sentinel")
    assert "awareness.at changed" in change


def test_an_edited_decision_is_named_in_the_incident_and_in_its_record(
    store: Store, clock: ManualClock
) -> None:
    ids = handled(store, clock)

    edit(store, "incident", ids["incident"], lambda d: d["decision"].update(notify_authority="no"))
    edit(store, "decision", ids["decision"], lambda d: d.update(notify_authority="no"))

    changes = verify(store).changes
    assert len(changes) == 2
    assert any(
        c.startswith(f"incident {ids['incident']}") and "decision.notify_authority changed" in c
        for c in changes
    )
    assert any(
        c.startswith(f"decision {ids['decision']}") and "notify_authority changed" in c
        for c in changes
    )


def test_an_edited_playbook_step_is_named(store: Store, clock: ManualClock) -> None:
    ids = handled(store, clock)

    edit(
        store, "playbook_run", ids["incident"], lambda d: d["steps"]["triage"].update(by="mallory")
    )

    [change] = verify(store).changes
    assert change.startswith(f"playbook_run {ids['incident']} was changed outside Sentinel")
    assert "steps.triage changed" in change


def test_an_edited_draft_is_named(store: Store, clock: ManualClock) -> None:
    ids = handled(store, clock)

    edit(store, "draft", ids["draft"], lambda d: d.update(content=d["content"].replace("IBAN", "")))

    [change] = verify(store).changes
    assert change.startswith(f"draft {ids['draft']} was changed outside Sentinel")
    assert "content changed" in change


def test_deleting_the_newest_entry_and_rewriting_the_head_is_found(
    store: Store, clock: ManualClock
) -> None:
    ids = handled(store, clock)
    [*_, before, newest] = audit.iter_entries(store)
    assert newest.data["action"] == "draft.approved"

    store.delete_record(audit.KIND, newest.id)
    head = store.get_record(audit.HEAD_KIND, audit.HEAD_ID)
    assert head is not None
    store.update_record(
        audit.HEAD_KIND,
        audit.HEAD_ID,
        {"seq": before.data["seq"], "hash": before.data["hash"]},
        head.version,
    )

    result = verify(store)
    assert result.entries == int(before.data["seq"])  # the chain itself is whole again
    [change] = result.changes
    assert change.startswith(f"draft {ids['draft']} was changed outside Sentinel, or the entry")
    assert "approved changed" in change


def test_a_raw_sql_edit_that_keeps_the_version_is_named(
    sqlite_store: SQLiteStore, clock: ManualClock
) -> None:
    ids = handled(sqlite_store, clock)
    with sqlite3.connect(path_from_url(sqlite_store.url)) as conn:
        conn.execute(
            "UPDATE records SET data = json_set(data, '$.severity', 'low') WHERE kind = 'incident'"
        )

    result = verify(sqlite_store)
    [change] = result.changes
    assert f"incident {ids['incident']} was changed outside Sentinel after entry" in change
    assert change.endswith("severity changed")

    shown = CliRunner().invoke(app, ["audit", "verify", "--store", sqlite_store.url])
    assert shown.exit_code == 1
    assert "severity changed" in " ".join(shown.output.split())


def rewrite(store: Store, seq: int, change: Callable[[dict[str, Any]], None]) -> None:
    """What someone with write access to the store and time can do: edit an entry, then
    hash it and every later entry again and move the head, so the chain is whole."""
    prev = audit.GENESIS
    for rec in list(audit.iter_entries(store)):
        data = dict(rec.data)
        if data["seq"] == seq:
            change(data)
        if data["seq"] >= seq:
            data["prev"] = prev
            data["hash"] = audit.entry_hash(audit._payload(data))
            store.update_record(audit.KIND, rec.id, data, rec.version)
        prev = data["hash"]
    head = store.get_record(audit.HEAD_KIND, audit.HEAD_ID)
    assert head is not None
    store.update_record(audit.HEAD_KIND, audit.HEAD_ID, {**head.data, "hash": prev}, head.version)


def test_a_rewritten_trail_is_caught_by_a_kept_anchor_and_a_signed_checkpoint(
    store: Store, clock: ManualClock
) -> None:
    handled(store, clock)
    kept = audit.head(store)
    assert kept is not None
    key = b"kept-away-from-the-store"
    assert audit.checkpoint(store, clock, key) is not None
    signed_at = f"{clock.now():%Y-%m-%dT%H:%M:%S.000Z}"

    rewrite(store, 3, lambda d: d["details"].update(reason="nothing to report"))

    caught = audit.verify(store)
    assert (caught.ok, caught.problem) == (False, "rewritten")
    assert caught.changes == (
        f"entry {kept.seq} differs from the checkpoint of {signed_at}: the trail up to it was "
        "rewritten",
    )

    # The checkpoint moved along by someone without the key: only the key or a kept anchor
    # can tell now.
    checkpoint = store.get_record(audit.CHECKPOINT_KIND, audit.seq_id(kept.seq))
    new_head = audit.head(store)
    assert checkpoint is not None and new_head is not None
    store.update_record(
        audit.CHECKPOINT_KIND,
        checkpoint.id,
        {**checkpoint.data, "hash": new_head.hash},
        checkpoint.version,
    )
    assert audit.verify(store).ok
    assert audit.verify(store, key=key).changes == (
        f"the checkpoint of {signed_at} (entry {kept.seq}) is not signed with this key",
    )
    assert audit.verify(store, anchors=[kept]).changes == (
        f"entry {kept.seq} differs from the anchor {kept.seq}:{kept.hash[:12]}…: the trail up "
        "to it was rewritten",
    )


def test_the_register_export_approvals_and_checkpoints_print_the_anchor(
    sqlite_store: SQLiteStore, clock: ManualClock, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    ids = handled(sqlite_store, clock)
    url = sqlite_store.url
    runner = CliRunner()
    env = {"USER": "fenna", "SENTINEL_AUDIT__CHECKPOINT_KEY": "kept-away-from-the-store"}

    exported = runner.invoke(
        app, ["register", "export", "--format", "csv", "--out", "reg.csv", "--store", url], env=env
    )
    head = audit.head(sqlite_store)
    assert exported.exit_code == 0, exported.output
    assert f"audit anchor {head}" in " ".join(exported.stderr.split())
    assert (tmp_path / "reg.csv").read_text().splitlines()[1].endswith(f",{head}")

    drafts = DraftService(Incidents(sqlite_store, clock), organisation=ORGANISATION)
    made = drafts.ap(ids["incident"], by="fenna", lang="nl")
    approved = runner.invoke(app, ["drafts", "approve", made.draft.id, "--store", url], env=env)
    assert approved.exit_code == 0, approved.output
    assert f"audit anchor {audit.head(sqlite_store)}" in " ".join(approved.stdout.split())

    signed = runner.invoke(app, ["audit", "checkpoint", "--store", url], env=env)
    assert signed.exit_code == 0, signed.output
    assert f"audit checkpoint {audit.head(sqlite_store)} signed" in signed.stdout
    ok = runner.invoke(app, ["audit", "verify", "--anchor", str(head), "--store", url], env=env)
    assert ok.exit_code == 0, ok.output

    rewrite(sqlite_store, 2, lambda d: d.update(actor="mallory"))
    caught = runner.invoke(app, ["audit", "verify", "--anchor", str(head), "--store", url], env=env)
    told = " ".join(caught.output.split())
    assert caught.exit_code == 1
    assert "the audit trail was rewritten" in told and "differs from the checkpoint of" in told
    bad = runner.invoke(app, ["audit", "verify", "--anchor", "12:abc", "--store", url], env=env)
    assert bad.exit_code == 2 and "is not an audit anchor" in bad.output


def test_sentinel_run_signs_a_checkpoint_and_logs_the_anchor(
    sqlite_store: SQLiteStore, clock: ManualClock
) -> None:
    handled(sqlite_store, clock)
    job = checkpoint_job(sqlite_store, clock, b"key", timedelta(hours=1))

    line = job.run(Claim(None, lambda: False))

    head = audit.head(sqlite_store)
    assert line == f"signed {head} (keep it: `sentinel audit verify --anchor {head}`)"
    assert sqlite_store.find_records(audit.CHECKPOINT_KIND)[0].data["seq"] == head.seq  # type: ignore[union-attr]
    assert audit.verify(sqlite_store, key=b"key").ok
