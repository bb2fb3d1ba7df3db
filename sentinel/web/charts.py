"""Small bar charts as inline SVG, drawn on the server: no script, no build step.

Each chart is an image with a text alternative (``role="img"`` and a label that
states the figures), and every bar carries its own ``<title>`` for hover.
"""

from __future__ import annotations

from collections.abc import Sequence

from markupsafe import Markup

BAR = "#0b57a4"
MARK = "#a4161a"


def bar_chart(
    bars: Sequence[tuple[str, int]],
    label: str,
    *,
    width: int = 480,
    height: int = 120,
    marked: Sequence[int] = (),
) -> Markup:
    """Bars for ``(name, value)`` pairs; indexes in ``marked`` are drawn in red (the window)."""
    if not bars:
        return Markup('<p class="muted">{}: nothing to show</p>').format(label)
    top = max(value for _, value in bars) or 1
    step = width / len(bars)
    gap = 1 if step > 3 else 0
    plot = height - 16
    parts = []
    for i, (name, value) in enumerate(bars):
        h = round(plot * value / top, 1)
        parts.append(
            Markup(
                '<rect x="{x}" y="{y}" width="{w}" height="{h}" fill="{fill}">'
                "<title>{name}: {value}</title></rect>"
            ).format(
                x=round(i * step, 1),
                y=round(plot - h, 1),
                w=round(max(step - gap, 0.5), 1),
                h=h,
                fill=MARK if i in marked else BAR,
                name=name,
                value=value,
            )
        )
    total = sum(value for _, value in bars)
    summary = f"{label}: {total} in all, at most {top} ({bars[0][0]} to {bars[-1][0]})"
    axis = Markup(
        '<text x="0" y="{y}" font-size="11" fill="#4a5360">{first}</text>'
        '<text x="{w}" y="{y}" font-size="11" fill="#4a5360" text-anchor="end">{last}</text>'
    ).format(y=height - 2, w=width, first=bars[0][0], last=bars[-1][0])
    return Markup(
        '<svg class="chart" role="img" aria-label="{summary}" viewBox="0 0 {w} {h}" '
        'width="100%" preserveAspectRatio="none" style="max-width:{w}px">'
        "<title>{summary}</title>{bars}{axis}</svg>"
    ).format(summary=summary, w=width, h=height, bars=Markup("").join(parts), axis=axis)
