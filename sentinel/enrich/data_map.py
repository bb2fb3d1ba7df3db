"""The data map: which actions touch which categories of personal data, and URL paths → actions.

Rules and the breach assessment ask "whose data, of what kind" rather than
"which URL"; the data map answers that once, at ingest. Application logs name
their action; web-server lines only have a path, so path rules name the action
(and capture the member id) for them.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from sentinel.enrich.errors import EnrichmentError
from sentinel.enrich.yaml_lines import line_of, read_yaml
from sentinel.events import CATEGORIES, MEMBER_ID, RECORDS

ACTION = "event.action"
OUTCOME = "event.outcome"
URL_PATH = "url.path"
METHOD = "http.request.method"
STATUS = "http.response.status_code"
MEMBER_GROUP = "member"

_NAME = r"^[a-z][a-z0-9_-]*(\.[a-z0-9_-]+)*$"
_METHOD = re.compile(r"^[A-Z]+$")


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class _ActionEntry(_Strict):
    categories: list[str] = Field(default_factory=list)


class _PathEntry(_Strict):
    path: str
    method: str | None = None
    action: str


class _DataMapFile(_Strict):
    categories: list[str] = Field(min_length=1)
    actions: dict[str, _ActionEntry | None] = Field(min_length=1)
    paths: list[_PathEntry] = Field(default_factory=list)


_KEYS = {
    (): "categories, actions, paths",
    ("actions",): "categories",
    ("paths",): "path, method, action",
}


@dataclass(frozen=True, slots=True)
class PathRule:
    pattern: re.Pattern[str]
    method: str | None
    action: str
    captures_member: bool


@dataclass(frozen=True, slots=True)
class DataMap:
    """``actions`` maps each declared action to the categories it touches (maybe none)."""

    categories: tuple[str, ...]
    actions: dict[str, tuple[str, ...]]
    paths: tuple[PathRule, ...]


def load_data_map(path: Path) -> DataMap:
    """Read and check a data map file; any mistake raises EnrichmentError naming its line."""
    data, root = read_yaml(path)
    if not isinstance(data, dict):
        raise EnrichmentError(
            path, line_of(root, ()), "a data map is a mapping with categories, actions and paths"
        )
    try:
        spec = _DataMapFile.model_validate(data)
    except ValidationError as exc:
        error = exc.errors()[0]
        loc = error["loc"]
        raise EnrichmentError(path, line_of(root, loc), _explain(error)) from None

    known = set(spec.categories)
    actions: dict[str, tuple[str, ...]] = {}
    for name, entry in spec.actions.items():
        if not re.match(_NAME, name):
            raise EnrichmentError(
                path,
                line_of(root, ("actions", name)),
                f"action name {name!r} must be lower-case words joined by dots, e.g. member.view",
            )
        categories = entry.categories if entry is not None else []
        for i, category in enumerate(categories):
            if category not in known:
                raise EnrichmentError(
                    path,
                    line_of(root, ("actions", name, "categories", i)),
                    f"action {name} names unknown category {category!r}; "
                    f"declare it under categories: or use one of {', '.join(spec.categories)}",
                )
        actions[name] = tuple(dict.fromkeys(categories))

    rules = tuple(_path_rule(path, root, i, entry, actions) for i, entry in enumerate(spec.paths))
    return DataMap(categories=tuple(spec.categories), actions=actions, paths=rules)


def _path_rule(
    path: Path, root: Any, index: int, entry: _PathEntry, actions: dict[str, tuple[str, ...]]
) -> PathRule:
    try:
        pattern = re.compile(entry.path)
    except re.error as exc:
        raise EnrichmentError(
            path,
            line_of(root, ("paths", index, "path")),
            f"path {entry.path!r} is not a valid regular expression ({exc.msg} at position "
            f"{exc.pos}); fix it, and escape literal characters such as '.' or '?' with '\\'",
        ) from None
    stray = set(pattern.groupindex) - {MEMBER_GROUP}
    if stray:
        raise EnrichmentError(
            path,
            line_of(root, ("paths", index, "path")),
            f"named group {sorted(stray)[0]!r} means nothing here; "
            f"only (?P<{MEMBER_GROUP}>…) is used (it sets {MEMBER_ID})",
        )
    if entry.action not in actions:
        raise EnrichmentError(
            path,
            line_of(root, ("paths", index, "action")),
            f"path rule names action {entry.action!r}, which is not declared under actions:; "
            "declare it there or fix the spelling",
        )
    method = entry.method.upper() if entry.method is not None else None
    if method is not None and not _METHOD.match(method):
        raise EnrichmentError(
            path,
            line_of(root, ("paths", index, "method")),
            f"method {entry.method!r} is not an HTTP method such as GET or POST",
        )
    return PathRule(
        pattern=pattern,
        method=method,
        action=entry.action,
        captures_member=MEMBER_GROUP in pattern.groupindex,
    )


def _explain(error: Any) -> str:
    loc = tuple(error["loc"])
    kind = error["type"]
    *parent, last = loc if loc else ("",)
    shape = tuple(p for p in parent if not isinstance(p, int))[:1]
    if kind == "missing" and shape == ("paths",) and last == "action":
        return "path rule has no action; add `action: NAME` with an action declared under actions:"
    if kind == "missing":
        return f"{last} is missing; add it"
    if kind == "extra_forbidden":
        return f"unknown key {last!r}; allowed here: {_KEYS.get(shape, '')}"
    where = ".".join(str(p) for p in loc) or "the file"
    message = str(error["msg"]).split(" or instance of ")[0]
    return f"{where}: {message}"


class DataMapStep:
    """Sets ``event.action`` for web lines, then ``sentinel.data_categories`` and records.

    Categories are set only for what was actually served: not for a failed action
    and not for a web response of 400 or above. A category list a source sent is
    replaced, since the data map is the one place that decides it.
    """

    def __init__(self, data_map: DataMap) -> None:
        self._categories = {a: c for a, c in data_map.actions.items() if c}
        self._paths = data_map.paths

    def __call__(self, fields: dict[str, Any], ts: datetime) -> None:
        action = fields.get(ACTION)
        if action is None:
            url_path = fields.get(URL_PATH)
            if not isinstance(url_path, str) or not self._paths:
                return
            action = self._match(fields, url_path)
            if action is None:
                return
        categories = self._categories.get(action)
        if categories is None or fields.get(OUTCOME) == "failure" or _refused(fields.get(STATUS)):
            fields.pop(CATEGORIES, None)
            return
        fields[CATEGORIES] = list(categories)
        if RECORDS not in fields and MEMBER_ID in fields:
            fields[RECORDS] = 1

    def _match(self, fields: dict[str, Any], url_path: str) -> str | None:
        method = fields.get(METHOD)
        for rule in self._paths:
            if rule.method is not None and rule.method != method:
                continue
            found = rule.pattern.fullmatch(url_path)
            if found is None:
                continue
            fields[ACTION] = rule.action
            if rule.captures_member and MEMBER_ID not in fields:
                member = found[MEMBER_GROUP]
                if member:
                    fields[MEMBER_ID] = member
            return rule.action
        return None


def _refused(status: Any) -> bool:
    """A response code of 400 or above: the server did not hand the data out."""
    if status is None:
        return False
    if isinstance(status, int):
        return status >= 400
    try:
        return int(status) >= 400
    except (TypeError, ValueError):
        return False
