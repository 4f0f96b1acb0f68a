"""The simulator page's parts (``/simulate``): component IDs, the levers as sent checked,
and what the page shows of a projection (chart, table, sentence).

Pure builders: DataFrames and numbers in, components, figures and text out. The
arithmetic is ``kpi.simulate``'s (shared/spec/outlook.md, "Case-flow simulator"); the
callbacks (callbacks/simulate.py) fetch the data and check who may see it.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import pandas as pd

from data.store.schema import CATEGORIES
from kpi.outlook import HORIZONS
from kpi.simulate import COLUMNS, Start
from layouts.components import table_data
from layouts.figures import FONT_FAMILY, PALETTE, TARGET_COLOR, _base_layout, _esc
from layouts.format import fmt_number, fmt_value, is_missing, plural_form
from layouts.i18n import t
from layouts.plotspec import Figure, trace

# --- component IDs (plain strings: only this page uses them) ---------------------------

UNIT = "simulate-unit"
CATEGORY = "simulate-category"
HORIZON = "simulate-horizon"
CHANGE = "simulate-change"
CHANGE_VALUE = "simulate-change-value"  # the change in words beside its label
CLEARANCE = "simulate-clearance"
JUDGES = "simulate-judges"
CLEARANCE_HINT = "simulate-clearance-hint"
JUDGES_HINT = "simulate-judges-hint"
SENTENCE = "simulate-sentence"
# The unit and category the clearance and judges fields were last filled for, and the
# clearance rate shown there: {"unit", "category", "clearance"}.
BASE = "simulate-base"
CHART = "simulate"  # the chart card's name

NATIONAL = "KZ"
CATEGORY_CHOICES = ("all", *CATEGORIES)
CHANGE_RANGE = (-20.0, 20.0)  # yearly change of incoming cases, %
CLEARANCE_RANGE = (0.0, 300.0)  # clearance rate, %
JUDGES_RANGE = (0.0, 500.0)  # judges in post of one court
CLEARANCE_DECIMALS = 1  # the clearance rate as the field shows it

REPORTED_COLOR = PALETTE[0]
PROJECTED_COLOR = PALETTE[3]
PROJECTION_SHADE = "rgba(213, 94, 0, 0.06)"
# The chart's two panels: the row's (x axis, y axis), and the gap between them.
AXES = {1: ("x", "y"), 2: ("x2", "y2")}
PANEL_SPACING = 0.14


# --- the levers as sent ----------------------------------------------------------------

class LeverError(ValueError):
    """A lever's value the page cannot take: ``key`` and ``params`` of the message."""

    def __init__(self, key: str, **params):
        super().__init__(key)
        self.key, self.params = key, params

    def message(self, lang: str) -> str:
        return t(self.key, lang, **self.params)


@dataclass(frozen=True)
class Levers:
    """What the person asked: unit code, category, horizon and the three levers
    (``clearance`` and ``judges`` None when empty)."""

    unit: str
    category: str
    horizon: int
    incoming_change: float
    clearance: float | None
    judges: float | None


def _number(value, low: float, high: float, key: str) -> float | None:
    """A number from a control (None when empty; a range input may send it as text);
    LeverError when it is anything else or outside [low, high]."""
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    error = LeverError(key, low=_plain(low), high=_plain(high))
    if isinstance(value, bool) or not isinstance(value, (int, float, str)):
        raise error
    try:
        x = float(value.strip()[:32] if isinstance(value, str) else value)
    except (ValueError, OverflowError):
        raise error from None
    if not math.isfinite(x) or not low <= x <= high:
        raise error
    return x


def _plain(x: float) -> str:
    return f"{x:g}".replace("-", "−")


def read_levers(unit, category, horizon, change, clearance, judges) -> Levers:
    """The controls' values as sent, checked (a forged request may send anything)."""
    if not isinstance(unit, str) or not unit.strip() or len(unit) > 64:
        raise LeverError("simulate.bad.unit")
    if category not in CATEGORY_CHOICES:
        raise LeverError("simulate.bad.category")
    year = _year(horizon)
    if year is None:
        raise LeverError("simulate.bad.horizon", first=HORIZONS[0], last=HORIZONS[-1])
    g = _number(change, *CHANGE_RANGE, "simulate.bad.change")
    c = _number(clearance, *CLEARANCE_RANGE, "simulate.bad.clearance")
    j = _number(judges, *JUDGES_RANGE, "simulate.bad.judges")
    return Levers(unit.strip(), category, year, 0.0 if g is None else g, c, j)


def _year(value) -> int | None:
    """A horizon year: a number or its digits (a select sends text), one of HORIZONS."""
    if isinstance(value, bool):
        return None
    if isinstance(value, str) and value.strip().isdigit() and len(value.strip()) == 4:
        value = int(value.strip())
    return value if isinstance(value, int) and value in HORIZONS else None


