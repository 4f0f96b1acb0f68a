"""Figure builders on small hand-made frames: traces, gaps, order, codes, texts."""

from __future__ import annotations

import base64
import functools
import json
import re
from pathlib import Path

import numpy as np
import pandas as pd
import plotly.graph_objects as go
import plotly.io as pio
import pytest

from kpi.catalogue import KPIS
from layouts import figures
from layouts.i18n import LOCALES
from layouts.plotspec import Figure, trace
from tests.plotly_checked import builders

# The builders, each figure read back through Plotly (validated).
F = builders(figures)

NAN = np.nan
GEOJSON = Path("/work/shared/geo/kz_regions.geojson")
FIGURES_JSON = LOCALES / "en" / "figures.json"
CR = KPIS["clearance_rate"]  # %, higher is better
DT = KPIS["disposition_time"]  # days, lower is better
LOAD = KPIS["caseload_per_judge"]  # cases, no direction


def trend_frame() -> pd.DataFrame:
    return pd.DataFrame({
        "year": [2020, 2021, 2023, 2020, 2021, 2022, 2023],
        "value": [98.0, NAN, 101.0, 95.0, 96.0, 97.0, 99.0],
        "label": ["Kazakhstan"] * 3 + ["Almaty"] * 4,
    })


def ranking_frame() -> pd.DataFrame:
    return pd.DataFrame({
        "code": ["a", "b", "c", "d", "e"],
        "name": ["Alpha", "Bravo", "Charlie", "Delta", "Echo"],
        "value": [90.0, NAN, 105.0, 99.0, 101.0],
        "status": ["red", "none", "green", "amber", "green"],
        "coverage": [100.0, 0.0, 90.0, NAN, 100.0],
    })


def region_frame(values: dict[str, float], status: dict[str, str] | None = None):
    return pd.DataFrame({
        "region_code": list(values), "name": [f"Region {c}" for c in values],
        "value": list(values.values()),
        "status": [(status or {}).get(c, "none") for c in values],
    })


def all_strings(obj) -> list[str]:
    """Every string in a figure's JSON (titles, labels, hover texts, annotations)."""
    if isinstance(obj, str):
        return [obj]
    if isinstance(obj, dict):
        return [s for v in obj.values() for s in all_strings(v)]
    if isinstance(obj, list | tuple):
        return [s for v in obj for s in all_strings(v)]
    return []


def figure_json(fig: go.Figure) -> dict:
    data = json.loads(fig.to_json())
    data["layout"].pop("template", None)
    return data


# --- trend -----------------------------------------------------------------------------

def test_trend_one_line_per_label_and_a_dashed_target():
    targets = pd.DataFrame({"year": [2023, 2024], "target": [100.0, 100.0]})
    fig = F.trend_figure(trend_frame(), targets, CR)
    assert [tr.name for tr in fig.data] == ["Kazakhstan", "Almaty", "Target"]
    nation, almaty, target = fig.data
    assert all(tr.mode == "lines+markers" for tr in (nation, almaty))
    assert list(nation.x) == [2020, 2021, 2022, 2023]
    assert all(isinstance(x, int) for x in nation.x)
    # NaN and an absent year are gaps (None), never 0.
    assert list(nation.y) == [98.0, None, None, 101.0]
    assert nation.connectgaps is False
    assert list(almaty.y) == [95.0, 96.0, 97.0, 99.0]
    assert target.line.dash == "dash"
    assert list(target.x) == [2023, 2024]
    assert fig.layout.yaxis.title.text == "%"
    assert fig.layout.xaxis.tickformat == "d"
    assert "Clearance rate" in fig.layout.title.text


def test_trend_illustrative_target_and_unit_of_days():
    targets = pd.DataFrame({"year": [2025, 2029], "target": [90.0, 60.0],
                            "illustrative": [True, True]})
    series = trend_frame().assign(value=[80.0, 85.0, NAN, 70, 75, 72, 71])
    fig = F.trend_figure(series, targets, DT)
    assert fig.data[-1].name == "Target (illustrative)"
    assert fig.layout.yaxis.title.text == "Days"


def test_trend_code_column_goes_to_customdata():
    series = trend_frame().assign(code=["KZ"] * 3 + ["KZ-75"] * 4)
    fig = F.trend_figure(series, None, CR)
    assert len(fig.data) == 2
    assert set(fig.data[0].customdata) == {"KZ"}
    assert set(fig.data[1].customdata) == {"KZ-75"}


