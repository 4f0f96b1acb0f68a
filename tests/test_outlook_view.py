"""How the outlook reads on the pages: sentences, lines, the grid, the table (pure)."""

from __future__ import annotations

import numpy as np
import pandas as pd

from kpi.catalogue import KPIS
from kpi.outlook import COLUMNS
from layouts import figures as builders_module
from layouts.outlook_view import ordered, per_year, sentence, summary, table_rows, tile_line
from tests.plotly_checked import builders

figures = builders(builders_module)  # each figure read back through Plotly (validated)

CLEARANCE = KPIS["clearance_rate"]
ROW = {"level": "national", "code": "KZ", "category": "all", "kpi": "clearance_rate",
       "points": 5, "first_year": 2021, "last_year": 2025, "last_value": 97.3, "slope": 0.3,
       "horizon": 2029, "projected": 98.1, "lower": 95.2, "upper": 101.0, "target": 100.0,
       "required_slope": 0.675, "outlook": "uncertain"}


def test_the_sentence_of_the_issue():
    assert sentence(ROW, CLEARANCE, "Kazakhstan", "en") == (
        "Kazakhstan: the 2025 value, carried to 2029 with the spread of past changes: "
        "98.1 % (80 %: 95.2 %–101.0 %). The target is 100.0 %: uncertain. It needs +0.7 "
        "points a year; it has moved +0.3 points a year.")
    ru = sentence(ROW, CLEARANCE, "Казахстан", "ru")
    assert "98,1 %" in ru and "не определено" in ru and "+0,7 п. п." in ru
    too_few = {**ROW, "outlook": "insufficient_data", "projected": None}
    assert "fewer than three years" in sentence(too_few, CLEARANCE, "X", "en")
    no_target = {**ROW, "target": None, "required_slope": None, "outlook": "no_target"}
    assert sentence(no_target, CLEARANCE, "X", "en").endswith("no target for the horizon year.")


def test_per_year_signs_and_units():
    assert per_year(-3.4, KPIS["disposition_time"], "en") == "−3 days"
    assert per_year(0.0, CLEARANCE, "en") == "±0.0 points"
    assert per_year(1234.5, KPIS["cost_per_case"], "ru").startswith("+1\u202f234")


def test_tile_line_has_icon_word_and_interval():
    line = str(tile_line(ROW, CLEARANCE, "en"))
    assert "2029: " in line and "?" in line and "uncertain" in line and "95.2 %–101.0 %" in line
    assert tile_line(None, CLEARANCE, "en") is None


def _rows() -> pd.DataFrame:
    out = []
    for code, outcomes in (("KZ", ("off_track", "on_track")), ("KZ-10", ("off_track",
                                                                           "uncertain"))):
        for kpi, outcome in zip(("clearance_rate", "on_time_rate"), outcomes):
            out.append({**ROW, "code": code, "kpi": kpi, "outlook": outcome})
    return pd.DataFrame(out, columns=COLUMNS)


def test_most_off_track_first_and_the_table_rows():
    rows, kpis = ordered(_rows(), ["KZ", "KZ-10"])
    assert kpis == ["clearance_rate", "on_time_rate"]
    rows2, kpis2 = ordered(_rows().assign(outlook=["on_track", "off_track", "on_track",
                                                  "off_track"]), ["KZ", "KZ-10"])
    assert kpis2 == ["on_time_rate", "clearance_rate"]
    table = table_rows(rows, {"KZ": "Kazakhstan", "KZ-10": "Abai"}, "en")
    assert table[0]["outlook_text"] == "✖ off track" and table[0]["unit"] == "Kazakhstan"
    assert table[0]["projected"] == 98.1 and table[0]["interval_text"] == "95.2 %–101.0 %"
    assert table[0]["needed_text"] == "+0.7 points"
    assert summary(rows, "en").startswith("2 off track, 1 uncertain, 1 on track")
    nothing, none = ordered(_rows(), ["KZ-99"])
    assert nothing.empty and none == []


