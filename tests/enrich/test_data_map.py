"""The data map: categories of personal data per action, and URL paths to actions."""

from __future__ import annotations

import textwrap
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
import yaml

from sentinel.detection.loader import OPEN_ACTIONS, Vocabulary, load_rules, rule_files
from sentinel.enrich.data_map import DataMapStep, load_data_map
from sentinel.enrich.errors import EnrichmentError
from sentinel.events import PARSER_ACTIONS

REPO = Path(__file__).resolve().parents[2]
TS = datetime(2026, 11, 23, 9, 14, tzinfo=UTC)
CATEGORIES = "sentinel.data_categories"

MAP = """\
categories: [contact, identity, financial, location, vehicle, credentials]
actions:
  login: {categories: []}
  member.view: {categories: [contact, identity, location]}
  member.update: {categories: [contact, identity, location]}
  member.export: {categories: [contact, identity, location]}
  payment.view: {categories: [financial]}
  vehicle.view: {categories: [vehicle]}
  token.use:
paths:
  - path: '^/portal/members/(?P<member>M\\d+)$'
    method: GET
    action: member.view
  - path: '^/portal/members/(?P<member>M\\d+)/vehicles$'
    action: vehicle.view
  - path: '^/portal/members/export$'
    action: member.export
  - path: '^/portal/login$'
    method: POST
    action: login
"""


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "datamap.yaml"
    path.write_text(textwrap.dedent(text))
    return path


@pytest.fixture
def step(tmp_path: Path) -> DataMapStep:
    return DataMapStep(load_data_map(write(tmp_path, MAP)))


def enrich(step: DataMapStep, **fields: Any) -> dict[str, Any]:
    doc = {k.replace("__", "."): v for k, v in fields.items()}
    step(doc, TS)
    return doc


def web(step: DataMapStep, method: str, path: str, status: int | str) -> dict[str, Any]:
    doc = {"http.request.method": method, "url.path": path, "http.response.status_code": status}
    step(doc, TS)
    return doc


def test_a_member_view_touches_contact_identity_and_location(step: DataMapStep) -> None:
    doc = enrich(
        step,
        event__action="member.view",
        event__outcome="success",
        sentinel__member__id="M200145",
    )
    assert doc[CATEGORIES] == ["contact", "identity", "location"]
    assert doc["sentinel.records"] == 1


def test_logins_and_failed_actions_touch_no_personal_data(step: DataMapStep) -> None:
    assert CATEGORIES not in enrich(step, event__action="login", event__outcome="success")
    assert CATEGORIES not in enrich(step, event__action="login", event__outcome="failure")
    failed = enrich(
        step, event__action="member.view", event__outcome="failure", sentinel__member__id="M1"
    )
    assert CATEGORIES not in failed
    assert "sentinel.records" not in failed


def test_an_export_keeps_its_row_count_and_has_no_default(step: DataMapStep) -> None:
    doc = enrich(step, event__action="member.export", sentinel__records=450)
    assert doc["sentinel.records"] == 450
    no_member = enrich(step, event__action="member.export")
    assert no_member[CATEGORIES] == ["contact", "identity", "location"]
    assert "sentinel.records" not in no_member


def test_an_action_the_map_does_not_know_gets_no_categories_even_if_sent(
    step: DataMapStep,
) -> None:
    doc = enrich(step, event__action="report.print", sentinel__data_categories=["financial"])
    assert CATEGORIES not in doc


def test_a_portal_page_served_is_a_member_view_of_the_member_in_the_path(
    step: DataMapStep,
) -> None:
    doc = web(step, "GET", "/portal/members/M200145", 200)
    assert doc["event.action"] == "member.view"
    assert doc["sentinel.member.id"] == "M200145"
    assert doc[CATEGORIES] == ["contact", "identity", "location"]
    assert doc["sentinel.records"] == 1


@pytest.mark.parametrize("status", [403, 404, 500, "403"])
def test_a_refused_portal_page_names_the_action_but_touches_no_data(
    step: DataMapStep, status: int | str
) -> None:
    doc = web(step, "GET", "/portal/members/M200145", status)
    assert doc["event.action"] == "member.view"
    assert doc["sentinel.member.id"] == "M200145"
    assert CATEGORIES not in doc
    assert "sentinel.records" not in doc