def test_trend_without_data_says_so():
    empty = pd.DataFrame({"year": [2020], "value": [NAN], "label": ["Kazakhstan"]})
    fig = F.trend_figure(empty, None, CR)
    assert len(fig.data) == 0
    assert fig.layout.annotations[0].text == "No data"


# --- sparkline -------------------------------------------------------------------------

def _paths(svg: str) -> list[dict[str, str]]:
    return [dict(re.findall(r'([a-z-]+)="([^"]*)"', p))
            for p in re.findall(r"<path ([^>]*)/>", svg)]


def test_sparkline_draws_gaps_the_last_point_and_the_target_dashed():
    values = pd.DataFrame({"year": [2020, 2021, 2022, 2023, 2024],
                           "value": [1.0, NAN, 3.0, 3.5, 4.0]})
    targets = pd.DataFrame({"year": [2024, 2025], "target": [5.0, 6.0]})
    years, vals, tgt = F.sparkline_series(values.drop(index=3), targets)
    assert years == [2020, 2021, 2022, 2023, 2024] and np.isnan(vals[[1, 3]]).all()
    assert tgt == [(2024, 5.0), (2025, 6.0)]
    years, vals, tgt = F.sparkline_series(values, targets)
    svg = F.sparkline_svg(years, vals, tgt)
    target, lone_2020, run_2022_2024, last = _paths(svg)
    assert target["stroke-dasharray"] and target["stroke"] == F.TARGET_COLOR
    # 2020 stands alone before the gap of 2021: a dot, never joined across the gap.
    assert lone_2020["d"].endswith("l0 0") and run_2022_2024["d"].count("L") == 2
    assert last["stroke-width"] == "6" and last["d"].endswith("l0 0")

    def xy(d: str) -> list[tuple[float, float]]:
        return [(float(a), float(b)) for a, b in re.findall(r"[ML]([\d.]+) ([\d.]+)", d)]

    (x20, y20), = xy(lone_2020["d"])
    (x22, y22), _, (x24, y24) = xy(run_2022_2024["d"])
    (t24, ty24), (t25, ty25) = xy(target["d"])
    # x spans the values' and the targets' years; a higher value is drawn higher.
    assert x20 == F.SPARK_PAD and t25 == F.SPARK_WIDTH - F.SPARK_PAD and x24 == t24
    assert y20 > y22 > y24 > ty24 > ty25
    assert all(F.SPARK_PAD <= v <= F.SPARK_HEIGHT - F.SPARK_PAD for v in (y20, ty25))


def test_sparkline_of_nothing_is_none_and_a_flat_line_is_centred():
    assert F.sparkline_svg([2024], np.array([NAN]), []) is None
    svg = F.sparkline_svg([2023, 2024], np.array([2.0, 2.0]), [])
    ys = {float(v) for v in re.findall(r"[ML][\d.]+ ([\d.]+)", svg)}
    assert ys == {F.SPARK_HEIGHT / 2}


def test_sparkline_image_is_a_data_uri_of_the_svg():
    svg = F.sparkline_svg([2023, 2024], np.array([1.0, 2.0]), [])
    uri = F.svg_data_uri(svg)
    assert uri.startswith("data:image/svg+xml;base64,")
    assert base64.b64decode(uri.split(",", 1)[1]).decode() == svg


# --- ranking ---------------------------------------------------------------------------

def test_ranking_higher_is_better_puts_the_highest_first():
    fig = F.ranking_figure(ranking_frame(), 98.0, CR)
    bars = [tr for tr in fig.data if tr.type == "bar"]
    assert len(bars) == 1
    bar = bars[0]
    assert bar.orientation == "h"
    assert list(bar.customdata) == ["c", "e", "d", "a"]
    assert list(bar.y) == ["c", "e", "d", "a"]
    assert list(bar.x) == [105.0, 101.0, 99.0, 90.0]
    assert fig.layout.yaxis.autorange == "reversed"  # first row at the top
    assert list(fig.layout.yaxis.ticktext) == ["Charlie", "Echo", "Delta", "Alpha"]
    # Status by colour *and* symbol.
    assert list(bar.marker.color) == [F.STATUS_COLORS[s] for s in
                                      ("green", "green", "amber", "red")]
    assert [txt.split(" ")[0] for txt in bar.text] == ["✔", "✔", "●", "✖"]
    assert "105.0 %" in bar.text[0]


