"""SigmaHQ-style rules to Sentinel rules: field names mapped by a pySigma processing pipeline.

Community rules name fields as their log source writes them (CloudTrail's
``eventName``, a web server's ``cs-uri-query``, PAM's ``pam_rhost``); Sentinel's
events carry ECS names. ``PIPELINE`` maps one to the other per log source, the
way pySigma backends do, and every converted rule is then loaded exactly as a
shipped rule is, so whatever the engine cannot run (a keyword search, a field no
event carries, an unsupported modifier or correlation) is refused with the loader's
reason. Match rules get a ``sentinel:`` group-by and window suited to their log
source; everything else of the rule is kept as written.
"""

from __future__ import annotations

import re
import tempfile
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml
from sigma.exceptions import SigmaError
from sigma.processing.conditions import LogsourceCondition
from sigma.processing.pipeline import ProcessingItem, ProcessingPipeline
from sigma.processing.transformations import FieldMappingTransformation
from sigma.rule import SigmaRule

from sentinel.detection.loader import EXAMPLES_SUFFIX, Vocabulary, load_rules
from sentinel.events import is_known_field

CLOUDTRAIL = {
    "eventName": "event.action",
    "eventSource": "event.provider",
    "eventType": "aws.cloudtrail.event_type",
    "eventCategory": "aws.cloudtrail.event_category",
    "readOnly": "aws.cloudtrail.read_only",
    "errorCode": "error.code",
    "errorMessage": "error.message",
    "awsRegion": "cloud.region",
    "recipientAccountId": "cloud.account.id",
    "sourceIPAddress": "source.address",
    "userAgent": "user_agent.original",
    "userIdentity.type": "aws.cloudtrail.user_identity.type",
    "userIdentity.arn": "aws.cloudtrail.user_identity.arn",
    "userIdentity.accessKeyId": "aws.cloudtrail.user_identity.access_key_id",
    "userIdentity.invokedBy": "aws.cloudtrail.user_identity.invoked_by",
    "userIdentity.principalId": "user.id",
    "userIdentity.userName": "user.name",
    "userIdentity.sessionContext.sessionIssuer.userName": "user.name",
    "requestParameters.bucketName": "aws.s3.bucket.name",
    "requestParameters.key": "aws.s3.object.key",
    "requestParameters": "aws.cloudtrail.request_parameters",
}
WEBSERVER = {
    "c-ip": "source.ip",
    "cs-method": "http.request.method",
    "cs-uri-stem": "url.path",
    "cs-uri-query": "url.original",
    "cs-uri": "url.original",
    "c-uri": "url.original",
    "sc-status": "http.response.status_code",
    "cs-user-agent": "user_agent.original",
    "c-useragent": "user_agent.original",
    "cs-referer": "http.request.referrer",
    "cs-username": "user.name",
    "cs-version": "http.version",
    "sc-bytes": "http.response.body.bytes",
}
LINUX = {
    "host": "host.hostname",
    "hostname": "host.hostname",
    "process": "process.name",
    "pid": "process.pid",
    "pam_user": "user.name",
    "pam_rhost": "source.address",
    "pam_message": "message",
    "USER": "user.effective.name",
    "COMMAND": "process.command_line",
    "User": "user.name",
}

# (log source, mapping, group-by and window for a match rule without a sentinel: key)
_SOURCES: tuple[tuple[dict[str, str], dict[str, str], list[str], str], ...] = (
    ({"product": "aws"}, CLOUDTRAIL, ["user.name", "source.address"], "1h"),
    ({"category": "webserver"}, WEBSERVER, ["source.ip"], "1h"),
    ({"product": "apache"}, WEBSERVER, ["source.ip"], "1h"),
    ({"product": "nginx"}, WEBSERVER, ["source.ip"], "1h"),
    ({"product": "linux"}, LINUX, ["host.hostname"], "1h"),
)

PIPELINE = ProcessingPipeline(
    name="Sentinel field names",
    priority=20,
    items=[
        ProcessingItem(
            identifier=f"sentinel_{'_'.join(where.values())}",
            transformation=FieldMappingTransformation(mapping),
            rule_conditions=[LogsourceCondition(**where)],
        )
        for where, mapping, _, _ in _SOURCES
    ],
)
"""The pySigma processing pipeline from the log sources' field names to Sentinel's."""


@dataclass(frozen=True, slots=True)
class Converted:
    """One rule of an imported file: its Sentinel text, or why it was refused."""

    file: str
    rule: str
    text: str | None = None
    reason: str | None = None

    @property
    def imported(self) -> bool:
        return self.reason is None


def _source(logsource: Mapping[str, Any]) -> tuple[dict[str, str], list[str], str] | None:
    for where, mapping, group_by, window in _SOURCES:
        if all(logsource.get(k) == v for k, v in where.items()):
            return mapping, group_by, window
    return None


def _fields(detection: Any) -> Iterator[str]:
    """The field names a Sigma detection tests (modifiers cut off)."""
    if not isinstance(detection, dict):
        return
    for identifier, selection in detection.items():
        if identifier == "condition":
            continue
        maps = selection if isinstance(selection, list) else [selection]
        for item in maps:
            if isinstance(item, dict):
                yield from (str(key).split("|", 1)[0] for key in item)


def _slug(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "_", text.lower()).strip("_")[:60] or "imported"


