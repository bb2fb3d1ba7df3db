"""Filters in Elasticsearch terms: the regexes and wildcards it can run, refusals where not."""

from __future__ import annotations

import re

import pytest

from sentinel.store.es_filter import compile_filter, lucene_regex, sigma_wildcard
from sentinel.store.query import Match, QueryError


@pytest.mark.parametrize(
    ("python", "lucene"),
    [
        ("export", ".*export.*"),
        ("^admin$", "admin"),
        (r"^\d{3}-\w+", "[0-9]{3}-[A-Za-z0-9_]+.*"),
        (r"[\d.]+$", ".*[0-9.]+"),
        ("a|b", ".*(a|b).*"),
        ("(?:ab)+?c", ".*(ab)+c.*"),
        ("x{,3}", ".*x{0,3}.*"),
        ('mail@host "quoted" <tag> ~#&', '.*mail\\@host \\"quoted\\" \\<tag\\> \\~\\#\\&.*'),
        (r"\.\$", r".*\.\$.*"),
    ],
)
def test_python_regexes_become_whole_value_lucene_regexes(python: str, lucene: str) -> None:
    assert lucene_regex(python) == lucene


@pytest.mark.parametrize(
    ("pattern", "named"),
    [
        (r"(?=x)y", "(?…)"),
        (r"\bword", r"\b"),
        (r"(a)\1", r"\1"),
        ("a^b", "^"),
        ("^a|b", "top-level |"),
        ("[\\W]", "inside [...]"),
        ("abc\\", "lone backslash"),
    ],
)
def test_what_lucene_cannot_express_is_refused_by_name(pattern: str, named: str) -> None:
    with pytest.raises(QueryError, match=re.escape(named)):
        lucene_regex(pattern)


def test_sigma_wildcards_keep_their_escapes() -> None:
    assert sigma_wildcard(r"/members/*/export\*?") == r"/members/*/export\*?"
    assert sigma_wildcard(r"C:\Windows\*") == r"C:\\Windows\*"
    assert sigma_wildcard(r"a\\b") == r"a\\b"


def test_text_matches_on_numbers_are_refused_and_ips_use_their_text_field() -> None:
    with pytest.raises(QueryError, match=re.escape("http.response.status_code is a long field")):
        compile_filter(Match("http.response.status_code", "startswith", "5"))
    with pytest.raises(QueryError, match="cidr needs an IP field"):
        compile_filter(Match("user.name", "cidr", "10.0.0.0/8"))
    assert compile_filter(Match("source.ip", "contains", "10.")) == {
        "wildcard": {"source.ip.keyword": {"value": "*10.*", "case_insensitive": True}}
    }


def test_values_no_field_of_that_type_can_hold_match_nothing() -> None:
    assert compile_filter(Match("source.ip", "eq", "unknown")) == {"match_none": {}}
    assert compile_filter(Match("http.response.status_code", "gt", "many")) == {"match_none": {}}
