"""The demo log generator: deterministic, well-formed, inside its window, one incident per rule."""

from __future__ import annotations

import csv
import io
import re
import tracemalloc
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import iptocc
import orjson
import pytest
from typer.testing import CliRunner

from sentinel.cli.demo import app as demo_cli
from sentinel.demo import DemoSummary, generate
from sentinel.demo.accounts import (
    ACCOUNTS,
    BY_NAME,
    DIRECTORY_HEADER,
    NIGHTLY,
    directory_rows,
    members,
)
from sentinel.demo.member_directory import write_member_directory
from sentinel.demo.planted import BRAZIL_IP
from sentinel.demo.worktime import WorkTime
from sentinel.detection.loader import load_rules
from sentinel.enrich.data_map import load_data_map
from tests.conftest import ManualClock

REPO = Path(__file__).resolve().parents[1]
AMSTERDAM = ZoneInfo("Europe/Amsterdam")
END = datetime(2026, 11, 25, 12, 0, tzinfo=UTC)
MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")
SSHD_LINE = re.compile(
    r"(?P<mon>[A-Z][a-z]{2}) (?P<day>[ \d]\d) (?P<time>\d\d:\d\d:\d\d) gw-code[12] "
    r"sshd\[\d+\]: \S.*"
)
COMBINED_LINE = re.compile(
    r"(?P<ip>[\d.]+) - - \[(?P<ts>\d\d/[A-Z][a-z]{2}/\d{4}:\d\d:\d\d:\d\d [+-]\d{4})\] "
    r'"(?P<method>[A-Z]+) (?P<target>/\S*) HTTP/1\.1" (?P<status>\d{3}) \d+ "[^"]*" "[^"]*"'
)


@dataclass
class Demo:
    summary: DemoSummary
    app: Path
    sshd: Path
    web: Path


def write_demo(folder: Path, *, end: datetime = END, seed: int = 42, days: int = 7) -> Demo:
    folder.mkdir(parents=True, exist_ok=True)
    app, sshd, web = folder / "access.jsonl", folder / "auth.log", folder / "web.log"
    summary = generate(app, days=days, seed=seed, end=end, sshd_out=sshd, combined_out=web)
    return Demo(summary, app, sshd, web)


@pytest.fixture(scope="module")
def week(tmp_path_factory: pytest.TempPathFactory) -> Demo:
    return write_demo(tmp_path_factory.mktemp("week"))


def app_events(path: Path) -> list[dict]:
    return [orjson.loads(line) for line in path.read_text().splitlines()]


def app_time(doc: dict) -> datetime:
    return datetime.fromisoformat(doc["@timestamp"])


def web_time(line: str) -> datetime:
    m = COMBINED_LINE.fullmatch(line)
    assert m, line
    return datetime.strptime(m["ts"], "%d/%b/%Y:%H:%M:%S %z").astimezone(UTC)


def sshd_time(line: str, year: int) -> datetime:
    """The syslog time read the way the sshd parser does: local, the first of a repeated hour."""
    m = SSHD_LINE.fullmatch(line)
    assert m, line
    hh, mm, ss = map(int, m["time"].split(":"))
    local = datetime(year, MONTHS.index(m["mon"]) + 1, int(m["day"]), hh, mm, ss)
    return local.replace(tzinfo=AMSTERDAM).astimezone(UTC)


# determinism and formats ------------------------------------------------------------


def test_same_seed_and_end_write_identical_files(tmp_path: Path, week: Demo) -> None:
    again = write_demo(tmp_path / "again")
    for first, second in ((week.app, again.app), (week.sshd, again.sshd), (week.web, again.web)):
        assert first.read_bytes() == second.read_bytes(), first.name
    assert (again.summary.planted, again.summary.quiet) == (
        week.summary.planted,
        week.summary.quiet,
    )
    other = write_demo(tmp_path / "other", seed=43)
    assert other.app.read_bytes() != week.app.read_bytes()


def test_application_log_is_ecs_json_the_data_map_knows(week: Demo) -> None:
    actions = set(load_data_map(REPO / "config" / "datamap.yaml").actions)
    events = app_events(week.app)
    assert len(events) == week.summary.events > 20_000
    for doc in events:
        assert doc["event"]["action"] in actions
        assert doc["event"]["outcome"] in ("success", "failure")
        assert doc["service"]["name"] in ("backoffice", "partner-portal", "api")
        assert doc["user"]["name"] and doc["source"]["ip"]
        member = doc.get("sentinel", {}).get("member")
        if member:
            assert re.fullmatch(r"M2\d{5}", member["id"])
            assert re.fullmatch(r"P(0[1-9]|1[0-2])|direct", member["partner_id"])
    exports = [d["sentinel"]["records"] for d in events if d["event"]["action"] == "member.export"]
    assert exports and all(isinstance(n, int) and n > 0 for n in exports)


