"""Filter controls; each writes its value to the URL query string (see callbacks.navigation)."""

from __future__ import annotations

import json

import dash_bootstrap_components as dbc
from dash import dcc, html

from data.store.schema import CATEGORIES, COURT_LEVELS, SPECIALIZATIONS
from kpi.catalogue import CATALOGUE
from layouts import ids
from layouts.i18n import t


def _initial_options(values) -> list[dict]:
    """The current values as options until a callback brings the named list.

    Dash 4's dropdown drops a value that is not among its options, which would
    wipe a value given by the URL before the real options arrive.
    """
    if values in (None, "", []):
        return []
    values = values if isinstance(values, list) else [values]
    return [{"label": str(v), "value": v} for v in values]


def dom_id(component_id) -> str:
    """The id a component gets in the page: a dict id as Dash writes it (sorted JSON)."""
    if isinstance(component_id, dict):
        return json.dumps(component_id, sort_keys=True, separators=(",", ":"))
    return str(component_id)


def _labelled(label: str, control, width: int = 3) -> dbc.Col:
    # The label names its control (a screen reader says "Year, 2025", not "2025").
    target = getattr(control, "id", None)
    return dbc.Col(html.Div([dbc.Label(label, className="small mb-0",
                                       html_for=dom_id(target) if target else None),
                             control]), md=width)


def year_control(value: int | None, lang: str) -> dbc.Col:
    # Options come from the data (a callback); no value means "latest year".
    return _labelled(t("control.year", lang), dcc.Dropdown(
        id=ids.control("year"), value=value, options=_initial_options(value), clearable=True,
        searchable=False), 2)


def part_control(value: str | None, lang: str) -> dbc.Col:
    # Which part of the year (kpi.periods.PARTS); options come from the data (a
    # callback, by the year chosen); no value means the page's default period.
    return _labelled(t("control.period_part", lang), dcc.Dropdown(
        id=ids.control("part"), value=value, options=_initial_options(value), clearable=True,
        searchable=False), 2)


def period_controls(year: int | None, part: str | None, lang: str) -> list[dbc.Col]:
    """The year and the part of it a page shows (issue 26)."""
    return [year_control(year, lang), part_control(part, lang)]


def category_control(value: str, lang: str) -> dbc.Col:
    options = [{"label": t(f"category.{c}", lang), "value": c} for c in ("all", *CATEGORIES)]
    return _labelled(t("control.category", lang), dcc.Dropdown(
        id=ids.control("category"), value=value, options=options, clearable=False,
        searchable=False))


def kpi_control(value: str, lang: str, label_key: str = "control.kpi",
                only_with_target: bool = False) -> dbc.Col:
    options = [{"label": k.names.get(lang, k.names["en"]), "value": k.code} for k in CATALOGUE
               if k.target_range or not only_with_target]
    return _labelled(t(label_key, lang), dcc.Dropdown(
        id=ids.control("kpi"), value=value, options=options, clearable=False), 4)


def region_control(value: str | None, lang: str) -> dbc.Col:
    return _labelled(t("control.region", lang), dcc.Dropdown(
        id=ids.control("region"), value=value, options=_initial_options(value),
        placeholder=t("control.any", lang)))


def level_control(value: str | None, lang: str) -> dbc.Col:
    options = [{"label": t(f"level.{v}", lang), "value": v} for v in COURT_LEVELS]
    return _labelled(t("control.court_level", lang), dcc.Dropdown(
        id=ids.control("level"), value=value, options=options,
        placeholder=t("control.any", lang)), 2)


def spec_control(value: str | None, lang: str) -> dbc.Col:
    options = [{"label": t(f"spec.{v}", lang), "value": v} for v in SPECIALIZATIONS]
    return _labelled(t("control.specialization", lang), dcc.Dropdown(
        id=ids.control("spec"), value=value, options=options,
        placeholder=t("control.any", lang)), 2)


def view_control(value: str, lang: str) -> dbc.Col:
    return _labelled(t("control.rank_by", lang), dbc.RadioItems(
        id=ids.control("view"), value=value, inline=True, options=[
            {"label": t("explorer.view_regions", lang), "value": "regions"},
            {"label": t("explorer.view_courts", lang), "value": "courts"}]), 2)


def units_control(value: list[str], lang: str, label_key: str = "control.units") -> dbc.Col:
    hint = "compare.hint" if label_key == "control.units" else "control.trend_hint"
    return _labelled(t(label_key, lang), dcc.Dropdown(
        id=ids.control("units"), value=value, options=_initial_options(value), multi=True,
        placeholder=t(hint, lang)), 8)
