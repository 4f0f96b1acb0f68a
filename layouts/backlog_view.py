"""The backlog's age (data.derive.backlog) as a page shows it: the chart, the sentence on the
time to disposition, the table behind both (pure)."""

from __future__ import annotations

import math

import pandas as pd

from layouts import figures
from layouts.components import table_data
from layouts.format import fmt_number
from layouts.i18n import t


def percentile_sentence(rows: pd.DataFrame, lang: str) -> str:
    """The latest year's time to disposition in words, or why there is none."""
    if rows is None or rows.empty:
        return ""
    last = rows.sort_values("year").iloc[-1]
    if not last["resolved"] or math.isnan(float(last["p50_days"])):
        return t("backlog.no_resolved", lang, year=int(last["year"]))
    return t("backlog.percentiles", lang, year=int(last["year"]),
             n=fmt_number(float(last["resolved"]), 0, lang),
             p50=fmt_number(float(last["p50_days"]), 0, lang),
             p75=fmt_number(float(last["p75_days"]), 0, lang),
             p90=fmt_number(float(last["p90_days"]), 0, lang))


def backlog_outputs(rows: pd.DataFrame, filename: str, lang: str):
    """(figure, table payload, sentence) of one unit's rows in one category."""
    fig = figures.backlog_age_figure(rows, lang)
    columns = {"year": t("col.year", lang), "pending_total": t("backlog.col.pending", lang),
               **{b: t(f"backlog.{b}", lang) for b in figures.BACKLOG_BUCKETS},
               "over_term": t("backlog.over_term", lang), "resolved": t("col.resolved", lang),
               "p50_days": t("backlog.col.p50", lang), "p75_days": t("backlog.col.p75", lang),
               "p90_days": t("backlog.col.p90", lang)}
    frame = rows if rows is not None and len(rows) else pd.DataFrame(columns=list(columns))
    return fig, table_data(frame.sort_values("year"), columns, filename), \
        percentile_sentence(rows, lang)
