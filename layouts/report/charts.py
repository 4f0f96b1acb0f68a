"""A report's charts as PNG images: matplotlib's Agg renderer (no browser, no display,
nothing downloaded), its own DejaVu Sans for every Kazakh letter.

The object API only (``Figure``, never ``pyplot``): pyplot's global state is not
safe in the web server's threads. Colours, words and number formats are the pages'
(``layouts.figures``, ``layouts.format``): a missing value is a gap, never 0.
"""

from __future__ import annotations

import io
import math
import textwrap

import numpy as np
import pandas as pd
from matplotlib.artist import Artist
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from matplotlib.lines import Line2D
from matplotlib.patches import Patch
from matplotlib.ticker import Formatter, MaxNLocator

from layouts.figures import NATIONAL_COLOR, PALETTE, TARGET_COLOR, unit_label
from layouts.format import fmt_number
from layouts.report.content import TrendPanel

DPI = 150
MM = 1 / 25.4  # inches per millimetre
FLOW_COLORS = {"incoming": "#2B83C6", "resolved": "#0072B2", "pending_end": "#AD7800"}
UNIT_COLOR = PALETTE[0]
BAND_COLOR = "#56B4E9"
GRID_COLOR = "#E5ECF6"
TREND_COLUMNS = 3
TITLE_CHARS = 31  # a panel title's line at 6.5 pt in a third of the page
FAMILY = "DejaVu Sans"
FONT = {"family": FAMILY}


class _Numbers(Formatter):
    """Tick labels written as the pages write numbers (1 234,5 in kk and ru), with as
    many decimals as the tick step needs."""

    def __init__(self, lang: str):
        self.lang = lang

    def __call__(self, x, pos=None):
        locs = self.axis.get_majorticklocs() if self.axis is not None else []
        step = abs(locs[1] - locs[0]) if len(locs) > 1 else 1.0
        decimals = 0 if step >= 1 or step == 0 else min(3, math.ceil(-math.log10(step) - 1e-9))
        return fmt_number(0.0 if abs(x) < 1e-12 else x, decimals, self.lang)


def _png(fig: Figure) -> bytes:
    out = io.BytesIO()
    FigureCanvasAgg(fig).print_png(out)
    return out.getvalue()


def _style(ax, lang: str, size: float) -> None:
    ax.yaxis.set_major_formatter(_Numbers(lang))
    ax.yaxis.set_major_locator(MaxNLocator(nbins=4))
    ax.tick_params(labelsize=size, length=2, pad=1.5, colors="#333333")
    ax.grid(axis="y", color=GRID_COLOR, linewidth=0.6)
    ax.set_axisbelow(True)
    for side in ("top", "right"):
        ax.spines[side].set_visible(False)
    for side in ("left", "bottom"):
        ax.spines[side].set_color("#BBBBBB")
        ax.spines[side].set_linewidth(0.6)


def case_flow_png(flow: pd.DataFrame, labels: dict[str, str], lang: str,
                  width_mm: float = 186, height_mm: float = 70) -> bytes | None:
    """Incoming and resolved cases (bars) and pending at the year's end (line) by year,
    as the court page's case flow; None when there is nothing to draw."""
    cols = ("incoming", "resolved", "pending_end")
    if flow is None or flow.empty or not flow[list(cols)].notna().any().any():
        return None
    frame = flow.astype({"year": "int64"}).set_index("year").sort_index()
    years = np.arange(int(frame.index.min()), int(frame.index.max()) + 1)
    frame = frame.reindex(years)
    fig = Figure(figsize=(width_mm * MM, height_mm * MM), dpi=DPI)
    ax = fig.add_axes((0.09, 0.14, 0.89, 0.70))
    width = 0.36
    for offset, col in ((-width / 2, "incoming"), (width / 2, "resolved")):
        vals = frame[col].to_numpy(dtype="float64")
        keep = ~np.isnan(vals)
        ax.bar(years[keep] + offset, vals[keep], width, color=FLOW_COLORS[col],
               label=labels[col])
    pending = frame["pending_end"].to_numpy(dtype="float64")
    ax.plot(years, pending, color=FLOW_COLORS["pending_end"], marker="D", markersize=3.5,
            linewidth=1.6, label=labels["pending_end"])
    _style(ax, lang, 7)
    ax.set_xticks(years, [str(y) for y in years])
    ax.set_ylim(bottom=0)
    ax.set_ylabel(labels["y"], fontsize=7, family=FAMILY)
    fig.legend(loc="upper left", ncols=3, fontsize=7, frameon=False, bbox_to_anchor=(0.08, 1.0),
               prop=FONT | {"size": 7})
    return _png(fig)


