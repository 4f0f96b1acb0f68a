"""Plotly figure builders: DataFrames in, a figure out as the plain dict Dash sends
(layouts.plotspec: no Plotly objects, which cost more than the rest of a page's render;
no database, no callbacks).

Rules every builder follows:

* every visible word goes through ``t(key, lang)`` (keys in ``locales/<lang>/figures.json``);
  KPI names come from ``kpi.names[lang]``; user data (court and region names) is escaped;
* a missing value is never drawn as 0: lines get a gap (``None``), bars and points are
  left out and the units without data are listed in an annotation or a grey tile;
* status is never colour alone: a symbol (✔ ● ✖ —) or a marker shape goes with it;
* clickable marks (bars, points, tiles, regions) carry the unit's code in ``customdata``,
  and ``layout.meta`` says which chart and KPI the figure shows;
* the look lives in the layout (template, fonts, margins, fixed ranges), so the figure
  does not depend on the ``dcc.Graph`` config.
"""

from __future__ import annotations

import base64
import functools
import html
import math
import re
import textwrap
from dataclasses import dataclass

import numpy as np
import pandas as pd
import plotly.colors as pcolors
import plotly.graph_objects as go
import plotly.io as pio

from data.accounts.access import ANON_PREFIX
from kpi.catalogue import KpiDef
from kpi.funnel import CLASSES, OUTSIDE95, OUTSIDE998, WITHIN, classify, funnel_curve
from kpi.outlook import DEFAULT_HORIZON
from layouts.format import fmt_coverage, fmt_number, fmt_value
from layouts.i18n import t
from layouts.plotspec import Figure, props, trace

# --- palette ---------------------------------------------------------------------------

# Okabe-Ito hues (colour-blind safe), the light ones darkened so that every line and
# mark stands at >= 3:1 on white (WCAG 1.4.11): orange #E69F00 -> #AD7800, sky blue
# #56B4E9 -> #2B83C6, yellow #F0E442 -> #7A6A00 (olive).
PALETTE: tuple[str, ...] = (
    "#0072B2", "#AD7800", "#009E73", "#D55E00", "#CC79A7", "#2B83C6", "#000000", "#7A6A00",
)
# Marker shapes cycled once the palette is exhausted, so no two series look alike.
SERIES_SYMBOLS: tuple[str, ...] = ("circle", "square", "diamond", "triangle-up")
STATUS_COLORS: dict[str, str] = {
    "green": "#009E73", "amber": "#AD7800", "red": "#D55E00", "none": "#767676",
}
# Text symbol shown next to a status colour (same as the status words of the tables).
STATUS_SYMBOLS: dict[str, str] = {"green": "✔", "amber": "●", "red": "✖", "none": "—"}
STATUS_KEYS: dict[str, str] = {
    "green": "fig.status.green", "amber": "fig.status.amber", "red": "fig.status.red",
    "none": "fig.status.none",
}
NO_DATA_COLOR = "#D9D9D9"

# A lean white template registered once. Plotly's "plotly_white" is ~7 KB that every
# figure deep-copies, validates and sends: 19 figures made the scorecard 3x slower.
_GRID = "#E5ECF6"
pio.templates["court_kpi"] = go.layout.Template(layout={
    "paper_bgcolor": "white", "plot_bgcolor": "white", "colorway": list(PALETTE),
    "xaxis": {"gridcolor": _GRID, "linecolor": _GRID, "zerolinecolor": _GRID,
              "ticks": "", "automargin": True},
    "yaxis": {"gridcolor": _GRID, "linecolor": _GRID, "zerolinecolor": _GRID,
              "ticks": "", "automargin": True},
    "hovermode": "closest",
})
TEMPLATE = "court_kpi"
# The template as every figure carries it (JSON, built once).
TEMPLATE_JSON: dict = pio.templates[TEMPLATE].to_plotly_json()
TARGET_COLOR = "#444444"
NATIONAL_COLOR = "#333333"
# Funnel classes: colour and marker shape.
FUNNEL_STYLE: dict[str, tuple[str, str]] = {
    WITHIN: ("#0072B2", "circle"),
    OUTSIDE95: ("#AD7800", "diamond"),
    OUTSIDE998: ("#D55E00", "square"),
    "no_limits": ("#767676", "circle"),  # no national share to draw limits around
}
NO_LIMITS = "no_limits"
FUNNEL_KEYS: dict[str, str] = {
    WITHIN: "fig.funnel.within", OUTSIDE95: "fig.funnel.outside95",
    OUTSIDE998: "fig.funnel.outside998",
}
# Sequential scales, light to dark; the lightest 20 % is cut so a low value is not
# mistaken for the grey of "no data".
GOOD_SCALE = "Greens"  # KPIs with a direction: better is darker green
NEUTRAL_SCALE = "Blues"  # context KPIs: higher is darker, no judgement
SCALE_START = 0.2

FONT_FAMILY = "system-ui, -apple-system, 'Segoe UI', Roboto, 'Noto Sans', sans-serif"
MARGIN = {"l": 8, "r": 8, "t": 40, "b": 8}
UNIT_KEYS: dict[str, str] = {
    "%": "fig.unit.percent", "days": "fig.unit.days", "ratio": "fig.unit.ratio",
    "cases": "fig.unit.cases", "KZT": "fig.unit.kzt",
}
NO_DATA_LIST_MAX = 10

# --- tile map of the 20 regions: (column, row), row 0 = north ---------------------------
#
#   col:  0     1     2     3     4     5     6
#   row0: WKO   .     KOS   NKO   PAV   .     .
#   row1: ATY   AKT   ULY   AKM   AST   ABA   EKO
#   row2: MAN   KZO   TUR   KAR   ALR   JET   .
#   row3: .     .     SHY   JAM   ALA   .     .
TILE_GRID: dict[str, tuple[int, int]] = {
    "KZ-27": (0, 0), "KZ-39": (2, 0), "KZ-59": (3, 0), "KZ-55": (4, 0),
    "KZ-23": (0, 1), "KZ-15": (1, 1), "KZ-62": (2, 1), "KZ-11": (3, 1), "KZ-71": (4, 1),
    "KZ-10": (5, 1), "KZ-63": (6, 1),
    "KZ-47": (0, 2), "KZ-43": (1, 2), "KZ-61": (2, 2), "KZ-35": (3, 2), "KZ-19": (4, 2),
    "KZ-33": (5, 2),
    "KZ-79": (2, 3), "KZ-31": (3, 3), "KZ-75": (4, 3),
}
TILE_HALF = 0.46  # half the side of a tile, in grid units (gap 0.08)
TILE_MAP_HEIGHT = 400
# Hover/click area of a tile: about its side at the default height (~86 px per grid unit).
TILE_MARKER_PX = 76


# --- helpers ---------------------------------------------------------------------------

def kpi_name(kpi: KpiDef, lang: str) -> str:
    return kpi.names.get(lang) or kpi.names.get("en") or kpi.code


def unit_label(kpi: KpiDef, lang: str) -> str:
    key = UNIT_KEYS.get(kpi.unit)
    return t(key, lang) if key else kpi.unit


def _esc(text) -> str:
    """User data shown in Plotly's pseudo-HTML labels."""
    if text is None or (isinstance(text, float) and math.isnan(text)):
        return ""
    return html.escape(str(text), quote=False)


def _floats(values) -> np.ndarray:
    return pd.to_numeric(pd.Series(values), errors="coerce").to_numpy(
        dtype="float64", na_value=np.nan)


def _gapped(values: np.ndarray) -> list[float | None]:
    """Floats with ``None`` where missing: Plotly draws a gap, never a 0."""
    return [None if math.isnan(v) else float(v) for v in values]


def _missing(value) -> bool:
    if value is None:
        return True
    try:
        return math.isnan(float(value))
    except (TypeError, ValueError):
        return True


def _status(value) -> str:
    return value if isinstance(value, str) and value in STATUS_COLORS else "none"


def _fmt(value: float, kpi: KpiDef, lang: str) -> str:
    return t("fig.no_data", lang) if _missing(value) else fmt_value(float(value), kpi.unit, lang)


def _status_text(status: str, lang: str) -> str:
    return f"{STATUS_SYMBOLS[status]} {t(STATUS_KEYS[status], lang)}"


def _separators(lang: str) -> str:
    """Plotly's decimal and thousands separators: 1,234.5 in English, 1 234,5 in kk/ru."""
    return ",\u202f" if lang in ("kk", "ru") else ".,"


def _base_layout(fig: Figure, title: str | None, height: int | None = None,
                 meta: dict | None = None, lang: str = "en") -> Figure:
    fig.update_layout(
        template=TEMPLATE_JSON,
        font={"family": FONT_FAMILY, "size": 12},
        margin=dict(MARGIN, t=40 if title else 10),
        title={"text": title, "x": 0, "xanchor": "left", "font": {"size": 14}} if title
        else None,
        hoverlabel={"font": {"family": FONT_FAMILY}},
        separators=_separators(lang),
    )
    if height is not None:
        fig.update_layout(height=height)
    meta = dict(meta or {})
    summary = meta.get("summary") or _generic_summary(fig, lang)
    if summary:
        meta["summary"] = summary
    if meta:
        fig.update_layout(meta=meta)
    return fig


