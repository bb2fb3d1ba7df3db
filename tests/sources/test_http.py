"""The http source against a real local HTTP server: paging, cursors, retries, auth."""

from __future__ import annotations

import itertools
import json
import logging
import socket
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from pytest_httpserver import HTTPServer
from werkzeug import Request, Response

from sentinel.config import HttpSourceConfig
from sentinel.events import parse_timestamp
from sentinel.sources.base import RawRecord, SourceError
from sentinel.sources.http import HttpReader
from tests.conftest import ManualClock

T0 = datetime(2026, 3, 10, 11, 0, tzinfo=UTC)
TOKEN = "s3cr3t-partner-token"


def rec(n: int, minute: int, **extra: Any) -> dict[str, Any]:
    """An access-log record as a partner's API sends it."""
    ts = (T0 + timedelta(minutes=minute)).isoformat().replace("+00:00", "Z")
    return {"id": f"r{n}", "@timestamp": ts, "user": f"u{n}", "action": "read", **extra}


@dataclass
class PartnerApi:
    """A JSON API of access logs: oldest first, ``since`` inclusive, paged by offset.

    ``paging`` says how the next page is announced: a ``next_cursor``, or a ``next``
    link that is relative to the query, relative to the host, or absolute.
    """

    records: list[dict[str, Any]]
    paging: str = "cursor"
    base: str = ""

    def __call__(self, request: Request) -> Response:
        limit = int(request.args.get("limit", 500))
        if "cursor" in request.args:
            start = int(request.args["cursor"])
        else:
            since = request.args.get("since")
            start = next(
                (
                    i
                    for i, r in enumerate(self.records)
                    if since is None or parse_timestamp(r["@timestamp"]) >= parse_timestamp(since)
                ),
                len(self.records),
            )
        end = min(start + limit, len(self.records))
        body: dict[str, Any] = {"data": self.records[start:end]}
        if end < len(self.records):
            query = f"cursor={end}&limit={limit}"
            if self.paging == "cursor":
                body["next_cursor"] = str(end)
            elif self.paging == "query":
                body["next"] = f"?{query}"
            elif self.paging == "path":
                body["next"] = f"/v1/access?{query}"
            else:
                body["next"] = f"{self.base}/v1/access?{query}"
        return Response(json.dumps(body), content_type="application/json")


@dataclass
class Sleeps:
    """The injected sleep: records each pause and moves the clock by it, without waiting."""

    clock: ManualClock
    calls: list[float] = field(default_factory=list)

    def __call__(self, seconds: float) -> None:
        self.calls.append(seconds)
        self.clock.advance(seconds=seconds)


@pytest.fixture
def sleeps(clock: ManualClock) -> Sleeps:
    return Sleeps(clock)


def config(server: HTTPServer, **kwargs: Any) -> HttpSourceConfig:
    return HttpSourceConfig(name="partner", url=server.url_for("/v1/access"), **kwargs)


def serve(server: HTTPServer, records: list[dict[str, Any]], paging: str = "cursor") -> PartnerApi:
    api = PartnerApi(records, paging, server.url_for("").rstrip("/"))
    server.expect_request("/v1/access").respond_with_handler(api)
    return api


def reader(
    cfg: HttpSourceConfig, cursor: dict[str, Any] | None, clock: ManualClock, sleeps: Sleeps
) -> HttpReader:
    return HttpReader(cfg, cursor, clock=clock, sleep=sleeps)


def pull(
    cfg: HttpSourceConfig,
    cursor: dict[str, Any] | None,
    clock: ManualClock,
    sleeps: Sleeps,
    limit: int | None = None,
) -> tuple[list[RawRecord], dict[str, Any]]:
    """Records of one pull (the first ``limit`` when the run is cut off), and the saved cursor."""
    r = reader(cfg, cursor, clock, sleeps)
    got = list(itertools.islice(r.records(), limit))
    return got, json.loads(json.dumps(r.cursor()))


