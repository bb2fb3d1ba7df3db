"""Reads rule files: Sigma YAML (parsed by pySigma) plus the ``sentinel:`` key.

A rule the engine cannot run exactly is refused with its file, line, rule and
reason; the others load. ``*.examples.yml`` files next to the rules hold their
example events and are not rules.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field, replace
from datetime import timedelta
from pathlib import Path
from typing import Any

import yaml
from pydantic import ValidationError
from sigma.correlations import SigmaCorrelationRule
from sigma.exceptions import SigmaError
from sigma.rule import SigmaRule
from yaml.nodes import MappingNode, Node, SequenceNode

from sentinel.detection.compile import CompileError, rule_filter, unusable_field
from sentinel.detection.model import (
    Baseline,
    Condition,
    Flatline,
    Meta,
    NewTerms,
    Rule,
    RuleSet,
    Throttle,
)
from sentinel.detection.schema import SentinelSpec
from sentinel.events import SOURCE_NAME, is_known_field
from sentinel.store.query import LIST_FIELDS, And, Filter, Match, Not, Or

EXAMPLES_SUFFIX = ".examples.yml"
_OPS = {"LT": "lt", "LTE": "lte", "GT": "gt", "GTE": "gte", "EQ": "eq", "NEQ": "neq"}
_LEVEL_DEFAULT = "medium"


@dataclass(frozen=True, slots=True)
class RuleError:
    file: str
    line: int | None
    rule: str | None
    reason: str

    def __str__(self) -> str:
        where = f"{self.file}:{self.line}" if self.line else self.file
        return f"{where}: {self.rule or 'file'}: {self.reason}"


@dataclass(slots=True)
class LoadResult:
    ruleset: RuleSet
    errors: list[RuleError] = field(default_factory=list)
    files: int = 0


@dataclass(slots=True)
class Vocabulary:
    """What the events can contain, to refuse rules that could never match.

    ``actions`` is None when no data map is configured (any action is accepted).
    """

    actions: frozenset[str] | None = None
    categories: frozenset[str] = frozenset(
        {"contact", "identity", "financial", "location", "vehicle", "credentials"}
    )
    sources: frozenset[str] | None = None
    """The configured sources' names; None when not known (examples, tests)."""


OPEN_ACTIONS = frozenset({"aws"})
"""Log sources (Sigma ``logsource.product``) whose ``event.action`` is the provider's own
API name (thousands of them), so it is not checked against the data map's actions."""


class _Refused(Exception):
    def __init__(self, reason: str, line: int | None = None) -> None:
        super().__init__(reason)
        self.reason = reason
        self.line = line


def rule_files(paths: Iterable[Path]) -> Iterator[Path]:
    """The rule files of each folder and its subfolders (``rules/infra/``), or the files given."""
    for path in paths:
        if path.is_dir():
            found = [*path.rglob("*.yml"), *path.rglob("*.yaml")]
            for f in sorted(found, key=lambda f: f.relative_to(path).parts):
                hidden = any(part.startswith(".") for part in f.relative_to(path).parts)
                if not hidden and not f.name.endswith(EXAMPLES_SUFFIX):
                    yield f
        else:
            yield path


def load_rules(paths: Iterable[Path], vocabulary: Vocabulary | None = None) -> LoadResult:
    vocab = vocabulary or Vocabulary()
    result = LoadResult(ruleset=RuleSet(rules={}))
    pending: list[tuple[Rule, Node]] = []
    for path in rule_files(paths):
        result.files += 1
        for rule_or_error in _load_file(path, vocab):
            if isinstance(rule_or_error, RuleError):
                result.errors.append(rule_or_error)
            else:
                pending.append(rule_or_error)
    names: dict[str, Rule] = {}
    for rule, _node in pending:
        if rule.name in names:
            first = names[rule.name]
            result.errors.append(
                RuleError(
                    rule.file,
                    rule.line,
                    rule.name,
                    f"rule name {rule.name!r} is also used at {first.file}:{first.line}",
                )
            )
            continue
        names[rule.name] = rule
    result.ruleset = _link(names, result.errors)
    return result


