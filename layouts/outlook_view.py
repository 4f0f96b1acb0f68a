"""How an outlook (kpi.outlook) reads on a page: its badge, the tiles' one line, the
explorer's sentence, and the /outlook page's order, table and summary. Pure functions of
outlook rows; words in three languages."""

from __future__ import annotations

import math

import pandas as pd
from dash import html

from kpi.catalogue import CATALOGUE, KPIS, KpiDef
from kpi.outlook import DEFAULT_HORIZON, OUTCOMES
from layouts.components import attrs, table_data
from layouts.export import json_records
from layouts.format import DECIMALS, fmt_number, fmt_value
from layouts.i18n import t

# Icon and word always, colour only as a third cue (like the status badges).
OUTLOOK_ICONS = {"on_track": "✔", "uncertain": "?", "off_track": "✖", "no_target": "—",
                 "insufficient_data": "…"}
OUTLOOK_CLASS = {"on_track": "status-green", "uncertain": "status-amber",
                 "off_track": "status-red", "no_target": "status-none",
                 "insufficient_data": "status-none"}


def _missing(value) -> bool:
    return value is None or (isinstance(value, float) and math.isnan(value))


def outlook_word(outcome: str, lang: str) -> str:
    return t(f"outlook.{outcome}", lang)


def outlook_badge(outcome: str | None, lang: str) -> html.Span:
    outcome = outcome if outcome in OUTLOOK_ICONS else "insufficient_data"
    return html.Span([html.Span(OUTLOOK_ICONS[outcome], **attrs(aria_hidden="true")), " ",
                      outlook_word(outcome, lang)],
                     className=f"outlook-badge {OUTLOOK_CLASS[outcome]}")


def interval_text(row, kpi: KpiDef, lang: str) -> str:
    """"98.1 % (80 %: 95.2–101.0 %)", or "" without a projection."""
    if _missing(row.get("projected")):
        return ""
    return t("outlook.interval", lang, value=fmt_value(row["projected"], kpi.unit, lang),
             lower=fmt_value(row["lower"], kpi.unit, lang),
             upper=fmt_value(row["upper"], kpi.unit, lang))


def range_text(row, kpi: KpiDef, lang: str) -> str:
    """"95.2 %–101.0 %": the 80 % interval alone, or "" without a projection."""
    if _missing(row.get("lower")):
        return ""
    return f"{fmt_value(row['lower'], kpi.unit, lang)}–{fmt_value(row['upper'], kpi.unit, lang)}"


def tile_line(row, kpi: KpiDef, lang: str) -> html.Div | None:
    """The scorecard tile's line: "2029: ✔ on track · 98.1 % (80 %: 95.2–101.0 %)"."""
    if row is None:
        return None
    parts = [html.Span(f"{int(row['horizon'])}: "), outlook_badge(row["outlook"], lang)]
    interval = interval_text(row, kpi, lang)
    if interval:
        parts.append(html.Span(f" · {interval}"))
    return html.Div(parts, className="small kpi-outlook")


def per_year(value: float, kpi: KpiDef, lang: str) -> str:
    """A signed yearly change: "+0.7 points" for % KPIs, "−3 days" for days."""
    decimals = 1 if kpi.unit == "%" else DECIMALS.get(kpi.unit, 1)
    if round(abs(value), decimals) == 0:
        value = 0.0  # "−0 days" would read as a change
    sign = "+" if value > 0 else "−" if value < 0 else "±"
    if kpi.unit == "%":
        return t("outlook.points", lang, value=sign + fmt_number(abs(value), 1, lang))
    return sign + fmt_value(abs(value), kpi.unit, lang)


def sentence(row, kpi: KpiDef, unit_name: str, lang: str) -> str:
    """The explorer's reading of an outlook row, from the numbers only."""
    if row is None or row["outlook"] == "insufficient_data":
        return t("outlook.sentence.too_few", lang, unit=unit_name)
    parts = [t("outlook.sentence.pace", lang, unit=unit_name, first=int(row["first_year"]),
               last=int(row["last_year"]), horizon=int(row["horizon"]),
               interval=interval_text(row, kpi, lang))]
    if not _missing(row.get("target")):
        parts.append(t("outlook.sentence.target", lang,
                       target=fmt_value(row["target"], kpi.unit, lang),
                       outcome=outlook_word(row["outlook"], lang)))
        if not _missing(row.get("required_slope")):
            parts.append(t("outlook.sentence.needs", lang,
                           needed=per_year(row["required_slope"], kpi, lang),
                           moved=per_year(row["slope"], kpi, lang)))
    else:
        parts.append(t("outlook.sentence.no_target", lang))
    return " ".join(parts)