def test_ranking_nan_gets_no_bar_and_is_listed():
    fig = F.ranking_figure(ranking_frame(), 98.0, CR)
    bar = fig.data[0]
    assert "b" not in bar.customdata
    assert None not in bar.x and 0 not in bar.x
    notes = [a.text for a in fig.layout.annotations if "No data" in a.text]
    assert len(notes) == 1 and "No data: Bravo" in notes[0]


def test_ranking_lower_is_better_puts_the_lowest_first():
    df = ranking_frame().assign(value=[120.0, NAN, 45.0, 80.0, 60.0])
    fig = F.ranking_figure(df, None, DT)
    assert list(fig.data[0].customdata) == ["c", "e", "d", "a"]
    assert list(fig.data[0].x) == [45.0, 60.0, 80.0, 120.0]
    assert not fig.layout.shapes  # no national line without a national value


def test_ranking_no_direction_sorts_descending():
    df = ranking_frame().assign(value=[300.0, 200.0, 100.0, 400.0, NAN], status="none")
    fig = F.ranking_figure(df, 250.0, LOAD)
    assert list(fig.data[0].customdata) == ["d", "a", "b", "c"]
    assert "highest to lowest" in fig.layout.title.text


def test_ranking_national_line():
    fig = F.ranking_figure(ranking_frame(), 98.0, CR)
    lines = [s for s in fig.layout.shapes if s.type == "line"]
    assert len(lines) == 1 and lines[0].x0 == lines[0].x1 == 98.0
    assert any(a.text == "National: 98.0 %" for a in fig.layout.annotations)


def test_ranking_long_no_data_list_is_truncated_and_height_grows():
    n_missing, n_bars = 15, 30
    df = pd.DataFrame({
        "code": [f"c{i}" for i in range(n_bars + n_missing)],
        "name": [f"Court {i:02d}" for i in range(n_bars + n_missing)],
        "value": [float(i) for i in range(n_bars)] + [NAN] * n_missing,
        "status": "none", "coverage": 100.0,
    })
    fig = F.ranking_figure(df, None, CR)
    note = next(a.text for a in fig.layout.annotations if "No data" in a.text)
    assert "Court 39" in note and "Court 40" not in note
    assert note.endswith("+5 more")
    assert fig.layout.height >= 18 * n_bars
    small = F.ranking_figure(ranking_frame().head(2), None, CR)
    assert small.layout.height == 250


def test_ranking_all_missing_is_an_empty_chart_with_the_list():
    df = ranking_frame().assign(value=NAN)
    fig = F.ranking_figure(df, 98.0, CR)
    assert not [tr for tr in fig.data if tr.type == "bar"]
    assert any("No data: Alpha, Bravo" in a.text for a in fig.layout.annotations)


def test_ranking_escapes_names():
    df = ranking_frame().assign(name=["<b>x</b>", "B", "C", "D", "E"])
    fig = F.ranking_figure(df, None, CR)
    assert "&lt;b&gt;x&lt;/b&gt;" in fig.layout.yaxis.ticktext
    assert "<b>x</b>" not in fig.layout.yaxis.ticktext


# --- funnel ----------------------------------------------------------------------------

def funnel_frame() -> pd.DataFrame:
    # p0 = 90 %: n = 100 → 95 % limits 84.1-95.9, 99.8 % limits 80.7-99.3.
    return pd.DataFrame({
        "code": ["in", "o95", "o998", "nan", "zero"],
        "name": ["In", "Out95", "Out998", "Missing", "Empty"],
        "value": [91.0, 96.0, 75.0, NAN, 50.0],
        "denominator": [100.0, 100.0, 100.0, 100.0, 0.0],
    })


def test_funnel_points_by_class_with_colours_and_symbols():
    fig = F.funnel_figure(funnel_frame(), 90.0, KPIS["on_time_rate"])
    points = {tr.name: tr for tr in fig.data if tr.mode == "markers"}
    assert set(points) == {"Within limits", "Outside 95% limits", "Outside 99.8% limits"}
    assert list(points["Within limits"].customdata) == ["in"]
    assert list(points["Outside 95% limits"].customdata) == ["o95"]
    assert list(points["Outside 99.8% limits"].customdata) == ["o998"]
    styles = {(tr.marker.color, tr.marker.symbol) for tr in points.values()}
    assert styles == {F.FUNNEL_STYLE[c] for c in ("within", "outside95", "outside998")}
    assert len({tr.marker.symbol for tr in points.values()}) == 3
    codes = [c for tr in points.values() for c in tr.customdata]
    assert "nan" not in codes and "zero" not in codes