def _link(rules: dict[str, Rule], errors: list[RuleError]) -> RuleSet:
    """Resolve correlation references; refuse correlations whose references are missing."""
    by_id = {r.id: r for r in rules.values()}
    resolved: dict[str, Rule] = {}
    feeding: set[str] = set()
    for rule in rules.values():
        if not rule.references:
            continue
        names = []
        for ref in rule.references:
            target = rules.get(ref) or by_id.get(ref)
            if target is None:
                errors.append(
                    RuleError(rule.file, rule.line, rule.name, f"references unknown rule {ref!r}")
                )
                break
            if target.references and target.kind not in ("event_count", "value_count"):
                errors.append(
                    RuleError(
                        rule.file,
                        rule.line,
                        rule.name,
                        f"references {target.name!r}, a {target.kind} correlation; only base "
                        "rules and event_count/value_count correlations can be referenced",
                    )
                )
                break
            names.append(target.name)
        else:
            resolved[rule.name] = replace(rule, references=tuple(names))
            if not rule.generate:
                feeding.update(names)
    out: dict[str, Rule] = {}
    for name, rule in rules.items():
        if rule.references and name not in resolved:
            continue
        rule = resolved.get(name, rule)
        if name in feeding:
            rule = replace(rule, alerting=False)
        out[name] = rule
    return RuleSet(rules=out)


def _load_file(path: Path, vocab: Vocabulary) -> Iterator[tuple[Rule, Node] | RuleError]:
    text = path.read_text(encoding="utf-8")
    try:
        nodes = list(yaml.compose_all(text, Loader=yaml.SafeLoader))
        docs = list(yaml.safe_load_all(text))
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        line = mark.line + 1 if mark else None
        yield RuleError(str(path), line, None, f"broken YAML: {getattr(exc, 'problem', exc)}")
        return
    for index, (doc, node) in enumerate(zip(docs, nodes, strict=True)):
        if doc is None:
            continue
        line = node.start_mark.line + 1
        label = doc.get("name") or doc.get("title") if isinstance(doc, dict) else None
        if not isinstance(doc, dict):
            yield RuleError(str(path), line, None, "a rule document must be a mapping")
            continue
        try:
            rule = _build(path, index, doc, node, vocab)
        except _Refused as exc:
            yield RuleError(str(path), exc.line or line, label, exc.reason)
        else:
            yield rule, node


def _build(path: Path, index: int, doc: dict[str, Any], node: Node, vocab: Vocabulary) -> Rule:
    doc_line = node.start_mark.line + 1
    raw_ext = doc.get("sentinel") or {}
    try:
        spec = SentinelSpec.model_validate(raw_ext)
    except ValidationError as exc:
        err = exc.errors()[0]
        loc = [str(p) for p in err["loc"]]
        raise _Refused(
            f"sentinel.{'.'.join(loc)}: {err['msg']}", _line(node, "sentinel", *loc)
        ) from None
    sigma_doc = {k: v for k, v in doc.items() if k != "sentinel"}
    name = str(doc.get("name") or (path.stem if index == 0 else f"{path.stem}-{index}"))
    meta = _meta(spec, doc, vocab, node)
    common = {
        "id": str(doc.get("id") or name),
        "name": name,
        "title": str(doc.get("title") or name),
        "description": str(doc.get("description") or "").strip(),
        "file": str(path),
        "line": doc_line,
        "meta": meta,
        "tags": tuple(str(t) for t in doc.get("tags") or ()),
    }
    if "correlation" in doc:
        return _correlation(sigma_doc, node, common, spec)
    if "detection" not in doc:
        raise _Refused("neither 'detection' nor 'correlation': not a Sigma rule")
    try:
        sigma = SigmaRule.from_dict(sigma_doc)
        flt = rule_filter(sigma)
    except SigmaError as exc:
        raise _Refused(f"Sigma: {exc}", _line(node, "detection")) from None
    except CompileError as exc:
        where = _find_key_line(node, exc.field) if exc.field else None
        raise _Refused(str(exc), where or _line(node, "detection")) from None
    logsource = doc.get("logsource")
    product = logsource.get("product") if isinstance(logsource, dict) else None
    _check_filter(flt, replace(vocab, actions=None) if product in OPEN_ACTIONS else vocab, node)
    extension = _extension(spec, vocab)
    kind = extension[0] if extension else "match"
    rule = Rule(
        **common,
        kind=kind,  # type: ignore[arg-type]
        filter=flt,
        group_by=tuple(spec.group_by) or ("user.name",),
        window=spec.window,
        **(dict([extension]) if extension else {}),
    )
    _check_fields(_group_fields(rule), node)
    return rule


