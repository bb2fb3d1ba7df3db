"""Turns a queued notification into the message each kind of channel shows.

Every template family under ``templates/notify/`` (``alert``, ``reminder``,
``playbook_step``, ``test``) has five parts: ``NAME.subject.txt``,
``NAME.text.txt``, ``NAME.html`` (autoescaped), ``NAME.slack.json`` (Slack
blocks) and ``NAME.teams.json`` (an Adaptive Card). Undefined variables are
errors (StrictUndefined), so a template never sends a silent blank. In the JSON
parts every ``{{ … }}`` is written out as a JSON value, so no value can break
the document; literal text between them is the JSON skeleton.
"""

from __future__ import annotations

import traceback
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import orjson
from jinja2 import (
    Environment,
    FileSystemLoader,
    StrictUndefined,
    TemplateError,
    TemplateNotFound,
    TemplateSyntaxError,
    select_autoescape,
)

from sentinel.events import parse_timestamp
from sentinel.localtime import show
from sentinel.plaintext import one_line, printable

TEMPLATES = Path(__file__).resolve().parents[2] / "templates" / "notify"
PARTS = ("subject.txt", "text.txt", "html", "slack.json", "teams.json")

CATEGORY_LABELS = {
    "contact": "contact details",
    "identity": "identity data (name, date of birth)",
    "national_id": "national identification number (BSN)",
    "identity_documents": "identity documents",
    "financial": "financial data",
    "payment_card": "payment card data",
    "credentials": "login credentials",
    "location": "location data",
    "vehicle": "vehicle data",
    "behavioural": "behavioural data",
    "communications": "content of communications",
    "special": "special categories of personal data (Art. 9 GDPR)",
    "criminal": "criminal convictions and offences (Art. 10 GDPR)",
}
FIELD_LABELS = {
    "user.name": "account",
    "sentinel.target.user": "target account",
    "source.ip": "source IP",
    "source.geo.country_iso_code": "country",
    "service.name": "log source",
    "host.name": "host",
    "organization.name": "partner",
}


class RenderError(Exception):
    """A template is missing, broken, or asks for a value the notification lacks."""


@dataclass(frozen=True, slots=True)
class Message:
    """One notification, rendered for every kind of channel."""

    id: str
    template: str
    title: str
    severity: str
    link: str | None
    """Absolute: the settings' base_url followed by the notification's path."""
    created: str
    context: dict[str, Any]
    subject: str
    text: str
    html: str
    slack: dict[str, Any]
    """A Slack incoming-webhook payload: fallback ``text`` and ``blocks``."""
    teams: dict[str, Any]
    """The Adaptive Card itself; the Teams sender wraps it in a message."""


def _local(zone: ZoneInfo) -> Any:
    def local(value: str | datetime | None, seconds: bool = True) -> str:
        return show(None if value is None else parse_timestamp(value), zone, seconds=seconds)

    return local


def who(group: Mapping[str, Any]) -> str:
    """``account m.bakker, source IP 203.0.113.7``; the group values an alert is about."""
    parts = [f"{FIELD_LABELS.get(k, k)} {v}" for k, v in group.items()]
    return ", ".join(parts) or "not tied to one account or address"


def categories(codes: list[str]) -> str:
    return ", ".join(CATEGORY_LABELS.get(c, c) for c in codes) or "none named by the rule"


def mrkdwn(text: Any) -> str:
    """Slack treats &, < and > as markup; values from logs must show as typed."""
    return str(text).replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def plain(text: Any, **style: Any) -> dict[str, Any]:
    """An Adaptive Card block that shows ``text`` as typed.

    A TextBlock (and a FactSet value) reads Markdown, so ``[click](http://…)`` in a user
    name would become a link in Teams; a TextRun inside a RichTextBlock never does.
    """
    return {"type": "RichTextBlock", "inlines": [{"type": "TextRun", "text": str(text), **style}]}


def plain_facts(facts: list[Mapping[str, Any]]) -> dict[str, Any]:
    """A FactSet's title/value pairs as plain text runs (FactSet values read Markdown)."""
    return {
        "type": "Container",
        "items": [
            {
                "type": "RichTextBlock",
                "inlines": [
                    {"type": "TextRun", "text": f"{f['title']}: ", "weight": "Bolder"},
                    {"type": "TextRun", "text": str(f["value"])},
                ],
            }
            for f in facts
        ],
    }