def _generic_summary(fig: Figure, lang: str) -> str:
    """A chart's text alternative when its builder has none better: what it plots and
    over which years (read from its own traces)."""
    names = [str(tr["name"]) for tr in fig.data if tr.get("name")]
    points = sum(len(tr["x"]) for tr in fig.data if tr.get("x") is not None)
    if not points:
        return ""
    xs = [x for tr in fig.data if tr.get("x") is not None for x in tr["x"]]
    years = sorted({int(x) for x in xs if isinstance(x, (int, np.integer))
                    and 1900 < int(x) < 2200})
    span = f"{years[0]}–{years[-1]}" if len(years) > 1 else (str(years[0]) if years else "")
    return t("fig.summary.generic", lang, what=", ".join(dict.fromkeys(names)) or "—",
             n=points, span=span).strip()


TREND_KEYS = {"rising": "fig.summary.trend.rising", "falling": "fig.summary.trend.falling",
              "steady": "fig.summary.trend.steady"}


def _direction(first: float, last: float) -> str:
    if math.isclose(first, last, rel_tol=0.005, abs_tol=1e-9):
        return "steady"
    return "rising" if last > first else "falling"


def trend_summary(series: pd.DataFrame, targets: pd.DataFrame | None, kpi: KpiDef,
                  lang: str) -> str:
    """"Kazakhstan 2021–2025: rising from 94.1 % to 97.3 %; target 100.0 %" (pure)."""
    if series is None or series.empty:
        return ""
    first_label = series["label"].iloc[0]
    rows = series[(series["label"] == first_label) & series["value"].notna()]
    rows = rows.sort_values("year")
    if rows.empty:
        return ""
    y0, y1 = int(rows["year"].iloc[0]), int(rows["year"].iloc[-1])
    v0, v1 = float(rows["value"].iloc[0]), float(rows["value"].iloc[-1])
    text = t(TREND_KEYS[_direction(v0, v1)], lang, unit=str(first_label),
             first=y0, last=y1, start=_fmt(v0, kpi, lang), end=_fmt(v1, kpi, lang))
    if y0 == y1:
        text = t("fig.summary.trend.one", lang, unit=str(first_label), year=y1,
                 value=_fmt(v1, kpi, lang))
    if targets is not None and len(targets):
        at = targets.dropna(subset=["target"])
        at = at[at["year"] == y1] if (at["year"] == y1).any() else at.tail(1)
        if len(at):
            text += t("fig.summary.target", lang, year=int(at["year"].iloc[-1]),
                      target=_fmt(float(at["target"].iloc[-1]), kpi, lang))
    return text


def _no_data_note(names: list[str], lang: str) -> str:
    """``No data: A, B, … +N more`` (names escaped), or '' when nothing is missing."""
    if not names:
        return ""
    shown = ", ".join(_esc(n) for n in names[:NO_DATA_LIST_MAX])
    if len(names) > NO_DATA_LIST_MAX:
        shown += " " + t("fig.more", lang, n=len(names) - NO_DATA_LIST_MAX)
    return t("fig.no_data_list", lang, names=shown)


def _footer(fig: Figure, lines: list[str], below: int = 42) -> int:
    """Notes under the plot area (status legend, units without data); the pixels added.

    ``below`` is the room left for the x axis (its tick labels and title).
    """
    lines = [line for line in lines if line]
    if not lines:
        return 0
    fig.add_annotation(text="<br>".join(lines), xref="paper", yref="paper", x=0, y=0,
                       xanchor="left", yanchor="top", yshift=-below, align="left",
                       showarrow=False, font={"size": 11, "color": "#555555"})
    added = below + 16 * len(lines)
    fig.update_layout(margin_b=MARGIN["b"] + added)
    return added


def _status_legend(statuses, lang: str) -> str:
    present = [s for s in STATUS_SYMBOLS if s in set(statuses)]
    if not present or present == ["none"]:
        return ""
    return " · ".join(_status_text(s, lang) for s in present)


def _scale(kpi: KpiDef) -> list[list]:
    """The value colour scale, oriented so better is darker (lower-is-better reversed)."""
    return [list(stop) for stop in _scale_of(kpi.direction)]


@functools.cache
def _scale_of(direction: str) -> tuple[tuple[float, str], ...]:
    base = NEUTRAL_SCALE if direction == "none" else GOOD_SCALE
    stops = np.linspace(0.0, 1.0, 9)
    colors = pcolors.sample_colorscale(base, list(SCALE_START + (1 - SCALE_START) * stops))
    if direction == "lower":
        colors = colors[::-1]
    return tuple((float(s), c) for s, c in zip(stops, colors))


def _text_color(rgb: str) -> str:
    """Black or white, whichever reads better on ``rgb`` (an 'rgb(r, g, b)' or '#rrggbb')."""
    r: float
    g: float
    b: float
    if rgb.startswith("#"):
        r, g, b = (int(rgb[i:i + 2], 16) for i in (1, 3, 5))
    else:
        r, g, b = (float(x) for x in re.findall(r"[\d.]+", rgb)[:3])
    luminance = (0.299 * r + 0.587 * g + 0.114 * b) / 255
    return "#000000" if luminance > 0.55 else "#FFFFFF"


def _value_colors(values: np.ndarray, kpi: KpiDef) -> tuple[list[str], float, float]:
    """A colour per value on the oriented scale (grey when missing), and the scale's range."""
    ok = values[~np.isnan(values)]
    vmin, vmax = (float(ok.min()), float(ok.max())) if len(ok) else (0.0, 1.0)
    span = vmax - vmin
    # One call for all the values: Plotly parses the scale's colours on every call.
    fracs = [0.5 if span == 0 else (v - vmin) / span for v in ok]
    sampled = iter(pcolors.sample_colorscale(_scale(kpi), fracs) if fracs else [])
    colors = [NO_DATA_COLOR if math.isnan(v) else next(sampled) for v in values]
    if span == 0:  # one value (or all equal): the middle of a ±1 range
        vmin, vmax = vmin - 1.0, vmax + 1.0
    return colors, vmin, vmax


def _full_years(years) -> list[int]:
    ys = sorted({int(y) for y in pd.Series(years).dropna()})
    return list(range(ys[0], ys[-1] + 1)) if ys else []


def _year_axis(fig: Figure, years: list[int], lang: str) -> None:
    axis = {"tickformat": "d", "showgrid": False, "title": {"text": t("fig.year", lang)}}
    if years and years[-1] - years[0] <= 12:
        axis.update(tickmode="linear", dtick=1)
    if years:  # a little room at both ends, so the first and last years are labelled
        axis.update(range=[years[0] - 0.3, years[-1] + 0.3])
    fig.update_xaxes(**axis)


def empty_figure(message: str, title: str | None = None, height: int = 250) -> Figure:
    """A blank chart that says why it is blank (``message`` is already translated)."""
    fig = Figure()
    fig.add_annotation(text=_esc(message), x=0.5, y=0.5, xref="paper", yref="paper",
                       showarrow=False, font={"size": 14, "color": "#666666"})
    fig.update_xaxes(visible=False)
    fig.update_yaxes(visible=False)
    return _base_layout(fig, title, height, meta={"chart": "empty"})


# --- 1. trend --------------------------------------------------------------------------

