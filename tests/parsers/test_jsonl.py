"""JSON lines: nested or dotted ECS, field maps, labels for what rules must not trust."""

from __future__ import annotations

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import orjson
import pytest
from hypothesis import given
from hypothesis import strategies as st

from sentinel.ingest import SOURCE_ID, Pipeline
from sentinel.parsers.base import ParseError
from sentinel.parsers.jsonl import JsonlParser
from tests.parsers.records import make_record

AMS = ZoneInfo("Europe/Amsterdam")

APP_LINE = (
    '{"@timestamp":"2026-11-23T09:14:02.120Z","event":{"action":"member.view",'
    '"outcome":"success"},"service":{"name":"backoffice"},"user":{"name":"j.devries"},'
    '"source":{"ip":"145.97.10.1"},"sentinel":{"member":{"id":"M200145","partner_id":"P03"}},'
    '"url":{"path":"/backoffice/members/M200145"}}'
)


def parse_one(line: str | dict, parser: JsonlParser | None = None) -> dict:
    events = (parser or JsonlParser(AMS)).parse(make_record(line))
    assert len(events) == 1
    return events[0]


@pytest.mark.parametrize(
    ("line", "field_map"),
    [
        # nginx's JSON access log with $time_local
        ('{"time_local":"11/Mar/2026:02:00:01 +0100","remote_addr":"203.0.113.9"}',
         {"time_local": "@timestamp", "remote_addr": "source.ip"}),
        # Caddy's access log: epoch seconds with a fraction, as a number or as text
        ('{"ts":1773190801.25,"request":{"remote_ip":"203.0.113.9"}}',
         {"ts": "@timestamp", "request.remote_ip": "source.ip"}),
        ('{"ts":"1773190801.25","request":{"remote_ip":"203.0.113.9"}}',
         {"ts": "@timestamp", "request.remote_ip": "source.ip"}),
    ],
)  # fmt: skip
def test_web_servers_json_access_logs_give_their_time(line: str, field_map: dict) -> None:
    event = parse_one(line, JsonlParser(AMS, field_map))

    assert event["@timestamp"].replace(microsecond=0) == datetime(2026, 3, 11, 1, 0, 1, tzinfo=UTC)
    assert event["source.ip"] == "203.0.113.9"


def test_nested_ecs_becomes_flat_fields_with_a_utc_timestamp() -> None:
    event = parse_one(APP_LINE)

    assert event == {
        "@timestamp": datetime(2026, 11, 23, 9, 14, 2, 120000, tzinfo=UTC),
        "event.action": "member.view",
        "event.outcome": "success",
        "service.name": "backoffice",
        "user.name": "j.devries",
        "source.ip": "145.97.10.1",
        "sentinel.member.id": "M200145",
        "sentinel.member.partner_id": "P03",
        "url.path": "/backoffice/members/M200145",
    }


def test_dotted_ecs_and_an_already_decoded_object_give_the_same_event() -> None:
    nested = parse_one(APP_LINE)
    dotted = {
        "@timestamp": "2026-11-23T09:14:02.120Z",
        "event.action": "member.view",
        "event.outcome": "success",
        "service.name": "backoffice",
        "user.name": "j.devries",
        "source.ip": "145.97.10.1",
        "sentinel.member.id": "M200145",
        "sentinel.member.partner_id": "P03",
        "url.path": "/backoffice/members/M200145",
    }

    assert parse_one(orjson.dumps(dotted).decode()) == nested
    assert parse_one(orjson.loads(APP_LINE)) == nested


def test_export_records_count_and_lists_are_kept() -> None:
    line = (
        '{"@timestamp":"2026-11-23T10:00:00Z","event":{"action":"member.export"},'
        '"user":{"name":"n.finance","roles":["finance"]},"sentinel":{"records":450}}'
    )

    event = parse_one(line)

    assert event["sentinel.records"] == 450
    assert event["user.roles"] == ["finance"]


def test_fields_rules_do_not_know_go_under_labels() -> None:
    event = parse_one(
        '{"@timestamp":"2026-11-23T10:00:00Z","user":{"name":"a","shoe_size":44},'
        '"tenant":"x","labels":{"env":"prod"}}'
    )

    assert event["user.name"] == "a"
    assert event["labels.user.shoe_size"] == 44
    assert event["labels.tenant"] == "x"
    assert event["labels.env"] == "prod"
    assert "tenant" not in event


def test_a_line_cannot_set_what_sentinel_derives_itself() -> None:
    event = parse_one(
        '{"@timestamp":"2026-11-23T03:00:00Z","user":{"name":"m.jansen"},'
        '"sentinel":{"account":{"inactive":false,"status":"active"},'
        '"local":{"business_hours":true},"data_categories":[]},'
        '"event":{"dataset":"other-source"}}'
    )

    assert event["labels.sentinel.account.inactive"] is False
    assert event["labels.sentinel.account.status"] == "active"
    assert event["labels.sentinel.local.business_hours"] is True
    assert event["labels.sentinel.data_categories"] == []
    assert event["labels.event.dataset"] == "other-source"
    for derived in (
        "sentinel.account.inactive",
        "sentinel.account.status",
        "sentinel.local.business_hours",
        "sentinel.data_categories",
        "event.dataset",
    ):
        assert derived not in event


def test_field_map_renames_source_fields_before_anything_else() -> None:
    parser = JsonlParser(
        AMS, {"time": "@timestamp", "actor.login": "user.name", "op": "event.action"}
    )

    event = parse_one(
        '{"time":"2026-11-23T10:00:00Z","actor":{"login":"k.smit"},"op":"member.view",'
        '"user":{"name":"forged"}}',
        parser,
    )

    assert event["@timestamp"] == datetime(2026, 11, 23, 10, 0, tzinfo=UTC)
    assert event["user.name"] == "k.smit"
    assert event["event.action"] == "member.view"
    assert event["labels.user.name"] == "forged"