def _meta(spec: SentinelSpec, doc: dict[str, Any], vocab: Vocabulary, node: Node) -> Meta:
    unknown = [c for c in spec.categories if c not in vocab.categories]
    if unknown:
        raise _Refused(
            f"unknown personal-data categories {unknown}; known: {sorted(vocab.categories)}",
            _line(node, "sentinel", "categories"),
        )
    level = str(doc.get("level") or _LEVEL_DEFAULT)
    return Meta(
        severity=spec.severity or level,
        categories=tuple(spec.categories),
        playbook=spec.playbook,
        suppress=spec.suppress,
        channels=tuple(spec.channels),
        interval=spec.interval,
        delay=spec.delay,
        throttle=Throttle(spec.throttle.max, spec.throttle.per) if spec.throttle else None,
    )


def _extension(spec: SentinelSpec, vocab: Vocabulary) -> tuple[str, Any] | None:
    if spec.new_terms:
        nt = spec.new_terms
        return "new_terms", NewTerms(tuple(nt.fields), tuple(nt.group_by), nt.history)
    if spec.baseline:
        b = spec.baseline
        return "baseline", Baseline(tuple(b.group_by), b.window, b.history, b.ratio, b.min_count)
    if spec.flatline:
        f = spec.flatline
        expected = tuple(f.expected)
        if tuple(f.group_by) == (SOURCE_NAME,) and vocab.sources is not None:
            # a pack expects its sources only where they are configured
            expected = tuple(name for name in expected if name in vocab.sources)
        return "flatline", Flatline(tuple(f.group_by), f.span, f.history, expected)
    return None


def _correlation(
    doc: dict[str, Any], node: Node, common: dict[str, Any], spec: SentinelSpec
) -> Rule:
    try:
        sigma = SigmaCorrelationRule.from_dict(doc)
    except SigmaError as exc:
        raise _Refused(f"Sigma correlation: {exc}", _line(node, "correlation")) from None
    kind = str(sigma.type.name).lower()
    if kind not in ("event_count", "value_count", "temporal", "temporal_ordered"):
        raise _Refused(
            f"correlation type {kind!r} is not supported", _line(node, "correlation", "type")
        )
    cond = sigma.condition
    op = _OPS.get(cond.op.name) if cond else "gte"
    if op is None:
        raise _Refused(f"condition operator {cond.op.name} is not supported")
    if cond is not None and cond.percentile is not None:
        raise _Refused("percentile conditions are not supported", _line(node, "correlation"))
    fieldref = cond.fieldref if cond else None
    if isinstance(fieldref, list):
        if len(fieldref) != 1:
            raise _Refused("value_count counts one field", _line(node, "correlation", "condition"))
        fieldref = fieldref[0]
    count = int(cond.count) if cond else len(sigma.rules)
    if kind == "value_count" and not fieldref:
        raise _Refused(
            "value_count needs condition.field: the field whose distinct values are counted",
            _line(node, "correlation", "condition"),
        )
    aliases: dict[str, dict[str, str]] = {}
    if sigma.aliases:
        for alias, mapping in sigma.aliases.aliases.items():
            aliases[alias] = {ref.reference: f for ref, f in mapping.mapping.items()}
    group_by = tuple(sigma.group_by or ())
    timespan = timedelta(seconds=sigma.timespan.seconds)
    rule = Rule(
        **common,
        kind=kind,  # type: ignore[arg-type]
        references=tuple(r.reference for r in sigma.rules),
        group_by=group_by,
        window=timespan,
        condition=Condition(op=op, count=count, field=fieldref),  # type: ignore[arg-type]
        aliases=aliases,
        generate=bool(sigma.generate),
    )
    _check_fields(
        [f for alias in group_by for f in ([alias] if alias not in aliases else [])]
        + [f for m in aliases.values() for f in m.values()]
        + ([fieldref] if fieldref else []),
        node,
    )
    return rule


