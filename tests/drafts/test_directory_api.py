"""The member directory as an HTTP API, against a real local server: ids asked, pages, retries."""

from __future__ import annotations

import csv
import json
import logging
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import orjson
import pytest
from pydantic import SecretStr
from pytest_httpserver import HTTPServer
from typer.testing import CliRunner
from werkzeug import Request, Response

from sentinel.cli import drafts as drafts_cli
from sentinel.config import Settings, SettingsError, load_settings
from sentinel.drafts.directory_api import DirectoryApi, DirectoryError, directory_source
from sentinel.drafts.service import DraftService
from sentinel.incidents.service import Incidents
from tests.conftest import ManualClock
from tests.drafts.conftest import full_facts

TOKEN = "dir-t0ken-9f2c"

DIRECTORY: dict[str, dict[str, Any]] = {
    "M001": {"member_id": "M001", "name": "Anna de Boer", "email": "anna@example.nl",
             "language": "nl", "partner_name": "Garage Jansen"},
    "M002": {"member_id": "M002", "name": "Ben Smith", "email": "ben@example.com",
             "language": "EN", "partner_name": "Garage Jansen"},
    "M003": {"member_id": "M003", "name": "Chris Peeters", "email": "chris@example.be",
             "language": None, "partner_name": None, "tier": "gold"},
    "M004": {"member_id": "M004", "name": "Dirk Visser", "email": "", "language": "nl"},
    "M777": {"member_id": "M777", "name": "Not Affected", "email": "x@example.nl"},
}  # fmt: skip


@dataclass
class DirectoryServer:
    """The directory API as docs/drafts.md describes it: ``id`` repeated, pages of ``members``.

    ``paging`` is "link" (a ``next`` link carrying the ids) or "cursor" (``next_cursor``).
    """

    members: dict[str, dict[str, Any]]
    page_size: int = 1
    paging: str = "link"
    asked: list[list[str]] = field(default_factory=list)

    def __call__(self, request: Request) -> Response:
        ids = request.args.getlist("id")
        start = int(request.args.get("cursor") or request.args.get("offset") or 0)
        if start == 0:
            self.asked.append(ids)
        found = [self.members[i] for i in ids if i in self.members]
        body: dict[str, Any] = {"members": found[start : start + self.page_size]}
        end = start + self.page_size
        if end < len(found):
            if self.paging == "cursor":
                body["next_cursor"] = end
            else:
                body["next"] = "?" + "&".join([*(f"id={i}" for i in ids), f"offset={end}"])
        return Response(json.dumps(body), content_type="application/json")


@dataclass
class Sleeps:
    clock: ManualClock
    calls: list[float] = field(default_factory=list)

    def __call__(self, seconds: float) -> None:
        self.calls.append(seconds)
        self.clock.advance(seconds=seconds)


@pytest.fixture
def sleeps(clock: ManualClock) -> Sleeps:
    return Sleeps(clock)


def api(server: HTTPServer, clock: ManualClock, sleeps: Sleeps, **kwargs: Any) -> DirectoryApi:
    kwargs.setdefault("chunk", 2)
    return DirectoryApi(server.url_for("/v1/members"), clock, sleep=sleeps, **kwargs)


def serve(server: HTTPServer, paging: str = "link") -> DirectoryServer:
    handler = DirectoryServer(DIRECTORY, paging=paging)
    server.expect_request("/v1/members").respond_with_handler(handler)
    return handler


@pytest.mark.parametrize("paging", ["link", "cursor"])
def test_only_the_members_in_the_evidence_are_asked_for_chunk_by_chunk_page_by_page(
    drafts: DraftService,
    incidents: Incidents,
    insider_incident: str,
    httpserver: HTTPServer,
    clock: ManualClock,
    sleeps: Sleeps,
    paging: str,
) -> None:
    handler = serve(httpserver, paging)
    incidents.update_facts(insider_incident, full_facts(), by="frank")
    directory = api(httpserver, clock, sleeps, token=SecretStr(TOKEN))
    with drafts.affected(insider_incident, directory=directory) as members:
        rows = {r.member_id: r for r in members.recipients()}
        assert members.missing_from_directory() == 1
        made = drafts.member_letters(insider_incident, members, by="fenna")

    # M001-M005 in the evidence, two ids a request; M777 and M900 are never asked about.
    assert handler.asked == [["M001", "M002"], ["M003", "M004"], ["M005"]]
    seen = [request for request, _ in httpserver.log]
    assert len(seen) == 5  # one member a page: two pages for each full chunk
    assert {r.headers.get("Authorization") for r in seen} == {f"Bearer {TOKEN}"}
    assert {r.headers.get("Accept") for r in seen} == {"application/json"}
    assert (rows["M001"].name, rows["M001"].email, rows["M001"].language) == (
        "Anna de Boer",
        "anna@example.nl",
        "nl",
    )
    assert rows["M002"].language == "en"  # the case of the language code does not matter
    assert rows["M003"].language == "nl"  # null: the default language
    assert rows["M004"].status == "no_email"
    assert rows["M005"].status == "missing_from_directory"
    assert ("P01-contact+vehicle", "en") in made  # Ben reads English
    assert "Uw gegevens zijn bij ons vastgelegd via Garage Jansen." in (
        made[("P01-contact+vehicle", "nl")].draft.content
    )
    assert sleeps.calls == []