def test_a_field_map_onto_an_unknown_field_is_refused_at_start() -> None:
    with pytest.raises(ValueError, match=r"'who' -> 'usr\.name'.*labels\.who"):
        JsonlParser(AMS, {"who": "usr.name"})


def test_the_sources_own_id_is_kept_and_becomes_the_event_id(clock) -> None:
    pipeline = Pipeline(source="app", parser=JsonlParser(AMS), enrich=None, clock=clock)
    line = '{"@timestamp":"2026-11-23T10:00:00Z","event":{"id":"evt-77","action":"login"}}'

    first = pipeline.events(make_record(line, offset=0))
    again = pipeline.events(make_record(line, offset=999))

    assert first[0].fields[SOURCE_ID] == "evt-77"
    assert first[0].id == again[0].id


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("2026-01-15T09:00:00", datetime(2026, 1, 15, 8, 0, tzinfo=UTC)),  # CET, +01:00
        ("2026-07-15T09:00:00", datetime(2026, 7, 15, 7, 0, tzinfo=UTC)),  # CEST, +02:00
        ("2026-07-15T09:00:00+00:00", datetime(2026, 7, 15, 9, 0, tzinfo=UTC)),
        (1784106000, datetime(2026, 7, 15, 9, 0, tzinfo=UTC)),
        (1784106000123, datetime(2026, 7, 15, 9, 0, 0, 123000, tzinfo=UTC)),
        ("1784106000", datetime(2026, 7, 15, 9, 0, tzinfo=UTC)),
    ],
)
def test_timestamps_without_offset_are_read_in_the_source_zone(value, expected) -> None:
    event = parse_one(orjson.dumps({"@timestamp": value}).decode())

    assert event["@timestamp"] == expected


@pytest.mark.parametrize(
    ("line", "reason"),
    [
        ('{"user":{"name":"a"}}', r"^no @timestamp$"),
        ('{"@timestamp":null}', r"^no @timestamp$"),
        ('{"@timestamp":"yesterday"}', r"^bad @timestamp 'yesterday': expected ISO 8601"),
        ('{"@timestamp":true}', r"^bad @timestamp True"),
        ('{"@timestamp":{"ms":5}}', r"^no @timestamp$"),
        ('{"@timestamp":99999999999999999999}', r"^bad @timestamp"),
        ('{"@timestamp":"2026-02-30T10:00:00Z"}', r"^bad @timestamp"),
        ("not json at all", r"^not JSON: "),
        ('{"@timestamp":"2026-11-23T10:00:00Z"', r"^not JSON: "),
        ('["@timestamp"]', r"^not a JSON object but list$"),
        ("42", r"^not a JSON object but int$"),
    ],
)
def test_lines_that_give_no_event_say_why(line: str, reason: str) -> None:
    with pytest.raises(ParseError, match=reason):
        JsonlParser(AMS).parse(make_record(line))


def test_a_missing_mapped_timestamp_names_the_source_field() -> None:
    parser = JsonlParser(AMS, {"time": "@timestamp"})

    with pytest.raises(ParseError, match=r"^no @timestamp \(mapped from time\)$"):
        parser.parse(make_record('{"ts":"2026-11-23T10:00:00Z"}'))


def test_objects_nested_too_deep_are_refused() -> None:
    deep = '{"a":' * 200 + "1" + "}" * 200

    with pytest.raises(ParseError, match="nested more than 32 deep"):
        JsonlParser(AMS).parse(make_record(deep))


def test_a_decoded_object_with_what_the_store_cannot_write_is_refused() -> None:
    with pytest.raises(ParseError, match="not JSON-serialisable: Integer exceeds 64-bit range"):
        JsonlParser(AMS).parse(make_record({"@timestamp": "2026-11-23T10:00:00Z", "n": 2**70}))


def test_a_decoded_object_may_carry_a_datetime() -> None:
    when = datetime(2026, 11, 23, 10, 0, tzinfo=UTC)

    assert parse_one({"@timestamp": when})["@timestamp"] == when


@given(st.text(max_size=300))
def test_any_text_gives_events_or_a_parse_error(text: str) -> None:
    try:
        events = JsonlParser(AMS).parse(make_record(text))
    except ParseError:
        return
    assert all(e["@timestamp"].tzinfo is UTC for e in events)


json_values = st.recursive(
    st.none()
    | st.booleans()
    | st.integers(min_value=-(2**63), max_value=2**64 - 1)
    | st.floats(allow_nan=False)
    | st.text(max_size=20)
    | st.sampled_from(["2026-11-23T10:00:00Z", "2026-11-23 10:00:00", "1784106000"]),
    lambda children: (
        st.lists(children, max_size=3) | st.dictionaries(st.text(max_size=8), children, max_size=3)
    ),
    max_leaves=12,
)
field_names = st.sampled_from(["@timestamp", "user", "name", "event", "sentinel", "a.b"]) | st.text(
    max_size=8
)


@given(st.dictionaries(field_names, json_values, max_size=6))
def test_any_json_object_gives_events_or_a_parse_error(doc: dict) -> None:
    parser = JsonlParser(AMS, {"a.b": "user.name"})
    for data in (orjson.dumps(doc).decode(), doc):
        try:
            events = parser.parse(make_record(data))
        except ParseError:
            continue
        assert [e["@timestamp"].tzinfo for e in events] == [UTC]
        assert all(not isinstance(v, dict) for e in events for v in e.values())