def test_ssh_and_web_logs_are_syslog_and_combined_lines(week: Demo) -> None:
    ssh = week.sshd.read_text().splitlines()
    web = week.web.read_text().splitlines()
    assert len(ssh) == week.summary.sshd_lines > 1000
    assert len(web) == week.summary.combined_lines > 1000
    assert [line for line in ssh if not SSHD_LINE.fullmatch(line)] == []
    assert [line for line in web if not COMBINED_LINE.fullmatch(line)] == []
    assert any("Accepted publickey for deploy from 145.97.10." in line for line in ssh)
    assert any("Failed password for root from" in line for line in ssh)
    assert any('"GET /portal/members/M2' in line for line in web)


def test_every_line_is_inside_the_window_and_in_time_order(week: Demo) -> None:
    start, end = week.summary.start, week.summary.end
    assert end == END and start == END - timedelta(days=7)
    app = [app_time(d) for d in app_events(week.app)]
    web = [web_time(line) for line in week.web.read_text().splitlines()]
    ssh = [sshd_time(line, END.year) for line in week.sshd.read_text().splitlines()]
    for name, times in (("app", app), ("web", web), ("sshd", ssh)):
        assert times == sorted(times), name
        assert start <= times[0] and times[-1] < end, name


# what is planted ------------------------------------------------------------------------


def test_one_planted_incident_for_each_alerting_rule_of_the_portal_pack(week: Demo) -> None:
    loaded = load_rules([REPO / "rules"])
    assert loaded.errors == []
    alerting = {rule.name for rule in loaded.ruleset.alerting()}
    portal = {r.name for r in loaded.ruleset.alerting() if Path(r.file).parent == REPO / "rules"}
    planted = [p.name for p in week.summary.planted]
    assert len(planted) == len(set(planted))
    # every rule of the portal's pack, and the gateways' SSH rules of the infrastructure pack
    assert portal | {"ssh_bruteforce", "ssh_success_after_failures"} == set(planted)
    assert set(planted) <= alerting


def test_planted_incidents_are_in_the_window_and_leave_the_quiet_accounts_alone(
    week: Demo,
) -> None:
    s = week.summary
    assert len(s.quiet) >= 10
    for p in s.planted:
        assert s.start <= p.start <= p.end < s.end, p.name
        assert p.expect, p.name
        assert p.user not in s.quiet and not set(p.expect.values()) & set(s.quiet), p.name
    involved = {d["user"]["name"] for d in app_events(week.app) if _in_incident(d, s)}
    assert involved and not involved & set(s.quiet)


def _in_incident(doc: dict, s: DemoSummary) -> bool:
    ts, user = app_time(doc), doc["user"]["name"]
    return any(p.start <= ts <= p.end and user == p.user for p in s.planted)


def test_quiet_accounts_work_every_working_day(week: Demo) -> None:
    wt = WorkTime()
    busy: dict[str, set] = {}
    for doc in app_events(week.app):
        busy.setdefault(doc["user"]["name"], set()).add(app_time(doc).astimezone(AMSTERDAM).date())
    workdays = {
        d
        for d in wt.days(week.summary.start, week.summary.end)
        if wt.working(d) and week.summary.start <= wt.hm(d, 8, 0)
    }
    for name in week.summary.quiet:
        assert workdays <= busy[name], name


@pytest.mark.parametrize(
    "end",
    [
        datetime(2026, 3, 31, 12, 0, tzinfo=UTC),  # summer time starts on Sunday 29 March
        datetime(2026, 10, 28, 12, 0, tzinfo=UTC),  # and ends on Sunday 25 October
        datetime(2026, 4, 29, 7, 0, tzinfo=UTC),  # Easter Monday, King's Day
    ],
    ids=["summer-time-starts", "summer-time-ends", "public-holidays"],
)
def test_staff_normal_work_keeps_dutch_office_hours(tmp_path: Path, end: datetime) -> None:
    demo = write_demo(tmp_path, end=end)
    wt = WorkTime()
    staff = {a.name for a in ACCOUNTS if a.kind == "staff" and a is not NIGHTLY}
    outside = []
    seen = 0
    for doc in app_events(demo.app):
        if doc["user"]["name"] not in staff or _in_incident(doc, demo.summary):
            continue
        seen += 1
        if not wt.in_office_hours(app_time(doc)):
            outside.append(f"{doc['user']['name']} {app_time(doc).astimezone(AMSTERDAM)}")
    assert seen > 10_000
    assert outside == []


