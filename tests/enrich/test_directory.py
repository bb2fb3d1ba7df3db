"""The account directory: identity, inactive accounts, cross-partner access, reloads."""

from __future__ import annotations

import logging
import os
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from sentinel.enrich.directory import DirectoryFile, DirectoryStep, load_directory
from sentinel.enrich.errors import EnrichmentError
from tests.conftest import ManualClock

AMS = ZoneInfo("Europe/Amsterdam")
HEADER = "account,user_id,display_name,kind,organisation,roles,status,status_since\n"
ROWS = """\
j.devries,U1001,Jan de Vries,staff,staff,backoffice,active,
g.admin2,U1011,Gert Admin,staff,staff,admin;backoffice,active,
m.jansen,U1020,Mark Jansen,staff,staff,backoffice;support,terminated,2026-03-29
s.oud,U1030,Sanne Oud,staff,staff,support,suspended,2026-10-25
r.kort,U1040,Rik Kort,staff,staff,support,terminated,2026-03-02T17:30
p03.anouk,U2001,Anouk (P03),partner,P03,partner-user,active,
api-dealerlink,U3001,DealerLink API,api,P03,api,active,
deploy,,Deploy user,staff,staff,,active,
"""


def write(path: Path, text: str) -> Path:
    path.write_text(text, encoding="utf-8")
    return path


@pytest.fixture
def csv_path(tmp_path: Path) -> Path:
    return write(tmp_path / "directory.csv", HEADER + ROWS)


@pytest.fixture
def step(csv_path: Path, clock: ManualClock) -> DirectoryStep:
    return DirectoryStep(DirectoryFile(csv_path, AMS, clock))


def enrich(step: DirectoryStep, when: datetime, **fields: Any) -> dict[str, Any]:
    doc = {k.replace("__", "."): v for k, v in fields.items()}
    step(doc, when)
    return doc


NOON = datetime(2026, 3, 10, 12, 0, tzinfo=UTC)


def test_a_known_account_gets_its_identity_kind_and_status(step: DirectoryStep) -> None:
    doc = enrich(step, NOON, user__name="j.devries")
    assert doc == {
        "user.name": "j.devries",
        "user.id": "U1001",
        "user.roles": ["backoffice"],
        "organization.id": "staff",
        "sentinel.account.kind": "staff",
        "sentinel.account.status": "active",
        "sentinel.account.inactive": False,
    }


def test_what_the_log_already_says_about_the_actor_is_kept(step: DirectoryStep) -> None:
    doc = enrich(step, NOON, user__name="g.admin2", user__id="X9", user__roles=["ops"])
    assert (doc["user.id"], doc["user.roles"]) == ("X9", ["ops"])
    assert doc["sentinel.account.kind"] == "staff"


def test_unknown_and_missing_accounts(step: DirectoryStep) -> None:
    assert enrich(step, NOON, user__name="root") == {
        "user.name": "root",
        "sentinel.account.kind": "unknown",
    }
    assert enrich(step, NOON, source__ip="10.0.0.1") == {"source.ip": "10.0.0.1"}
    deploy = enrich(step, NOON, user__name="deploy")
    assert "user.id" not in deploy and "user.roles" not in deploy


@pytest.mark.parametrize(
    ("account", "last_active", "first_inactive"),
    [
        # Terminated 29 March 2026, the spring-forward day: midnight there is 23:00 UTC.
        ("m.jansen", datetime(2026, 3, 28, 22, 59, 59), datetime(2026, 3, 28, 23, 0)),
        # Suspended 25 October 2026, the fall-back day: midnight is still CEST, 22:00 UTC.
        ("s.oud", datetime(2026, 10, 24, 21, 59, 59), datetime(2026, 10, 24, 22, 0)),
        # A local time without offset: 17:30 CET is 16:30 UTC.
        ("r.kort", datetime(2026, 3, 2, 16, 29, 59), datetime(2026, 3, 2, 16, 30)),
    ],
)
def test_an_account_is_inactive_only_from_its_local_status_date_on(
    step: DirectoryStep, account: str, last_active: datetime, first_inactive: datetime
) -> None:
    before = enrich(step, last_active.replace(tzinfo=UTC), user__name=account)
    after = enrich(step, first_inactive.replace(tzinfo=UTC), user__name=account)
    assert before["sentinel.account.inactive"] is False
    assert after["sentinel.account.inactive"] is True
    assert before["sentinel.account.status"] == after["sentinel.account.status"] != "active"


def test_a_partner_reading_another_partners_member_is_cross_partner(
    step: DirectoryStep,
) -> None:
    def cross(user: str, **more: Any) -> Any:
        return enrich(step, NOON, user__name=user, **more).get("sentinel.cross_partner")

    assert cross("p03.anouk", sentinel__member__partner_id="P05") is True
    assert cross("p03.anouk", sentinel__member__partner_id="direct") is True
    assert cross("p03.anouk", sentinel__member__partner_id="P03") is False
    assert cross("api-dealerlink", sentinel__member__partner_id="P07") is True
    assert cross("p03.anouk") is None
    assert cross("j.devries", sentinel__member__partner_id="P05") is None
    assert cross("nobody", sentinel__member__partner_id="P05") is None


def test_the_target_of_an_account_change_gets_its_roles(step: DirectoryStep) -> None:
    doc = enrich(
        step,
        NOON,
        event__action="mfa.disable",
        user__name="j.devries",
        sentinel__target__user="g.admin2",
    )
    assert doc["sentinel.target.roles"] == ["admin", "backoffice"]
    unknown = enrich(step, NOON, sentinel__target__user="ghost")
    assert "sentinel.target.roles" not in unknown