def _convert(doc: dict[str, Any], where: str) -> dict[str, Any]:
    """A Sigma detection rule with its fields mapped and a sentinel: key; ValueError if not."""
    logsource = doc.get("logsource") or {}
    found = _source(logsource) if isinstance(logsource, dict) else None
    if found is None:
        shown = ", ".join(f"{k}={v}" for k, v in logsource.items()) if logsource else "none"
        raise ValueError(
            f"log source {shown}: Sentinel reads no such logs (it maps product=aws, "
            "category=webserver, product=linux)"
        )
    mapping, group_by, window = found
    unmapped = sorted(
        {f for f in _fields(doc.get("detection")) if f not in mapping and not is_known_field(f)}
    )
    if unmapped:
        raise ValueError(
            f"field(s) {', '.join(unmapped)} have no counterpart in Sentinel's events "
            f"for this log source; mapped are: {', '.join(sorted(mapping))}"
        )
    try:
        rule = SigmaRule.from_dict({k: v for k, v in doc.items() if k != "sentinel"})
        PIPELINE.apply(rule)
    except SigmaError as exc:
        raise ValueError(f"Sigma: {exc}") from None
    out = rule.to_dict()
    out["name"] = doc.get("name") or _slug(str(doc.get("title") or where))
    extension = dict(doc.get("sentinel") or {})
    extension.setdefault("group-by", group_by)
    extension.setdefault("window", window)
    out["sentinel"] = extension
    return out


def _correlation(doc: dict[str, Any]) -> dict[str, Any]:
    """A correlation's group-by and fields mapped by every log source's names."""
    everything = {k: v for _, mapping, _, _ in _SOURCES for k, v in mapping.items()}
    out = dict(doc)
    corr = dict(doc.get("correlation") or {})
    if isinstance(corr.get("group-by"), list):
        corr["group-by"] = [everything.get(f, f) for f in corr["group-by"]]
    condition = corr.get("condition")
    if isinstance(condition, dict) and isinstance(condition.get("field"), str):
        corr["condition"] = {
            **condition,
            "field": everything.get(condition["field"], condition["field"]),
        }
    aliases = corr.get("aliases")
    if isinstance(aliases, dict):
        corr["aliases"] = {
            alias: {r: everything.get(f, f) for r, f in per_rule.items()}
            for alias, per_rule in aliases.items()
            if isinstance(per_rule, dict)
        }
    out["correlation"] = corr
    return out


def import_file(path: Path, vocabulary: Vocabulary | None = None) -> list[Converted]:
    """Each rule of a SigmaHQ-style file, converted and then loaded as Sentinel would."""
    try:
        docs = [d for d in yaml.safe_load_all(path.read_text(encoding="utf-8")) if d is not None]
    except (yaml.YAMLError, UnicodeDecodeError) as exc:
        return [Converted(str(path), path.stem, reason=f"not YAML: {exc}")]
    converted: list[tuple[str, dict[str, Any] | None, str | None]] = []
    for index, doc in enumerate(docs):
        label = f"{path.stem}-{index}" if index else path.stem
        if not isinstance(doc, dict):
            converted.append((label, None, "a rule document must be a mapping"))
            continue
        label = str(doc.get("name") or doc.get("title") or label)
        try:
            out = _correlation(doc) if "correlation" in doc else _convert(doc, label)
        except ValueError as exc:
            converted.append((label, None, str(exc)))
        else:
            converted.append((label, out, None))
    return _check(path, converted, vocabulary)


def _check(
    path: Path,
    converted: list[tuple[str, dict[str, Any] | None, str | None]],
    vocabulary: Vocabulary | None,
) -> list[Converted]:
    """Load the converted rules together, as the engine would; keep the loader's refusals."""
    kept = [(label, doc) for label, doc, _ in converted if doc is not None]
    texts = {label: yaml.safe_dump(doc, sort_keys=False, allow_unicode=True) for label, doc in kept}
    refused: dict[str, str] = {}
    if kept:
        with tempfile.TemporaryDirectory(prefix="sentinel-import-") as tmp:
            target = Path(tmp) / f"{path.stem}.yml"
            target.write_text("---\n".join(texts.values()), encoding="utf-8")
            result = load_rules([target], vocabulary)
        names = {str(doc.get("name") or doc.get("title")): label for label, doc in kept}
        for error in result.errors:
            label = names.get(error.rule or "", error.rule or path.stem)
            refused[label] = error.reason
    out = []
    for label, doc, reason in converted:
        if doc is None:
            out.append(Converted(str(path), label, reason=reason))
        elif label in refused:
            out.append(Converted(str(path), label, reason=refused[label]))
        else:
            out.append(Converted(str(path), label, text=texts[label]))
    return out


def rule_sources(paths: Iterable[Path]) -> Iterator[Path]:
    """The YAML files under the given paths (SigmaHQ's layout nests folders deeply)."""
    for path in paths:
        if path.is_dir():
            for f in sorted([*path.rglob("*.yml"), *path.rglob("*.yaml")]):
                if not f.name.endswith(EXAMPLES_SUFFIX):
                    yield f
        else:
            yield path


def write_imported(results: list[Converted], out: Path) -> list[Path]:
    """One Sentinel file per source file, holding the rules that were imported."""
    by_file: dict[str, list[str]] = {}
    for r in results:
        if r.text is not None:
            by_file.setdefault(r.file, []).append(r.text)
    written = []
    out.mkdir(parents=True, exist_ok=True)
    for file, texts in by_file.items():
        target = out / f"{Path(file).stem}.yml"
        target.write_text("---\n".join(texts), encoding="utf-8")
        written.append(target)
    return written