def ids(records: list[RawRecord]) -> list[str]:
    return [r.data["id"] for r in records if isinstance(r.data, dict)]


def requests_seen(server: HTTPServer) -> list[Request]:
    return [request for request, _ in server.log]


def test_pages_by_next_cursor(httpserver: HTTPServer, clock: ManualClock, sleeps: Sleeps) -> None:
    records = [rec(n, n) for n in range(1, 6)]
    serve(httpserver, records)
    cfg = config(httpserver, page_size=2)
    r = reader(cfg, None, clock, sleeps)

    got = list(r.records())

    assert [g.data for g in got] == records
    assert [g.position for g in got] == [f"id:r{n}" for n in range(1, 6)]
    base = httpserver.url_for("/v1/access")
    assert [g.label for g in got][:3] == [
        f"{base} page 1 item 1",
        f"{base} page 1 item 2",
        f"{base} page 2 item 1",
    ]
    assert {g.stream for g in got} == {"partner"}
    assert {g.reference_time for g in got} == {None}
    assert r.progress() == (5, None)
    sent = [dict(q.args) for q in requests_seen(httpserver)]
    assert sent == [
        {"limit": "2"},
        {"cursor": "2", "limit": "2"},
        {"cursor": "4", "limit": "2"},
    ]
    assert r.cursor() == {"since": "2026-03-10T11:05:00Z", "ids": ["r5"]}


@pytest.mark.parametrize("paging", ["query", "path", "absolute"])
def test_pages_by_next_link(
    httpserver: HTTPServer, clock: ManualClock, sleeps: Sleeps, paging: str
) -> None:
    records = [rec(n, n) for n in range(1, 8)]
    serve(httpserver, records, paging)

    got, _ = pull(config(httpserver, page_size=3), None, clock, sleeps)

    assert ids(got) == [f"r{n}" for n in range(1, 8)]
    assert [q.query_string.decode() for q in requests_seen(httpserver)] == [
        "limit=3",
        "cursor=3&limit=3",
        "cursor=6&limit=3",
    ]


def test_empty_page_ends_the_pull(
    httpserver: HTTPServer, clock: ManualClock, sleeps: Sleeps
) -> None:
    httpserver.expect_request("/v1/access").respond_with_json({"data": [], "next_cursor": "more"})

    got, _ = pull(config(httpserver), None, clock, sleeps)

    assert got == []
    assert len(httpserver.log) == 1


def test_a_next_cursor_repeated_forever_is_an_error(
    httpserver: HTTPServer, clock: ManualClock, sleeps: Sleeps
) -> None:
    httpserver.expect_request("/v1/access").respond_with_json(
        {"data": [rec(1, 1)], "next_cursor": "same"}
    )

    with pytest.raises(SourceError, match="same next page again"):
        pull(config(httpserver), None, clock, sleeps)

    assert len(httpserver.log) == 2


def test_records_sharing_the_boundary_time_come_once_and_none_is_lost(
    httpserver: HTTPServer, clock: ManualClock, sleeps: Sleeps
) -> None:
    api = serve(httpserver, [rec(1, 1), rec(2, 2), rec(3, 2)])
    cfg = config(httpserver)

    first, cursor = pull(cfg, None, clock, sleeps)
    assert ids(first) == ["r1", "r2", "r3"]
    assert cursor == {"since": "2026-03-10T11:02:00Z", "ids": ["r2", "r3"]}

    api.records += [rec(4, 2), rec(5, 3)]
    second, cursor = pull(cfg, cursor, clock, sleeps)
    assert ids(second) == ["r4", "r5"]
    assert requests_seen(httpserver)[1].args["since"] == "2026-03-10T11:02:00Z"
    assert cursor == {"since": "2026-03-10T11:03:00Z", "ids": ["r5"]}

    third, after = pull(cfg, cursor, clock, sleeps)
    assert third == []
    assert after == cursor