def test_funnel_limit_curves_axis_and_national_line():
    fig = F.funnel_figure(funnel_frame(), 90.0, KPIS["on_time_rate"])
    curves = [tr for tr in fig.data if tr.mode == "lines"]
    assert sorted(tr.line.dash for tr in curves) == ["dash", "dash", "dot", "dot"]
    assert {tr.name for tr in curves} == {"95% limits", "99.8% limits"}
    assert fig.layout.xaxis.type == "log"
    assert fig.layout.yaxis.title.text == "%"
    lines = [s for s in fig.layout.shapes if s.type == "line"]
    assert len(lines) == 1 and lines[0].y0 == lines[0].y1 == 90.0


@pytest.mark.parametrize("national", [NAN, 102.0])
def test_funnel_without_a_national_share_draws_no_limits(national):
    # A clearance rate above 100 % is not a share: no binomial limits, no classes.
    df = funnel_frame().assign(value=[91.0, 104.0, 75.0, NAN, 50.0])
    fig = F.funnel_figure(df, national, CR)
    assert not [tr for tr in fig.data if tr.mode == "lines"]
    points = [tr for tr in fig.data if tr.mode == "markers"]
    assert len(points) == 1 and list(points[0].customdata) == ["in", "o95", "o998"]
    assert points[0].name == "Clearance rate"
    assert any("No control limits" in a.text for a in fig.layout.annotations)
    lines = [s for s in fig.layout.shapes if s.type == "line"]
    assert len(lines) == (0 if np.isnan(national) else 1)


def test_funnel_needs_a_percentage_kpi():
    fig = F.funnel_figure(funnel_frame(), 90.0, DT)
    assert len(fig.data) == 0
    assert "per cent" in fig.layout.annotations[0].text


# --- tile map --------------------------------------------------------------------------

def test_tile_map_has_20_tiles_and_grey_for_missing():
    df = region_frame({"KZ-75": 90.0, "KZ-71": 110.0, "KZ-79": NAN})
    fig = F.tile_map_figure(df, CR)
    assert len(fig.layout.shapes) == 20
    tiles = fig.data[0]
    assert len(tiles.customdata) == 20
    assert set(tiles.customdata) == set(F.TILE_GRID)
    assert tiles.marker.symbol == "square"
    colors = {s.name: s.fillcolor for s in fig.layout.shapes}
    assert colors["KZ-79"] == F.NO_DATA_COLOR  # NaN
    assert colors["KZ-10"] == F.NO_DATA_COLOR  # absent
    assert colors["KZ-75"] != F.NO_DATA_COLOR
    texts = dict(zip(tiles.customdata, tiles.text))
    assert "No data" in texts["KZ-79"]
    assert "90.0 %" in texts["KZ-75"] and "Almaty" in texts["KZ-75"]
    assert fig.layout.yaxis.scaleanchor == "x"
    assert fig.layout.xaxis.visible is False


def test_tile_grid_is_a_grid_of_the_20_regions():
    assert len(F.TILE_GRID) == 20
    assert len(set(F.TILE_GRID.values())) == 20
    # A few geographic sanity checks: west is left, south is down.
    col = {c: xy[0] for c, xy in F.TILE_GRID.items()}
    row = {c: xy[1] for c, xy in F.TILE_GRID.items()}
    assert col["KZ-27"] < col["KZ-11"] < col["KZ-63"]
    assert row["KZ-59"] < row["KZ-35"] < row["KZ-31"]


def _darkness(rgb: str) -> float:
    r, g, b = (float(x) for x in re.findall(r"[\d.]+", rgb)[:3])
    return -(0.299 * r + 0.587 * g + 0.114 * b)


def test_tile_map_better_is_darker_by_direction():
    fig = F.tile_map_figure(region_frame({"KZ-75": 40.0, "KZ-71": 120.0}), DT)
    colors = {s.name: s.fillcolor for s in fig.layout.shapes}
    assert _darkness(colors["KZ-75"]) > _darkness(colors["KZ-71"])  # lower days = better
    fig = F.tile_map_figure(region_frame({"KZ-75": 40.0, "KZ-71": 120.0}), CR)
    colors = {s.name: s.fillcolor for s in fig.layout.shapes}
    assert _darkness(colors["KZ-71"]) > _darkness(colors["KZ-75"])  # higher rate = better
    assert any(getattr(tr.marker, "showscale", False) for tr in fig.data)  # colour bar