def test_outlook_grid_figure_cells_carry_icons():
    rows, kpis = ordered(_rows(), ["KZ", "KZ-10"])
    fig = figures.outlook_grid_figure(rows, kpis, ["KZ", "KZ-10"],
                                      {"KZ": "Kazakhstan", "KZ-10": "Abai"}, "en")
    heat = fig.data[0]
    assert list(heat.x) == ["Kazakhstan", "Abai"] and len(heat.y) == 2
    assert [list(r) for r in heat.text] == [["✖", "✖"], ["✔", "?"]]
    assert "uncertain" in fig.layout.annotations[-1].text  # the legend of icons and words
    empty = figures.outlook_grid_figure(rows.iloc[0:0], [], [], {}, "en")
    assert empty.layout.meta == {"chart": "empty"}


def test_sparkline_and_trend_draw_the_band():
    years, values = [2021, 2022, 2023, 2024, 2025], np.array([90, 93, 92, 95, 97.0])
    plain = figures.sparkline_svg(years, values, [])
    banded = figures.sparkline_svg(years, values, [], [(2025, 96.8, 94.0, 99.0),
                                                       (2029, 100.0, 93.0, 107.0)])
    assert "fill-opacity" not in plain and 'fill-opacity="0.15"' in banded
    path = pd.DataFrame({"year": [2025, 2029], "fitted": [96.8, 100.0],
                         "lower": [94.0, 93.0], "upper": [99.0, 107.0]})
    series = pd.DataFrame({"year": years, "value": values, "label": "KZ"})
    fig = figures.trend_figure(series, None, CLEARANCE, "en", path)
    names = [tr.name for tr in fig.data]
    assert "Projection and 80 % band to 2029" in names and "Projection (no change)" in names
    band = next(tr for tr in fig.data if tr.name == "Projection and 80 % band to 2029")
    assert band.fill == "tonexty" and list(band.y) == [94.0, 93.0]


def test_a_change_that_rounds_to_nothing_reads_as_none():
    assert per_year(-0.34, KPIS["disposition_time"], "en") == "±0 days"
    assert per_year(0.04, CLEARANCE, "en") == "±0.0 points"


def test_track_record_sentence_only_when_the_data_say():
    from layouts.outlook_view import track_record

    summary = pd.DataFrame({
        "kpi": ["clearance_rate", "disposition_time", "clearance_rate"],
        "level": ["region", "region", "national"], "horizon": [4, 4, 4],
        "cases": [300, 100, 19], "coverage": [0.8, 0.76, 0.7],
        "mae": [1.0, 1.0, 1.0], "mae_no_change": [1.0, 1.0, 1.0], "mae_ratio": [1.0] * 3})
    assert track_record(summary, ["clearance_rate"], "region", 4, "en") == (
        "In past years, 4-year projections like this one held the outcome 80 % of the time.")
    # Pooled over the KPIs shown, weighted by their cases: (240 + 76) / 400 = 79 %.
    assert "79 %" in track_record(summary, ["clearance_rate", "disposition_time"], "region",
                                  4, "ru", "outlook.method.track_page")
    assert track_record(summary, ["clearance_rate"], "national", 4, "en") == ""  # 19 cases
    assert track_record(summary, ["clearance_rate"], "region", 3, "kk") == ""
    assert track_record(pd.DataFrame(), ["clearance_rate"], "region", 4, "en") == ""


def test_the_explorer_adds_the_track_record_when_the_data_say():
    from layouts.explorer_view import outlook_sentences

    rows = pd.DataFrame([ROW], columns=COLUMNS)
    summary = pd.DataFrame({"kpi": ["clearance_rate"], "level": ["national"], "horizon": [4],
                            "cases": [22], "coverage": [0.818], "mae": [1.0],
                            "mae_no_change": [1.0], "mae_ratio": [1.0]})
    said = outlook_sentences(rows, ["KZ"], {"KZ": "Kazakhstan"}, CLEARANCE, "en", summary)
    assert said == sentence(ROW, CLEARANCE, "Kazakhstan", "en") + (
        " In past years, 4-year projections like this one held the outcome 82 % of the time.")
    short = summary.assign(cases=19)
    assert outlook_sentences(rows, ["KZ"], {"KZ": "Kazakhstan"}, CLEARANCE, "en", short) == \
        sentence(ROW, CLEARANCE, "Kazakhstan", "en")
