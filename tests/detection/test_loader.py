"""Loading rule packs: subfolders, unusable field names, open action vocabularies, flatlines."""

from __future__ import annotations

from pathlib import Path

import pytest

from sentinel.detection.loader import Vocabulary, load_rules

SPACED = """\
title: Honey bucket listed
name: honey_listed
logsource: {product: aws, service: s3}
detection:
  selection:
    labels.Request Parameters|contains: microsoft-devtest
  condition: selection
"""
BASE = """\
title: Bucket listed
name: bucket_listed
logsource: {product: aws, service: s3}
detection:
  selection:
    event.action: ListObjects
  condition: selection
"""
SPACED_GROUP = """\
title: Many listings from one address
name: many_listings
correlation:
  type: event_count
  rules: [bucket_listed]
  group-by: [labels.Source IP]
  timespan: 1h
  condition: {gte: 5}
"""
SPACED_EXTENSION = BASE.replace("bucket_listed", "by_column") + (
    "sentinel:\n  group-by: [labels.Source IP]\n"
)
SILENT = """\
title: A source gone silent
name: silent
logsource: {product: sentinel}
detection:
  selection:
    event.action|exists: true
  condition: selection
sentinel:
  flatline:
    group-by: [event.dataset]
    span: 2h
    expected: [app, gateway-ssh]
"""


def write(folder: Path, **files: str) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    for name, text in files.items():
        (folder / f"{name}.yml").write_text(text)
    return folder


@pytest.mark.parametrize(
    ("text", "line"),
    [(SPACED, 6), (BASE + "---\n" + SPACED_GROUP, 14), (SPACED_EXTENSION, 9)],
    ids=["detection", "correlation-group-by", "sentinel-group-by"],
)
def test_a_field_name_with_a_space_is_refused_with_the_fix(
    tmp_path: Path, text: str, line: int
) -> None:
    result = load_rules([write(tmp_path, rule=text)])

    [error] = result.errors
    assert error.line == line
    assert "'labels.Request Parameters'" in error.reason or "'labels.Source IP'" in error.reason
    assert "cannot be used in a rule: it has a space" in error.reason
    assert "field_map = {" in error.reason and '= "labels.' in error.reason


def test_rules_in_subfolders_load_with_their_examples_found(tmp_path: Path) -> None:
    write(tmp_path / "infra" / "aws", bucket=BASE)
    (tmp_path / "infra" / "aws" / "bucket.examples.yml").write_text("rule: bucket_listed\n")
    write(tmp_path / ".hidden", skipped=SPACED)

    result = load_rules([tmp_path])

    assert (result.files, sorted(result.ruleset.rules), result.errors) == (1, ["bucket_listed"], [])


def test_aws_api_names_are_not_checked_against_the_data_map(tmp_path: Path) -> None:
    known = Vocabulary(actions=frozenset({"member.view"}))
    portal = BASE.replace("product: aws, service: s3", "product: sentinel")

    assert load_rules([write(tmp_path / "a", rule=BASE)], known).errors == []
    [error] = load_rules([write(tmp_path / "b", rule=portal)], known).errors
    assert "'ListObjects' is not an action" in error.reason


@pytest.mark.parametrize(
    ("sources", "expected"),
    [
        (None, ("app", "gateway-ssh")),
        (frozenset({"app", "web"}), ("app",)),
        (frozenset({"auth", "web"}), ()),
    ],
)
def test_a_flatline_over_sources_expects_only_configured_ones(
    tmp_path: Path, sources: frozenset[str] | None, expected: tuple[str, ...]
) -> None:
    result = load_rules([write(tmp_path, rule=SILENT)], Vocabulary(sources=sources))

    assert result.ruleset.rules["silent"].flatline.expected == expected