def test_end_defaults_to_the_start_of_the_current_hour(tmp_path: Path) -> None:
    clock = ManualClock(datetime(2026, 11, 25, 9, 41, 17, tzinfo=UTC))
    summary = generate(tmp_path / "a.jsonl", days=1, clock=clock)
    assert summary.end == datetime(2026, 11, 25, 9, 0, tzinfo=UTC)
    last = app_events(tmp_path / "a.jsonl")[-1]
    assert app_time(last) < summary.end


def test_a_month_is_written_in_the_memory_of_a_few_days(tmp_path: Path) -> None:
    generate(tmp_path / "warm.jsonl", days=1, end=END)  # caches: members, holidays, zones

    def peak(days: int) -> tuple[int, int]:
        tracemalloc.start()
        try:
            summary = generate(tmp_path / f"{days}.jsonl", days=days, end=END)
            return tracemalloc.get_traced_memory()[1], summary.events
        finally:
            tracemalloc.stop()

    few, few_events = peak(2)
    more, more_events = peak(10)
    assert more_events > 4 * few_events
    assert more < 1.5 * few


def test_a_month_plants_every_incident_once(tmp_path: Path) -> None:
    demo = write_demo(tmp_path, days=31)
    assert len(demo.summary.planted) == 18
    events = app_events(demo.app)
    assert app_time(events[-1]) - app_time(events[0]) > timedelta(days=30, hours=23)


# the directory and the addresses ------------------------------------------------------------


def test_directory_csv_lists_the_demo_accounts() -> None:
    text = (REPO / "config" / "directory.csv").read_text(encoding="utf-8")
    rows = list(csv.DictReader(io.StringIO(text)))
    assert tuple(rows[0]) == DIRECTORY_HEADER
    assert rows == directory_rows()
    by_name = {r["account"]: r for r in rows}
    for name in (
        "j.devries",
        "s.visser",
        "k.smit",
        "r.bos",
        "l.mulder",
        "a.dekker",
        "n.finance",
        "b.finance",
        "e.degroot",
        "f.admin",
        "g.admin2",
        "t.hendriks",
        "w.kok",
        "p03.anouk",
        "p05.anouk",
        "api-dealerlink",
        "api-garagenet",
    ):
        assert by_name[name]["status"] == "active", name
    assert by_name["m.jansen"]["status"] == "terminated"
    assert by_name["api-dealerlink"]["organisation"] == "P03"
    assert by_name["f.admin"]["roles"] == "admin;backoffice"


def test_m_jansen_was_terminated_before_the_demo_window(week: Demo) -> None:
    since = BY_NAME["m.jansen"].since
    assert since is not None and since < week.summary.start.astimezone(AMSTERDAM).date()


def test_addresses_are_registered_in_the_countries_the_story_needs() -> None:
    dutch = [ip for a in ACCOUNTS for ip in (a.ip, a.home_ip) if ip and not ip.startswith("10.")]
    assert {ip: iptocc.country_code(ip) for ip in dutch} == dict.fromkeys(dutch, "NL")
    assert iptocc.country_code(BRAZIL_IP) == "BR"


# the command line -------------------------------------------------------------------------------


def test_cli_writes_the_logs_and_lists_planted_incidents_and_quiet_accounts(
    tmp_path: Path,
) -> None:
    out = tmp_path / "demo" / "access.jsonl"
    result = CliRunner().invoke(
        demo_cli,
        [
            "--out", str(out), "--sshd", str(tmp_path / "demo" / "auth.log"),
            "--combined", str(tmp_path / "demo" / "web.log"),
            "--end", "2026-11-25T13:00:00+01:00", "--json",
        ],
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    report = orjson.loads(result.stdout)
    assert report["end"] == "2026-11-25T12:00:00+00:00"
    assert report["events"] == len(out.read_text().splitlines())
    assert len(report["planted"]) == 18
    assert {"user.name": "m.jansen"} in [p["expect"] for p in report["planted"]]
    assert "j.devries" in report["quiet"]


def test_member_directory_names_the_demo_members_for_the_letters(tmp_path: Path) -> None:
    path = tmp_path / "members.csv"
    listed = write_member_directory(path)
    rows = list(csv.DictReader(path.open(encoding="utf-8")))
    assert len(rows) == listed
    known = members().partner
    assert 0 < len(known) - listed < len(known) // 100  # a few left out, as in real life
    assert {r["member_id"] for r in rows} <= set(known)
    assert {r["language"] for r in rows} == {"nl", "en"}
    assert len({r["email"] for r in rows}) == listed
    direct = [r for r in rows if known[r["member_id"]] == "direct"]
    assert direct and all(r["partner_name"] == "" for r in direct)
    write_member_directory(tmp_path / "again.csv")
    assert (tmp_path / "again.csv").read_bytes() == path.read_bytes()