def judges_allowed(level: str | None, category: str) -> bool:
    """The judges lever is for one court, all categories (the spec's third lever)."""
    return level == "court" and category == "all"


# --- year L and the reported years -----------------------------------------------------

def last_clearance(start: Start) -> float | None:
    """Year L's clearance rate, %, or None when it cannot be computed."""
    if start.resolved is None or start.incoming == 0:
        return None
    return 100.0 * start.resolved / start.incoming


def shown_clearance(start: Start) -> float | None:
    """Year L's clearance rate as the field shows it (one decimal)."""
    rate = last_clearance(start)
    return None if rate is None else round(rate, CLEARANCE_DECIMALS)


def per_judge(start: Start) -> float | None:
    """Year L's resolved cases per judge in post, or None without both."""
    if not start.judges_in_post or start.resolved is None:
        return None
    return start.resolved / start.judges_in_post


def _ratio(a: float, b: float, scale: float) -> float | None:
    if is_missing(a) or is_missing(b) or b == 0:
        return None
    return scale * a / b


def reported_frame(flow: pd.DataFrame, last_year: int) -> pd.DataFrame:
    """The reported years up to year L in the simulation's columns (COLUMNS), the ratios
    computed as for year L: disposition time 365 × pending / resolved, clearance rate
    100 × resolved / incoming (empty where a figure is missing or a divisor 0)."""
    rows = flow[flow["year"] <= last_year].sort_values("year")
    out = pd.DataFrame({
        "year": [int(y) for y in rows["year"]],
        "incoming": pd.to_numeric(rows["incoming"], errors="coerce").astype("float64").values,
        "resolved": pd.to_numeric(rows["resolved"], errors="coerce").astype("float64").values,
        "pending_end": pd.to_numeric(rows["pending_end"],
                                     errors="coerce").astype("float64").values,
    })
    out["disposition_time"] = pd.array(
        [_ratio(p, r, 365.0) for p, r in zip(out["pending_end"], out["resolved"])],
        dtype="Float64").astype("float64")
    out["clearance_rate"] = pd.array(
        [_ratio(r, i, 100.0) for r, i in zip(out["resolved"], out["incoming"])],
        dtype="Float64").astype("float64")
    return out[COLUMNS]


def timeline(reported: pd.DataFrame, projection: pd.DataFrame) -> pd.DataFrame:
    """The reported years before L, then the simulation (year L as reported and the
    projected years), with ``projected`` True after year L."""
    first = int(projection["year"].iloc[0])
    earlier = reported[reported["year"] < first]
    out = pd.concat([earlier, projection], ignore_index=True) if len(earlier) else \
        projection.reset_index(drop=True)
    return out.assign(projected=out["year"] > first)


# --- the words -------------------------------------------------------------------------

def signed_percent(value: float, lang: str) -> str:
    """"+2 %", "−1.5 %", "±0 %": a yearly change as the sentence says it."""
    decimals = 0 if float(value).is_integer() else 1
    if round(abs(value), decimals) == 0:
        return f"±{fmt_number(0, 0, lang)} %"
    sign = "+" if value > 0 else "−"
    return f"{sign}{fmt_number(abs(value), decimals, lang)} %"


def judges_text(judges: float, lang: str) -> str:
    """"5 judges", "2 судьи", "5 судья": a number of judges with its word."""
    decimals = 0 if float(judges).is_integer() else 1
    form = plural_form(round(judges, decimals), decimals, lang)
    return t(f"simulate.judges_{form}", lang, n=fmt_number(judges, decimals, lang))


def _days(value, lang: str, none_key: str = "simulate.days_none") -> str:
    return t(none_key, lang) if is_missing(value) else fmt_value(float(value), "days", lang)


def sentence(projection: pd.DataFrame, levers: Levers, start: Start, lang: str,
             target: float | None = None, illustrative: bool = False) -> list[str]:
    """The result in words: the levers and where they lead at the horizon, year L as
    reported, and the national target of the horizon year when there is one."""
    first, last = projection.iloc[0], projection.iloc[-1]
    common = {"change": signed_percent(levers.incoming_change, lang),
              "pending": fmt_value(float(last["pending_end"]), "cases", lang),
              "horizon": int(last["year"]), "days": _days(last["disposition_time"], lang)}
    if levers.judges is not None:
        lead = t("simulate.sentence.judges", lang, judges=judges_text(levers.judges, lang),
                 per_judge=fmt_value(per_judge(start), "cases", lang),
                 year=int(first["year"]), **common)
    else:
        rate = levers.clearance if levers.clearance is not None else last_clearance(start)
        lead = t("simulate.sentence.clearance", lang,
                 clearance=fmt_value(rate, "%", lang), **common)
    parts = [lead, t("simulate.sentence.from", lang, year=int(first["year"]),
                     pending=fmt_value(float(first["pending_end"]), "cases", lang),
                     days=_days(first["disposition_time"], lang, "empty.no_data"))]
    if target is not None and not is_missing(target):
        value = fmt_value(float(target), "days", lang)
        if illustrative:
            value += " " + t("tile.illustrative", lang)
        parts.append(t("simulate.sentence.target", lang, horizon=int(last["year"]),
                       target=value))
    return parts


