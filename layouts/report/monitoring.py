"""What a half-yearly or quarterly monitoring report says, in one language (issue 26):
the shape of the information state bodies send on their development plans. One row
per strategy KPI: the year's target, the value of the period, the same period a year
before, the year's end (projected, or the year's own value once it is over), the
status, and the explanation of deviations taken from the notes on the figures; a KPI
off target with no note reads "no explanation given". Pure: ``MonitoringData`` in,
words and numbers out, every number written by ``layouts.format`` as the pages write it.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

import pandas as pd

from data.publish.monitoring import MonitoringData
from data.publish.report_data import NATION
from kpi.catalogue import CATALOGUE, KPIS, PILLARS
from kpi.periods import YEARLY_ONLY, same_period_a_year_before
from layouts.components import STATUS_ICONS
from layouts.format import fmt_coverage, fmt_date, fmt_value, is_missing, period_label
from layouts.i18n import LANGUAGES, t
from layouts.report.content import kpi_name, status_text

FULL_COVERAGE = 99.95  # below this a KPI's coverage is mentioned (as in the annual report)
STATUS_COL = 5  # the column of the period's status
NOTES_COL = 6  # the explanation of deviations


@dataclass
class MonitoringContent:
    lang: str
    level: str
    code: str
    period: str
    year: int
    title: str
    subtitle: str
    details: list[str]
    notice: str | None
    table_title: str
    header: list[str]
    rows: list[list[str]] = field(default_factory=list)
    kinds: list[str] = field(default_factory=list)  # "pillar" or "kpi"
    statuses: list[str] = field(default_factory=list)  # the period's status of each row
    kpis: list[str] = field(default_factory=list)  # KPI code of each row ("" for pillars)
    legend: str = ""
    year_notes: list[str] = field(default_factory=list)  # notes on the whole year
    year_notes_title: str = ""
    footer: str = ""
    filename: str = ""


def _name(data: MonitoringData, lang: str) -> str:
    if data.code == NATION:
        return t("nav.national", lang)
    return data.names.get(lang) or data.code


def _mark(status: str, text: str) -> str:
    """"✖ 88.8 %": a value with the icon of its status (none: the value alone)."""
    return text if status not in ("green", "amber", "red") else f"{STATUS_ICONS[status]} {text}"


def explanation(kpi: str, status: str, value: float, notes: pd.DataFrame, lang: str) -> str:
    """The notes on this KPI, or "no explanation given" for a KPI off target without one."""
    own = [] if notes.empty else [str(x) for x in notes.loc[notes["kpi"] == kpi, "text"]]
    if own:
        return " ".join(own)
    if status == "red" and not is_missing(value):
        return t("monitoring.no_explanation", lang)
    return ""


def build_monitoring(data: MonitoringData, lang: str,
                     made: dt.date | None = None) -> MonitoringContent:
    """Everything the monitoring report says, in ``lang``."""
    if lang not in LANGUAGES:
        raise ValueError(f"lang must be one of {', '.join(LANGUAGES)}")
    made = made or dt.date.today()
    period, year = data.period, data.period.year
    name = _name(data, lang)
    label = period_label(period.code, lang)
    before = period_label(same_period_a_year_before(period).code, lang)
    end_key = {"projected": "monitoring.col.projected", "actual": "monitoring.col.actual"}
    header = [t("col.kpi", lang), t("monitoring.col.target", lang, year=year), label, before,
              t(end_key.get(data.year_end_kind, "monitoring.col.projected"), lang, year=year),
              t("col.status", lang), t("monitoring.col.explanation", lang)]
    details = [t("report.made", lang, date=fmt_date(made, lang))]
    if data.as_of is not None:
        details.append(t("monitoring.as_of", lang, date=fmt_date(data.as_of, lang)))
    if data.year_end_kind == "projected" and data.projected_from:
        details.append(t("monitoring.projected_from", lang, year=year,
                         period=period_label(data.projected_from, lang)))
    partial = [f"{kpi_name(KPIS[r.kpi], lang)} {fmt_coverage(r.coverage, lang)}"
               for r in data.rows.itertuples() if not is_missing(r.coverage)
               and r.coverage < FULL_COVERAGE]
    if partial:
        details.append(t("monitoring.coverage", lang, kpis="; ".join(partial)))
    content = MonitoringContent(
        lang=lang, level=data.level, code=data.code, period=period.code, year=year,
        title=name, subtitle=t("monitoring.subtitle", lang, period=label),
        details=details, notice=t("banner.synthetic", lang) if data.synthetic else None,
        table_title=t("monitoring.table", lang), header=header,
        legend=t("monitoring.legend", lang),
        year_notes_title=t("monitoring.year_notes", lang, year=year),
        footer=t("monitoring.footer", lang, unit=name, period=label),
        filename=f"court-kpi-{data.code}-{period.code}-{lang}.pdf")
    rows = {r["kpi"]: r for r in data.rows.to_dict("records")}
    for pillar in PILLARS:
        content.rows.append([t(f"pillar.{pillar}", lang)])
        content.kinds.append("pillar")
        content.statuses.append("none")
        content.kpis.append("")
        for kpi in (k for k in CATALOGUE if k.pillar == pillar):
            r = rows[kpi.code]
            target = "—" if is_missing(r["target"]) else fmt_value(r["target"], kpi.unit, lang)
            if r["illustrative"] and not is_missing(r["target"]):
                target += " *"
            if kpi.code in YEARLY_ONLY:
                # Resources and surveys are reported once a year: no value in a period.
                value = before_text = "—"
                status = t("monitoring.yearly_only", lang)
                note = explanation(kpi.code, "none", float("nan"), data.notes, lang)
            else:
                value = fmt_value(r["value"], kpi.unit, lang)
                before_text = fmt_value(r["same_period_last_year"], kpi.unit, lang)
                status = status_text(r["status"], r["value"], lang)
                note = explanation(kpi.code, r["status"], r["value"], data.notes, lang)
            # A yearly indicator has no projection; a year that is over has its value.
            year_end = "—" if is_missing(r["year_end"]) and (
                kpi.code in YEARLY_ONLY or not data.year_end_kind) else \
                _mark(r["year_end_status"], fmt_value(r["year_end"], kpi.unit, lang))
            content.rows.append([kpi_name(kpi, lang), target, value, before_text, year_end,
                                 status, note])
            content.kinds.append("kpi")
            content.statuses.append("none" if is_missing(r["value"]) else r["status"])
            content.kpis.append(kpi.code)
    if not data.notes.empty:
        content.year_notes = [str(x) for x in data.notes.loc[data.notes["kpi"] == "", "text"]]
    return content


__all__ = ["MonitoringContent", "build_monitoring", "explanation"]
