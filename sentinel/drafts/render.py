"""Rendering a draft template: Jinja2 with StrictUndefined, escaping in HTML, open questions first.

StrictUndefined makes a misspelt variable an error instead of a silent blank;
facts go through ``FactView``, which turns an unknown fact into a marker. The
open questions are listed at the top of a draft, but only known once the whole
template has been through the view, so a template is rendered twice: once to
collect them, once to print them. HTML templates (``*.html.j2``) escape every
value, so a log line with markup stays text.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from jinja2 import (
    Environment,
    FileSystemLoader,
    StrictUndefined,
    TemplateError,
    TemplateNotFound,
    TemplateSyntaxError,
)

from sentinel.drafts.errors import DraftError
from sentinel.drafts.view import FactView, OpenQuestion

TEMPLATES = Path(__file__).resolve().parents[2] / "templates" / "drafts"


@dataclass(frozen=True, slots=True)
class Rendered:
    text: str
    open_questions: list[OpenQuestion]


def _autoescape(name: str | None) -> bool:
    return name is not None and ".html" in name


def environment(folder: Path = TEMPLATES) -> Environment:
    if not folder.is_dir():
        raise DraftError(f"no draft templates at {folder}")
    return Environment(
        loader=FileSystemLoader(folder),
        undefined=StrictUndefined,
        autoescape=_autoescape,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
    )


def render(env: Environment, name: str, view: FactView, context: dict[str, Any]) -> Rendered:
    """The template filled from ``context`` and the facts in ``view``, open questions on top."""
    try:
        template = env.get_template(name)
        template.render(**context, v=view, open_questions=[])
        questions = view.open_questions
        text = template.render(**context, v=view, open_questions=questions)
    except TemplateNotFound:
        raise DraftError(f"no template {name} in {env.loader.searchpath}") from None  # type: ignore[union-attr]
    except TemplateSyntaxError as exc:
        raise DraftError(f"{exc.filename or name}:{exc.lineno}: {exc.message}") from None
    except TemplateError as exc:
        raise DraftError(f"template {name}: {exc}") from None
    return Rendered(text=_tidy(text), open_questions=questions)


def _tidy(text: str) -> str:
    """No trailing spaces and at most one blank line in a row: drafts get diffed and hashed."""
    lines = [line.rstrip() for line in text.splitlines()]
    out: list[str] = []
    for line in lines:
        if line == "" and (not out or out[-1] == ""):
            continue
        out.append(line)
    while out and out[-1] == "":
        out.pop()
    return "\n".join(out) + "\n"