def test_a_run_cut_off_mid_pagination_resumes_from_its_cursor(
    httpserver: HTTPServer, clock: ManualClock, sleeps: Sleeps
) -> None:
    records = [rec(1, 1), rec(2, 2), rec(3, 3), rec(4, 3), rec(5, 3), rec(6, 4), rec(7, 5)]
    serve(httpserver, records)
    cfg = config(httpserver, page_size=2)

    head, cursor = pull(cfg, None, clock, sleeps, limit=4)
    assert ids(head) == ["r1", "r2", "r3", "r4"]
    assert cursor == {"since": "2026-03-10T11:03:00Z", "ids": ["r3", "r4"]}

    rest, _ = pull(cfg, cursor, clock, sleeps)
    assert ids(rest) == ["r5", "r6", "r7"]


@settings(
    max_examples=40,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)
@given(
    minutes=st.lists(st.integers(0, 4), min_size=1, max_size=12),
    page_size=st.integers(1, 5),
    cuts=st.lists(st.integers(0, 6), min_size=1, max_size=6),
)
def test_every_record_is_read_exactly_once_however_pulls_are_cut(
    httpserver: HTTPServer,
    clock: ManualClock,
    minutes: list[int],
    page_size: int,
    cuts: list[int],
) -> None:
    httpserver.clear()
    records = [rec(n, m) for n, m in enumerate(sorted(minutes))]
    serve(httpserver, records)
    cfg = config(httpserver, page_size=page_size)
    cursor: dict[str, Any] | None = None
    got: list[str] = []
    for cut in [*cuts, None]:
        part, cursor = pull(cfg, cursor, clock, Sleeps(clock), limit=cut)
        got += ids(part)

    assert got == [r["id"] for r in records]


@pytest.mark.parametrize(
    ("retry_after", "expected"),
    [("7", 7.0), ("Tue, 10 Mar 2026 12:00:30 GMT", 30.0), ("100000", 300.0)],
)
def test_429_waits_as_long_as_retry_after_says(
    httpserver: HTTPServer,
    clock: ManualClock,
    sleeps: Sleeps,
    retry_after: str,
    expected: float,
) -> None:
    httpserver.expect_oneshot_request("/v1/access").respond_with_data(
        "slow down", status=429, headers={"Retry-After": retry_after}
    )
    serve(httpserver, [rec(1, 1), rec(2, 2)])

    got, _ = pull(config(httpserver), None, clock, sleeps)

    assert sleeps.calls == [expected]
    assert ids(got) == ["r1", "r2"]


def test_503_honours_retry_after_and_500_backs_off(
    httpserver: HTTPServer, clock: ManualClock, sleeps: Sleeps
) -> None:
    httpserver.expect_oneshot_request("/v1/access").respond_with_data(
        "maintenance", status=503, headers={"Retry-After": "12"}
    )
    httpserver.expect_oneshot_request("/v1/access").respond_with_data(
        "oops", status=500, headers={"Retry-After": "99"}
    )
    serve(httpserver, [rec(1, 1)])

    got, _ = pull(config(httpserver), None, clock, sleeps)

    assert sleeps.calls == [12.0, 2.0]
    assert ids(got) == ["r1"]


def test_500_then_success(httpserver: HTTPServer, clock: ManualClock, sleeps: Sleeps) -> None:
    httpserver.expect_oneshot_request("/v1/access").respond_with_data("oops", status=500)
    serve(httpserver, [rec(1, 1), rec(2, 2)])

    got, _ = pull(config(httpserver), None, clock, sleeps)

    assert sleeps.calls == [1.0]
    assert ids(got) == ["r1", "r2"]


def test_retries_exhausted_is_a_source_error(
    httpserver: HTTPServer, clock: ManualClock, sleeps: Sleeps
) -> None:
    httpserver.expect_request("/v1/access").respond_with_data("bad gateway", status=502)

    with pytest.raises(SourceError) as caught:
        pull(config(httpserver, max_retries=7), None, clock, sleeps)

    assert sleeps.calls == [1, 2, 4, 8, 16, 32, 60]
    assert len(httpserver.log) == 8
    message = str(caught.value)
    assert "502 BAD GATEWAY" in message
    assert httpserver.url_for("/v1/access") in message
    assert "limit=" not in message