def test_path_rules_match_the_whole_path_and_their_method(step: DataMapStep) -> None:
    assert web(step, "GET", "/portal/members/M1/vehicles", 200)["event.action"] == "vehicle.view"
    assert web(step, "PUT", "/portal/members/M1/vehicles", 200)["event.action"] == "vehicle.view"
    assert web(step, "GET", "/portal/members/export", 200)["event.action"] == "member.export"
    assert "event.action" not in web(step, "POST", "/portal/members/M1", 200)
    assert "event.action" not in web(step, "GET", "/portal/members/M1/notes", 200)
    assert "event.action" not in web(step, "GET", "/x/portal/members/M1", 200)
    assert "event.action" not in web(step, "GET", "/portal/login", 200)
    login = web(step, "POST", "/portal/login", 401)
    assert login["event.action"] == "login"
    assert CATEGORIES not in login


def test_an_event_that_names_its_action_is_not_matched_by_path(step: DataMapStep) -> None:
    doc = enrich(
        step,
        event__action="member.update",
        url__path="/portal/members/M200145",
        http__request__method="GET",
        sentinel__member__id="M999",
    )
    assert doc["event.action"] == "member.update"
    assert doc["sentinel.member.id"] == "M999"


def refused(tmp_path: Path, text: str) -> tuple[int | None, str]:
    path = write(tmp_path, text)
    with pytest.raises(EnrichmentError) as err:
        load_data_map(path)
    assert err.value.path == str(path)
    assert str(err.value).startswith(f"{path}:{err.value.line}: ")
    return err.value.line, err.value.reason


def test_an_unknown_category_is_refused_at_its_line(tmp_path: Path) -> None:
    line, reason = refused(
        tmp_path,
        """\
        categories: [contact, identity]
        actions:
          member.view:
            categories:
              - contact
              - adress
        """,
    )
    assert line == 6
    assert "unknown category 'adress'" in reason
    assert "contact, identity" in reason


@pytest.mark.parametrize(
    ("text", "line", "words"),
    [
        ("categories: [contact]\nactions: {login: {}}\npath: []\n", 3, "unknown key 'path'"),
        (
            "categories: [contact]\nactions:\n  login:\n    categories: []\n    kind: auth\n",
            5,
            "unknown key 'kind'; allowed here: categories",
        ),
        (
            "categories: [contact]\nactions: {login: {}}\npaths:\n"
            "  - path: '^/login$'\n    methods: POST\n    action: login\n",
            5,
            "unknown key 'methods'; allowed here: path, method, action",
        ),
    ],
)
def test_an_unknown_key_is_refused_at_its_line(
    tmp_path: Path, text: str, line: int, words: str
) -> None:
    got_line, reason = refused(tmp_path, text)
    assert got_line == line
    assert words in reason


def test_a_bad_regular_expression_is_refused_at_its_line(tmp_path: Path) -> None:
    line, reason = refused(
        tmp_path,
        """\
        categories: [contact]
        actions: {member.view: {categories: [contact]}}
        paths:
          - path: '^/portal/members/(?P<member>M\\d+$'
            action: member.view
        """,
    )
    assert line == 4
    assert "not a valid regular expression" in reason
    assert "missing )" in reason


def test_a_misspelt_named_group_is_refused(tmp_path: Path) -> None:
    line, reason = refused(
        tmp_path,
        """\
        categories: [contact]
        actions: {member.view: {categories: [contact]}}
        paths:
          - path: '^/portal/members/(?P<memberid>M\\d+)$'
            action: member.view
        """,
    )
    assert line == 4
    assert "'memberid'" in reason


def test_a_path_rule_without_action_is_refused(tmp_path: Path) -> None:
    line, reason = refused(
        tmp_path,
        """\
        categories: [contact]
        actions: {member.view: {categories: [contact]}}
        paths:
          - path: '^/portal/members/export$'
            action: member.view
          - path: '^/portal/members/(?P<member>M\\d+)$'
            method: GET
        """,
    )
    assert line == 6
    assert "path rule has no action" in reason