def test_a_500_is_retried_with_backoff_and_a_429_waits_as_long_as_retry_after_says(
    drafts: DraftService,
    insider_incident: str,
    httpserver: HTTPServer,
    clock: ManualClock,
    sleeps: Sleeps,
) -> None:
    httpserver.expect_oneshot_request("/v1/members").respond_with_data("oops", status=500)
    httpserver.expect_oneshot_request("/v1/members").respond_with_data(
        "slow down", status=429, headers={"Retry-After": "7"}
    )
    serve(httpserver)

    with drafts.affected(
        insider_incident, directory=api(httpserver, clock, sleeps, chunk=10)
    ) as members:
        assert members.missing_from_directory() == 1

    assert sleeps.calls == [1.0, 7.0]  # the backoff's first step, then what the server asked


def test_a_directory_that_keeps_failing_is_refused_naming_the_url_without_its_query(
    drafts: DraftService,
    insider_incident: str,
    httpserver: HTTPServer,
    clock: ManualClock,
    sleeps: Sleeps,
) -> None:
    httpserver.expect_request("/v1/members").respond_with_data("bad gateway", status=502)

    with pytest.raises(DirectoryError) as caught:
        drafts.affected(insider_incident, directory=api(httpserver, clock, sleeps, max_retries=3))

    assert sleeps.calls == [1.0, 2.0, 4.0]
    message = str(caught.value)
    assert f"GET {httpserver.url_for('/v1/members')}: 502 BAD GATEWAY (after 4 attempts)" in message
    assert "M001" not in message  # the query, which names members, is not shown


@pytest.mark.parametrize(
    ("record", "reason"),
    [
        ({"name": "No Id"}, r"not a member record \(member_id: Field required\)"),
        ({"member_id": ["M003"]}, r"not a member record \(member_id: Input should be"),
    ],
)
def test_a_malformed_record_is_refused_with_its_page_and_item(
    drafts: DraftService,
    insider_incident: str,
    httpserver: HTTPServer,
    clock: ManualClock,
    sleeps: Sleeps,
    record: dict[str, Any],
    reason: str,
) -> None:
    members = {**DIRECTORY, "M003": record}
    serve_members = DirectoryServer(members)

    def handler(request: Request) -> Response:
        if request.args.getlist("id") == ["M003", "M004"] and "offset" not in request.args:
            return Response(json.dumps({"members": [record]}), content_type="application/json")
        return serve_members(request)

    httpserver.expect_request("/v1/members").respond_with_handler(handler)

    with pytest.raises(DirectoryError, match=reason) as caught:
        drafts.affected(insider_incident, directory=api(httpserver, clock, sleeps))

    # Pages 1 and 2 answered M001 and M002; the bad record is the first item of page 3.
    assert str(caught.value).startswith(f"GET {httpserver.url_for('/v1/members')} page 3 item 1: ")


@pytest.mark.parametrize(
    ("record", "member", "reason"),
    [
        (
            {"member_id": "M003", "language": "fr"},
            "M003",
            "language 'fr' for member M003 is not nl",
        ),
        ({"member_id": "M001"}, "M001", "member M001 is listed twice; neither record is used"),
        ({"member_id": " "}, "", "empty member_id"),
        ({"member_id": "M003", "email": "chris@"}, "M003", "email 'chris@' of member M003 is not"),
    ],
)
def test_an_unusable_record_is_reported_with_its_page_and_item(
    drafts: DraftService,
    insider_incident: str,
    httpserver: HTTPServer,
    clock: ManualClock,
    sleeps: Sleeps,
    record: dict[str, Any],
    member: str,
    reason: str,
) -> None:
    serve_members = DirectoryServer({**DIRECTORY, "M003": record})

    def handler(request: Request) -> Response:
        if request.args.getlist("id") == ["M003", "M004"] and "offset" not in request.args:
            return Response(json.dumps({"members": [record]}), content_type="application/json")
        return serve_members(request)

    httpserver.expect_request("/v1/members").respond_with_handler(handler)

    with drafts.affected(insider_incident, directory=api(httpserver, clock, sleeps)) as members:
        [problem] = members.problems()
        statuses = {r.member_id: r.status for r in members.recipients()}

    # Pages 1 and 2 answered M001 and M002; the bad record is the first item of page 3.
    assert problem.where == f"GET {httpserver.url_for('/v1/members')} page 3 item 1"
    assert (problem.member_id, problem.reason[: len(reason)]) == (member, reason)
    if member:
        assert statuses[member] == "directory_problem"
    assert statuses["M002"] == "ok"