def _group_fields(rule: Rule) -> list[str]:
    fields = list(rule.group_by)
    for ext in (rule.new_terms, rule.baseline, rule.flatline):
        if ext is not None:
            fields += list(ext.group_by)
    if rule.new_terms:
        fields += list(rule.new_terms.fields)
    return fields


def _check_fields(fields: Iterable[str], node: Node) -> None:
    for name in fields:
        if (problem := unusable_field(name)) is not None:
            raise _Refused(problem, _find_key_line(node, name))
        if not is_known_field(name):
            raise _Refused(
                f"field {name!r} is never carried by events (see docs/events.md for the fields)",
                _find_key_line(node, name),
            )
        if name in LIST_FIELDS:
            raise _Refused(
                f"cannot group or count by list field {name!r}", _find_key_line(node, name)
            )


def _check_filter(flt: Filter, vocab: Vocabulary, node: Node) -> None:
    for m in _matches(flt):
        if not is_known_field(m.field):
            raise _Refused(
                f"field {m.field!r} is never carried by events (see docs/events.md for the fields)",
                _find_key_line(node, m.field),
            )
        known = vocab.actions
        if m.field == "event.action" and m.op == "eq" and known and str(m.value) not in known:
            raise _Refused(
                f"event.action {m.value!r} is not an action the data map or parsers know "
                f"(known: {', '.join(sorted(vocab.actions))})",
                _find_key_line(node, m.field),
            )
        categories = vocab.categories
        if m.field == "sentinel.data_categories" and m.op == "eq" and m.value not in categories:
            raise _Refused(
                f"unknown personal-data category {m.value!r}",
                _find_key_line(node, m.field),
            )


def _matches(flt: Filter) -> Iterator[Match]:
    if isinstance(flt, Match):
        yield flt
    elif isinstance(flt, And | Or):
        for item in flt.items:
            yield from _matches(item)
    elif isinstance(flt, Not):
        yield from _matches(flt.item)


def _line(node: Node, *path: str) -> int:
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
        elif isinstance(current, SequenceNode) and key.isdigit() and int(key) < len(current.value):
            current = current.value[int(key)]
        else:
            break
    return current.start_mark.line + 1


def _find_key_line(node: Node, field_name: str) -> int | None:
    """Line of the first mapping key naming ``field_name`` (with or without modifiers)."""
    pattern = re.compile(rf"^{re.escape(field_name)}(\|.*)?$")
    stack: list[Node] = [node]
    while stack:
        current = stack.pop(0)
        if isinstance(current, MappingNode):
            for k, v in current.value:
                if isinstance(getattr(k, "value", None), str) and pattern.match(k.value):
                    return k.start_mark.line + 1
                stack.append(v)
        elif isinstance(current, SequenceNode):
            stack.extend(current.value)
        elif getattr(current, "value", None) == field_name:
            return current.start_mark.line + 1
    return None
