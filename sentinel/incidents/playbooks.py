"""Playbooks: YAML files in ``playbooks/`` that walk an incident from triage to lessons learned.

Each step has an id, a title, guidance, an owner role, an optional due time
(relative to awareness, to the opening, or to another step's completion), the
facts it asks for, an optional condition (``when``) on facts and decisions, and
actions (render a draft, notify a channel, set the status). A playbook that
names an unknown key, fact, step, role, draft or status, that has a due time
depending on itself, or a condition outside the small form below, is refused
at load with the file, the line and the reason.

Conditions::

    {fact: encryption.key_safe, is: false}
    {fact: data.categories, contains: financial}
    {fact: cause.kind, in: [phishing, credential_stuffing]}
    {fact: subjects.people, at_least: 100}
    {fact: subjects.people, known: false}
    {decision: notify_authority, is: yes}          # yes | no | pending
    {all: [...]}, {any: [...]}, {not: {...}}

A condition on a fact or decision that is not known yet is *undetermined*: the
step waits for it, rather than silently applying or not.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any, Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator
from yaml.nodes import MappingNode, Node, SequenceNode

from sentinel.config import parse_duration
from sentinel.incidents.facts import FACTS, UNKNOWN, Facts, Range
from sentinel.incidents.model import STATUSES, DecisionSummary, Incident

ROLES = ("viewer", "analyst", "incident_commander", "privacy_officer", "admin")
DRAFTS = (
    "ap_initial",
    "ap_follow_up",
    "ap_withdrawal",
    "member_letters",
    "public_communication",
    "management_summary",
)
ACTION_KINDS = ("render_draft", "notify", "set_status")
DECISION_VALUES = {
    "notify_authority": ("yes", "no", "pending"),
    "notify_subjects": ("yes", "no", "public_communication", "pending"),
}
_ID = re.compile(r"^[a-z][a-z0-9_]*$")
_CHANNEL = re.compile(r"^[A-Za-z0-9_.-]+$")


class PlaybookError(Exception):
    def __init__(self, file: str, line: int | None, reason: str) -> None:
        super().__init__(f"{file}:{line}: {reason}" if line else f"{file}: {reason}")
        self.file = file
        self.line = line
        self.reason = reason


# the loaded form ------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Due:
    after: str
    """``awareness``, ``opened`` or ``step:<id>``."""
    within: timedelta

    @property
    def step(self) -> str | None:
        return self.after.removeprefix("step:") if self.after.startswith("step:") else None


@dataclass(frozen=True, slots=True)
class Action:
    kind: Literal["render_draft", "notify", "set_status"]
    value: str

    def __str__(self) -> str:
        return f"{self.kind}: {self.value}"


@dataclass(frozen=True, slots=True)
class FactCondition:
    fact: str
    op: Literal["is", "in", "contains", "at_least", "known"]
    value: Any


@dataclass(frozen=True, slots=True)
class DecisionCondition:
    decision: Literal["notify_authority", "notify_subjects"]
    values: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class AllOf:
    items: tuple[Condition, ...]


@dataclass(frozen=True, slots=True)
class AnyOf:
    items: tuple[Condition, ...]


@dataclass(frozen=True, slots=True)
class NotCondition:
    item: Condition


Condition = FactCondition | DecisionCondition | AllOf | AnyOf | NotCondition


@dataclass(frozen=True, slots=True)
class Step:
    id: str
    title: str
    owner: str
    guidance: str
    due: Due | None
    asks: tuple[str, ...]
    when: Condition | None
    actions: tuple[Action, ...]
    line: int
    done_when_notified: str | None = None
    """``authority``, ``members`` or ``public``: recording that notification completes it."""


@dataclass(frozen=True, slots=True)
class Playbook:
    id: str
    title: str
    description: str
    steps: tuple[Step, ...]
    file: str

    def step(self, step_id: str) -> Step:
        for step in self.steps:
            if step.id == step_id:
                return step
        known = ", ".join(s.id for s in self.steps)
        raise KeyError(f"playbook {self.id} has no step {step_id!r} (steps: {known})")


# the file format --------------------------------------------------------------------------


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", populate_by_name=True)


class _DueSpec(_Strict):
    after: str
    within: timedelta = Field(alias="in")

    _duration = field_validator("within", mode="before")(parse_duration)


class _DoneWhenSpec(_Strict):
    notified: Literal["authority", "members", "public"]


class _StepSpec(_Strict):
    id: str = Field(pattern=_ID.pattern)
    title: str = Field(min_length=1)
    owner: Literal["viewer", "analyst", "incident_commander", "privacy_officer", "admin"]
    guidance: str = ""
    due: _DueSpec | None = None
    asks: list[str] = Field(default_factory=list)
    when: dict[str, Any] | None = None
    actions: list[dict[str, Any]] = Field(default_factory=list)
    done_when: _DoneWhenSpec | None = None


class _PlaybookSpec(_Strict):
    id: str | None = Field(default=None, pattern=_ID.pattern)
    title: str = Field(min_length=1)
    description: str = ""
    steps: list[_StepSpec] = Field(min_length=1)


class _Refused(Exception):
    def __init__(self, reason: str, path: tuple[str | int, ...] = ()) -> None:
        super().__init__(reason)
        self.reason = reason
        self.path = path


def load_playbook(path: Path) -> Playbook:
    """One playbook file; ``PlaybookError`` with file, line and reason if it is broken."""
    name = str(path)
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise PlaybookError(name, None, f"cannot read: {exc.strerror}") from None
    try:
        node = yaml.compose(text, Loader=yaml.SafeLoader)
        doc = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        raise PlaybookError(
            name, mark.line + 1 if mark else None, f"broken YAML: {getattr(exc, 'problem', exc)}"
        ) from None
    if not isinstance(doc, dict) or node is None:
        raise PlaybookError(name, 1, "a playbook is a mapping with title and steps")
    try:
        spec = _PlaybookSpec.model_validate(doc)
    except ValidationError as exc:
        err = exc.errors()[0]
        loc = tuple(err["loc"])
        key = f" {loc[-1]!r}" if err["type"] == "extra_forbidden" else ""
        where = ".".join(str(p) for p in loc)
        message = "unknown key" + key if err["type"] == "extra_forbidden" else err["msg"]
        raise PlaybookError(name, _line(node, *loc), f"{where}: {message}") from None
    try:
        return _build(spec, path, node)
    except _Refused as exc:
        raise PlaybookError(name, _line(node, *exc.path), exc.reason) from None


def load_playbooks(directory: Path) -> tuple[dict[str, Playbook], list[PlaybookError]]:
    """Every ``*.yml``/``*.yaml`` in a folder: the good ones by id, and the refusals."""
    loaded: dict[str, Playbook] = {}
    errors: list[PlaybookError] = []
    if not directory.is_dir():
        return loaded, [PlaybookError(str(directory), None, "no such folder")]
    for path in sorted([*directory.glob("*.yml"), *directory.glob("*.yaml")]):
        try:
            book = load_playbook(path)
        except PlaybookError as exc:
            errors.append(exc)
            continue
        if book.id in loaded:
            errors.append(
                PlaybookError(
                    str(path), 1, f"playbook id {book.id!r} is also {loaded[book.id].file}"
                )
            )
            continue
        loaded[book.id] = book
    return loaded, errors


def _build(spec: _PlaybookSpec, path: Path, node: Node) -> Playbook:
    book_id = spec.id or path.stem
    if spec.id is not None and spec.id != path.stem:
        raise _Refused(f"id {spec.id!r} must match the file name {path.stem!r}", ("id",))
    ids: dict[str, int] = {}
    steps = []
    for i, s in enumerate(spec.steps):
        where: tuple[str | int, ...] = ("steps", i)
        if s.id in ids:
            raise _Refused(f"step id {s.id!r} is used twice", (*where, "id"))
        ids[s.id] = i
        for j, fact in enumerate(s.asks):
            if fact not in FACTS:
                raise _Refused(f"step {s.id!r} asks for unknown fact {fact!r}", (*where, "asks", j))
        due = None
        if s.due is not None:
            if s.due.after not in ("awareness", "opened") and not s.due.after.startswith("step:"):
                raise _Refused(
                    f"step {s.id!r}: due after must be awareness, opened or step:<id>, "
                    f"not {s.due.after!r}",
                    (*where, "due", "after"),
                )
            due = Due(s.due.after, s.due.within)
        when = _condition(s.when, (*where, "when")) if s.when is not None else None
        actions = tuple(_action(a, (*where, "actions", j)) for j, a in enumerate(s.actions))
        steps.append(
            Step(
                id=s.id,
                title=s.title,
                owner=s.owner,
                guidance=s.guidance.strip(),
                due=due,
                asks=tuple(s.asks),
                when=when,
                actions=actions,
                line=_line(node, *where),
                done_when_notified=s.done_when.notified if s.done_when else None,
            )
        )
    _check_due_references(steps, ids)
    return Playbook(book_id, spec.title, spec.description.strip(), tuple(steps), str(path))


def _check_due_references(steps: list[Step], ids: dict[str, int]) -> None:
    after = {s.id: s.due.step for s in steps if s.due is not None and s.due.step is not None}
    for step_id, target in after.items():
        if target not in ids:
            raise _Refused(
                f"step {step_id!r} is due after step {target!r}, which does not exist",
                ("steps", ids[step_id], "due", "after"),
            )
    for start in after:
        chain = [start]
        current = after.get(start)
        while current is not None:
            if current in chain:
                cycle = " → ".join([*chain[chain.index(current) :], current])
                raise _Refused(
                    f"cyclic due references: {cycle}", ("steps", ids[start], "due", "after")
                )
            chain.append(current)
            current = after.get(current)


def _action(raw: Any, where: tuple[str | int, ...]) -> Action:
    if not isinstance(raw, dict) or len(raw) != 1:
        raise _Refused(
            f"an action is one of {', '.join(ACTION_KINDS)} with its value, e.g. "
            "'render_draft: ap_initial'",
            where,
        )
    ((kind, value),) = raw.items()
    if kind not in ACTION_KINDS:
        raise _Refused(f"unknown action {kind!r}; known: {', '.join(ACTION_KINDS)}", where)
    value = str(value)
    if kind == "render_draft" and value not in DRAFTS:
        raise _Refused(f"unknown draft {value!r}; known: {', '.join(DRAFTS)}", (*where, kind))
    if kind == "set_status" and value not in STATUSES:
        raise _Refused(f"unknown status {value!r}; known: {', '.join(STATUSES)}", (*where, kind))
    if kind == "notify" and not _CHANNEL.match(value):
        raise _Refused(f"{value!r} is not a channel name (or 'default')", (*where, kind))
    return Action(kind, value)  # type: ignore[arg-type]


def _condition(raw: Any, where: tuple[str | int, ...]) -> Condition:
    if not isinstance(raw, dict) or not raw:
        raise _Refused("a condition is a mapping like {fact: cause.kind, is: phishing}", where)
    keys = set(raw)
    for combinator, cls in (("all", AllOf), ("any", AnyOf)):
        if combinator in keys:
            _only(keys, {combinator}, where)
            items = raw[combinator]
            if not isinstance(items, list) or not items:
                raise _Refused(f"{combinator} takes a non-empty list of conditions", where)
            return cls(tuple(_condition(c, (*where, combinator, i)) for i, c in enumerate(items)))
    if "not" in keys:
        _only(keys, {"not"}, where)
        return NotCondition(_condition(raw["not"], (*where, "not")))
    if "decision" in keys:
        _only(keys, {"decision", "is", "in"}, where)
        name = raw["decision"]
        if name not in DECISION_VALUES:
            raise _Refused(f"unknown decision {name!r}; use {' or '.join(DECISION_VALUES)}", where)
        values = _decision_values(raw, where)
        bad = [v for v in values if v not in DECISION_VALUES[name]]
        if bad:
            raise _Refused(
                f"{name} is one of {', '.join(DECISION_VALUES[name])}, not {bad[0]!r}", where
            )
        return DecisionCondition(name, values)
    if "fact" in keys:
        ops = keys - {"fact"}
        if len(ops) != 1 or not ops <= {"is", "in", "contains", "at_least", "known"}:
            raise _Refused(
                "a fact condition has exactly one test: is, in, contains, at_least or known", where
            )
        return _fact_condition(str(raw["fact"]), ops.pop(), raw, where)
    unknown = sorted(str(k) for k in keys)[0]
    raise _Refused(
        f"unknown key {unknown!r} in condition; use fact, decision, all, any or not", where
    )


def _only(keys: set[str], allowed: set[str], where: tuple[str | int, ...]) -> None:
    extra = keys - allowed
    if extra:
        raise _Refused(f"unexpected {sorted(extra)[0]!r} next to {sorted(allowed)[0]!r}", where)


def _decision_values(raw: dict[str, Any], where: tuple[str | int, ...]) -> tuple[str, ...]:
    if ("is" in raw) == ("in" in raw):
        raise _Refused("a decision condition has 'is: <value>' or 'in: [values]'", where)
    if "in" in raw and not isinstance(raw["in"], list):
        raise _Refused("in takes a list of values", where)
    if "is" in raw and isinstance(raw["is"], list):
        raise _Refused("is takes one value; use in for a list", where)
    value = raw.get("is", raw.get("in"))
    values = value if isinstance(value, list) else [value]
    # YAML reads a bare yes/no as a boolean.
    return tuple(("yes" if v else "no") if isinstance(v, bool) else str(v) for v in values)


def _fact_condition(
    fact: str, op: str, raw: dict[str, Any], where: tuple[str | int, ...]
) -> FactCondition:
    spec = FACTS.get(fact)
    if spec is None:
        raise _Refused(f"unknown fact {fact!r} in condition", (*where, "fact"))
    value = raw[op]
    problem = None
    if op == "known":
        problem = None if isinstance(value, bool) else "known takes true or false"
    elif op == "at_least":
        ok = spec.kind in ("number", "range") and isinstance(value, int | float)
        problem = (
            None if ok else f"at_least needs a number fact and a number ({fact} is {spec.kind})"
        )
    elif op == "contains":
        ok = spec.kind in ("choices", "list") and (not spec.choices or value in spec.choices)
        problem = None if ok else _expect(fact, spec.kind, spec.choices, "a list fact")
    else:
        values = value if op == "in" else [value]
        if op == "in" and not isinstance(value, list):
            problem = "in takes a list of values"
        else:
            problem = next((p for v in values if (p := _check_scalar(fact, spec, v))), None)
    if problem:
        raise _Refused(problem, (*where, op))
    return FactCondition(fact, op, value)  # type: ignore[arg-type]


def _check_scalar(fact: str, spec: Any, value: Any) -> str | None:
    if spec.kind == "bool":
        return None if isinstance(value, bool) else f"{fact} is true or false, not {value!r}"
    if spec.kind == "choice":
        return None if value in spec.choices else _expect(fact, spec.kind, spec.choices, "")
    if spec.kind in ("choices", "list", "range", "time"):
        return f"{fact} is a {spec.kind}; test it with contains, at_least or known"
    if spec.kind == "number":
        return None if isinstance(value, int | float) else f"{fact} is a number"
    return None


def _expect(fact: str, kind: str, choices: tuple[str, ...], what: str) -> str:
    if choices:
        return f"{fact} takes one of {', '.join(choices)}"
    return f"{fact} is a {kind}, not {what}".rstrip(", ")


def _line(node: Node, *path: str | int) -> int:
    """1-based line of the deepest node along ``path`` that exists."""
    current = node
    for key in path:
        if isinstance(current, MappingNode):
            for k, v in current.value:
                if getattr(k, "value", None) == key:
                    current = v
                    break
            else:
                break
        elif isinstance(current, SequenceNode) and isinstance(key, int):
            if key >= len(current.value):
                break
            current = current.value[key]
        else:
            break
    return current.start_mark.line + 1


# evaluating -------------------------------------------------------------------------------


def evaluate(condition: Condition, facts: Facts, decision: DecisionSummary | None) -> bool | None:
    """True, False, or None when it depends on a fact or decision not known yet."""
    if isinstance(condition, AllOf):
        results = [evaluate(c, facts, decision) for c in condition.items]
        if False in results:
            return False
        return None if None in results else True
    if isinstance(condition, AnyOf):
        results = [evaluate(c, facts, decision) for c in condition.items]
        if True in results:
            return True
        return None if None in results else False
    if isinstance(condition, NotCondition):
        inner = evaluate(condition.item, facts, decision)
        return None if inner is None else not inner
    if isinstance(condition, DecisionCondition):
        current = "pending" if decision is None else getattr(decision, condition.decision)
        if current == "pending" and "pending" not in condition.values:
            return None
        return current in condition.values
    value = facts.value(condition.fact)
    if condition.op == "known":
        return (value is not UNKNOWN) == condition.value
    if value is UNKNOWN:
        return None
    if condition.op == "is":
        return bool(value == condition.value)
    if condition.op == "in":
        return value in condition.value
    if condition.op == "contains":
        return condition.value in value
    number = value.max if isinstance(value, Range) else value
    return bool(number >= condition.value)


def waiting_on(condition: Condition) -> list[str]:
    """The facts and decisions a condition reads, for 'waiting on …' hints."""
    if isinstance(condition, AllOf | AnyOf):
        return [n for c in condition.items for n in waiting_on(c)]
    if isinstance(condition, NotCondition):
        return waiting_on(condition.item)
    if isinstance(condition, DecisionCondition):
        return [f"decision {condition.decision}"]
    return [condition.fact]


def due_at(step: Step, incident: Incident, completed: Mapping[str, datetime]) -> datetime | None:
    """When the step is due, or None when it has no due time or its anchor has not happened."""
    if step.due is None:
        return None
    if step.due.after == "awareness":
        anchor = incident.awareness.at if incident.awareness else None
    elif step.due.after == "opened":
        anchor = incident.created
    else:
        anchor = completed.get(step.due.step or "")
    return anchor + step.due.within if anchor is not None else None