def test_tile_map_by_status():
    df = region_frame({"KZ-75": 90.0, "KZ-71": 101.0, "KZ-79": NAN},
                      {"KZ-75": "red", "KZ-71": "green"})
    fig = F.tile_map_figure(df, CR, color_by="status")
    colors = {s.name: s.fillcolor for s in fig.layout.shapes}
    assert colors["KZ-75"] == F.STATUS_COLORS["red"]
    assert colors["KZ-71"] == F.STATUS_COLORS["green"]
    assert colors["KZ-79"] == F.NO_DATA_COLOR
    texts = dict(zip(fig.data[0].customdata, fig.data[0].text))
    assert "✖" in texts["KZ-75"] and "✔" in texts["KZ-71"]
    with pytest.raises(ValueError):
        F.tile_map_figure(df, CR, color_by="colour")


# --- choropleth ------------------------------------------------------------------------

@pytest.fixture(scope="module")
def geojson() -> dict:
    if not GEOJSON.exists():
        pytest.skip(f"{GEOJSON} not available")
    return json.loads(GEOJSON.read_text(encoding="utf-8"))


def test_geojson_codes_match_the_tile_grid(geojson):
    codes = {f["properties"]["iso_code"] for f in geojson["features"]}
    assert codes == set(F.TILE_GRID)


def test_choropleth_on_the_real_boundaries(geojson):
    df = region_frame({"KZ-75": 90.0, "KZ-71": 110.0, "KZ-79": NAN},
                      {"KZ-75": "red", "KZ-71": "green"})
    fig = F.choropleth_figure(geojson, df, CR)
    assert {tr.type for tr in fig.data} == {"choropleth"}  # no tile-based map traces
    valued, grey = fig.data
    assert valued.featureidkey == grey.featureidkey == "properties.iso_code"
    assert list(valued.locations) == list(valued.customdata) == ["KZ-75", "KZ-71"]
    assert list(valued.z) == [90.0, 110.0]
    assert "KZ-79" in grey.locations and "KZ-10" in grey.locations
    assert len(grey.locations) == 18
    assert list(grey.customdata) == list(grey.locations)
    assert grey.showscale is False
    assert {c for _, c in grey.colorscale} == {F.NO_DATA_COLOR}
    assert fig.layout.geo.visible is False
    assert fig.layout.geo.projection.type == "mercator"
    assert any("No data:" in a.text and "Abai Region" in a.text for a in fig.layout.annotations)
    hover = dict(zip(grey.customdata, grey.hovertext))
    assert "Region KZ-79" in hover["KZ-79"] and "No data" in hover["KZ-79"]  # frame's name
    assert "Abai Region" in hover["KZ-10"]  # absent from the frame: the geojson's name


def test_choropleth_with_every_region_has_no_grey_trace(geojson):
    df = region_frame({c: float(i) for i, c in enumerate(F.TILE_GRID)})
    fig = F.choropleth_figure(geojson, df, DT)
    assert len(fig.data) == 1
    assert len(fig.data[0].locations) == 20
    assert len(fig.data[0].geojson["features"]) == 20


def test_choropleth_ships_each_geometry_once(geojson):
    df = region_frame({"KZ-75": 90.0, "KZ-71": NAN})
    fig = F.choropleth_figure(geojson, df, CR)
    shipped = [f["properties"]["iso_code"] for tr in fig.data for f in tr.geojson["features"]]
    assert sorted(shipped) == sorted(F.TILE_GRID)
    assert [f["properties"]["iso_code"] for f in fig.data[0].geojson["features"]] == ["KZ-75"]


# --- case flow -------------------------------------------------------------------------

def test_case_flow_bars_and_pending_line():
    df = pd.DataFrame({"year": [2021, 2022, 2023], "incoming": [10.0, NAN, 12.0],
                       "resolved": [9.0, 11.0, 13.0], "pending_end": [5.0, 4.0, NAN]})
    fig = F.case_flow_figure(df)
    assert [tr.type for tr in fig.data] == ["bar", "bar", "scatter"]
    incoming, resolved, pending = fig.data
    assert [tr.name for tr in fig.data] == ["Incoming", "Resolved", "Pending at year end"]
    assert list(incoming.y) == [10.0, None, 12.0]
    assert list(pending.y) == [5.0, 4.0, None]
    assert fig.layout.barmode == "group"
    assert fig.layout.yaxis.title.text == "Cases"