def test_401_names_the_token_setting_at_once(
    httpserver: HTTPServer, clock: ManualClock, sleeps: Sleeps
) -> None:
    httpserver.expect_request("/v1/access").respond_with_data("no", status=401)
    cfg = config(httpserver, auth={"token": TOKEN})

    with pytest.raises(SourceError, match=r"401 .*sources\.partner\.auth\.token"):
        pull(cfg, None, clock, sleeps)

    assert sleeps.calls == []
    assert len(httpserver.log) == 1


def test_auth_header_is_sent_and_the_token_is_never_shown(
    httpserver: HTTPServer,
    clock: ManualClock,
    sleeps: Sleeps,
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.DEBUG)
    serve(httpserver, [rec(1, 1), rec(2, 2)])
    cfg = config(httpserver, auth={"token": TOKEN}, page_size=1, max_retries=1)
    r = reader(cfg, None, clock, sleeps)

    assert ids(list(r.records())) == ["r1", "r2"]
    assert {q.headers.get("Authorization") for q in requests_seen(httpserver)} == {
        f"Bearer {TOKEN}"
    }

    httpserver.clear()
    httpserver.expect_request("/v1/access").respond_with_data("down", status=500)
    with pytest.raises(SourceError) as caught:
        pull(cfg, None, clock, sleeps)

    ours = [m.getMessage() for m in caplog.records if m.name == "sentinel.sources.http"]
    assert any(m.startswith("GET http://localhost:") and "-> 200 in" in m for m in ours)
    assert any("500 INTERNAL SERVER ERROR; retry 1 of 1" in m for m in ours)
    assert not any("?" in m for m in ours)
    for shown in (caplog.text, str(caught.value), repr(caught.value), repr(r), repr(cfg), str(cfg)):
        assert TOKEN not in shown


def test_a_token_a_header_cannot_carry_is_named_without_showing_it(
    httpserver: HTTPServer, clock: ManualClock, sleeps: Sleeps
) -> None:
    cfg = config(httpserver, auth={"token": f"{TOKEN}\n"})

    with pytest.raises(SourceError, match=r"sources\.partner\.auth") as caught:
        pull(cfg, None, clock, sleeps)

    assert TOKEN not in str(caught.value)
    assert httpserver.log == []


def test_custom_auth_header_without_scheme(
    httpserver: HTTPServer, clock: ManualClock, sleeps: Sleeps
) -> None:
    serve(httpserver, [rec(1, 1)])
    cfg = config(httpserver, auth={"header": "X-Api-Key", "scheme": "", "token": TOKEN})

    pull(cfg, None, clock, sleeps)

    assert requests_seen(httpserver)[0].headers.get("X-Api-Key") == TOKEN


@pytest.fixture
def elsewhere() -> Iterator[HTTPServer]:
    """A second server: another origin, which must never see the token."""
    server = HTTPServer(host="localhost", port=0)
    server.start()
    yield server
    server.clear()
    server.stop()


def test_a_redirect_to_another_origin_does_not_carry_the_token(
    httpserver: HTTPServer, elsewhere: HTTPServer, clock: ManualClock, sleeps: Sleeps
) -> None:
    httpserver.expect_request("/v1/access").respond_with_data(
        "", status=302, headers={"Location": elsewhere.url_for("/mirror")}
    )
    elsewhere.expect_request("/mirror").respond_with_json({"data": [rec(1, 1)]})
    cfg = config(httpserver, auth={"header": "X-Api-Key", "scheme": "", "token": TOKEN})

    got, _ = pull(cfg, None, clock, sleeps)

    assert ids(got) == ["r1"]
    assert requests_seen(httpserver)[0].headers.get("X-Api-Key") == TOKEN
    assert requests_seen(elsewhere)[0].headers.get("X-Api-Key") is None


