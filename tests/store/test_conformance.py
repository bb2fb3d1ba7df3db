"""One suite for every Store: the SQLite file and Elasticsearch must behave the same.

Each test runs against both stores with the same assertions; a behaviour that
differs between them fails here. The Elasticsearch half runs on osmem-server
(or the cluster named by SENTINEL_TEST_ELASTICSEARCH_URL, see es_server.py).
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from sentinel.events import Event, event_id
from sentinel.store import ConflictError, DeadLetter, Store, StoreError
from sentinel.store.base import Between, Holds
from sentinel.store.query import (
    Aggregation,
    AggRow,
    And,
    EventQuery,
    Filter,
    GroupSpan,
    Match,
    Not,
    Or,
    Windows,
)
from sentinel.store.sqlite import SQLiteStore

T0 = datetime(2026, 3, 10, 10, 0, tzinfo=UTC)


@pytest.fixture(params=["sqlite", "elasticsearch"])
def store(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Store]:
    if request.param == "elasticsearch":
        yield request.getfixturevalue("es_store")
        return
    sqlite = SQLiteStore(f"sqlite:///{tmp_path / 'sentinel.db'}")
    sqlite.init()
    yield sqlite
    sqlite.close()


def ev(name: str, at: datetime, source: str = "app", **fields: Any) -> Event:
    return Event(id=event_id(source, name), timestamp=at, source=source, fields=fields)


def minutes(n: float) -> datetime:
    return T0 + timedelta(minutes=n)


SAMPLE = {
    "e1": ev(
        "e1",
        minutes(0),
        **{
            "user.name": "j.devries",
            "event.action": "member_view",
            "source.ip": "10.1.2.3",
            "http.response.status_code": 200,
            "user.roles": ["support", "staff"],
            "url.path": "/members/123",
            "sentinel.member.id": "M1",
            "message": "Login OK for j.devries",
        },
    ),
    "e2": ev(
        "e2",
        minutes(1),
        **{
            "user.name": "A.Jansen",
            "event.action": "member_export",
            "source.ip": "192.168.5.9",
            "http.response.status_code": 500,
            "user.roles": ["admin"],
            "url.path": "/export/all",
            "sentinel.member.id": "M2",
            "sentinel.records": 1500,
            "sentinel.local.business_hours": False,
        },
    ),
    "e3": ev(
        "e3",
        minutes(2),
        **{
            "user.name": "p.bakker",
            "event.action": "member_view",
            "source.ip": "10.200.0.1",
            "http.response.status_code": 404,
            "user.roles": ["support"],
            "url.path": "/members/999?x",
            "sentinel.member.id": "M1",
            "sentinel.local.business_hours": True,
        },
    ),
    "e4": ev(
        "e4",
        minutes(3),
        source="sshd",
        **{
            "event.action": "ssh_login",
            "source.ip": "2001:db8::1",
            "process.pid": 42,
            "message": "Accepted password for root",
        },
    ),
    "e5": ev(
        "e5",
        minutes(4),
        **{
            "user.name": "j.devries",
            "event.action": "member_view",
            "source.ip": "10.1.2.3",
            "http.response.status_code": 200,
            "url.path": "/members/124",
            "labels.ticket": "T-1",
        },
    ),
}
BY_ID = {e.id: name for name, e in SAMPLE.items()}

FILTERS: list[tuple[str, Filter | None, set[str]]] = [
    ("everything", None, {"e1", "e2", "e3", "e4", "e5"}),
    ("eq ignores case", Match("user.name", "eq", "J.DEVRIES"), {"e1", "e5"}),
    ("cased eq", Match("user.name", "eq", "J.DEVRIES", cased=True), set()),
    ("cased eq exact", Match("user.name", "eq", "j.devries", cased=True), {"e1", "e5"}),
    ("eq None is missing", Match("user.name", "eq", None), {"e4"}),
    ("not matches missing", Not(Match("user.name", "eq", "j.devries")), {"e2", "e3", "e4"}),
    ("wildcard", Match("url.path", "wildcard", "/members/*"), {"e1", "e3", "e5"}),
    ("wildcard ? ignores case", Match("url.path", "wildcard", "/MEMBERS/12?"), {"e1", "e5"}),
    ("escaped wildcard", Match("url.path", "wildcard", r"*\?x"), {"e3"}),
    ("contains", Match("message", "contains", "PASSWORD"), {"e4"}),
    ("contains a literal ?", Match("url.path", "contains", "?x"), {"e3"}),
    ("startswith", Match("user.name", "startswith", "a."), {"e2"}),
    ("startswith on an ip", Match("source.ip", "startswith", "10."), {"e1", "e3", "e5"}),
    ("endswith", Match("url.path", "endswith", "/ALL"), {"e2"}),
    ("anchored regex", Match("user.name", "regex", r"^[jp]\.\w+$"), {"e1", "e3", "e5"}),
    ("regex at the end", Match("url.path", "regex", r"/\d{3}$"), {"e1", "e5"}),
    ("unanchored regex", Match("url.path", "regex", "xport"), {"e2"}),
    ("cased regex", Match("user.name", "regex", "^a\\.", cased=True), set()),
    ("cidr v4", Match("source.ip", "cidr", "10.0.0.0/8"), {"e1", "e3", "e5"}),
    ("cidr v6", Match("source.ip", "cidr", "2001:db8::/32"), {"e4"}),
    ("eq ip", Match("source.ip", "eq", "10.1.2.3"), {"e1", "e5"}),
    ("gt", Match("http.response.status_code", "gt", 200), {"e2", "e3"}),
    ("gte", Match("http.response.status_code", "gte", 200), {"e1", "e2", "e3", "e5"}),
    ("lt", Match("http.response.status_code", "lt", 300), {"e1", "e5"}),
    ("exists", Match("user.name", "exists", True), {"e1", "e2", "e3", "e5"}),
    ("not exists", Match("user.name", "exists", False), {"e4"}),
    ("list any element", Match("user.roles", "eq", "ADMIN"), {"e2"}),
    ("list none", Not(Match("user.roles", "eq", "support")), {"e2", "e4", "e5"}),
    ("list wildcard", Match("user.roles", "wildcard", "st*"), {"e1"}),
    (
        "or",
        Or((Match("event.action", "eq", "member_export"), Match("process.pid", "eq", 42))),
        {"e2", "e4"},
    ),
    (
        "and",
        And(
            (
                Match("event.action", "eq", "member_view"),
                Match("http.response.status_code", "gte", 300),
            )
        ),
        {"e3"},
    ),
    ("empty and", And(()), {"e1", "e2", "e3", "e4", "e5"}),
    ("empty or", Or(()), set()),
    ("boolean", Match("sentinel.local.business_hours", "eq", False), {"e2"}),
    ("number", Match("sentinel.records", "eq", 1500), {"e2"}),
    ("source-specific field", Match("labels.ticket", "eq", "t-1"), {"e5"}),
    ("timestamp", Match("@timestamp", "gte", minutes(3)), {"e4", "e5"}),
    ("dataset", Match("event.dataset", "eq", "sshd"), {"e4"}),
]


def names(events: list[Event]) -> list[str]:
    return [BY_ID[e.id] for e in events]


@pytest.fixture
def sample(store: Store) -> Store:
    result = store.write_events(list(SAMPLE.values()))
    assert (result.stored, result.duplicates, result.rejected) == (5, 0, [])
    return store


# schema ----------------------------------------------------------------------
def test_init_is_safe_to_repeat_and_check_finds_nothing(store: Store) -> None:
    store.init()
    assert store.check() == []


# writing ---------------------------------------------------------------------
def test_rewriting_events_stores_nothing_twice(store: Store) -> None:
    events = list(SAMPLE.values())
    assert store.write_events(events[:3]).stored == 3

    again = store.write_events(events)

    assert (again.stored, again.duplicates) == (2, 3)
    assert store.count_events(EventQuery()) == 5


def test_the_same_event_twice_in_one_batch_is_one_duplicate(store: Store) -> None:
    e = SAMPLE["e1"]
    result = store.write_events([e, e, SAMPLE["e2"]])
    assert (result.stored, result.duplicates) == (2, 1)


def test_an_empty_batch_writes_nothing(store: Store) -> None:
    assert store.write_events([]).stored == 0


def test_events_read_back_as_written(sample: Store) -> None:
    page = sample.search_events(EventQuery(), limit=10, ascending=True)
    assert page.events == list(SAMPLE.values())
    assert page.next is None


# searching -------------------------------------------------------------------
@pytest.mark.parametrize(("label", "flt", "expected"), FILTERS, ids=[f[0] for f in FILTERS])
def test_filters_select_the_same_events(
    sample: Store, label: str, flt: Filter | None, expected: set[str]
) -> None:
    query = EventQuery(filter=flt)
    assert set(names(sample.search_events(query, limit=10).events)) == expected
    assert sample.count_events(query) == len(expected)


def test_the_window_includes_its_start_and_excludes_its_end(sample: Store) -> None:
    query = EventQuery(start=minutes(1), end=minutes(3))
    assert names(sample.search_events(query, ascending=True).events) == ["e2", "e3"]
    assert sample.count_events(query) == 2


def test_newest_first_unless_asked_otherwise(sample: Store) -> None:
    assert names(sample.search_events(EventQuery()).events) == ["e5", "e4", "e3", "e2", "e1"]


@pytest.mark.parametrize("ascending", [True, False])
def test_paging_returns_every_event_once_in_order(store: Store, ascending: bool) -> None:
    # five events at each of five instants, so pages split runs of equal timestamps
    events = [ev(f"p{i}-{j}", minutes(i)) for i in range(5) for j in range(5)]
    store.write_events(events)
    seen: list[Event] = []
    after = None
    pages = 0
    while True:
        page = store.search_events(EventQuery(), limit=4, after=after, ascending=ascending)
        seen += page.events
        pages += 1
        if page.next is None:
            break
        after = page.next
    assert pages == 7
    assert sorted(e.id for e in seen) == sorted(e.id for e in events)
    stamps = [e.timestamp for e in seen]
    assert stamps == sorted(stamps, reverse=not ascending)


def test_a_full_last_page_has_no_next(sample: Store) -> None:
    assert sample.search_events(EventQuery(), limit=5).next is None
    assert sample.search_events(EventQuery(), limit=4).next is not None


def test_a_foreign_cursor_is_refused(sample: Store) -> None:
    with pytest.raises(StoreError):
        sample.search_events(EventQuery(), after="bm90IGEgY3Vyc29y")


# aggregating -----------------------------------------------------------------
def rows_by_key(rows: Iterator[AggRow]) -> dict[tuple[Any, ...], AggRow]:
    out = {}
    for row in rows:
        key = (*row.key, row.bucket) if row.bucket is not None else row.key
        assert key not in out
        out[key] = row
    return out


def test_group_by_counts_with_first_and_last_and_a_missing_group(sample: Store) -> None:
    rows = rows_by_key(sample.aggregate(EventQuery(), Aggregation(group_by=("user.name",))))
    assert {k: r.count for k, r in rows.items()} == {
        ("j.devries",): 2,
        ("A.Jansen",): 1,
        ("p.bakker",): 1,
        (None,): 1,
    }
    assert (rows[("j.devries",)].first, rows[("j.devries",)].last) == (minutes(0), minutes(4))
    assert all(r.distinct is None and r.bucket is None for r in rows.values())


def test_group_by_two_fields(sample: Store) -> None:
    rows = rows_by_key(
        sample.aggregate(
            EventQuery(filter=Match("event.action", "eq", "member_view")),
            Aggregation(group_by=("event.action", "source.ip")),
        )
    )
    assert {k: r.count for k, r in rows.items()} == {
        ("member_view", "10.1.2.3"): 2,
        ("member_view", "10.200.0.1"): 1,
    }


def test_distinct_counts_and_thresholds(sample: Store) -> None:
    agg = Aggregation(group_by=("event.action",), distinct="user.name")
    rows = rows_by_key(sample.aggregate(EventQuery(), agg))
    assert {k: (r.count, r.distinct, r.approximate) for k, r in rows.items()} == {
        ("member_view",): (3, 2, False),
        ("member_export",): (1, 1, False),
        ("ssh_login",): (1, 0, False),
    }
    at_least_two = Aggregation(group_by=("event.action",), min_count=2)
    assert set(rows_by_key(sample.aggregate(EventQuery(), at_least_two))) == {("member_view",)}
    two_users = Aggregation(group_by=("event.action",), distinct="user.name", min_distinct=2)
    assert set(rows_by_key(sample.aggregate(EventQuery(), two_users))) == {("member_view",)}


def test_without_groups_one_row_for_everything_and_none_for_nothing(sample: Store) -> None:
    (row,) = sample.aggregate(EventQuery(), Aggregation(distinct="source.ip"))
    assert (row.key, row.count, row.first, row.last, row.distinct) == (
        (),
        5,
        minutes(0),
        minutes(4),
        4,
    )
    nothing = EventQuery(filter=Match("user.name", "eq", "nobody"))
    assert list(sample.aggregate(nothing, Aggregation())) == []
    assert list(sample.aggregate(nothing, Aggregation(group_by=("user.name",)))) == []


def test_groups_and_distinct_counts_keep_spellings_apart_while_matching_ignores_case(
    store: Store,
) -> None:
    """Both stores group by exact value (Elasticsearch keywords); Sigma matching is caseless."""
    store.write_events(
        [
            ev("c1", minutes(0), **{"user.name": "JDoe", "source.ip": "10.0.0.1"}),
            ev("c2", minutes(1), **{"user.name": "jdoe", "source.ip": "10.0.0.1"}),
        ]
    )
    rows = list(store.aggregate(EventQuery(), Aggregation(group_by=("user.name",))))
    assert sorted((r.key, r.count) for r in rows) == [(("JDoe",), 1), (("jdoe",), 1)]
    (by_ip,) = store.aggregate(
        EventQuery(), Aggregation(group_by=("source.ip",), distinct="user.name")
    )
    assert by_ip.distinct == 2
    assert store.count_events(EventQuery(filter=Match("user.name", "eq", "JDOE"))) == 2


def test_buckets_start_at_the_offset(sample: Store) -> None:
    agg = Aggregation(
        group_by=("event.dataset",), bucket=timedelta(minutes=10), offset=timedelta(minutes=3)
    )
    rows = rows_by_key(sample.aggregate(EventQuery(), agg))
    assert {k: r.count for k, r in rows.items()} == {
        ("app", minutes(-7)): 3,
        ("app", minutes(3)): 1,
        ("sshd", minutes(3)): 1,
    }
    assert rows[("app", minutes(-7))].last == minutes(2)


def test_offsets_wrap_around_the_bucket_size(sample: Store) -> None:
    hour = timedelta(hours=1)
    plain = rows_by_key(sample.aggregate(EventQuery(), Aggregation(bucket=hour)))
    wrapped = rows_by_key(sample.aggregate(EventQuery(), Aggregation(bucket=hour, offset=hour)))
    assert {k: r.count for k, r in plain.items()} == {(T0,): 5}
    assert {k: r.count for k, r in wrapped.items()} == {(T0,): 5}


# dense windows and event times -------------------------------------------------
def test_dense_windows_come_from_both_grids_and_hold_the_minimum(store: Store) -> None:
    # T0 is a multiple of 20 minutes: even windows start at T0, odd ones at T0 - 10 min
    at = [minutes(m) for m in (8, 9, 11, 12, 31)]
    store.write_events(
        [ev(f"d{i}", t, **{"user.name": "JDoe"}) for i, t in enumerate(at)]
        + [ev("o1", minutes(9), **{"user.name": "jdoe"})]
    )
    query = EventQuery(start=minutes(-10), end=minutes(60))
    windows = Windows(("user.name",), timedelta(minutes=10), minimum=4)
    rows = rows_by_key(store.dense_windows(query, windows))
    # 8, 9 | 11, 12 on the odd grid; all four in the even window from T0; "jdoe" apart
    assert {k: (r.count, r.first, r.last) for k, r in rows.items()} == {
        ("JDoe", T0): (4, minutes(8), minutes(12)),
    }
    # a window starting before the query's start is not reported, even if it holds enough
    later = rows_by_key(store.dense_windows(EventQuery(start=minutes(10)), windows))
    assert later == {}


def test_dense_windows_of_the_groups_a_filter_names_in_any_case(store: Store) -> None:
    for i, user in enumerate(["JDoe", "jdoe", "a.b+c(d)*", "p.bakker"]):
        store.write_events([ev(f"f{i}", minutes(i), **{"user.name": user})])
    windows = Windows(("user.name",), timedelta(minutes=10))
    query = EventQuery(
        Or((Match("user.name", "eq", "jDOE"), Match("user.name", "eq", "A.B+C(D)*"))),
        start=minutes(-10),
        end=minutes(60),
    )
    named = {r.key[0] for r in store.dense_windows(query, windows)}
    assert named == {"JDoe", "jdoe", "a.b+c(d)*"}
    cased = EventQuery(Match("user.name", "eq", "jdoe", cased=True), minutes(-10), minutes(60))
    assert {r.key[0] for r in store.dense_windows(cased, windows)} == {"jdoe"}


def test_dense_windows_count_distinct_values(store: Store) -> None:
    users = ["a", "b", "a", "c", "a"]
    store.write_events(
        [
            ev(f"v{i}", minutes(2 * i), **{"source.ip": "10.0.0.1", "user.name": u})
            for i, u in enumerate(users)
        ]
    )
    span = timedelta(minutes=10)
    three = Windows(("source.ip",), span, minimum=3, distinct="user.name")
    four = Windows(("source.ip",), span, minimum=4, distinct="user.name")
    query = EventQuery(start=minutes(-10), end=minutes(60))
    rows = rows_by_key(store.dense_windows(query, three))
    assert {k: (r.count, r.distinct) for k, r in rows.items()} == {
        ("10.0.0.1", T0): (5, 3),
        ("10.0.0.1", minutes(-10)): (5, 3),
    }
    assert list(store.dense_windows(query, four)) == []


def test_event_times_of_groups_within_their_spans_by_exact_spelling(store: Store) -> None:
    store.write_events(
        [
            ev("t1", minutes(1), **{"user.name": "JDoe", "sentinel.member.id": "M1"}),
            ev("t2", minutes(2), **{"user.name": "jdoe", "sentinel.member.id": "M2"}),
            ev("t3", minutes(3), **{"user.name": "JDoe"}),
            ev("t4", minutes(30), **{"user.name": "JDoe", "sentinel.member.id": "M4"}),
            ev("t5", minutes(4), **{"user.name": "p.bakker", "sentinel.member.id": "M5"}),
            ev("t6", minutes(5), **{"user.name": "p.bakker", "event.action": "login"}),
        ]
    )
    spans = [
        GroupSpan(("JDoe",), T0, minutes(10)),
        GroupSpan(("p.bakker",), minutes(4), minutes(40)),
    ]
    query = EventQuery(filter=Not(Match("event.action", "eq", "login")))
    got = sorted(
        (t.key, t.at, t.value)
        for t in store.event_times(query, ("user.name",), spans, "sentinel.member.id")
    )
    assert got == [
        (("JDoe",), minutes(1), "M1"),
        (("JDoe",), minutes(3), None),
        (("p.bakker",), minutes(4), "M5"),
    ]


def test_event_times_of_many_spans_given_in_any_order_and_within_the_query(
    store: Store,
) -> None:
    """More spans than one statement or search takes, far apart and out of order:
    each span's events and no others, and none outside the query's own range."""
    users = [f"u{i}" for i in range(600)]
    store.write_events(
        [
            ev(f"e{i}-{k}", minutes(i * 10 + k), **{"user.name": user})
            for i, user in enumerate(users)
            for k in (1, 2, 8)
        ]
    )
    spans = [
        GroupSpan((user,), minutes(i * 10), minutes(i * 10 + 5)) for i, user in enumerate(users)
    ]
    spans.reverse()
    query = EventQuery(start=minutes(2), end=minutes(5990))
    got = sorted((t.key[0], t.at) for t in store.event_times(query, ("user.name",), spans))
    within = [(user, minutes(i * 10 + k)) for i, user in enumerate(users) for k in (1, 2)]
    assert got == sorted(e for e in within if minutes(2) <= e[1] < minutes(5990))
    assert len(got) == 2 * 600 - 3  # u0's first event and u599's two are outside the query


# first seen ------------------------------------------------------------------
def test_first_seen_reports_combinations_new_to_the_history(store: Store) -> None:
    def view(name: str, at: datetime, user: str, ip: str, action: str = "member_view") -> Event:
        return ev(name, at, **{"user.name": user, "source.ip": ip, "event.action": action})

    store.write_events(
        [
            view("h1", T0 - timedelta(days=2), "j.devries", "10.1.2.3"),
            view("h2", T0 - timedelta(days=3), "J.DEVRIES", "10.9.9.9"),
            view("h3", T0 - timedelta(days=60), "p.bakker", "10.1.2.3"),
            view("h4", T0 - timedelta(days=1), "a.jansen", "10.5.5.5", action="login"),
            view("w1", minutes(1), "j.devries", "10.1.2.3"),
            view("w2", minutes(2), "j.devries", "10.9.9.9"),
            view("w3", minutes(3), "p.bakker", "10.1.2.3"),
            view("w4", minutes(5), "p.bakker", "10.1.2.3"),
            view("w5", minutes(6), "a.jansen", "10.5.5.5"),
        ]
    )
    query = EventQuery(
        filter=Match("event.action", "eq", "member_view"), start=T0, end=T0 + timedelta(hours=1)
    )
    rows = rows_by_key(store.first_seen(query, ("user.name", "source.ip"), T0 - timedelta(days=30)))
    assert {k: (r.count, r.first) for k, r in rows.items()} == {
        ("p.bakker", "10.1.2.3"): (2, minutes(3)),
        ("a.jansen", "10.5.5.5"): (1, minutes(6)),
    }


def test_first_seen_of_text_fields_ignores_how_the_history_spelled_them(store: Store) -> None:
    def login(name: str, at: datetime, user: str, country: str) -> Event:
        fields = {
            "user.name": user,
            "event.action": "login",
            "source.geo.country_iso_code": country,
        }
        return ev(name, at, **fields)

    store.write_events(
        [
            login("h1", T0 - timedelta(days=2), "J.DEVRIES", "nl"),
            login("h2", T0 - timedelta(days=1), "p.bakker", "DE"),
            login("h3", T0 - timedelta(days=1), "a(b)*", "BE"),
            login("w1", minutes(1), "j.devries", "NL"),
            login("w2", minutes(2), "p.bakker", "NL"),
            login("w3", minutes(3), "A(B)*", "be"),
            login("w4", minutes(4), "x.new", "NL"),
        ]
    )
    query = EventQuery(Match("event.action", "eq", "login"), T0, T0 + timedelta(hours=1))
    fields = ("user.name", "source.geo.country_iso_code")
    rows = store.first_seen(query, fields, T0 - timedelta(days=30))
    assert sorted(r.key for r in rows) == [("p.bakker", "NL"), ("x.new", "NL")]


def test_first_seen_needs_a_window(store: Store) -> None:
    with pytest.raises(StoreError):
        list(store.first_seen(EventQuery(start=T0), ("user.name",), T0 - timedelta(days=1)))


def test_newest_event_of_each_source(store: Store) -> None:
    assert store.newest_per_source() == {}
    store.write_events(
        [
            ev("a1", minutes(5), "app"),
            ev("a2", minutes(50), "app"),
            ev("a3", minutes(20), "app"),
            ev("s1", minutes(-90), "sshd"),
            ev("w1", minutes(7), "web"),
        ]
    )

    assert store.newest_per_source() == {
        "app": minutes(50),
        "sshd": minutes(-90),
        "web": minutes(7),
    }


# dead letters ----------------------------------------------------------------
def letter(n: int, source: str, minute: int) -> DeadLetter:
    return DeadLetter(
        id=f"d{n}",
        source=source,
        position=f"access.log:{n * 100}",
        reason="no timestamp",
        raw='{"user": "x"} ' + "é" * n,
        received=minutes(minute),
    )


def test_dead_letters_are_kept_once_listed_newest_first_and_counted(store: Store) -> None:
    letters = [letter(1, "app", 1), letter(2, "app", 3), letter(3, "sshd", 2)]
    assert store.write_dead_letters(letters) == 3
    assert store.write_dead_letters(letters) == 0
    assert store.write_dead_letters([]) == 0

    assert store.dead_letters() == [letters[1], letters[2], letters[0]]
    assert store.dead_letters(source="app") == [letters[1], letters[0]]
    assert store.dead_letters(limit=1) == [letters[1]]
    assert store.count_dead_letters() == {"app": 2, "sshd": 1}


# records ---------------------------------------------------------------------
def test_records_are_created_once_and_read_back(store: Store) -> None:
    data = {"title": "Export by P03", "facts": {"people": 120, "categories": ["contact"]}}
    created = store.create_record("incident", "INC-1", data)
    assert created.data == data

    got = store.get_record("incident", "INC-1")
    assert got is not None
    assert (got.kind, got.id, got.data, got.version) == ("incident", "INC-1", data, created.version)
    with pytest.raises(ConflictError, match="already exists"):
        store.create_record("incident", "INC-1", {"title": "another"})
    assert store.get_record("incident", "INC-2") is None
    assert store.get_record("alert", "INC-1") is None


def test_a_stale_update_fails_instead_of_overwriting(store: Store) -> None:
    first = store.create_record("alert", "a1", {"status": "open"})
    mine = store.update_record("alert", "a1", {"status": "acknowledged"}, first.version)
    assert mine.version != first.version

    with pytest.raises(ConflictError, match="changed by someone else"):
        store.update_record("alert", "a1", {"status": "closed"}, first.version)
    current = store.get_record("alert", "a1")
    assert current is not None
    assert (current.data, current.version) == ({"status": "acknowledged"}, mine.version)
    with pytest.raises(ConflictError, match="does not exist"):
        store.update_record("alert", "nope", {"status": "x"}, first.version)


def test_put_writes_without_a_version_and_gives_one(store: Store) -> None:
    first = store.put_record("checkpoint", "app", {"cursor": {"offset": 1}})
    second = store.put_record("checkpoint", "app", {"cursor": {"offset": 2}})
    assert second.version != first.version
    third = store.update_record("checkpoint", "app", {"cursor": {"offset": 3}}, second.version)
    got = store.get_record("checkpoint", "app")
    assert got is not None
    assert (got.data, got.version) == ({"cursor": {"offset": 3}}, third.version)


def test_delete_says_whether_there_was_a_record(store: Store) -> None:
    store.create_record("alert", "a1", {})
    assert store.delete_record("alert", "a1") is True
    assert store.delete_record("alert", "a1") is False
    assert store.get_record("alert", "a1") is None
    assert store.find_records("alert") == []


def test_find_records_by_equal_top_level_values(store: Store) -> None:
    store.create_record("alert", "a1", {"rule": "r1", "open": True, "score": 3, "owner": None})
    store.create_record("alert", "a2", {"rule": "r1", "open": False, "score": 3.0})
    store.create_record("alert", "a3", {"rule": "R1", "open": True, "score": 7, "owner": "kim"})
    store.create_record("incident", "a4", {"rule": "r1"})

    def ids(where: dict[str, Any]) -> list[str]:
        return [r.id for r in store.find_records("alert", where)]

    assert ids({}) == ["a1", "a2", "a3"]
    assert ids({"rule": "r1"}) == ["a1", "a2"]
    assert ids({"rule": "r1", "open": True}) == ["a1"]
    assert ids({"score": 3}) == ["a1", "a2"]
    assert ids({"owner": None}) == ["a1", "a2"]
    assert ids({"owner": "kim", "open": 1}) == ["a3"]
    assert [r.version for r in store.find_records("alert", {"rule": "R1"})] == [
        store.get_record("alert", "a3").version  # type: ignore[union-attr]
    ]


def test_find_records_orders_like_json_values(store: Store) -> None:
    values = {"r1": "b", "r2": 10, "r3": None, "r4": 2, "r5": "a", "r6": 2, "r7": True}
    for rid, value in values.items():
        store.create_record("task", rid, {} if rid == "r6" else {"rank": value})
    store.create_record("task", "r8", {"rank": 2})
    ascending = [r.id for r in store.find_records("task", order_by="rank")]
    assert ascending == ["r3", "r6", "r7", "r4", "r8", "r2", "r5", "r1"]
    descending = [r.id for r in store.find_records("task", order_by="rank", descending=True)]
    assert descending == list(reversed(ascending))
    assert [r.id for r in store.find_records("task", order_by="rank", limit=2)] == ["r3", "r6"]


@pytest.mark.parametrize("descending", [False, True])
def test_find_records_pages_an_ordered_list_by_its_last_value_and_id(
    store: Store, descending: bool
) -> None:
    values = {"r1": "b", "r2": 10, "r3": None, "r4": 2, "r5": "a", "r6": 2, "r7": True}
    for rid, value in values.items():
        store.create_record("task", rid, {} if rid == "r6" else {"rank": value})
    for rid in ("r8", "r9"):
        store.create_record("task", rid, {"rank": 2})
    store.create_record("task", "r0", {"rank": None})
    whole = [r.id for r in store.find_records("task", order_by="rank", descending=descending)]
    for size in (1, 2, 3):
        pages: list[str] = []
        after: tuple[Any, str] | None = None
        while page := store.find_records(
            "task", order_by="rank", descending=descending, limit=size, after=after
        ):
            pages += [r.id for r in page]
            after = (page[-1].data.get("rank"), page[-1].id)
        assert pages == whole, size


def test_find_records_refuses_a_bare_id_to_page_an_ordered_list(store: Store) -> None:
    with pytest.raises(StoreError, match=r"\(value, id\)"):
        store.find_records("task", order_by="rank", after="r1")


def test_find_records_pages_by_id(store: Store) -> None:
    for n in range(7):
        store.create_record("audit", f"{n:04d}", {"n": n})
    pages, after = [], None
    while page := store.find_records("audit", limit=3, after=after):
        pages.append([r.id for r in page])
        after = page[-1].id
    assert pages == [["0000", "0001", "0002"], ["0003", "0004", "0005"], ["0006"]]
    newest = store.find_records("audit", descending=True, limit=2, after="0005")
    assert [r.id for r in newest] == ["0004", "0003"]


def test_find_records_holding_items_of_a_list(store: Store) -> None:
    store.create_record("alert", "a1", {"terms": ["user=kim", "ip=10.0.0.1"], "n": 1})
    store.create_record("alert", "a2", {"terms": ["user=kim", "ip=10.0.0.2", 7, None]})
    store.create_record("alert", "a3", {"terms": ["user=Kim"], "tags": ["user=kim"]})
    store.create_record("alert", "a4", {"terms": "user=kim"})
    store.put_record("alert", "a5", {"terms": ["user=bo", "user=bo"]})
    store.create_record("incident", "i1", {"terms": ["user=kim"]})

    def ids(where: dict[str, Any]) -> list[str]:
        return [r.id for r in store.find_records("alert", where)]

    assert ids({"terms": Holds("user=kim")}) == ["a1", "a2"]
    assert ids({"terms": Holds("user=kim", "ip=10.0.0.2")}) == ["a2"]
    assert ids({"terms": Holds("user=kim", "ip=10.0.0.3")}) == []
    assert ids({"terms": Holds("user=kim"), "n": 1}) == ["a1"]
    # a list is neither equal to one of its items nor missing
    assert ids({"terms": "user=kim"}) == ["a4"]
    assert ids({"terms": None}) == []

    a3 = store.find_records("alert", {"tags": Holds("user=kim")})[0]
    store.put_record("alert", "a1", {"terms": ["user=ann", "user=ann"]})
    store.update_record("alert", "a3", {"terms": ["user=kim"]}, a3.version)
    store.delete_record("alert", "a2")
    assert ids({"terms": Holds("user=kim")}) == ["a3"]
    assert ids({"terms": Holds("user=ann")}) == ["a1"]
    assert ids({"terms": Holds("user=bo")}) == ["a5"]
    assert ids({"tags": Holds("user=kim")}) == []
    assert [r.id for r in store.find_records("incident", {"terms": Holds("user=kim")})] == ["i1"]


def test_find_records_in_a_range_of_one_type(store: Store) -> None:
    seen = {
        "a1": "2026-03-29T00:59:59.999Z",
        "a2": "2026-03-29T01:00:00.000Z",
        "a3": "2026-03-29T22:00:00.000Z",
        "a4": 5,
        "a5": None,
        "a6": True,
    }
    for rid, value in seen.items():
        store.create_record("alert", rid, {"seen": value, "rule": "r2" if rid == "a3" else "r1"})

    def ids(where: dict[str, Any]) -> list[str]:
        return [r.id for r in store.find_records("alert", where)]

    day = Between("2026-03-29T01:00:00.000Z", "2026-03-29T22:00:00.000Z")
    assert ids({"seen": day}) == ["a2"]
    assert ids({"seen": Between(low="2026-03-29T01:00:00.000Z")}) == ["a2", "a3"]
    assert ids({"seen": Between(high="2026-03-29T22:00:00.000Z")}) == ["a1", "a2"]
    assert ids({"seen": Between(low="2026", high="2027"), "rule": "r1"}) == ["a1", "a2"]
    assert ids({"seen": Between(1, 6)}) == ["a4", "a6"]
    assert ids({"seen": Between(high=100)}) == ["a4", "a6"]
    newest = store.find_records(
        "alert", {"seen": Between(low="2026")}, order_by="seen", descending=True, limit=2
    )
    assert [r.id for r in newest] == ["a3", "a2"]
    with pytest.raises(StoreError, match="both text or both numbers"):
        Between("2026", 7)
    with pytest.raises(StoreError, match="low or a high"):
        Between()


def test_count_records_per_combination_of_key_values(store: Store) -> None:
    alerts = [
        ("a1", {"rule": "r1", "open": True, "sev": 2, "terms": ["user=kim"]}),
        ("a2", {"rule": "r1", "open": False, "sev": 2.5, "terms": ["user=ann"]}),
        ("a3", {"rule": "r1", "open": True, "terms": ["user=kim"]}),
        ("a4", {"rule": "r2", "open": True, "sev": None, "seen": "2026-03-30"}),
        ("a5", {"open": True, "seen": "2026-03-29"}),
    ]
    for rid, data in alerts:
        store.create_record("alert", rid, data)
    store.create_record("incident", "i1", {"rule": "r1", "open": True})

    def counts(group_by: tuple[str, ...], where: dict[str, Any] | None = None) -> dict[Any, int]:
        found = list(store.count_records("alert", group_by, where))
        assert len(found) == len(dict(found)), "one row per combination"
        return dict(found)

    assert counts(("rule", "open")) == {("r1", 1): 2, ("r1", 0): 1, ("r2", 1): 1, (None, 1): 1}
    assert counts(("sev",)) == {(2,): 1, (2.5,): 1, (None,): 3}
    assert counts(("rule",), {"open": True}) == {("r1",): 2, ("r2",): 1, (None,): 1}
    assert counts(("rule",), {"terms": Holds("user=kim")}) == {("r1",): 2}
    assert counts(("open",), {"seen": Between("2026-03-30", "2026-03-31")}) == {(1,): 1}
    in_march = {"seen": Between("2026-03-01", "2026-04-01")}
    assert counts(("rule", "open"), in_march) == {("r2", 1): 1, (None, 1): 1}
    assert counts((), {"seen": Between("2026-03-29", "2026-03-30")}) == {(): 1}
    assert counts(("rule",), {"seen": Between("2027-01-01")}) == {}
    assert counts(()) == {(): 5}
    assert counts(("rule",), {"rule": "r9"}) == {}
    assert dict(store.count_records("nothing", ("rule",))) == {}


# retention -------------------------------------------------------------------
def test_purge_drops_older_events_and_dead_letters_but_never_records(store: Store) -> None:
    old = [
        ev("jan", datetime(2026, 1, 15, tzinfo=UTC)),
        ev("feb", datetime(2026, 2, 10, tzinfo=UTC)),
        ev("mar-early", datetime(2026, 3, 5, tzinfo=UTC)),
    ]
    kept = ev("mar-late", datetime(2026, 3, 20, tzinfo=UTC))
    store.write_events([*old, kept])
    store.write_dead_letters(
        [
            DeadLetter("d-old", "app", "1", "bad", "x", datetime(2026, 2, 1, tzinfo=UTC)),
            DeadLetter("d-new", "app", "2", "bad", "y", datetime(2026, 3, 15, tzinfo=UTC)),
        ]
    )
    store.create_record("incident", "INC-1", {"opened": "2025-01-01T00:00:00Z"})

    result = store.purge(datetime(2026, 3, 10, tzinfo=UTC))

    assert (result.events, result.dead_letters) == (3, 1)
    assert [e.id for e in store.search_events(EventQuery()).events] == [kept.id]
    assert [d.id for d in store.dead_letters()] == ["d-new"]
    assert store.get_record("incident", "INC-1") is not None
    assert store.purge(datetime(2026, 3, 10, tzinfo=UTC)).events == 0