# --- the /outlook page: the KPIs most off track first, the sortable table, the summary ---

# Most in need of attention first: off track, then uncertain, then the rest.
SEVERITY = {"off_track": 0, "uncertain": 1, "on_track": 2, "no_target": 3,
            "insufficient_data": 4}
TABLE_COLUMNS = ["kpi_name", "unit", "outlook_text", "last_text", "projected", "interval_text",
                 "target_text", "needed_text", "moved_text", "period_text", "before_text",
                 "yearend_text"]


def ordered(rows: pd.DataFrame, units: list[str]) -> tuple[pd.DataFrame, list[str]]:
    """Rows of the shown units, and the KPIs most off track first (pure)."""
    rows = rows[rows["code"].isin(units)]
    if rows.empty:
        return rows, []
    counts = rows.groupby("kpi")["outlook"].agg(
        off=lambda s: int((s == "off_track").sum()), unsure=lambda s: int((s == "uncertain")
                                                                           .sum()))
    position = {k.code: i for i, k in enumerate(CATALOGUE)}
    kpis = sorted(counts.index, key=lambda k: (-counts.loc[k, "off"], -counts.loc[k, "unsure"],
                                               position.get(k, 99)))
    return rows, kpis


def table_rows(rows: pd.DataFrame, names: dict[str, str], lang: str) -> list[dict]:
    """The sortable table's rows, numbers rounded as the pages round them (pure)."""
    out = []
    for r in json_records(rows):
        kpi = KPIS[r["kpi"]]
        out.append({
            "kpi": r["kpi"], "code": r["code"],
            "kpi_name": kpi.names.get(lang, kpi.names["en"]),
            "unit": names.get(r["code"], r["code"]),
            "outlook_text": f"{OUTLOOK_ICONS[r['outlook']]} {outlook_word(r['outlook'], lang)}",
            "severity": SEVERITY[r["outlook"]],
            "last_text": "" if r["last_value"] is None else
            f"{fmt_value(r['last_value'], kpi.unit, lang)} ({r['last_year']})",
            "projected": None if r["projected"] is None else
            round(r["projected"], DECIMALS.get(kpi.unit, 1)),
            "interval_text": range_text(r, kpi, lang),
            "target_text": "" if r["target"] is None else fmt_value(r["target"], kpi.unit, lang),
            "needed_text": "" if r["required_slope"] is None else
            per_year(r["required_slope"], kpi, lang),
            "moved_text": "" if r["slope"] is None else per_year(r["slope"], kpi, lang),
        })
    return out


def table_records(rows: pd.DataFrame, names: dict[str, str], lang: str) -> list[dict]:
    """The table's rows most in need of attention first, then by KPI; none without rows."""
    if not len(rows):
        return []
    return table_rows(rows.assign(_s=rows["outlook"].map(SEVERITY)).sort_values(
        ["_s", "kpi"]).drop(columns="_s"), names, lang)


def table(records: list[dict], category: str, lang: str) -> dict:
    """The chart's data table (layouts.components.table_data) of the table's rows."""
    return table_data(pd.DataFrame(records or None, columns=TABLE_COLUMNS), {
        "kpi_name": t("col.kpi", lang), "unit": t("col.unit", lang),
        "outlook_text": t("outlook.col", lang, horizon=DEFAULT_HORIZON),
        "last_text": t("outlook.col.last", lang),
        "projected": t("outlook.col.projected", lang),
        "interval_text": t("outlook.col.interval", lang),
        "target_text": t("col.target", lang),
        "needed_text": t("outlook.col.needed", lang),
        "moved_text": t("outlook.col.moved", lang),
        "period_text": t("period.col.value", lang),
        "before_text": t("period.col.before", lang),
        "yearend_text": t("period.col.yearend", lang)}, f"outlook-{category}")


def summary(rows: pd.DataFrame, lang: str) -> str:
    counts = rows["outlook"].value_counts()
    return t("outlook.summary", lang, **{o: int(counts.get(o, 0)) for o in OUTCOMES})


def summary_line(rows: pd.DataFrame, lang: str) -> str:
    """The line above the grid: how many series are on track, off track…; or "no data"."""
    return summary(rows, lang) if len(rows) else t("empty.no_data", lang)
