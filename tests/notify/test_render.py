"""What people read: every template family for every kind of channel, in Amsterdam time."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from sentinel.incidents.deadline import send_due_reminders
from sentinel.incidents.service import Incidents
from sentinel.notify import outbox
from sentinel.notify.render import Message, Renderer, RenderError
from sentinel.store.base import Record, Store
from tests.conftest import ManualClock
from tests.notify.conftest import (
    AMSTERDAM,
    BASE_URL,
    queue_alert,
    queue_reminder,
    queue_step,
)


def test_every_family_has_all_five_parts(renderer: Renderer) -> None:
    assert renderer.families() == ["alert", "playbook_step", "reminder", "test"]


def test_alert_says_severity_rule_who_what_when_data_and_link(
    alert_note: Record, alert_message: Message
) -> None:
    aid = alert_note.id.removeprefix("alert:")
    m = alert_message
    assert m.subject == (
        "[Sentinel] HIGH alert: Bulk viewing of member records by one account (account m.bakker)"
    )
    assert m.link == f"{BASE_URL}/alerts/{aid}"
    for part in (m.text, m.html):
        assert "bulk_member_views" in part
        assert "account m.bakker" in part
        assert "312 distinct member.id within 1h" in part
        # 11:01 and 11:55 UTC on 10 March are 12:01 and 12:55 in Amsterdam (CET).
        assert "2026-03-10 12:01:00 CET" in part
        assert "2026-03-10 12:55:00 CET" in part
        assert "contact details, identity data (name, date of birth)" in part
        assert m.link in part
    assert "Severity:       high" in m.text
    assert "340 (312 distinct)" in m.text


def test_summer_times_are_shown_in_cest(
    store: Store, clock: ManualClock, renderer: Renderer
) -> None:
    clock.set(datetime(2026, 7, 1, 12, 0, tzinfo=UTC))
    rec = queue_alert(store, clock)
    text = renderer.render(rec.id, rec.data).text
    assert "2026-07-01 13:01:00 CEST" in text


def card_facts(card: dict[str, Any]) -> dict[str, str]:
    """The title and value runs of the card's facts (plain text runs, never Markdown)."""
    [facts] = [b for b in card["body"] if b["type"] == "Container"]
    runs = [block["inlines"] for block in facts["items"]]
    return {title["text"].removesuffix(": "): value["text"] for title, value in runs}


def test_values_from_logs_are_escaped_for_html_and_slack_and_kept_in_text(
    store: Store, clock: ManualClock, renderer: Renderer
) -> None:
    user = '<script>alert("x")</script> & co'
    rec = queue_alert(store, clock, user=user)
    m = renderer.render(rec.id, rec.data)
    assert user in m.text
    assert "<script>" not in m.html
    assert "&lt;script&gt;alert(&#34;x&#34;)&lt;/script&gt; &amp; co" in m.html
    who = next(f["text"] for f in m.slack["blocks"][2]["fields"] if f["text"].startswith("*Who*"))
    assert who == '*Who*\naccount &lt;script&gt;alert("x")&lt;/script&gt; &amp; co'
    assert card_facts(m.teams)["Who"] == f"account {user}"


def test_slack_blocks_and_teams_card_shapes(alert_message: Message) -> None:
    slack = alert_message.slack
    assert slack["text"].startswith("[HIGH] Bulk viewing of member records")
    kinds = [b["type"] for b in slack["blocks"]]
    assert kinds == ["header", "section", "section", "actions", "context"]
    assert slack["blocks"][0]["text"]["type"] == "plain_text"
    assert len(slack["blocks"][0]["text"]["text"]) <= 150
    assert len(slack["blocks"][2]["fields"]) <= 10
    assert slack["blocks"][3]["elements"][0]["url"] == alert_message.link
    card = alert_message.teams
    assert (card["type"], card["version"]) == ("AdaptiveCard", "1.4")
    assert card["body"][0]["color"] == "Attention"
    facts = card_facts(card)
    assert facts["Personal data"] == "contact details, identity data (name, date of birth)"
    assert facts["First event"] == "2026-03-10 12:01:00 CET"
    [action] = card["actions"]
    assert (action["type"], action["url"]) == ("Action.OpenUrl", alert_message.link)