# --- shared rules ----------------------------------------------------------------------

FIGURE_NAMES = ["trend", "ranking", "funnel", "tile_value", "tile_status",
                "case_flow", "empty", "choropleth"]


@functools.cache
def every_figure() -> dict[str, go.Figure]:
    figs = {
        "trend": F.trend_figure(trend_frame(),
                                pd.DataFrame({"year": [2023], "target": [100.0]}), CR),
        "ranking": F.ranking_figure(ranking_frame(), 98.0, CR),
        "funnel": F.funnel_figure(funnel_frame(), 90.0, KPIS["on_time_rate"]),
        "tile_value": F.tile_map_figure(region_frame({"KZ-75": 1.0}), LOAD),
        "tile_status": F.tile_map_figure(region_frame({"KZ-75": 1.0}, {"KZ-75": "amber"}),
                                         CR, color_by="status"),
        "case_flow": F.case_flow_figure(pd.DataFrame({"year": [2022], "incoming": [1.0],
                                                      "resolved": [2.0],
                                                      "pending_end": [NAN]})),
        "empty": F.empty_figure("No data"),
    }
    if GEOJSON.exists():
        geo = json.loads(GEOJSON.read_text(encoding="utf-8"))
        figs["choropleth"] = F.choropleth_figure(geo, region_frame({"KZ-75": 1.0}), CR)
    return figs


def _figure(name: str) -> go.Figure:
    figs = every_figure()
    if name not in figs:
        pytest.skip(f"{GEOJSON} not available")
    return figs[name]


@pytest.mark.parametrize("name", FIGURE_NAMES)
def test_no_raw_translation_key_reaches_a_figure(name):
    fig = _figure(name)
    leaked = [s for s in all_strings(figure_json(fig)) if re.search(r"\bfig\.[a-z_]", s)]
    assert leaked == []


@pytest.mark.parametrize("name", FIGURE_NAMES)
def test_common_look(name):
    fig = _figure(name)
    white = pio.templates["plotly_white"].layout
    assert fig.layout.template.layout.plot_bgcolor == white.plot_bgcolor
    assert "system-ui" in fig.layout.font.family
    fig.to_json()  # serialisable as Dash sends it


def test_clickable_marks_carry_codes():
    figs = every_figure()
    assert set(figs["ranking"].data[0].customdata) <= set(ranking_frame()["code"])
    assert set(figs["tile_value"].data[0].customdata) == set(F.TILE_GRID)
    for name in ("trend", "ranking", "funnel", "tile_value", "case_flow"):
        assert figs[name].layout.meta["chart"]


def test_every_figures_json_key_is_used_and_every_used_key_exists():
    keys = set(json.loads(FIGURES_JSON.read_text(encoding="utf-8")))
    source = Path(F.__file__).read_text(encoding="utf-8")
    literal = set(re.findall(r"[\"'](fig\.[A-Za-z0-9_.\-]+)[\"']", source))
    assert literal <= keys, f"keys used but not in figures.json: {literal - keys}"
    region_keys = {f"fig.region.{c}" for c in F.TILE_GRID}
    assert region_keys <= keys
    unused = keys - literal - region_keys
    assert unused == set(), f"keys in figures.json never used: {unused}"


def test_status_palette_is_fixed():
    assert F.STATUS_COLORS == {"green": "#009E73", "amber": "#AD7800", "red": "#D55E00",
                               "none": "#767676"}
    assert set(F.STATUS_SYMBOLS) == set(F.STATUS_COLORS)
    assert len(set(F.STATUS_SYMBOLS.values())) == 4


def test_other_languages_use_their_kpi_names_and_number_format():
    fig = F.ranking_figure(ranking_frame().assign(value=[1234.5, NAN, 2.0, 3.0, 4.0]), None,
                           KPIS["cost_per_case"], lang="ru")
    assert KPIS["cost_per_case"].names["ru"] in fig.layout.title.text
    assert fig.layout.separators == ",\u202f"
    assert F.trend_figure(trend_frame(), None, CR, lang="kk").layout.title.text.startswith(
        CR.names["kk"])


def test_single_value_scale_is_centred():
    df = region_frame({"KZ-75": 50.0})
    fig = F.tile_map_figure(df, CR)
    bar = next(tr for tr in fig.data if getattr(tr.marker, "showscale", False))
    assert (bar.marker.cmin, bar.marker.cmax) == (49.0, 51.0)