def trends_png(panels: list[TrendPanel], labels: dict[str, str], lang: str,
               width_mm: float = 186, height_mm: float = 232,
               with_national: bool = True) -> bytes:
    """Every KPI of the unit by year in a grid: the unit (solid, points), the nation
    (grey), the target that applies (dashed, to the horizon) and the outlook's line and
    80 % band from the last value to the horizon."""
    rows = math.ceil(len(panels) / TREND_COLUMNS)
    fig = Figure(figsize=(width_mm * MM, height_mm * MM), dpi=DPI)
    top, bottom, left, right = 0.945, 0.025, 0.055, 0.99
    gs = fig.add_gridspec(rows, TREND_COLUMNS, left=left, right=right, top=top, bottom=bottom,
                          hspace=0.62, wspace=0.32)
    horizon_years = [int(p.projection["year"].max()) for p in panels
                     if p.projection is not None and len(p.projection)]
    first = min((min(p.years) for p in panels if p.years), default=2021)
    last = max([max(p.years) for p in panels if p.years]
               + [max(p.target_years) for p in panels if p.target_years] + horizon_years)
    xticks = list(range(first, last + 1, 2))
    for i, panel in enumerate(panels):
        ax = fig.add_subplot(gs[i // TREND_COLUMNS, i % TREND_COLUMNS])
        years = np.asarray(panel.years, dtype="float64")
        values = np.asarray(panel.values, dtype="float64")
        if panel.projection is not None and len(panel.projection):
            p = panel.projection
            ax.fill_between(p["year"], p["lower"].astype("float64"),
                            p["upper"].astype("float64"), color=BAND_COLOR, alpha=0.22,
                            linewidth=0)
            ax.plot(p["year"], p["fitted"], color=UNIT_COLOR, linestyle=":", linewidth=1)
        if panel.targets:
            ax.plot(panel.target_years, panel.targets, color=TARGET_COLOR, linestyle="--",
                    linewidth=0.9)
        if with_national and panel.national is not None:
            ax.plot(years, np.asarray(panel.national, dtype="float64"), color=NATIONAL_COLOR,
                    linewidth=0.9, alpha=0.55)
        ax.plot(years, values, color=UNIT_COLOR, linewidth=1.5, marker="o", markersize=2.2)
        _style(ax, lang, 5.5)
        ax.set_xlim(first - 0.4, last + 0.4)
        ax.set_xticks(xticks, [str(y) for y in xticks])
        title = f"{panel.title} ({unit_label(panel.kpi, lang)})"
        # An explicit y spares matplotlib placing each title above the ticks (a tenth of
        # the time of the chart).
        ax.set_title(textwrap.fill(title, TITLE_CHARS), fontsize=6.5, loc="left", pad=3, y=1.0,
                     color="#222222", family=FAMILY)
        if np.isnan(values).all():
            ax.text(0.5, 0.5, "—", transform=ax.transAxes, ha="center", va="center",
                    fontsize=9, color="#767676")
    handles: list[Artist] = [Line2D([], [], color=UNIT_COLOR, linewidth=1.5, marker="o",
                                    markersize=2.5, label=labels["unit"])]
    if with_national and any(p.national is not None for p in panels):
        handles.append(Line2D([], [], color=NATIONAL_COLOR, alpha=0.55, linewidth=0.9,
                              label=labels["national"]))
    handles += [Line2D([], [], color=TARGET_COLOR, linestyle="--", linewidth=0.9,
                       label=labels["target"]),
                Patch(color=BAND_COLOR, alpha=0.3, label=labels["band"])]
    fig.legend(handles=handles, loc="upper left", ncols=len(handles), frameon=False,
               bbox_to_anchor=(left - 0.01, 1.0), prop=FONT | {"size": 6.5})
    return _png(fig)