def clearance_hint(start: Start | None, lang: str) -> str:
    if start is None:
        return ""
    rate = last_clearance(start)
    if rate is None:
        return t("simulate.hint.clearance_none", lang, year=start.year)
    return t("simulate.hint.clearance", lang, year=start.year, value=fmt_value(rate, "%", lang))


def judges_hint(start: Start | None, allowed: bool, lang: str) -> str:
    if not allowed:
        return t("simulate.hint.judges_off", lang)
    if start is None:
        return ""
    resolved, judges = per_judge(start), start.judges_in_post
    if resolved is None or judges is None:  # per_judge gives a value only with judges
        return t("simulate.hint.judges_none", lang, year=start.year)
    return t("simulate.hint.judges", lang, year=start.year,
             judges=judges_text(judges, lang),
             per_judge=fmt_value(resolved, "cases", lang))


# --- the table ---------------------------------------------------------------------------

TABLE_COLUMNS = ("year", "basis", "incoming", "resolved", "pending_end", "disposition_time",
                 "clearance_rate")


def table_rows(rows: pd.DataFrame, lang: str) -> pd.DataFrame:
    """The years as the page shows them: whole cases, whole days, the clearance rate to
    one decimal, in the reader's notation ("1 234,5" in Kazakh and Russian), and whether
    each year is reported or projected. Empty cells stay empty (None)."""
    def cases(v):
        return None if is_missing(v) else fmt_number(float(v), 0, lang)

    out = pd.DataFrame({
        "year": [int(y) for y in rows["year"]],
        "basis": [t("simulate.basis.projected" if p else "simulate.basis.reported", lang)
                  for p in rows["projected"]],
        "incoming": [cases(v) for v in rows["incoming"]],
        "resolved": [cases(v) for v in rows["resolved"]],
        "pending_end": [cases(v) for v in rows["pending_end"]],
        "disposition_time": [None if is_missing(v) else fmt_number(float(v), 0, lang)
                             for v in rows["disposition_time"]],
        "clearance_rate": [None if is_missing(v) else fmt_number(float(v), 1, lang)
                           for v in rows["clearance_rate"]],
    }, columns=list(TABLE_COLUMNS), dtype=object)
    return out


def table_payload(rows: pd.DataFrame, lang: str, filename: str) -> dict:
    """The chart card's table and downloads (layouts.components.table_data)."""
    labels = {"year": t("col.year", lang), "basis": t("simulate.col.basis", lang),
              "incoming": t("col.incoming", lang), "resolved": t("col.resolved", lang),
              "pending_end": t("col.pending_end", lang),
              "disposition_time": t("simulate.col.disposition_time", lang),
              "clearance_rate": t("simulate.col.clearance_rate", lang)}
    return table_data(table_rows(rows, lang), labels, filename)


# --- the chart ---------------------------------------------------------------------------

def _values(series) -> list[float | None]:
    return [None if is_missing(v) else float(v) for v in series]


def _hover(label: str, year: int, value: float | None, kind: str, unit: str,
           lang: str) -> str:
    """"<b>Pending cases at year end</b><br>2027 (projected): 1,598 cases"."""
    shown = t("empty.no_data", lang) if value is None else fmt_value(value, unit, lang)
    return (f"<b>{_esc(label)}</b><br>{year} ({_esc(t(f'simulate.basis.{kind}', lang))}): "
            f"{_esc(shown)}")