def test_small_multiples_one_panel_per_kpi_with_gaps_and_targets():
    from kpi.catalogue import CATALOGUE

    rows = []
    for k in CATALOGUE:
        for year, value in ((2023, 1.0), (2024, None), (2025, 3.0)):
            rows.append({"kpi": k.code, "category": "civil" if k.grain != "court" else "all",
                         "year": year, "value": value, "target": 2.0 if year == 2025 else None})
    rows = [r for r in rows if r["kpi"] != "trust_rate"]  # one KPI without any data
    # Rows of another category are not drawn.
    rows.append({"kpi": "clearance_rate", "category": "criminal", "year": 2026, "value": 9.0,
                 "target": None})
    panels = F.small_multiples(pd.DataFrame(rows), "civil")
    assert [p.kpi.code for p in panels] == [k.code for k in CATALOGUE]
    clearance = panels[0]
    assert clearance.kpi.code == "clearance_rate"
    assert clearance.last == (2025, 3.0) and clearance.span == (2023, 2025)
    assert clearance.has_target
    # A gap, never 0: two separate runs, the lone point drawn as a dot.
    assert clearance.svg.count('stroke-width="2"') == 2 and "l0 0" in clearance.svg
    # The lone target of 2025: a level tick around its year (x 195 of 200), not a dot.
    assert 'd="M187.0 ' in clearance.svg and 'H200.0" stroke="' + F.TARGET_COLOR in clearance.svg
    empty = next(p for p in panels if p.kpi.code == "trust_rate")
    assert empty.svg is None and empty.last is None and empty.span is None


def test_court_trends_are_images_with_words_in_three_languages():
    from layouts import court_view

    values = pd.DataFrame({"code": ["KZ10-D01"] * 2, "kpi": ["clearance_rate"] * 2,
                           "category": ["all"] * 2, "year": [2024, 2025],
                           "value": [95.0, 97.5], "target": [100.0, 100.0]})
    for lang, words in (("en", "No data"), ("ru", "Нет данных"), ("kk", "Дерек")):
        grid, payload = court_view.trends_outputs(values, "KZ10-D01", "all", lang)
        text = str(grid.to_plotly_json())
        cells = grid.children
        assert len(cells) == len(F.small_multiples(values, "all"))
        first = cells[0].children
        image = next(c for c in first if getattr(c, "src", None))
        assert image.src.startswith("data:image/svg+xml;base64,") and image.alt
        assert "2025" in first[1].children and "97" in first[1].children
        assert words in text  # the KPIs without data say so
        assert payload["rows"]


# --- text alternatives (issue 16) ---------------------------------------------------------


def test_every_chart_says_what_it_shows_in_a_sentence_from_its_data():
    targets = pd.DataFrame({"year": [2023, 2029], "target": [100.0, 100.0]})
    fig = F.trend_figure(trend_frame(), targets, CR)
    assert fig.layout.meta["summary"] == ("Kazakhstan 2020–2023: rising from 98.0 % to "
                                          "101.0 %; target for 2023: 100.0 %")
    falling = trend_frame().assign(value=[101.0, NAN, 98.0, 1, 1, 1, 1])
    assert F.trend_figure(falling, None, CR, lang="ru").layout.meta["summary"] == \
        "Kazakhstan, 2020–2023: снижение с 101,0 % до 98,0 %"
    ranked = F.ranking_figure(ranking_frame().assign(value=[90.0, NAN, 99.5, 95.0, 80.0]),
                              None, CR)
    summary = ranked.layout.meta["summary"]
    assert summary.startswith("4 units from ") and "(99.5 %)" in summary \
        and summary.endswith("(80.0 %)")
    flow = F.case_flow_figure(pd.DataFrame({"year": [2021, 2022], "incoming": [1000, 1200],
                                            "resolved": [900, 1300],
                                            "pending_end": [300, NAN]}))
    assert flow.layout.meta["summary"] == ("2021–2022: incoming 1,000 → 1,200, resolved "
                                           "900 → 1,300, pending at year end 300 → No data")
    # Any other chart from its own traces.
    backlog = F.backlog_age_figure(pd.DataFrame(columns=["band", "cases"]))
    assert "summary" not in (backlog.layout.meta or {})  # an empty chart says so in its title
    generic = Figure([trace("scatter", x=[2021, 2022, 2023], y=[1, 2, 3], name="Clearance")])
    assert F._generic_summary(generic, "en") == "Clearance: 3 values, 2021–2023"


