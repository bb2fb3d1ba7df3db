"""Inline SVG bar charts: figures a screen reader can read, names from logs kept as text."""

from __future__ import annotations

from sentinel.web.charts import BAR, MARK, bar_chart


def test_chart_states_its_figures_for_a_screen_reader() -> None:
    svg = bar_chart([("Mon", 2), ("Tue", 0), ("Wed", 5)], "bulk_member_views per day")
    assert 'role="img"' in svg
    assert 'aria-label="bulk_member_views per day: 7 in all, at most 5 (Mon to Wed)"' in svg
    assert "<title>Tue: 0</title>" in svg
    assert svg.count("<rect") == 3


def test_tallest_bar_fills_the_plot_and_the_marked_window_is_red() -> None:
    svg = bar_chart([("a", 1), ("b", 4)], "x", height=116, marked=[1])
    assert 'y="0.0" width' in svg and 'height="100.0" fill="' + MARK in svg
    assert f'height="25.0" fill="{BAR}"' in svg


def test_names_from_logs_are_escaped() -> None:
    svg = bar_chart([("<b>x</b>", 1)], 'rule "<x>"')
    assert "<b>" not in svg
    assert "&lt;b&gt;x&lt;/b&gt;" in svg


def test_no_bars_says_so_instead_of_an_empty_chart() -> None:
    assert "nothing to show" in bar_chart([], "alerts per day")