def _printable(value: Any) -> Any:
    """A value's control characters shown as escapes in mail text and HTML (Markup kept)."""
    return printable(value) if type(value) is str else value


def _json_value(value: Any) -> str:
    return orjson.dumps(value, default=str).decode()


class Renderer:
    """Renders notifications from the templates, times in the people's zone."""

    def __init__(self, zone: ZoneInfo, base_url: str, templates: Path = TEMPLATES) -> None:
        self.templates = templates
        self.zone = zone
        self.base_url = base_url.rstrip("/")
        loader = FileSystemLoader(templates)
        common: dict[str, Any] = {
            "loader": loader,
            "undefined": StrictUndefined,
            "trim_blocks": True,
            "lstrip_blocks": True,
        }
        self._env = Environment(
            autoescape=select_autoescape(["html"], default_for_string=False, default=False),
            finalize=_printable,
            **common,
        )
        self._json_env = Environment(autoescape=False, finalize=_json_value, **common)
        filters = {
            "local": _local(zone),
            "who": who,
            "categories": categories,
            "mrkdwn": mrkdwn,
            "plain": plain,
            "plain_facts": plain_facts,
        }
        for env in (self._env, self._json_env):
            env.filters.update(filters)

    def families(self) -> list[str]:
        """Template families with all five parts present."""
        names = {p.name.split(".", 1)[0] for p in self.templates.glob("*.*")}
        return sorted(
            n
            for n in names
            if not n.startswith("_") and all((self.templates / f"{n}.{p}").is_file() for p in PARTS)
        )

    def render(self, notification_id: str, data: Mapping[str, Any]) -> Message:
        """``data`` is a notification record's data (see ``sentinel.notify.outbox``)."""
        family = data["template"]
        link = f"{self.base_url}{data['link']}" if data.get("link") else None
        variables = {
            **data["context"],
            "notification": {
                "id": notification_id,
                "title": data["title"],
                "severity": data["severity"],
                "created": data["created"],
            },
            "link": link,
            "timezone": self.zone.key,
        }
        subject = one_line(" ".join(self._part(family, "subject.txt", variables).split()))
        return Message(
            id=notification_id,
            template=family,
            title=data["title"],
            severity=data["severity"],
            link=link,
            created=data["created"],
            context=dict(data["context"]),
            subject=subject,
            text=printable(self._part(family, "text.txt", variables).strip()) + "\n",
            html=self._part(family, "html", variables),
            slack=self._json(family, "slack.json", variables),
            teams=self._json(family, "teams.json", variables),
        )

    def _part(
        self, family: str, part: str, variables: dict[str, Any], *, json: bool = False
    ) -> str:
        name = f"{family}.{part}"
        env = self._json_env if json else self._env
        try:
            return env.get_template(name).render(variables)
        except TemplateNotFound:
            raise RenderError(
                f"{self.templates / name}: missing; template {family!r} needs "
                + ", ".join(f"{family}.{p}" for p in PARTS)
            ) from None
        except TemplateSyntaxError as exc:
            raise RenderError(f"{exc.filename or name}, line {exc.lineno}: {exc.message}") from None
        except TemplateError as exc:
            raise RenderError(f"{self._where(exc, name)}: {exc}") from None

    def _json(self, family: str, part: str, variables: dict[str, Any]) -> dict[str, Any]:
        text = self._part(family, part, variables, json=True)
        try:
            value = orjson.loads(text)
        except orjson.JSONDecodeError as exc:
            raise RenderError(
                f"{self.templates / f'{family}.{part}'}: not JSON once rendered: {exc}"
            ) from None
        if not isinstance(value, dict):
            raise RenderError(f"{self.templates / f'{family}.{part}'}: must render a JSON object")
        return value

    def _where(self, exc: BaseException, name: str) -> str:
        """The template file and line a rendering error came from (Jinja keeps them in frames)."""
        path = str(self.templates / name)
        lines = [f.lineno for f in traceback.extract_tb(exc.__traceback__) if f.filename == path]
        return f"{path}, line {lines[-1]}" if lines else path