def trend_figure(series: pd.DataFrame, targets: pd.DataFrame | None, kpi: KpiDef,
                 lang: str = "en", projection: pd.DataFrame | None = None,
                 notes: pd.DataFrame | None = None) -> Figure:
    """One line per ``label`` over the years, the target trajectory dashed.

    ``series``: year, value, label (an optional ``code`` column goes to customdata,
    else the label does). ``targets``: year, target (an optional boolean
    ``illustrative`` column labels the line "Target (illustrative)"). ``projection``:
    year, fitted, lower, upper (kpi.outlook.projection_path) of the first series: its
    trend drawn dotted to the horizon inside the shaded 80 % band. ``notes``: year,
    label, text (data.edits.annotations): a star on the labelled line at that year, the
    note's text on hover.
    """
    title = t("fig.trend.title", lang, kpi=kpi_name(kpi, lang))
    meta = {"chart": "trend", "kpi": kpi.code}
    has_targets = targets is not None and len(targets) and targets["target"].notna().any()
    if (series is None or series.empty or not series["value"].notna().any()) \
            and not has_targets:
        return empty_figure(t("fig.no_data", lang), title, 360)
    fig = Figure()
    years = _full_years(series["year"]) if series is not None and len(series) else []
    if years:
        series = series.assign(label=["" if _missing_name(v) else str(v)
                                      for v in series["label"]])
    labels = list(dict.fromkeys(series["label"].tolist())) if years else []
    for i, label in enumerate(labels):
        rows = series[series["label"] == label].copy()
        rows["year"] = rows["year"].astype("int64")
        rows = rows.drop_duplicates("year", keep="last").set_index("year").reindex(years)
        values = _floats(rows["value"])
        code = rows["code"].dropna().iloc[0] if "code" in rows and rows["code"].notna().any() \
            else label
        hover = [f"<b>{_esc(label)}</b><br>{t('fig.year', lang)}: {y}<br>"
                 f"{t('fig.hover.value', lang)}: {_fmt(v, kpi, lang)}"
                 for y, v in zip(years, values)]
        fig.add_trace(trace(
            "scatter", x=years, y=_gapped(values), name=_esc(label), mode="lines+markers",
            connectgaps=False, customdata=[code] * len(years), hovertext=hover,
            hovertemplate="%{hovertext}<extra></extra>",
            line={"color": PALETTE[i % len(PALETTE)], "width": 2},
            marker={"size": 6, "symbol": SERIES_SYMBOLS[(i // len(PALETTE))
                                                        % len(SERIES_SYMBOLS)]},
        ))
    if notes is not None and len(notes) and years:
        _add_notes(fig, series, notes, lang)
    if projection is not None and len(projection):
        _add_projection(fig, projection, kpi, lang)
        years = sorted(set(years) | set(int(y) for y in projection["year"]))
    if targets is not None and has_targets:
        tg = targets.dropna(subset=["target"]).copy()
        tg["year"] = tg["year"].astype("int64")
        tg = tg.drop_duplicates("year", keep="last").sort_values("year")
        illustrative = "illustrative" in tg and bool(tg["illustrative"].fillna(False).any())
        name = t("fig.target_illustrative" if illustrative else "fig.target", lang)
        tvals = _floats(tg["target"])
        fig.add_trace(trace(
            "scatter", x=tg["year"].tolist(), y=_gapped(tvals), name=name, mode="lines",
            line={"color": TARGET_COLOR, "width": 1.5, "dash": "dash"},
            hovertext=[f"{name}<br>{t('fig.year', lang)}: {y}<br>{_fmt(v, kpi, lang)}"
                       for y, v in zip(tg["year"], tvals)],
            hovertemplate="%{hovertext}<extra></extra>",
        ))
        years = sorted(set(years) | set(tg["year"].tolist()))
    _year_axis(fig, years, lang)
    fig.update_yaxes(title={"text": unit_label(kpi, lang)}, automargin=True)
    # A few series: legend in a row above the plot; many (all regions): a column at the right.
    horizontal = len(fig.data) <= 5
    fig.update_layout(
        hovermode="closest", showlegend=True,
        legend={"orientation": "h", "x": 0, "y": 1.0, "yanchor": "bottom"} if horizontal
        else {"orientation": "v"},
    )
    meta["summary"] = trend_summary(series, targets if has_targets else None, kpi, lang)
    _base_layout(fig, title, 380, meta, lang)
    if horizontal:
        fig.update_layout(margin_t=70)
    return fig


def _add_notes(fig: Figure, series: pd.DataFrame, notes: pd.DataFrame, lang: str) -> None:
    """A star where a noted unit's line passes the noted year; all the year's notes of
    that unit on hover (escaped: a note is text, never markup)."""
    at = series.dropna(subset=["value"]).drop_duplicates(["label", "year"], keep="last")
    value = {(str(r.label), int(r.year)): float(r.value) for r in at.itertuples(index=False)}
    xs, ys, hover = [], [], []
    for (label, year), group in notes.groupby(["label", "year"], sort=True):
        y = value.get((str(label), int(year)))
        if y is None:
            continue
        texts = "<br>".join(_wrapped(str(x)) for x in group["text"])
        xs.append(int(year))
        ys.append(y)
        hover.append(f"<b>{_esc(t('fig.notes', lang))}: {_esc(label)}, {int(year)}</b>"
                     f"<br>{texts}")
    _add_marks(fig, xs, ys, hover, t("fig.notes", lang), "notes", "star", 14, "#212529")


def _add_marks(fig: Figure, xs: list, ys: list, hover: list[str], name: str, what: str,
               symbol: str, size: int, color: str) -> None:
    """One trace of marks on points of a chart (notes, flags), each with its hover text;
    ``meta`` counts them for tests and the text summary."""
    if xs:
        fig.add_trace(trace(
            "scatter", x=xs, y=ys, name=name, mode="markers", hovertext=hover,
            hovertemplate="%{hovertext}<extra></extra>", meta={what: len(xs)},
            marker={"symbol": symbol, "size": size, "color": color,
                    "line": {"color": "#ffffff", "width": 1}}))


def _wrapped(text: str, width: int = 60) -> str:
    """A note's text escaped, in short lines for the hover box (long notes cut)."""
    cut = text if len(text) <= 600 else text[:600] + "…"
    return "<br>".join(_esc(line) for part in cut.splitlines()
                       for line in (textwrap.wrap(part, width) or [""]))


def _add_flags(fig: Figure, frame: pd.DataFrame, flags: pd.DataFrame, lang: str) -> None:
    """A mark on each flagged figure of a case flow (``frame`` indexed by year)."""
    xs, ys, hover = [], [], []
    for (year, field), group in flags.groupby(["year", "field"], sort=True):
        if field not in frame.columns or int(year) not in frame.index:
            continue
        value = frame.loc[int(year), field]
        if _missing(value):
            continue
        lines = "<br>".join(f"{_esc(t('flags.name.' + r, lang))}: {_esc(m)}"
                            for r, m in zip(group["rule"], group["message"]))
        xs.append(int(year))
        ys.append(float(value))
        hover.append(f"<b>{_esc(t('flags.chart', lang))}</b><br>{lines}")
    _add_marks(fig, xs, ys, hover, t("flags.chart", lang), "flags", "x", 13, "#a33f00")


def _add_projection(fig: Figure, path: pd.DataFrame, kpi: KpiDef, lang: str) -> None:
    """The shaded 80 % band (upper edge, then the lower one filled up to it) and the
    dotted trend line, as in the outlook (shared/spec/outlook.md)."""
    horizon = int(path["year"].max())
    years = [int(y) for y in path["year"]]
    band = t("outlook.method.band", lang, horizon=horizon)
    fig.add_trace(trace("scatter", x=years, y=_gapped(_floats(path["upper"])), mode="lines",
                             line={"width": 0}, hoverinfo="skip", showlegend=False,
                             legendgroup="band"))
    fig.add_trace(trace(
        "scatter", x=years, y=_gapped(_floats(path["lower"])), mode="lines", line={"width": 0},
        fill="tonexty", fillcolor="rgba(0, 114, 178, 0.15)", name=band, legendgroup="band",
        hovertext=[f"{band}<br>{y}: {_fmt(lo, kpi, lang)} – {_fmt(hi, kpi, lang)}"
                   for y, lo, hi in zip(years, path["lower"], path["upper"])],
        hovertemplate="%{hovertext}<extra></extra>"))
    fitted = t("outlook.method.fitted", lang)
    fig.add_trace(trace(
        "scatter", x=years, y=_gapped(_floats(path["fitted"])), mode="lines", name=fitted,
        line={"color": PALETTE[0], "width": 1.5, "dash": "dot"},
        hovertext=[f"{fitted}<br>{y}: {_fmt(v, kpi, lang)}"
                   for y, v in zip(years, path["fitted"])],
        hovertemplate="%{hovertext}<extra></extra>"))


# --- 2. sparkline ----------------------------------------------------------------------

SPARK_WIDTH, SPARK_HEIGHT, SPARK_PAD = 200, 60, 5


def sparkline_series(values: pd.DataFrame | None, targets: pd.DataFrame | None
                     ) -> tuple[list[int], np.ndarray, list[tuple[int, float]]]:
    """(consecutive years, values aligned to them, (year, target) pairs) for a sparkline.

    ``values``: year, value (the last row of a repeated year wins); ``targets``: year,
    target (rows without a target dropped).
    """
    years: list[int] = []
    vals = np.zeros(0)
    if values is not None and len(values):
        by_year = {int(y): v for y, v in zip(values["year"], _floats(values["value"]))}
        years = _full_years(list(by_year))
        vals = np.array([by_year.get(y, np.nan) for y in years], dtype="float64")
    tgt: list[tuple[int, float]] = []
    if targets is not None and len(targets):
        pairs = {int(y): float(v) for y, v in zip(targets["year"], _floats(targets["target"]))
                 if not math.isnan(v)}
        tgt = sorted(pairs.items())
    return years, vals, tgt


def sparkline_svg(years: list[int], values: np.ndarray,
                  targets: list[tuple[int, float]],
                  projection: list[tuple[int, float, float, float]] | None = None
                  ) -> str | None:
    """A KPI tile's tiny trend as an SVG document: the line with gaps, its last point
    bigger, the target dashed; None without any value. ``projection``: (year, fitted,
    lower, upper) from the last year to the horizon, drawn as a shaded band with the
    trend dotted through it (kpi.outlook.projection_path).

    The tiles show 18 of these and they are static (no hover, no zoom): as images they
    cost the browser next to nothing, where 18 Plotly charts added 0.15-0.2 s of
    main-thread work to the first render of ``/`` (``bench.ab_render``). Stretched
    to the tile's width; strokes and dots keep their size.
    """
    points = [(y, float(v)) for y, v in zip(years, values) if not math.isnan(v)]
    if not points:
        return None
    projection = [p for p in projection or [] if not any(math.isnan(q) for q in p[1:])]
    all_years = [y for y, _ in points] + [y for y, _ in targets] + [p[0] for p in projection]
    first, last = min(all_years), max(all_years)
    levels = [v for _, v in points] + [v for _, v in targets] + \
        [q for p in projection for q in p[2:]]
    low, high = min(levels), max(levels)
    if high == low:
        low, high = low - 1.0, high + 1.0
    pad_y = (high - low) * 0.08

    def x(year: int) -> str:
        share = 0.5 if last == first else (year - first) / (last - first)
        return f"{SPARK_PAD + share * (SPARK_WIDTH - 2 * SPARK_PAD):.1f}"

    def y(value: float) -> str:
        share = (value - low + pad_y) / (high - low + 2 * pad_y)
        return f"{SPARK_HEIGHT - SPARK_PAD - share * (SPARK_HEIGHT - 2 * SPARK_PAD):.1f}"

    def path(line: list[tuple[int, float]]) -> str:
        # A zero-length segment with round caps draws a lone point as a dot.
        if len(line) == 1:
            return f"M{x(line[0][0])} {y(line[0][1])} l0 0"
        return " ".join(f"{'L' if i else 'M'}{x(yr)} {y(v)}" for i, (yr, v) in enumerate(line))

    keep = 'fill="none" vector-effect="non-scaling-stroke" stroke-linecap="round"'
    parts = []
    if len(projection) > 1:
        band = [(p[0], p[3]) for p in projection] + [(p[0], p[2]) for p in projection[::-1]]
        parts.append(f'<path d="{path(band)} Z" fill="{PALETTE[0]}" fill-opacity="0.15" '
                     'stroke="none"/>')
        parts.append(f'<path d="{path([(p[0], p[1]) for p in projection])}" '
                     f'stroke="{PALETTE[0]}" stroke-width="1.5" stroke-dasharray="2 3" {keep}/>')
    if len(targets) == 1:
        # A lone target (often only the latest year has one) as a short level tick: a
        # dashed line of one point draws nothing a person can see.
        (year, level), = targets
        left, right = max(0.0, float(x(year)) - 8), min(float(SPARK_WIDTH), float(x(year)) + 8)
        parts.append(f'<path d="M{left:.1f} {y(level)} H{right:.1f}" stroke="{TARGET_COLOR}" '
                     f'stroke-width="1.5" {keep}/>')
    elif targets:
        parts.append(f'<path d="{path(targets)}" stroke="{TARGET_COLOR}" stroke-width="1" '
                     f'stroke-dasharray="4 3" {keep}/>')
    runs: list[list[tuple[int, float]]] = []
    for yr, v in zip(years, values):
        if math.isnan(v):
            runs.append([])
        elif runs and runs[-1]:
            runs[-1].append((yr, float(v)))
        else:
            runs.append([(yr, float(v))])
    for run in (r for r in runs if r):
        parts.append(f'<path d="{path(run)}" stroke="{PALETTE[0]}" stroke-width="2" '
                     f'stroke-linejoin="round" {keep}/>')
    parts.append(f'<path d="{path(points[-1:])}" stroke="{PALETTE[0]}" '
                 f'stroke-width="6" {keep}/>')
    return (f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {SPARK_WIDTH} '
            f'{SPARK_HEIGHT}" preserveAspectRatio="none">{"".join(parts)}</svg>')


def svg_data_uri(svg: str) -> str:
    """An SVG document as an ``<img src>`` (CSP allows data: images)."""
    return "data:image/svg+xml;base64," + base64.b64encode(svg.encode("utf-8")).decode("ascii")


# --- 3. ranking ------------------------------------------------------------------------

def ranking_figure(df: pd.DataFrame, national_value: float | None, kpi: KpiDef,
                   lang: str = "en") -> Figure:
    """Horizontal bars best → worst, coloured by status with its symbol, national line.

    ``df``: code, name, value, status, coverage (status and coverage optional). Rows
    without a value get no bar and are listed under the chart.
    """
    title_key = "fig.ranking.title_none" if kpi.direction == "none" else "fig.ranking.title"
    title = t(title_key, lang, kpi=kpi_name(kpi, lang))
    meta = {"chart": "ranking", "kpi": kpi.code}
    frame = df.copy() if df is not None else pd.DataFrame(columns=["code", "name", "value"])
    frame["value"] = _floats(frame["value"]) if len(frame) else []
    if "status" not in frame:
        frame["status"] = "none"
    if "coverage" not in frame:
        frame["coverage"] = np.nan
    frame["name"] = [n if not _missing_name(n) else c for n, c in
                     zip(frame["name"], frame["code"])] if len(frame) else []
    have = frame[frame["value"].notna()]
    lacking = sorted(frame.loc[frame["value"].isna(), "name"].astype(str).tolist())
    note = _no_data_note(lacking, lang)
    if have.empty:
        fig = empty_figure(t("fig.no_data", lang), title, 250)
        _footer(fig, [note])
        fig.update_layout(meta=meta)
        return fig
    descending = kpi.direction != "lower"
    have = have.sort_values(["value", "name"], ascending=[not descending, True], kind="stable")
    statuses = [_status(s) for s in have["status"]]
    values = have["value"].to_numpy(dtype="float64")
    texts = [f"{STATUS_SYMBOLS[s]} {_fmt(v, kpi, lang)}" for s, v in zip(statuses, values)]
    hover = []
    for name, v, s, cov in zip(have["name"], values, statuses, have["coverage"]):
        line = (f"<b>{_esc(name)}</b><br>{t('fig.hover.value', lang)}: {_fmt(v, kpi, lang)}"
                f"<br>{t('fig.hover.status', lang)}: {_status_text(s, lang)}")
        if not _missing(cov):
            line += f"<br>{t('fig.hover.coverage', lang)}: {fmt_coverage(float(cov), lang)}"
        hover.append(line)
    codes = have["code"].astype(str).tolist()
    fig = Figure([trace(
        "bar", x=[float(v) for v in values], y=codes, orientation="h",
        marker={"color": [STATUS_COLORS[s] for s in statuses]},
        text=texts, textposition="outside", cliponaxis=False,
        textfont={"size": 11, "color": "#333333"},
        customdata=codes, hovertext=hover, hovertemplate="%{hovertext}<extra></extra>",
        name=_esc(kpi_name(kpi, lang)), showlegend=False,
    )])
    fig.update_yaxes(tickmode="array", tickvals=codes,
                     ticktext=[_esc(n) for n in have["name"]],
                     categoryorder="array", categoryarray=codes, autorange="reversed",
                     automargin=True, fixedrange=True)
    lo, hi = min(0.0, float(values.min())), max(0.0, float(values.max()))
    if national_value is not None and not _missing(national_value):
        lo, hi = min(lo, float(national_value)), max(hi, float(national_value))
        label = t("fig.national_value", lang, value=_fmt(national_value, kpi, lang))
        # Behind the bars, so it never hides one; it shows in the gaps between them.
        x = float(national_value)
        fig.add_shape(type="line", x0=x, x1=x, xref="x", y0=0, y1=1, yref="y domain",
                      line={"color": NATIONAL_COLOR, "dash": "dash", "width": 1.5},
                      layer="below")
        fig.add_annotation(text=label, x=x, xref="x", y=1, yref="y domain",
                           xanchor="center", yanchor="bottom", showarrow=False,
                           font={"size": 11, "color": NATIONAL_COLOR})
    pad = 0.18 * (hi - lo or 1.0)  # room for the text labels outside the bars
    fig.update_xaxes(title={"text": unit_label(kpi, lang)}, automargin=True,
                     range=[lo - (pad if lo < 0 else 0), hi + pad], zeroline=True)
    height = max(250, 18 * len(have) + 110)
    meta["summary"] = t("fig.summary.ranking", lang, n=len(have),
                        first=_esc(have["name"].iloc[0]), first_value=_fmt(values[0], kpi, lang),
                        last=_esc(have["name"].iloc[-1]),
                        last_value=_fmt(values[-1], kpi, lang))
    _base_layout(fig, title, height, meta, lang)
    fig.update_layout(bargap=0.3, margin_t=56, margin_r=24)
    _footer(fig, [_status_legend(statuses, lang), note])
    return fig


def _missing_name(name) -> bool:
    if name is None or name is pd.NA or name is pd.NaT:
        return True
    if isinstance(name, float) and math.isnan(name):
        return True
    return str(name).strip() == ""


# --- where the gap is (Pareto) ------------------------------------------------------------

PARETO_BARS = 25  # the largest parts drawn one by one; the other widening courts as one bar
PARETO_LABEL = 26  # characters of a court's name under its bar (the whole name on hover)
WIDEN_COLOR = "#D55E00"  # the Okabe-Ito vermilion of "off target", with a symbol in the text
SHARE_COLOR = "#333333"


def pareto_figure(courts: pd.DataFrame, title: str, kpi: KpiDef, lang: str = "en"
                  ) -> Figure:
    """The courts that widen a scope's gap, largest part first (bars, in the KPI's own
    unit), and the cumulative share of the gap they make (a line, 0-100 %).

    ``courts``: court_code, name, contribution, cumulative_share (kpi.gap, ranked). Courts
    that narrow the gap are not drawn (a sentence beside the chart counts them); past
    PARETO_BARS the rest of the widening courts are one bar.
    """
    meta = {"chart": "gap", "kpi": kpi.code}
    widening = courts[courts["contribution"] > 0]
    if widening.empty:
        fig = empty_figure(t("gap.on_target_short", lang), title, 250)
        fig.update_layout(meta=meta)
        return fig
    shown = widening.head(PARETO_BARS)
    full = [_esc(n) for n in shown["name"]]
    labels = [n if len(n) <= PARETO_LABEL else n[:PARETO_LABEL - 1] + "…" for n in full]
    parts = shown["contribution"].astype(float).tolist()
    cumulative = (100 * shown["cumulative_share"].astype(float)).tolist()
    rest = widening.iloc[PARETO_BARS:]
    if len(rest):
        labels.append(t("gap.fig.others", lang, n=len(rest)))
        parts.append(float(rest["contribution"].sum()))
        cumulative.append(100.0)
    ids_ = [str(c) for c in shown["court_code"]] + (["others"] if len(rest) else [])
    number = lambda v: fmt_number(v, 0 if abs(v) >= 10 else 1, lang)  # noqa: E731
    fig = Figure()
    fig.add_trace(trace(
        "bar", x=ids_, y=parts, name=t("gap.fig.bars", lang), marker_color=WIDEN_COLOR,
                text=[number(v) for v in parts], textposition="outside", cliponaxis=False,
                customdata=ids_, hovertext=[f"<b>{n}</b><br>{t('gap.fig.bars', lang)}: "
                                            f"{number(v)}" for n, v in
                                            zip(full + labels[len(full):], parts)],
        hovertemplate="%{hovertext}<extra></extra>"))
    fig.add_trace(trace(
        "scatter", x=ids_, y=cumulative, name=t("gap.fig.cumulative", lang), yaxis="y2",
        mode="lines+markers", line={"color": SHARE_COLOR, "width": 2},
        marker={"symbol": "diamond", "size": 7}, hovertemplate="%{y:.1f} %<extra></extra>"))
    fig.update_xaxes(tickmode="array", tickvals=ids_, ticktext=labels, tickangle=-45,
                     automargin=True, fixedrange=True)
    fig.update_layout(yaxis={"title": {"text": t("gap.fig.bars", lang)}, "rangemode": "tozero",
                             "fixedrange": True},
                      yaxis2={"title": {"text": t("gap.fig.cumulative", lang)},
                              "overlaying": "y", "side": "right", "range": [0, 105],
                              "tickvals": [0, 25, 50, 75, 100],
                              "ticksuffix": " %", "fixedrange": True, "showgrid": False},
                      legend={"orientation": "h", "y": 1.12, "x": 0})
    first = widening.iloc[0]
    meta["summary"] = t("gap.fig.summary", lang, n=len(widening), first=_esc(first["name"]),
                        part=number(float(first["contribution"])))
    # The card's header names the chart: no title inside it.
    _base_layout(fig, None, 460, meta, lang)
    fig.update_layout(margin_t=40, margin_r=60)
    return fig


# --- 4. funnel -------------------------------------------------------------------------

def funnel_figure(df: pd.DataFrame, national_value: float, kpi: KpiDef,
                  lang: str = "en") -> Figure:
    """Funnel plot of a % KPI: value against volume (log), 95 % and 99.8 % limits.

    ``df``: code, name, value (0-100), denominator (the volume). Rows without a value or
    with a volume ≤ 0 are left out. Points are coloured *and* shaped by their class.
    Anonymised courts come without their volume (it would link them across KPIs) but
    with ``funnel_class``, worked out on the server: they are counted under the plot
    by class instead of drawn.
    """
    title = t("fig.funnel.title", lang, kpi=kpi_name(kpi, lang))
    meta = {"chart": "funnel", "kpi": kpi.code}
    if kpi.unit != "%":
        fig = empty_figure(t("fig.funnel.not_applicable", lang), title, 420)
        fig.update_layout(meta=meta)
        return fig
    frame = df.copy() if df is not None else pd.DataFrame(
        columns=["code", "name", "value", "denominator"])
    hidden = ""
    if len(frame):
        frame["value"] = _floats(frame["value"])
        frame["denominator"] = _floats(frame["denominator"])
        anonymous = frame["code"].astype(str).str.startswith(ANON_PREFIX) & \
            frame["denominator"].isna() & frame["value"].notna()
        if anonymous.any() and "funnel_class" in frame:
            hidden = _hidden_courts_line(frame.loc[anonymous, "funnel_class"], lang)
        frame = frame[frame["value"].notna() & (frame["denominator"] > 0)]
    if frame.empty:
        fig = empty_figure(t("fig.no_data", lang) if not hidden else hidden, title, 420)
        fig.update_layout(meta=meta)
        return fig
    p0 = float("nan") if _missing(national_value) else float(national_value)
    # Binomial limits need a share in [0, 100] (a clearance rate above 100 % is not one).
    has_limits = 0.0 <= p0 <= 100.0
    volumes = frame["denominator"].to_numpy(dtype="float64")
    values = frame["value"].to_numpy(dtype="float64")
    classes = classify(values, volumes, p0) if has_limits \
        else np.full(len(values), NO_LIMITS, dtype=object)
    fig = Figure()
    n_min, n_max = float(volumes.min()), float(volumes.max())
    if has_limits:
        curve = funnel_curve(p0, n_max * 1.5)
        n = curve["n"].tolist()
        for lo_col, hi_col, key, dash in (("lo95", "hi95", "fig.funnel.limits95", "dash"),
                                          ("lo998", "hi998", "fig.funnel.limits998", "dot")):
            name = t(key, lang)
            for col, show in ((hi_col, True), (lo_col, False)):
                fig.add_trace(trace(
                    "scatter", x=n, y=_gapped(curve[col].to_numpy()), mode="lines", name=name,
                    legendgroup=hi_col, showlegend=show, hoverinfo="skip",
                    line={"color": "#666666", "width": 1.2, "dash": dash},
                ))
    if not math.isnan(p0):
        fig.add_shape(type="line", x0=0, x1=1, xref="x domain", y0=p0, y1=p0, yref="y",
                      line={"color": NATIONAL_COLOR, "width": 1.5})
        fig.add_annotation(text=t("fig.national_value", lang, value=_fmt(p0, kpi, lang)),
                           x=0, xref="x domain", y=p0, yref="y", xanchor="left",
                           yanchor="bottom", showarrow=False,
                           font={"size": 11, "color": NATIONAL_COLOR})
    for cls in (*CLASSES, NO_LIMITS):
        mask = classes == cls
        if not mask.any():
            continue
        color, symbol = FUNNEL_STYLE[cls]
        part = frame[mask]
        label = t(FUNNEL_KEYS[cls], lang) if cls != NO_LIMITS else kpi_name(kpi, lang)
        hover = [f"<b>{_esc(c if _missing_name(nm) else nm)}</b><br>"
                 f"{t('fig.hover.value', lang)}: {_fmt(v, kpi, lang)}"
                 f"<br>{t('fig.hover.volume', lang)}: {_fmt_count(d, lang)}"
                 + (f"<br>{label}" if cls != NO_LIMITS else "")
                 for c, nm, v, d in zip(part["code"], part["name"], part["value"],
                                        part["denominator"])]
        fig.add_trace(trace(
            "scatter", x=part["denominator"].tolist(), y=part["value"].tolist(), mode="markers",
            name=label, customdata=part["code"].astype(str).tolist(), hovertext=hover,
            hovertemplate="%{hovertext}<extra></extra>",
            marker={"color": color, "symbol": symbol, "size": 8,
                    "line": {"color": "#FFFFFF", "width": 0.5}},
        ))
    x_lo, x_hi = math.log10(max(n_min / 1.5, 1.0)), math.log10(n_max * 1.5)
    fig.update_xaxes(type="log", range=[x_lo, x_hi], automargin=True, dtick="D2",
                     title={"text": t("fig.funnel.x_title", lang)})
    fig.update_yaxes(title={"text": unit_label(kpi, lang)}, automargin=True)
    y_lo, y_hi = float(values.min()), float(values.max())
    if not math.isnan(p0):
        y_lo, y_hi = min(y_lo, p0), max(y_hi, p0)
    pad = 0.1 * (y_hi - y_lo or 1.0)
    # Near 0 or 100 % keep a sliver of room so points on the edge are not cut in half.
    lo = y_lo - pad if y_lo - pad >= 0 or y_lo < 0 else -min(pad, 1.0)
    hi = y_hi + pad if y_hi + pad <= 100 or y_hi > 100 else 100 + min(pad, 1.0)
    fig.update_yaxes(range=[lo, hi])
    fig.update_layout(hovermode="closest",
                      legend={"orientation": "h", "x": 0, "y": 1.0, "yanchor": "bottom"})
    _base_layout(fig, title, 420, meta, lang)
    fig.update_layout(margin_t=80)
    _footer(fig, [hidden, "" if has_limits else t("fig.funnel.no_limits", lang)])
    return fig


def _hidden_courts_line(classes: pd.Series, lang: str) -> str:
    """"Other courts, anonymised and not drawn: 30 within the limits, 2 outside ..." """
    counts = classes.value_counts()
    parts = [f"{t(FUNNEL_KEYS[cls], lang)}: {int(counts[cls])}" for cls in CLASSES
             if counts.get(cls, 0)]
    return t("fig.funnel.hidden", lang, n=int(counts.sum()), classes="; ".join(parts))


def _fmt_count(value: float, lang: str) -> str:
    return fmt_number(float(value), 0, lang)


# --- 5. tile map -----------------------------------------------------------------------

def tile_map_figure(df: pd.DataFrame, kpi: KpiDef, lang: str = "en",
                    color_by: str = "value") -> Figure:
    """Kazakhstan's 20 regions as square tiles placed roughly where they lie.

    ``df``: region_code, name, value, status. ``color_by="value"`` colours on a
    sequential scale (better = darker green; blue for context KPIs); ``"status"`` uses
    STATUS_COLORS and prefixes the value with the status symbol. Regions without a
    value are grey and say "no data". Works offline: shapes and one scatter trace.
    """
    if color_by not in ("value", "status"):
        raise ValueError(f"color_by must be 'value' or 'status', not {color_by!r}")
    title = t("fig.map.title", lang, kpi=kpi_name(kpi, lang))
    rows = {}
    if df is not None and len(df):
        for r in df.to_dict("records"):
            rows[str(r.get("region_code"))] = r
    codes = list(TILE_GRID)
    values = _floats([rows.get(c, {}).get("value") for c in codes])
    statuses = [_status(rows.get(c, {}).get("status")) for c in codes]
    names = []
    for c in codes:
        name = rows.get(c, {}).get("name")
        names.append(t(f"fig.region.{c}", lang) if _missing_name(name) else str(name))
    if color_by == "value":
        colors, vmin, vmax = _value_colors(values, kpi)
    else:
        colors = [NO_DATA_COLOR if math.isnan(v) else STATUS_COLORS[s]
                  for v, s in zip(values, statuses)]
    texts, hover = [], []
    for c, name, v, s in zip(codes, names, values, statuses):
        short = t(f"fig.region.{c}", lang)
        if math.isnan(v):
            shown = t("fig.no_data", lang)
        elif color_by == "status":
            shown = f"{STATUS_SYMBOLS[s]} {_fmt(v, kpi, lang)}"
        else:
            shown = _fmt(v, kpi, lang)
        texts.append(f"<b>{_esc(short)}</b><br>{_esc(shown)}")
        line = f"<b>{_esc(name)}</b><br>{t('fig.hover.value', lang)}: {_fmt(v, kpi, lang)}"
        if not math.isnan(v):
            line += f"<br>{t('fig.hover.status', lang)}: {_status_text(s, lang)}"
        hover.append(line)
    # Shapes as plain dicts: 20 add_shape calls validated each one and took ~40 ms.
    shapes = [{"type": "rect", "x0": col - TILE_HALF, "x1": col + TILE_HALF,
               "y0": -row - TILE_HALF, "y1": -row + TILE_HALF, "fillcolor": color,
               "line": {"color": "#FFFFFF", "width": 1}, "layer": "below", "name": c}
              for c, color in zip(codes, colors) for col, row in [TILE_GRID[c]]]
    fig = Figure(layout={"shapes": shapes})
    # One scatter trace on the tile centres: the labels, the hover and the click target.
    # Its square markers are transparent (the shapes show the colour) and about tile-sized.
    fig.add_trace(trace(
        "scatter", x=[TILE_GRID[c][0] for c in codes], y=[-TILE_GRID[c][1] for c in codes],
        mode="markers+text", text=texts, textposition="middle center",
        textfont={"size": 10, "color": [_text_color(c) for c in colors]},
        marker={"symbol": "square", "size": TILE_MARKER_PX, "color": "rgba(0,0,0,0)"},
        customdata=codes, hovertext=hover, hovertemplate="%{hovertext}<extra></extra>",
        showlegend=False, name="",
    ))
    if color_by == "value" and not np.isnan(values).all():
        fig.add_trace(trace("scatter",   # carries the colour bar only
            x=[None], y=[None], mode="markers", showlegend=False, hoverinfo="skip",
            marker={"colorscale": _scale(kpi), "cmin": vmin, "cmax": vmax, "color": [vmin],
                    "showscale": True, "colorbar": {"title": {"text": unit_label(kpi, lang)},
                                                    "thickness": 10, "len": 0.8}},
        ))
    fig.update_xaxes(visible=False, range=[-0.55, 6.55], fixedrange=True)
    fig.update_yaxes(visible=False, range=[-3.55, 0.55], fixedrange=True,
                     scaleanchor="x", scaleratio=1)
    _base_layout(fig, title, TILE_MAP_HEIGHT,
                 {"chart": "tile_map", "kpi": kpi.code, "color_by": color_by}, lang)
    footer = [_status_legend([s for v, s in zip(values, statuses) if not math.isnan(v)], lang)] \
        if color_by == "status" else []
    added = _footer(fig, footer, below=6)
    fig.update_layout(hovermode="closest", dragmode=False, height=TILE_MAP_HEIGHT + added)
    return fig


# --- 6. choropleth ---------------------------------------------------------------------

def choropleth_figure(geojson: dict, df: pd.DataFrame, kpi: KpiDef,
                      lang: str = "en") -> Figure:
    """Regions filled by value on Plotly's own ``geo`` subplot (no map tiles, no network).

    ``geojson``: features with ``properties.iso_code`` (exterior rings clockwise, as
    d3-geo wants). ``df``: region_code, name, value, status. Regions without a value —
    in ``df`` as NaN or absent — are grey, say "no data" on hover and are listed below.
    """
    title = t("fig.map.title", lang, kpi=kpi_name(kpi, lang))
    features = geojson.get("features", []) if geojson else []
    geo_names: dict[str, str] = {}
    for f in features:
        properties = f.get("properties", {})
        code = properties.get("iso_code")
        if code:
            geo_names[code] = (properties.get(f"name_{lang}") or properties.get("name_en")
                               or code)
    frame = df.copy() if df is not None else pd.DataFrame(
        columns=["region_code", "name", "value", "status"])
    frame["region_code"] = frame["region_code"].astype(str) if len(frame) else []
    frame = frame.drop_duplicates("region_code", keep="last")
    frame["value"] = _floats(frame["value"]) if len(frame) else []
    if "status" not in frame:
        frame["status"] = "none"
    given = frame["name"] if "name" in frame else pd.Series([None] * len(frame))
    frame["name"] = [geo_names.get(c, c) if _missing_name(n) else str(n)
                     for c, n in zip(frame["region_code"], given)]
    have = frame[frame["value"].notna()]
    if geo_names:
        have = have[have["region_code"].isin(geo_names)]
    lacking_codes = [c for c in geo_names if c not in set(have["region_code"])]
    names = dict(zip(frame["region_code"], frame["name"]))
    lacking_names = [names.get(c, geo_names[c]) for c in lacking_codes]
    fig = Figure()
    if len(have):
        vals = have["value"].to_numpy(dtype="float64")
        _, zmin, zmax = _value_colors(vals, kpi)
        hover = [f"<b>{_esc(n)}</b><br>{t('fig.hover.value', lang)}: {_fmt(v, kpi, lang)}"
                 f"<br>{t('fig.hover.status', lang)}: {_status_text(_status(s), lang)}"
                 for n, v, s in zip(have["name"], vals, have["status"])]
        codes = have["region_code"].tolist()
        fig.add_trace(trace(
            "choropleth", geojson=_subset(geojson, codes), featureidkey="properties.iso_code",
            locations=codes,
            z=[float(v) for v in vals], colorscale=_scale(kpi), zmin=zmin, zmax=zmax,
            customdata=codes, hovertext=hover, hovertemplate="%{hovertext}<extra></extra>",
            marker={"line": {"color": "#FFFFFF", "width": 0.6}},
            colorbar={"title": {"text": unit_label(kpi, lang)}, "thickness": 10, "len": 0.8},
            name=_esc(kpi_name(kpi, lang)),
        ))
    if lacking_codes:
        fig.add_trace(trace(
            "choropleth", geojson=_subset(geojson, lacking_codes),
            featureidkey="properties.iso_code", locations=lacking_codes,
            z=[0.0] * len(lacking_codes), showscale=False,
            colorscale=[[0, NO_DATA_COLOR], [1, NO_DATA_COLOR]],
            customdata=lacking_codes,
            hovertext=[f"<b>{_esc(n)}</b><br>{t('fig.no_data', lang)}" for n in lacking_names],
            hovertemplate="%{hovertext}<extra></extra>",
            marker={"line": {"color": "#FFFFFF", "width": 0.6}},
            name=t("fig.no_data", lang),
        ))
    if not fig.data:
        fig = empty_figure(t("fig.no_data", lang), title, TILE_MAP_HEIGHT)
        fig.update_layout(meta={"chart": "choropleth", "kpi": kpi.code})
        return fig
    # Mercator keeps the country's shape; explicit ranges from the features' bounding box
    # fill the frame better than fitbounds does on this projection (checked in Chromium).
    geo = {"visible": False, "projection_type": "mercator", "bgcolor": "rgba(0,0,0,0)"}
    bounds = _bounds(features)
    if bounds is None:
        geo["fitbounds"] = "locations"
    else:
        lon0, lat0, lon1, lat1 = bounds
        pad_lon, pad_lat = 0.02 * (lon1 - lon0), 0.03 * (lat1 - lat0)
        geo.update(fitbounds=False, lonaxis_range=[lon0 - pad_lon, lon1 + pad_lon],
                   lataxis_range=[lat0 - pad_lat, lat1 + pad_lat],
                   center={"lon": (lon0 + lon1) / 2, "lat": (lat0 + lat1) / 2})
    fig.update_layout(geo=props(**geo))
    _base_layout(fig, title, TILE_MAP_HEIGHT, {"chart": "choropleth", "kpi": kpi.code}, lang)
    added = _footer(fig, [_no_data_note(sorted(lacking_names), lang)], below=6)
    fig.update_layout(dragmode=False, height=TILE_MAP_HEIGHT + added)
    return fig


def _subset(geojson: dict, codes: list[str]) -> dict:
    """The features of ``codes`` only: each trace ships just its own geometry."""
    wanted = set(codes)
    return {"type": "FeatureCollection",
            "features": [f for f in geojson.get("features", [])
                         if f.get("properties", {}).get("iso_code") in wanted]}


def _bounds(features: list[dict]) -> tuple[float, float, float, float] | None:
    """(lon min, lat min, lon max, lat max) of Polygon / MultiPolygon features."""
    lons: list[float] = []
    lats: list[float] = []

    def walk(coords) -> None:
        if coords and isinstance(coords[0], (int, float)):
            lons.append(float(coords[0]))
            lats.append(float(coords[1]))
            return
        for part in coords or ():
            walk(part)

    for f in features:
        walk((f.get("geometry") or {}).get("coordinates"))
    if not lons:
        return None
    return min(lons), min(lats), max(lons), max(lats)


# --- 7. case flow ----------------------------------------------------------------------

def case_flow_figure(df: pd.DataFrame, lang: str = "en",
                     flags: pd.DataFrame | None = None) -> Figure:
    """Incoming and resolved cases per year (grouped bars) and pending at year end (line).

    ``flags``: year, field, rule, message (data.derive.flags with its sentences): a ✖ on each
    flagged figure of the flow, the check's sentence on hover (issue 15).
    """
    title = t("fig.case_flow.title", lang)
    meta = {"chart": "case_flow"}
    cols = ("incoming", "resolved", "pending_end")
    if df is None or df.empty or not df[list(cols)].notna().any().any():
        return empty_figure(t("fig.no_data", lang), title, 340)
    years = _full_years(df["year"])
    frame = df.copy()
    frame["year"] = frame["year"].astype("int64")
    frame = frame.drop_duplicates("year", keep="last").set_index("year").reindex(years)
    fig = Figure()
    styles = {"incoming": ("fig.case_flow.incoming", "#2B83C6"),
              "resolved": ("fig.case_flow.resolved", "#0072B2"),
              "pending_end": ("fig.case_flow.pending_end", "#AD7800")}
    for col in cols:
        key, color = styles[col]
        name = t(key, lang)
        vals = _floats(frame[col])
        hover = [f"<b>{name}</b><br>{t('fig.year', lang)}: {y}<br>"
                 + (t("fig.no_data", lang) if math.isnan(v) else _fmt_count(v, lang))
                 for y, v in zip(years, vals)]
        common = {"x": years, "y": _gapped(vals), "name": name, "customdata": years,
                  "hovertext": hover, "hovertemplate": "%{hovertext}<extra></extra>"}
        if col == "pending_end":
            fig.add_trace(trace("scatter", mode="lines+markers", connectgaps=False,
                                     line={"color": color, "width": 2},
                                     marker={"symbol": "diamond", "size": 8}, **common))
        else:
            fig.add_trace(trace("bar", marker={"color": color}, **common))
    if flags is not None and len(flags):
        _add_flags(fig, frame, flags, lang)
    _year_axis(fig, years, lang)
    fig.update_yaxes(title={"text": t("fig.unit.cases", lang)}, automargin=True,
                     rangemode="tozero")
    fig.update_layout(barmode="group", hovermode="closest",
                      legend={"orientation": "h", "x": 0, "y": 1.0, "yanchor": "bottom"})
    known = frame.dropna(subset=list(cols), how="all")
    if len(known):
        first, last = known.iloc[0], known.iloc[-1]

        def count(v) -> str:
            return t("fig.no_data", lang) if _missing(v) else _fmt_count(float(v), lang)

        meta["summary"] = t("fig.summary.flow", lang, first=int(known.index[0]),
                            last=int(known.index[-1]), i0=count(first["incoming"]),
                            i1=count(last["incoming"]), r0=count(first["resolved"]),
                            r1=count(last["resolved"]), p0=count(first["pending_end"]),
                            p1=count(last["pending_end"]))
    _base_layout(fig, title, 340, meta, lang)
    fig.update_layout(margin_t=70)
    return fig


# --- 8. every KPI of one unit ------------------------------------------------------------

@dataclass(frozen=True)
class SmallMultiple:
    """One KPI's panel of a unit's small multiples: its trend as a static SVG (None
    without any value), its latest (year, value), the years it spans, and whether a
    target is drawn."""

    kpi: KpiDef
    svg: str | None
    last: tuple[int, float] | None
    span: tuple[int, int] | None
    has_target: bool


def small_multiples(values: pd.DataFrame, category: str) -> list[SmallMultiple]:
    """One panel per catalogue KPI of one unit's rows (year, category, kpi, value,
    target): per-court KPIs read category "all", the others ``category``.

    Drawn as images like the scorecard's sparklines: as one Plotly figure of 18 subplots
    they were the costliest drawing of the court profile (every axis laid out by Plotly
    in the browser) for lines a person reads at a glance; the exact numbers are in the
    card's table and downloads.
    """
    from kpi.catalogue import CATALOGUE

    # One pass over the rows instead of filtering the frame per KPI (the last row of a
    # repeated year wins, as in the other trend figures).
    cells: dict[tuple[str, str], dict[int, tuple[float, float]]] = {}
    targets_of = _floats(values["target"]) if "target" in values \
        else np.full(len(values), np.nan)
    for k, c, y, v, tg in zip(values["kpi"], values["category"], values["year"],
                              _floats(values["value"]), targets_of):
        cells.setdefault((k, c), {})[int(y)] = (v, tg)
    panels = []
    for kpi in CATALOGUE:
        by_year = cells.get((kpi.code, "all" if kpi.grain == "court" else category), {})
        years = _full_years(list(by_year))
        vals = np.array([by_year.get(y, (np.nan,))[0] for y in years], dtype="float64")
        targets = [(y, float(by_year[y][1])) for y in years
                   if y in by_year and not math.isnan(by_year[y][1])]
        shown = [(y, float(v)) for y, v in zip(years, vals) if not math.isnan(v)]
        span = [y for y, _ in shown] + [y for y, _ in targets]
        panels.append(SmallMultiple(
            kpi, sparkline_svg(years, vals, targets), shown[-1] if shown else None,
            (min(span), max(span)) if shown else None, bool(targets)))
    return panels


# --- outlook grid --------------------------------------------------------------------------

OUTLOOK_COLORS = {"on_track": STATUS_COLORS["green"], "uncertain": STATUS_COLORS["amber"],
                  "off_track": STATUS_COLORS["red"], "no_target": "#BBBBBB",
                  "insufficient_data": "#E5E5E5"}
OUTLOOK_ORDER = ("on_track", "uncertain", "off_track", "no_target", "insufficient_data")
OUTLOOK_SYMBOLS = {"on_track": "✔", "uncertain": "?", "off_track": "✖", "no_target": "—",
                   "insufficient_data": "…"}


def outlook_grid_figure(rows: pd.DataFrame, kpis: list[str], units: list[str],
                        names: dict, lang: str = "en") -> Figure:
    """KPIs (rows, most off track first) × units (columns): each cell the outlook's icon
    on its colour, the word and the projection on hover; a legend of icons and words
    under the grid, so colour is never the only cue.

    ``rows``: code, kpi, outlook, projected, lower, upper, target (kpi.outlook columns).
    """
    from kpi.catalogue import KPIS

    title = t("outlook.grid", lang, horizon=DEFAULT_HORIZON)
    meta = {"chart": "outlook"}
    present = set(rows["code"].tolist()) if len(rows) else set()
    shown_units = [u for u in units if u in present]
    if not kpis or not shown_units:
        return empty_figure(t("fig.no_data", lang), title, 300)
    cell = {(r.kpi, r.code): r for r in rows.itertuples(index=False)}
    level = {o: i for i, o in enumerate(OUTLOOK_ORDER)}
    z, text, hover = [], [], []
    for kpi in kpis:
        k = KPIS[kpi]
        z_row: list[int | None] = []
        t_row: list[str] = []
        h_row: list[str] = []
        for unit in shown_units:
            r = cell.get((kpi, unit))
            name = _esc(names.get(unit, unit))
            if r is None:
                z_row.append(None)
                t_row.append("")
                h_row.append(f"<b>{name}</b><br>{_esc(kpi_name(k, lang))}<br>"
                             f"{t('fig.no_data', lang)}")
                continue
            z_row.append(level[r.outlook])
            t_row.append(OUTLOOK_SYMBOLS[r.outlook])
            line = (f"<b>{name}</b><br>{_esc(kpi_name(k, lang))}<br>"
                    f"{t('outlook.' + r.outlook, lang)}")
            if not _missing(r.projected):
                line += "<br>" + _esc(t("outlook.interval", lang, value=_fmt(r.projected, k, lang),
                                        lower=_fmt(r.lower, k, lang),
                                        upper=_fmt(r.upper, k, lang)))
            if not _missing(r.target):
                line += f"<br>{t('fig.target', lang)}: {_fmt(r.target, k, lang)}"
            h_row.append(line)
        z.append(z_row)
        text.append(t_row)
        hover.append(h_row)
    n = len(OUTLOOK_ORDER)
    scale = []
    for i, outcome in enumerate(OUTLOOK_ORDER):
        scale += [[i / n, OUTLOOK_COLORS[outcome]], [(i + 1) / n, OUTLOOK_COLORS[outcome]]]
    fig = Figure([trace(
        "heatmap", z=z, x=[names.get(u, u) for u in shown_units],
        y=[kpi_name(KPIS[k], lang) for k in kpis], text=text, texttemplate="%{text}",
        textfont={"size": 13, "color": "#111111"}, hovertext=hover,
        hovertemplate="%{hovertext}<extra></extra>", colorscale=scale, zmin=-0.5,
        zmax=n - 0.5, showscale=False, xgap=2, ygap=2, customdata=[shown_units] * len(kpis))])
    fig.update_yaxes(autorange="reversed", automargin=True)
    fig.update_xaxes(side="top", tickangle=-45, automargin=True)
    _base_layout(fig, title, 160 + 28 * len(kpis), meta, lang)
    legend = " · ".join(f"{OUTLOOK_SYMBOLS[o]} {t('outlook.' + o, lang)}" for o in OUTLOOK_ORDER)
    _footer(fig, [legend], below=12)
    return fig


# --- backlog age -------------------------------------------------------------------------

BACKLOG_BUCKETS = ("age_le_3m", "age_3_6m", "age_6_12m", "age_1_2y", "age_gt_2y")
# Light to dark: the older the cases, the darker the bar (and the legend says the ages).
BACKLOG_COLORS = ("#C6DBEF", "#9ECAE1", "#6BAED6", "#3182BD", "#08519C")


def backlog_age_figure(rows: pd.DataFrame, lang: str = "en") -> Figure:
    """Pending cases on 31 December of each year, stacked by age, with those past their
    statutory term as a line (CourTools measure 4). ``rows``: one unit and category of
    data.derive.backlog's columns. No rows: no case-level data, said so (never a zero)."""
    title = t("backlog.title", lang)
    if rows is None or rows.empty:
        return empty_figure(t("backlog.none", lang), title, 320)
    rows = rows.sort_values("year")
    years = [int(y) for y in rows["year"]]
    fig = Figure()
    for column, color in zip(BACKLOG_BUCKETS, BACKLOG_COLORS):
        name = t(f"backlog.{column}", lang)
        values = [int(v) for v in rows[column]]
        fig.add_trace(trace(
            "bar", x=years, y=values, name=name, marker={"color": color},
            hovertext=[f"{y}: {name}: {fmt_number(v, 0, lang)}" for y, v in zip(years, values)],
            hovertemplate="%{hovertext}<extra></extra>"))
    over = [int(v) for v in rows["over_term"]]
    name = t("backlog.over_term", lang)
    fig.add_trace(trace(
        "scatter", x=years, y=over, name=name, mode="lines+markers",
        line={"color": STATUS_COLORS["red"], "width": 2}, marker={"symbol": "x", "size": 8},
        hovertext=[f"{y}: {name}: {fmt_number(v, 0, lang)}" for y, v in zip(years, over)],
        hovertemplate="%{hovertext}<extra></extra>"))
    fig.update_layout(barmode="stack", hovermode="closest",
                      legend={"orientation": "h", "x": 0, "y": 1.0, "yanchor": "bottom"})
    _year_axis(fig, years, lang)
    fig.update_yaxes(title={"text": t("backlog.y_title", lang)}, automargin=True)
    _base_layout(fig, title, 360, {"chart": "backlog"}, lang)
    fig.update_layout(margin_t=90)
    return fig



def seasonal_figure(series: pd.DataFrame, year: int, kpi: KpiDef, lang: str = "en"
                    ) -> Figure:
    """The KPI month by month in ``year`` against the same months of the (up to 3) years
    before: their range shaded, each drawn thin, ``year`` bold (issue 26). ``series``:
    year, month, value (data.derive.periods.monthly_values)."""
    title = t("fig.seasonal.title", lang, kpi=kpi_name(kpi, lang), year=year)
    months = list(range(1, 13))
    names = [t(f"month.{m:02d}", lang)[:3].capitalize() for m in months]
    if series is None or series.empty or not series["value"].notna().any():
        return empty_figure(t("fig.no_data", lang), title, 340)
    table = series.pivot_table(index="month", columns="year", values="value").reindex(months)
    before = [y for y in sorted(table.columns) if y < year][-3:]
    fig = Figure()
    if before:
        low = table[before].min(axis=1, skipna=True).to_numpy(dtype="float64")
        high = table[before].max(axis=1, skipna=True).to_numpy(dtype="float64")
        band = t("fig.seasonal.band", lang, first=before[0], last=before[-1])
        fig.add_trace(trace("scatter", x=names, y=_gapped(high), mode="lines", line={"width": 0},
                                 showlegend=False, hoverinfo="skip"))
        fig.add_trace(trace("scatter", x=names, y=_gapped(low), mode="lines", line={"width": 0},
                                 fill="tonexty", fillcolor="rgba(120,120,120,0.18)",
                                 name=band, hoverinfo="skip"))
        for i, y in enumerate(before):
            vals = table[y].to_numpy(dtype="float64")
            fig.add_trace(trace(
                "scatter", x=names, y=_gapped(vals), name=str(y), mode="lines",
                line={"color": "#8a8a8a", "width": 1, "dash": ("dot", "dash", "dashdot")[i % 3]},
                hovertext=[f"{n} {y}: {_fmt(v, kpi, lang)}" for n, v in zip(names, vals)],
                hovertemplate="%{hovertext}<extra></extra>"))
    if year in table.columns:
        vals = table[year].to_numpy(dtype="float64")
        fig.add_trace(trace(
            "scatter", x=names, y=_gapped(vals), name=str(year), mode="lines+markers",
            line={"color": PALETTE[0], "width": 3}, marker={"size": 7},
            hovertext=[f"<b>{n} {year}</b>: {_fmt(v, kpi, lang)}" for n, v in zip(names, vals)],
            hovertemplate="%{hovertext}<extra></extra>"))
    fig.update_yaxes(title={"text": unit_label(kpi, lang)}, automargin=True)
    fig.update_layout(hovermode="closest", showlegend=True,
                      legend={"orientation": "h", "x": 0, "y": 1.0, "yanchor": "bottom"})
    meta = {"chart": "seasonal", "kpi": kpi.code,
            "summary": seasonal_summary(table, year, before, kpi, lang)}
    _base_layout(fig, title, 360, meta, lang)
    fig.update_layout(margin_t=70)
    return fig


def seasonal_summary(table: pd.DataFrame, year: int, before: list[int], kpi: KpiDef,
                     lang: str) -> str:
    """The seasonal chart in words: the latest month of ``year`` against the range of the
    same month in the years before."""
    if year not in table.columns or not table[year].notna().any():
        return t("fig.no_data", lang)
    month = int(table[year].last_valid_index())
    value = float(table.loc[month, year])
    name = t(f"month.{month:02d}", lang)
    if not before or not table.loc[month, before].notna().any():
        return t("fig.seasonal.summary_alone", lang, month=name, year=year,
                 value=_fmt(value, kpi, lang))
    low, high = float(table.loc[month, before].min()), float(table.loc[month, before].max())
    where = "below" if value < low else "above" if value > high else "within"
    return t(f"fig.seasonal.summary_{where}", lang, month=name, year=year,
             value=_fmt(value, kpi, lang), low=_fmt(low, kpi, lang),
             high=_fmt(high, kpi, lang), first=before[0], last=before[-1])