def edit(path: Path, text: str, bump: int) -> None:
    """Rewrite the file with a visibly newer modification time."""
    write(path, text)
    st = path.stat()
    os.utime(path, ns=(st.st_atime_ns, st.st_mtime_ns + bump * 1_000_000_000))


def test_an_edited_directory_is_used_after_the_next_check(
    csv_path: Path, clock: ManualClock
) -> None:
    source = DirectoryFile(csv_path, AMS, clock, check_every=timedelta(seconds=30))
    step = DirectoryStep(source)
    left = ROWS.replace(
        "j.devries,U1001,Jan de Vries,staff,staff,backoffice,active,",
        "j.devries,U1001,Jan de Vries,staff,staff,backoffice,terminated,2026-03-10T12:00",
    )
    edit(csv_path, HEADER + left, bump=5)
    clock.advance(seconds=29)
    assert enrich(step, NOON, user__name="j.devries")["sentinel.account.status"] == "active"
    clock.advance(seconds=1)
    doc = enrich(step, NOON, user__name="j.devries")
    assert doc["sentinel.account.status"] == "terminated"
    assert doc["sentinel.account.inactive"] is True


def test_a_broken_edit_keeps_the_previous_directory_and_is_logged_once(
    csv_path: Path, clock: ManualClock, caplog: pytest.LogCaptureFixture
) -> None:
    source = DirectoryFile(csv_path, AMS, clock, check_every=timedelta(seconds=30))
    step = DirectoryStep(source)
    edit(csv_path, HEADER + ROWS + "n.new,U1050,Nina New,staff,staff,support,gone,\n", bump=5)
    with caplog.at_level(logging.ERROR, logger="sentinel.enrich.directory"):
        for _ in range(3):
            clock.advance(seconds=30)
            assert enrich(step, NOON, user__name="j.devries")["user.id"] == "U1001"
    assert len(caplog.records) == 1
    assert f"{csv_path}:10: status 'gone'" in caplog.records[0].getMessage()
    assert enrich(step, NOON, user__name="n.new")["sentinel.account.kind"] == "unknown"

    edit(csv_path, HEADER + ROWS + "n.new,U1050,Nina New,staff,staff,support,active,\n", bump=9)
    clock.advance(seconds=30)
    assert enrich(step, NOON, user__name="n.new")["user.id"] == "U1050"


def test_a_removed_file_keeps_the_previous_directory(
    csv_path: Path, clock: ManualClock, caplog: pytest.LogCaptureFixture
) -> None:
    step = DirectoryStep(DirectoryFile(csv_path, AMS, clock))
    csv_path.unlink()
    with caplog.at_level(logging.ERROR, logger="sentinel.enrich.directory"):
        for _ in range(2):
            clock.advance(minutes=1)
            assert enrich(step, NOON, user__name="j.devries")["user.id"] == "U1001"
    assert len(caplog.records) == 1
    write(csv_path, HEADER + "k.smit,U1003,Kees Smit,staff,staff,backoffice,active,\n")
    clock.advance(minutes=1)
    assert enrich(step, NOON, user__name="k.smit")["user.id"] == "U1003"
    assert enrich(step, NOON, user__name="j.devries")["sentinel.account.kind"] == "unknown"


def test_spaces_and_a_spreadsheet_byte_order_mark_are_fine(tmp_path: Path) -> None:
    path = tmp_path / "d.csv"
    path.write_bytes(
        (
            "\ufeff"
            + HEADER
            + " j.devries , U1001 ,Jan,staff,staff, backoffice ; support ,active,\n"
        ).encode()
    )
    account = load_directory(path, AMS).accounts["j.devries"]
    assert (account.user_id, account.roles) == ("U1001", ("backoffice", "support"))


@pytest.mark.parametrize(
    ("text", "line", "words"),
    [
        (HEADER + "a,U1,A,contractor,staff,,active,\n", 2, "kind 'contractor'"),
        (HEADER + "a,U1,A,staff,staff,,left,\n", 2, "status 'left'"),
        (HEADER + "a,U1,A,staff,staff,,terminated,29-03-2026\n", 2, "not a date"),
        (HEADER + "a,U1,A,staff,staff,,terminated,\n", 2, "needs the date"),
        (
            HEADER + "a,U1,A,staff,staff,,active,\nb,U2,B,staff,staff,,active,\n"
            "a,U3,A2,staff,staff,,active,\n",
            4,
            "already listed on line 2",
        ),
        (
            "account,user_id,kind,organisation,roles,status,status_since\n",
            1,
            "missing column(s) display_name",
        ),
        (HEADER.replace("roles", "roles,email"), 1, "unknown column(s) email"),
        (HEADER + "a,U1,A,staff,staff,,active\n", 2, "fewer fields"),
        (HEADER + "a,U1,A,staff,staff,,active,,x\n", 2, "more fields"),
        (HEADER + "a,U1,A,staff,P03,,active,\n", 2, "a staff account's organisation is staff"),
        (HEADER + "a,U1,A,partner,staff,,active,\n", 2, "names its partner id"),
        (HEADER + ",U1,A,staff,staff,,active,\n", 2, "account is empty"),
        ("", 1, "empty file"),
    ],
)
def test_a_malformed_directory_is_refused_with_file_line_and_reason(
    tmp_path: Path, text: str, line: int, words: str
) -> None:
    path = write(tmp_path / "directory.csv", text)
    with pytest.raises(EnrichmentError) as err:
        load_directory(path, AMS)
    assert (err.value.path, err.value.line) == (str(path), line)
    assert str(err.value).startswith(f"{path}:{line}: ")
    assert words in err.value.reason