def test_flagged_figures_are_marked_on_the_case_flow_with_their_sentence():
    flow = pd.DataFrame({"year": [2022, 2023], "incoming": [100, 1000], "resolved": [90, 95],
                         "pending_end": [10, 15]})
    flags = pd.DataFrame({"year": [2023, 2023, 2030], "field": ["incoming", "incoming",
                                                                 "resolved"],
                          "rule": ["yoy_outlier", "flow_identity", "yoy_outlier"],
                          "message": ["<b>x10</b>?", "does not add up", "not shown"]})
    fig = F.case_flow_figure(flow, "en", flags)
    marks = [tr for tr in fig.data if tr.name == "Implausible figure"]
    assert len(marks) == 1 and list(marks[0].x) == [2023] and list(marks[0].y) == [1000.0]
    assert "&lt;b&gt;x10&lt;/b&gt;?" in marks[0].hovertext[0]  # a message is text
    assert "does not add up" in marks[0].hovertext[0]
    assert not [tr for tr in F.case_flow_figure(flow, "en").data if tr.name ==
                "Implausible figure"]


def _contrast(hex_colour: str) -> float:
    """WCAG contrast ratio of a colour on white."""
    def channel(v: float) -> float:
        return v / 12.92 if v <= 0.03928 else ((v + 0.055) / 1.055) ** 2.4
    r, g, b = (channel(int(hex_colour[i:i + 2], 16) / 255) for i in (1, 3, 5))
    return 1.05 / (0.2126 * r + 0.7152 * g + 0.0722 * b + 0.05)


def test_chart_marks_stand_at_three_to_one_on_white():
    """WCAG 1.4.11: every series, status and funnel colour is >= 3:1 against the page."""
    colours = {*F.PALETTE, *F.STATUS_COLORS.values(), F.TARGET_COLOR, F.NATIONAL_COLOR,
               *(c for c, _symbol in F.FUNNEL_STYLE.values())}
    assert {c: round(_contrast(c), 2) for c in colours if _contrast(c) < 3} == {}


def test_seasonal_draws_the_year_bold_over_the_range_of_the_years_before():
    rows = [{"year": y, "month": m, "value": 90.0 + (y - 2022) + m / 10}
            for y in (2022, 2023, 2024, 2025) for m in range(1, 13)
            if not (y == 2025 and m > 9)]
    fig = F.seasonal_figure(pd.DataFrame(rows), 2025, CR, "en")
    names = [tr.name for tr in fig.data]
    assert names[-1] == "2025" and fig.data[-1].line.width == 3
    assert list(fig.data[-1].y[8:]) == [93.9, None, None, None]  # no month after September
    band = next(tr for tr in fig.data if tr.fill == "tonexty")
    assert band.name == "Range 2022–2024" and band.y[0] == 90.1 and fig.data[0].y[0] == 92.1
    assert fig.layout.meta["chart"] == "seasonal" and "September 2025" in \
        fig.layout.meta["summary"]
    empty = F.seasonal_figure(pd.DataFrame(rows).iloc[0:0], 2025, CR, "en")
    assert empty.layout.meta["chart"] == "empty"


def test_pareto_bars_the_courts_that_widen_the_gap_and_the_cumulative_share():
    courts = pd.DataFrame({"court_code": [f"C{i}" for i in range(4)],
                           "name": ["<b>A</b>", "B", "C", "D"],
                           "contribution": [6.0, 3.0, 1.0, -2.0],
                           "cumulative_share": [0.6, 0.9, 1.0, 1.0]})
    fig = F.pareto_figure(courts, "Gap", CR, "en")
    bars, share = fig.data
    assert list(bars.x) == ["C0", "C1", "C2"] and list(bars.y) == [6.0, 3.0, 1.0]
    assert list(share.y) == [60.0, 90.0, 100.0] and share.yaxis == "y2"
    assert fig.layout.xaxis.ticktext[0] == "&lt;b&gt;A&lt;/b&gt;"  # a name is text
    assert fig.layout.yaxis2.range == (0, 105) and fig.layout.meta["chart"] == "gap"
    narrowing = F.pareto_figure(courts.assign(contribution=-1.0), "Gap", CR, "en")
    assert narrowing.layout.meta["chart"] == "gap" and not narrowing.data