def test_a_path_rule_naming_an_undeclared_action_is_refused(tmp_path: Path) -> None:
    line, reason = refused(
        tmp_path,
        """\
        categories: [contact]
        actions: {member.view: {categories: [contact]}}
        paths:
          - path: '^/portal/members/export$'
            action: member.export
        """,
    )
    assert line == 5
    assert "'member.export'" in reason
    assert "not declared" in reason


@pytest.mark.parametrize(
    ("text", "line", "words"),
    [
        ("categories: [contact]\nactions:\n  login: {}\n  login: {}\n", 4, "repeats"),
        ("categories: [contact\nactions: {}\n", 2, "not valid YAML"),
        ("actions: {login: {}}\n", 1, "categories is missing"),
        ("- login\n- logout\n", 1, "a data map is a mapping"),
        ("categories: [contact]\nactions: {Member View: {}}\n", 2, "lower-case words"),
        (
            "categories: [contact]\nactions: {login: {}}\n"
            "paths:\n  - {path: '^/l$', method: 'GE T', action: login}\n",
            4,
            "not an HTTP method",
        ),
        ("categories: contact\nactions: {login: {}}\n", 1, "valid list"),
    ],
)
def test_other_mistakes_are_named_with_their_line(
    tmp_path: Path, text: str, line: int, words: str
) -> None:
    got_line, reason = refused(tmp_path, text)
    assert got_line == line
    assert words in reason


def test_a_lowercase_method_is_taken_as_upper_case(tmp_path: Path) -> None:
    text = MAP.replace("method: POST", "method: post")
    step = DataMapStep(load_data_map(write(tmp_path, text)))
    assert web(step, "POST", "/portal/login", 200)["event.action"] == "login"


# The shipped data map and the rule pack.

SHIPPED = REPO / "config" / "datamap.yaml"


def rule_actions() -> set[str]:
    """Every value a rule's detection compares event.action with.

    AWS rules name the provider's API calls, which no data map lists (see OPEN_ACTIONS).
    """
    found: set[str] = set()

    def walk(node: Any) -> None:
        if isinstance(node, dict):
            for key, value in node.items():
                if isinstance(key, str) and key.split("|")[0] == "event.action":
                    found.update(value if isinstance(value, list) else [value])
                else:
                    walk(value)
        elif isinstance(node, list):
            for item in node:
                walk(item)

    for path in rule_files([REPO / "rules"]):
        for doc in yaml.safe_load_all(path.read_text(encoding="utf-8")):
            if (
                isinstance(doc, dict)
                and (doc.get("logsource") or {}).get("product") not in OPEN_ACTIONS
            ):
                walk(doc.get("detection"))
    return found


def test_the_shipped_data_map_declares_every_action_the_rules_use() -> None:
    data_map = load_data_map(SHIPPED)
    used = rule_actions()
    assert used, "the rule pack compares no event.action at all"
    assert used - set(data_map.actions) - PARSER_ACTIONS == set()


def test_the_shipped_data_map_adds_no_refusal_to_the_rule_pack() -> None:
    data_map = load_data_map(SHIPPED)
    vocabulary = Vocabulary(
        actions=frozenset(data_map.actions) | PARSER_ACTIONS,
        categories=frozenset(data_map.categories),
    )
    plain = {str(e) for e in load_rules([REPO / "rules"]).errors}
    checked = {str(e) for e in load_rules([REPO / "rules"], vocabulary).errors}
    assert checked - plain == set()


def test_the_shipped_data_map_has_the_documented_vocabulary_and_portal_paths() -> None:
    data_map = load_data_map(SHIPPED)
    assert set(data_map.categories) == {
        "contact",
        "identity",
        "financial",
        "location",
        "vehicle",
        "credentials",
    }
    assert set(data_map.actions) == {
        "login",
        "logout",
        "member.view",
        "member.search",
        "member.update",
        "member.export",
        "payment.view",
        "payment.update",
        "vehicle.view",
        "vehicle.session.start",
        "role.change",
        "mfa.enable",
        "mfa.disable",
        "password.reset",
        "token.use",
        "token.create",
    }
    step = DataMapStep(data_map)
    payment = web(step, "GET", "/portal/payments/M200145", 200)
    assert (payment["event.action"], payment[CATEGORIES]) == ("payment.view", ["financial"])
    assert web(step, "POST", "/portal/login", 200)["event.action"] == "login"
