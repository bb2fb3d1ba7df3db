"""Sigma detections (as parsed by pySigma) to Sentinel's backend-neutral Filter.

Anything that cannot be run exactly is refused with a reason rather than
approximated: a rule that silently matches something else is worse than no rule.
"""

from __future__ import annotations

import re

from sigma.conditions import (
    ConditionAND,
    ConditionFieldEqualsValueExpression,
    ConditionNOT,
    ConditionOR,
    ConditionValueExpression,
)
from sigma.rule import SigmaRule
from sigma.types import (
    CompareOperators,
    SigmaBool,
    SigmaCasedString,
    SigmaCIDRExpression,
    SigmaCompareExpression,
    SigmaExists,
    SigmaExpansion,
    SigmaNull,
    SigmaNumber,
    SigmaRegularExpression,
    SigmaRegularExpressionFlag,
    SigmaString,
    SpecialChars,
)

from sentinel.store.query import FIELD_NAME, And, Filter, Match, Not, Or


class CompileError(ValueError):
    """The rule uses something the engine cannot run exactly; ``field`` names where."""

    def __init__(self, reason: str, field: str | None = None) -> None:
        super().__init__(reason)
        self.field = field


def unusable_field(name: str) -> str | None:
    """Why a rule cannot name this field, with the fix; None when it can.

    CSV columns and JSON keys land under ``labels.<name>`` as written, spaces and
    all; the stores address fields by dotted name, so such a name is refused at
    load rather than failing when the rule runs.
    """
    if FIELD_NAME.match(name):
        return None
    column = name.removeprefix("labels.")
    odd = "a space" if " " in name else "a character other than letters, digits, '_' and '.'"
    return (
        f"field {name!r} cannot be used in a rule: it has {odd}. Map the column to a "
        f'usable name in the source\'s field_map, e.g. field_map = {{"{column}" = '
        f'"labels.{_tidy(column)}"}} (or to an event field such as "source.ip"), '
        "and use that name in the rule"
    )


def _tidy(column: str) -> str:
    out = re.sub(r"[^A-Za-z0-9_.]+", "_", column).strip("_.").lower()
    return out if out and (out[0].isalpha() or out[0] == "_") else f"f_{out}"


_COMPARE = {
    CompareOperators.GT: "gt",
    CompareOperators.GTE: "gte",
    CompareOperators.LT: "lt",
    CompareOperators.LTE: "lte",
}
_REGEX_FLAGS = {
    SigmaRegularExpressionFlag.IGNORECASE: "i",
    SigmaRegularExpressionFlag.MULTILINE: "m",
    SigmaRegularExpressionFlag.DOTALL: "s",
}


def rule_filter(rule: SigmaRule) -> Filter:
    """The filter selecting a base rule's events (several conditions are OR-ed, as in Sigma)."""
    conditions = [_node(c.parsed) for c in rule.detection.parsed_condition]
    return conditions[0] if len(conditions) == 1 else Or(tuple(conditions))


def _node(node: object) -> Filter:
    if isinstance(node, ConditionAND):
        return And(tuple(_node(a) for a in node.args))
    if isinstance(node, ConditionOR):
        return Or(tuple(_node(a) for a in node.args))
    if isinstance(node, ConditionNOT):
        return Not(_node(node.args[0]))
    if isinstance(node, ConditionFieldEqualsValueExpression):
        return _leaf(node.field, node.value)
    if isinstance(node, ConditionValueExpression):
        raise CompileError(
            "keyword searches (values without a field) are not supported: "
            "name the field, e.g. message|contains: ..."
        )
    raise CompileError(f"unsupported condition element {type(node).__name__}")


def _string_pattern(value: SigmaString) -> tuple[str, bool]:
    """Sigma's parts to a pattern with ``*``/``?`` wildcards and ``\\`` escapes; has-wildcards."""
    out: list[str] = []
    wild = False
    for part in value.s:
        if part is SpecialChars.WILDCARD_MULTI:
            out.append("*")
            wild = True
        elif part is SpecialChars.WILDCARD_SINGLE:
            out.append("?")
            wild = True
        elif isinstance(part, str):
            out.append(part.replace("\\", "\\\\").replace("*", "\\*").replace("?", "\\?"))
        else:
            raise CompileError(f"placeholders ({part}) are not supported")
    return "".join(out), wild


def _leaf(field: str | None, value: object) -> Filter:
    if field is None:
        raise CompileError("keyword searches (values without a field) are not supported")
    if (problem := unusable_field(field)) is not None:
        raise CompileError(problem, field)
    if isinstance(value, SigmaExpansion):
        return Or(tuple(_leaf(field, v) for v in value.values))
    if isinstance(value, SigmaString):
        cased = isinstance(value, SigmaCasedString)
        pattern, wild = _string_pattern(value)
        if wild:
            return Match(field, "wildcard", pattern, cased)
        return Match(field, "eq", "".join(str(p) for p in value.s), cased)
    if isinstance(value, SigmaBool):
        return Match(field, "eq", value.boolean)
    if isinstance(value, SigmaNumber):
        return Match(field, "eq", value.number)
    if isinstance(value, SigmaNull):
        return Match(field, "eq", None)
    if isinstance(value, SigmaExists):
        return Match(field, "exists", value.exists)
    if isinstance(value, SigmaCompareExpression):
        return Match(field, _COMPARE[value.op], value.number.number)  # type: ignore[arg-type]
    if isinstance(value, SigmaCIDRExpression):
        return Match(field, "cidr", str(value.network))
    if isinstance(value, SigmaRegularExpression):
        flags = "".join(sorted(_REGEX_FLAGS[f] for f in value.flags if f in _REGEX_FLAGS))
        unknown = set(value.flags) - set(_REGEX_FLAGS)
        if unknown:
            raise CompileError(f"regular expression flags {unknown} are not supported")
        pattern = value.regexp.original if hasattr(value.regexp, "original") else str(value.regexp)
        ignore_case = "i" in flags
        other = flags.replace("i", "")
        full = f"(?{other}){pattern}" if other else pattern
        try:
            re.compile(full)
        except re.error as exc:
            raise CompileError(
                f"regular expression {pattern!r} of field {field!r}: {exc}"
            ) from None
        return Match(field, "regex", full, not ignore_case)
    raise CompileError(
        f"the value type {type(value).__name__} of field {field!r} is not supported "
        "(unsupported modifier)"
    )
