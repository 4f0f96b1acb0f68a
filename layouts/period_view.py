"""The period of a page in words and its controls' options: which part of a year the
data reach, the line that says what a page shows and as of when, the year-end
projection and the same period last year next to an in-year value (pure)."""

from __future__ import annotations

import datetime as dt
import math

import pandas as pd
from dash import html
from dash.development.base_component import Component

from kpi.catalogue import KPIS, KpiDef
from kpi.periods import PARTS, Period, PeriodError, complete_months, of_part
from layouts.components import STATUS_ICONS, status_badge
from layouts.format import fmt_date, fmt_value, period_label
from layouts.i18n import t


def part_label(part: str, lang: str) -> str:
    if part in ("year", "ytd", "r12"):
        return t(f"period.part.{part}", lang)
    if part.startswith("H"):
        return t("period.part.half", lang, n=part[1])
    if part.startswith("Q"):
        return t("period.part.quarter", lang, n=part[1])
    return t(f"month.{part}", lang).capitalize()


def part_options(year: int | None, as_of: dt.date | None, in_progress: int | None,
                 lang: str) -> tuple[list[dict], str]:
    """(options, placeholder) of the part control for ``year``: the parts the data reach
    (the others disabled), the whole year left out of the year in progress; the
    placeholder names the page's default (year to date, or the whole year)."""
    default = "ytd" if year is not None and year == in_progress else "year"
    options = []
    for part in PARTS:
        if part == "year" and year is not None and year == in_progress:
            continue
        reachable = False
        if year is not None and as_of is not None:
            try:
                reachable = of_part(year, part, complete_months(as_of)).end <= as_of
            except PeriodError:
                reachable = False
        options.append({"label": part_label(part, lang), "value": part,
                        "disabled": not reachable})
    return options, part_label(default, lang)


def year_options(years: list[int], in_progress: int | None, lang: str
                 ) -> tuple[list[dict], str]:
    """(options, placeholder) of the year control: the year in progress first (marked),
    then the complete years, newest first."""
    options = []
    if in_progress is not None:
        options.append({"label": t("period.year_in_progress", lang, year=in_progress),
                        "value": in_progress})
    options += [{"label": str(y), "value": y} for y in reversed(years) if y != in_progress]
    default = in_progress or (years[-1] if years else None)
    placeholder = "" if default is None else (
        t("period.year_in_progress", lang, year=default) if default == in_progress
        else str(default))
    return options, placeholder


def period_line(period: Period, as_of: dt.date | None, lang: str) -> html.P:
    """"2026, January–September · data as of 30.09.2026" above a page's values."""
    parts: list[Component] = [html.Strong(period_label(period.code, lang))]
    if as_of is not None and not period.is_year:
        parts.append(html.Span(" · " + t("period.as_of", lang, date=fmt_date(as_of, lang))))
    return html.P(parts, className="period-line mb-2")


def head(period: Period | None, as_of: dt.date | None, message: str | None, lang: str
         ) -> list:
    """Above a page's values: its period line, and the sentence why the part asked for
    is not shown (period_or_default) when it is not."""
    out: list = [] if period is None else [period_line(period, as_of, lang)]
    if message:
        out.append(html.P(message, className="small text-muted"))
    return out


def not_reached(message: str, lang: str) -> html.Div:
    """What a page says for a part of a year the data do not reach yet."""
    return html.Div(html.P(message, className="text-muted"), role="status")


def projection_line(row: dict | None, kpi: KpiDef, lang: str) -> html.Div | None:
    """"Projected 2026: 97.6 % (target 100 %): ✖ off target" of a kpi.yearend row."""
    if row is None or _missing(row.get("projected")):
        return None
    text = t("period.projected", lang, year=int(row["year"]),
             value=fmt_value(row["projected"], kpi.unit, lang))
    if not _missing(row.get("target")):
        text += " " + t("period.projected_target", lang,
                        value=fmt_value(row["target"], kpi.unit, lang))
    return html.Div([html.Span(text + ": "), status_badge(row.get("status") or "none", lang,
                                                          row["projected"])],
                    className="small kpi-projection")


def same_period_line(value, kpi: KpiDef, lang: str) -> html.Div | None:
    """"same period last year: 95.0 %" next to an in-year value."""
    if _missing(value):
        return None
    return html.Div(t("period.same_last_year", lang, value=fmt_value(value, kpi.unit, lang)),
                    className="small text-muted")


def rows_by_kpi(frame: pd.DataFrame) -> dict[str, dict]:
    """KPI -> its row (a dict) of a one-unit, one-category frame."""
    return {r["kpi"]: r for r in frame.to_dict("records")}


def _missing(value) -> bool:
    return value is None or (isinstance(value, float) and math.isnan(value))


def _cells(frame: pd.DataFrame | None, column: str = "value") -> dict[tuple[str, str], float]:
    """(KPI, unit) -> the frame's ``column``; none for an empty frame."""
    if frame is None or not len(frame):
        return {}
    return dict(zip(zip(frame["kpi"], frame["code"]), frame[column]))


def with_period(records: list[dict], now: pd.DataFrame, before: pd.DataFrame,
                ahead: pd.DataFrame | None, lang: str) -> list[dict]:
    """Table rows (with ``kpi`` and ``code``) and the value of the page's period, the same
    period a year before and, in the year in progress, the projected year end with its
    status in words: what /outlook sets beside each series' outlook (pure)."""
    values, earlier = _cells(now), _cells(before)
    projected, status = _cells(ahead, "projected"), _cells(ahead, "status")
    out = []
    for r in records:
        key, kpi = (r["kpi"], r["code"]), KPIS[r["kpi"]]
        end = projected.get(key)
        word = status.get(key)
        out.append({
            **r,
            "period_text": "" if _missing(values.get(key)) else
            fmt_value(values[key], kpi.unit, lang),
            "before_text": "" if _missing(earlier.get(key)) else
            fmt_value(earlier[key], kpi.unit, lang),
            "yearend_text": "" if _missing(end) else fmt_value(end, kpi.unit, lang) + (
                "" if not isinstance(word, str) else
                f" {STATUS_ICONS[word]} {t(f'status.{word}', lang)}"),
        })
    return out