def test_a_body_that_is_not_a_page_of_members_is_refused(
    drafts: DraftService,
    insider_incident: str,
    httpserver: HTTPServer,
    clock: ManualClock,
    sleeps: Sleeps,
) -> None:
    httpserver.expect_request("/v1/members").respond_with_json({"data": []})
    with pytest.raises(DirectoryError, match=r"no list of members under 'members'"):
        drafts.affected(insider_incident, directory=api(httpserver, clock, sleeps))

    httpserver.clear()
    httpserver.expect_request("/v1/members").respond_with_data(
        "<html>login</html>", content_type="text/html"
    )
    with pytest.raises(DirectoryError, match=r"not JSON \(text/html"):
        drafts.affected(insider_incident, directory=api(httpserver, clock, sleeps))


def test_a_refused_token_names_the_setting_and_the_token_is_never_shown(
    drafts: DraftService,
    insider_incident: str,
    httpserver: HTTPServer,
    clock: ManualClock,
    sleeps: Sleeps,
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.DEBUG)
    httpserver.expect_request("/v1/members").respond_with_data("no", status=401)
    directory = api(httpserver, clock, sleeps, token=SecretStr(TOKEN))

    with pytest.raises(DirectoryError, match=r"401 UNAUTHORIZED; check the setting member_") as e:
        drafts.affected(insider_incident, directory=directory)

    assert sleeps.calls == [] and len(httpserver.log) == 1
    for shown in (caplog.text, str(e.value), repr(directory)):
        assert TOKEN not in shown


def test_an_incident_without_evidence_asks_the_directory_nothing(
    drafts: DraftService,
    blank_incident: str,
    httpserver: HTTPServer,
    clock: ManualClock,
    sleeps: Sleeps,
) -> None:
    with drafts.affected(blank_incident, directory=api(httpserver, clock, sleeps)) as members:
        assert members.count() == 0 and members.directory_loaded
    assert httpserver.log == []


# settings ---------------------------------------------------------------------------------


@pytest.fixture
def isolated(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.chdir(tmp_path)
    for name in [n for n in os.environ if n.startswith("SENTINEL_")]:
        monkeypatch.delenv(name)
    return tmp_path


def test_member_directory_is_a_csv_path_or_an_http_url_with_its_token_and_timeout(
    isolated: Path, clock: ManualClock
) -> None:
    config = isolated / "sentinel.toml"
    config.write_text('member_directory = "var/members.csv"\n')
    settings = load_settings(config)
    assert settings.member_directory == Path("var/members.csv")
    assert directory_source(settings.member_directory, settings, clock) == Path("var/members.csv")

    config.write_text(
        'member_directory = "https://crm.example/v1/members"\n'
        f'member_directory_token = "{TOKEN}"\nmember_directory_timeout = "5s"\n'
    )
    settings = load_settings(config)
    directory = directory_source(settings.member_directory, settings, clock)
    assert isinstance(directory, DirectoryApi)
    assert directory.url == "https://crm.example/v1/members"
    assert directory.timeout.total_seconds() == 5
    assert directory.token is not None and directory.token.get_secret_value() == TOKEN
    assert TOKEN not in repr(settings) and TOKEN not in repr(directory)

    config.write_text(f'member_directory = "members.csv"\nmember_directory_token = "{TOKEN}"\n')
    with pytest.raises(SettingsError, match="member_directory_token is only sent to a member"):
        load_settings(config)
    assert Settings().member_directory is None


# the command ------------------------------------------------------------------------------


@pytest.mark.parametrize("store", ["sqlite"], indirect=True)  # the command opens the file itself
def test_drafts_members_reads_the_directory_api_named_in_the_settings(
    insider_incident: str,
    httpserver: HTTPServer,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    serve(httpserver)
    monkeypatch.chdir(tmp_path)
    for name in [n for n in os.environ if n.startswith("SENTINEL_")]:
        monkeypatch.delenv(name)
    monkeypatch.setenv("SENTINEL_MEMBER_DIRECTORY", httpserver.url_for("/v1/members"))
    monkeypatch.setenv("SENTINEL_MEMBER_DIRECTORY_TOKEN", TOKEN)
    recipients = tmp_path / "recipients.csv"
    result = CliRunner().invoke(
        drafts_cli.app,
        [
            "members",
            insider_incident,
            "--recipients",
            str(recipients),
            "--json",
            "--store",
            f"sqlite:///{tmp_path / 'sentinel.db'}",
        ],
        env={"USER": "fenna"},
    )
    assert result.exit_code == 0, result.output
    assert orjson.loads(result.stdout)["missing_from_directory"] == 1
    rows = {r["member_id"]: r for r in csv.DictReader(recipients.open(encoding="utf-8"))}
    assert rows["M002"]["email"] == "ben@example.com" and rows["M002"]["language"] == "en"
    assert TOKEN not in result.output
    assert {r.headers.get("Authorization") for r, _ in httpserver.log} == {f"Bearer {TOKEN}"}