def test_a_body_that_is_not_json_is_a_source_error(
    httpserver: HTTPServer, clock: ManualClock, sleeps: Sleeps
) -> None:
    httpserver.expect_request("/v1/access").respond_with_data(
        "<html>login</html>", content_type="text/html"
    )

    with pytest.raises(SourceError, match=r"not JSON \(text/html"):
        pull(config(httpserver), None, clock, sleeps)


def test_a_body_without_the_records_key_names_it(
    httpserver: HTTPServer, clock: ManualClock, sleeps: Sleeps
) -> None:
    httpserver.expect_request("/v1/access").respond_with_json({"items": [rec(1, 1)]})

    with pytest.raises(SourceError, match=r"'data'.*sources\.partner\.records_key"):
        pull(config(httpserver), None, clock, sleeps)


def test_connection_refused_is_retried_then_a_source_error(
    clock: ManualClock, sleeps: Sleeps
) -> None:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    cfg = HttpSourceConfig(name="partner", url=f"http://127.0.0.1:{port}/v1/access", max_retries=2)

    with pytest.raises(SourceError, match=rf"127\.0\.0\.1:{port}/v1/access: Connection refused"):
        pull(cfg, None, clock, sleeps)

    assert sleeps.calls == [1.0, 2.0]


def test_a_server_that_does_not_answer_in_time(
    httpserver: HTTPServer, clock: ManualClock, sleeps: Sleeps
) -> None:
    release = threading.Event()

    def stuck(request: Request) -> Response:
        release.wait(5)
        return Response(json.dumps({"data": []}), content_type="application/json")

    httpserver.expect_request("/v1/access").respond_with_handler(stuck)
    try:
        with pytest.raises(SourceError, match=r"no answer within 0\.05s \(after 2 attempts\)"):
            pull(config(httpserver, timeout="50ms", max_retries=1), None, clock, sleeps)
    finally:
        release.set()

    assert sleeps.calls == [1.0]


def test_a_record_without_a_timestamp_is_yielded_but_does_not_move_the_cursor(
    httpserver: HTTPServer, clock: ManualClock, sleeps: Sleeps
) -> None:
    undated = {"id": "r2", "@timestamp": "yesterday-ish", "user": "u2"}
    serve(httpserver, [rec(1, 1), undated])

    got, cursor = pull(config(httpserver), None, clock, sleeps)

    assert ids(got) == ["r1", "r2"]
    assert cursor == {"since": "2026-03-10T11:01:00Z", "ids": ["r1"]}


def test_records_without_an_id_are_known_by_their_content(
    httpserver: HTTPServer, clock: ManualClock, sleeps: Sleeps
) -> None:
    records = [{"@timestamp": "2026-03-10T11:01:00Z", "user": u} for u in ("a", "b")]
    api = serve(httpserver, records)
    cfg = config(httpserver, id_field=None)

    first, cursor = pull(cfg, None, clock, sleeps)
    api.records.append({"@timestamp": "2026-03-10T11:01:00Z", "user": "c"})
    second, _ = pull(cfg, cursor, clock, sleeps)

    assert [r.data["user"] for r in first + second] == ["a", "b", "c"]
    assert all(r.position.startswith("sha256:") for r in first + second)
    assert len({r.position for r in first + second}) == 3


def test_a_cursor_of_another_kind_is_a_clear_error(
    httpserver: HTTPServer, clock: ManualClock, sleeps: Sleeps
) -> None:
    file_cursor = {"files": [{"path": "/var/log/x", "head_len": 1, "head_hash": "h", "offset": 3}]}
    r = reader(config(httpserver), file_cursor, clock, sleeps)

    with pytest.raises(SourceError, match="delete this source's checkpoint"):
        list(r.records())

    assert r.cursor() == file_cursor
    assert httpserver.log == []
