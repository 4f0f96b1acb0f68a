"""How an outlook (kpi.outlook) reads on a page: its badge, the tiles' one line, the
explorer's sentence. Pure functions of an outlook row; words in three languages."""

from __future__ import annotations

import math

from dash import html

from kpi.catalogue import KpiDef
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
    return html.Span([html.Span(OUTLOOK_ICONS[outcome], **{"aria-hidden": "true"}), " ",
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