def test_reminder_gives_deadline_and_time_left(
    incidents: Incidents, clock: ManualClock, renderer: Renderer
) -> None:
    rec = queue_reminder(incidents, clock, timedelta(hours=48, minutes=5))
    m = renderer.render(rec.id, rec.data)
    inc_id = rec.data["context"]["incident"]["id"]
    assert m.subject.startswith(f"[Sentinel] Reminder: {inc_id} Member list e-mailed to a partner")
    assert "23h 55m left to notify the AP" in m.subject
    # Aware at 13:00 CET on 10 March, so the deadline is 13:00 CET on 13 March.
    assert "Deadline:       2026-03-13 13:00:00 CET" in m.text
    assert "Commander:      not assigned yet" in m.text
    assert "Art. 33(1) GDPR" in m.text
    assert m.link == f"{BASE_URL}/incidents/{inc_id}"
    assert m.slack["blocks"][0]["text"]["text"] == f"{inc_id}: 23h 55m left to notify the AP"


def test_overdue_reminder_asks_for_the_reason_of_the_delay(
    incidents: Incidents, clock: ManualClock, renderer: Renderer
) -> None:
    rec = queue_reminder(incidents, clock, timedelta(hours=72, minutes=1))
    m = renderer.render(rec.id, rec.data)
    assert m.subject.startswith("[Sentinel] OVERDUE:")
    assert "72-hour deadline passed" in m.subject
    assert "must state\nthe reason for the delay" in m.text
    assert m.teams["body"][0]["color"] == "Attention"


def test_playbook_step_names_step_person_and_time(
    incidents: Incidents, clock: ManualClock, renderer: Renderer
) -> None:
    rec = queue_step(incidents, clock)
    m = renderer.render(rec.id, rec.data)
    assert "step triage done by carol" in m.subject
    assert "Done by:        carol" in m.text
    assert "When:           2026-03-10 13:30:00 CET" in m.text
    assert m.link in m.html


def test_a_missing_value_is_an_error_naming_file_and_line(
    renderer: Renderer, alert_note: Record
) -> None:
    data = {**alert_note.data, "context": {"alert": dict(alert_note.data["context"]["alert"])}}
    del data["context"]["alert"]["summary"]
    with pytest.raises(RenderError, match=r"alert\.text\.txt, line 6: .*'summary'"):
        renderer.render(alert_note.id, data)


def test_unknown_family_names_the_files_it_needs(renderer: Renderer, alert_note: Record) -> None:
    with pytest.raises(RenderError, match=r"nosuch\.subject\.txt: missing; .*nosuch\.teams\.json"):
        renderer.render(alert_note.id, {**alert_note.data, "template": "nosuch"})


def test_broken_json_template_is_named(tmp_path: Path, alert_note: Record) -> None:
    for part in ("subject.txt", "text.txt", "html", "teams.json"):
        (tmp_path / f"x.{part}").write_text("{}" if part.endswith("json") else "x")
    (tmp_path / "x.slack.json").write_text('{"text": {{ notification.title }} "oops"}')
    renderer = Renderer(AMSTERDAM, BASE_URL, tmp_path)
    with pytest.raises(RenderError, match=r"x\.slack\.json: not JSON once rendered"):
        renderer.render(alert_note.id, {**alert_note.data, "template": "x"})


def test_reminder_names_the_personal_data_at_stake_once_known(
    incidents: Incidents, clock: ManualClock, renderer: Renderer
) -> None:
    inc = incidents.open("Payment details exported", by="carol").incident
    incidents.update_facts(inc.id, {"data.categories": ["contact", "financial"]}, by="carol")
    clock.advance(timedelta(hours=24, minutes=1))
    [queued] = send_due_reminders(incidents.store, clock)
    rec = incidents.store.get_record(outbox.KIND, queued)
    assert rec is not None
    m = renderer.render(rec.id, rec.data)
    assert "Personal data:" in m.text
    assert "financial" in m.text
