"""YAML read with its node tree, so a complaint about a value can name that value's line."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

import yaml

from sentinel.enrich.errors import EnrichmentError


def read_yaml(path: Path) -> tuple[Any, yaml.Node | None]:
    """The document and the node tree it was built from; one parse for both.

    A key written twice in one mapping is refused: YAML keeps the last silently,
    which would drop half of a hand-edited file without a word.
    """
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise EnrichmentError(path, None, f"cannot read the file ({exc})") from None
    loader = yaml.SafeLoader(text)
    try:
        node = loader.get_single_node()
        if node is not None:
            _refuse_repeated_keys(path, node)
        data = loader.construct_document(node) if node is not None else None
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        reason = getattr(exc, "problem", None) or str(exc)
        raise EnrichmentError(
            path, mark.line + 1 if mark else None, f"not valid YAML: {reason}"
        ) from None
    finally:
        loader.dispose()
    return data, node


def line_of(root: yaml.Node | None, loc: Sequence[str | int]) -> int | None:
    """Line (1-based) of the value at ``loc``, or of the deepest part of it that exists.

    The last key of ``loc`` is reported at the key itself, so "unknown key" points
    at the key that is unknown.
    """
    node = root
    if node is None:
        return None
    for depth, part in enumerate(loc):
        last = depth == len(loc) - 1
        if isinstance(node, yaml.MappingNode):
            pair = next((p for p in node.value if p[0].value == part), None)
            if pair is None:
                break
            node = pair[0] if last else pair[1]
        elif isinstance(node, yaml.SequenceNode) and isinstance(part, int):
            if not 0 <= part < len(node.value):
                break
            node = node.value[part]
        else:
            break
    return node.start_mark.line + 1


def _refuse_repeated_keys(path: Path, node: yaml.Node) -> None:
    if isinstance(node, yaml.MappingNode):
        seen: dict[Any, int] = {}
        for key, value in node.value:
            line = key.start_mark.line + 1
            if isinstance(key, yaml.ScalarNode):
                if key.value in seen:
                    raise EnrichmentError(
                        path,
                        line,
                        f"key {key.value!r} repeats the one on line {seen[key.value]}; "
                        "merge the two or remove one",
                    )
                seen[key.value] = line
            _refuse_repeated_keys(path, value)
    elif isinstance(node, yaml.SequenceNode):
        for item in node.value:
            _refuse_repeated_keys(path, item)