def simulation_figure(rows: pd.DataFrame, targets: pd.DataFrame | None,
                      lang: str = "en") -> Figure:
    """Pending cases (top) and disposition time (bottom) year by year: the reported
    years solid, the projection from year L to the horizon dashed in another colour on
    a shaded band, and the national disposition-time target trajectory dotted.

    ``rows``: timeline() rows. ``targets``: year, target, illustrative (national,
    disposition time), drawn for the years of ``rows``.
    """
    years = [int(y) for y in rows["year"]]
    projected = rows[rows["projected"]]
    last_year = int(rows.loc[~rows["projected"], "year"].max())
    horizon = years[-1]
    upto = rows[~rows["projected"]]
    # The projection starts at year L, so the dashed line continues the reported one.
    ahead = pd.concat([upto.tail(1), projected])
    panels = (("pending_end", "simulate.fig.pending", "cases"),
              ("disposition_time", "simulate.fig.days", "days"))
    # Two panels, one above the other, on one x axis (as Plotly's make_subplots lays
    # out rows=2 with shared x axes): each panel's title above its top left corner.
    height = (1 - PANEL_SPACING) / 2
    fig = Figure(layout={
        "xaxis": {"anchor": "y", "domain": [0.0, 1.0], "matches": "x2",
                  "showticklabels": False},
        "xaxis2": {"anchor": "y2", "domain": [0.0, 1.0]},
        "yaxis": {"anchor": "x", "domain": [1 - height, 1.0]},
        "yaxis2": {"anchor": "x2", "domain": [0.0, height]},
        "annotations": [{"text": _esc(t(key, lang)), "x": 0, "xanchor": "left", "xref": "paper",
                         "y": top, "yanchor": "bottom", "yref": "paper", "yshift": 8,
                         "showarrow": False, "font": {"size": 13, "family": FONT_FAMILY}}
                        for (_, key, _), top in zip(panels, (1.0, height))],
    })
    reported_name = t("simulate.fig.reported", lang)
    projected_name = t("simulate.fig.projected", lang)
    for row, (column, key, unit) in enumerate(panels, start=1):
        label = t(key, lang)
        for frame, name, kind, color, dash, symbol in (
                (upto, reported_name, "reported", REPORTED_COLOR, "solid", "circle"),
                (ahead, projected_name, "projected", PROJECTED_COLOR, "dash", "circle-open")):
            xs = [int(y) for y in frame["year"]]
            ys = _values(frame[column])
            fig.add_trace(trace(
                "scatter", x=xs, y=ys, xaxis=AXES[row][0], yaxis=AXES[row][1],
                name=_esc(name), mode="lines+markers", connectgaps=False,
                legendgroup=kind, showlegend=row == 1,
                line={"color": color, "width": 2.5 if kind == "reported" else 2,
                      "dash": dash},
                marker={"size": 7, "symbol": symbol, "color": color},
                hovertext=[_hover(label, y, value, "reported" if y <= last_year else kind,
                                  unit, lang) for y, value in zip(xs, ys)],
                hovertemplate="%{hovertext}<extra></extra>"))
    if targets is not None and len(targets):
        tg = targets[targets["year"].between(years[0], horizon)].dropna(subset=["target"])
        tg = tg.sort_values("year").drop_duplicates("year", keep="last")
        if len(tg):
            illustrative = "illustrative" in tg and bool(tg["illustrative"].fillna(False).any())
            name = t("simulate.fig.target_illustrative" if illustrative
                     else "simulate.fig.target", lang)
            tys = [int(y) for y in tg["year"]]
            tvs = _values(tg["target"])
            fig.add_trace(trace(
                "scatter", x=tys, y=tvs, xaxis="x2", yaxis="y2", name=_esc(name),
                mode="lines+markers",
                line={"color": TARGET_COLOR, "width": 1.5, "dash": "dot"},
                marker={"symbol": "line-ew-open", "size": 10,
                        "line": {"color": TARGET_COLOR, "width": 2}},
                hovertext=[f"{_esc(name)}<br>{y}: {_esc(fmt_value(v, 'days', lang))}"
                           for y, v in zip(tys, tvs)],
                hovertemplate="%{hovertext}<extra></extra>"))
    if horizon > last_year:
        for x_axis, y_axis in AXES.values():
            fig.add_shape(type="rect", x0=last_year, x1=horizon + 0.4, xref=x_axis, y0=0,
                          y1=1, yref=f"{y_axis} domain", fillcolor=PROJECTION_SHADE,
                          line_width=0, layer="below")
    # Every year labelled on a short span; on a longer one Plotly spaces the labels
    # for the width (every other year on a phone), never at a fraction of a year.
    axis = {"tickformat": "d", "showgrid": False, "range": [years[0] - 0.4, horizon + 0.4]}
    if horizon - years[0] <= 6:
        axis.update(tickmode="linear", tick0=years[0], dtick=1)
    fig.update_xaxes(**axis)
    fig.update_layout(xaxis2_title={"text": t("fig.year", lang)})
    # The panel titles say what each axis counts.
    fig.update_yaxes(rangemode="tozero", automargin=True, tickformat=",~f")
    _base_layout(fig, None, 560, {"chart": "simulate", "last_year": last_year,
                                  "horizon": horizon}, lang)
    fig.update_layout(hovermode="closest", margin_t=64,
                      legend={"orientation": "h", "x": 0, "y": 1.07, "yanchor": "bottom"})
    return fig


def horizon_options() -> list[dict]:
    return [{"label": str(y), "value": str(y)} for y in HORIZONS]
