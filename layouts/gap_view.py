"""Where the gap is, in words, tables and a line on a tile (kpi.gap; pure builders):
the scorecard tile's "62 % of the gap in 5 of 67 courts", the explorer's sentence and
table beside its Pareto chart, the court profile's own part, the report's section."""

from __future__ import annotations

import pandas as pd

from kpi.catalogue import KpiDef
from kpi.gap import Gap
from layouts.components import table_data
from layouts.format import fmt_number, fmt_value
from layouts.i18n import t

# How many of the widening courts the sentence names.
NAMED = 5
# The share of the widening total the "few courts" of a tile or sentence make at least.
MOST = 0.5


def amount(value: float, kpi: KpiDef, lang: str) -> str:
    """A part of the gap in the KPI's own unit, as the sentence of that KPI says it."""
    number = fmt_number(abs(value), 0 if abs(value) >= 10 else 1, lang)
    return t(f"gap.amount.{kpi.code}", lang, amount=number)


def share(value: float, lang: str) -> str:
    return fmt_value(100 * value, "%", lang)


def error_text(code: str, lang: str) -> str:
    return t(f"gap.error.{code}", lang)


def tile_line(gap: Gap, lang: str) -> str | None:
    """"62 % of the gap in 5 of 67 courts", for an off-target tile; None when on target."""
    if gap.on_target:
        return None
    n, part = gap.top(MOST)
    return t("gap.tile", lang, share=share(part, lang), n=n, total=len(gap.courts))


def sentence(gap: Gap, scope: str, year: int | str, kpi: KpiDef, names, lang: str) -> str:
    """The gap of the scope in the KPI's unit, and the few courts that make most of it."""
    target = fmt_value(gap.target, kpi.unit, lang)
    if gap.on_target:
        return t("gap.on_target", lang, scope=scope, year=year, target=target)
    n, part = gap.top(MOST)
    top = gap.widening().head(min(n, NAMED))
    listed = ", ".join(str(names.get(c, c)) for c in top["court_code"])
    if n > NAMED:
        listed += " " + t("fig.more", lang, n=n - NAMED)
    text = t("gap.sentence", lang, scope=scope, year=year, target=target,
             amount=amount(gap.scope_gap, kpi, lang), share=share(part, lang), n=n,
             total=len(gap.courts), names=listed)
    narrowing = len(gap.narrowing())
    if narrowing:
        text += " " + t("gap.narrowing", lang, n=narrowing)
    return text


def court_line(gap: Gap, court: str, scope: str, kpi: KpiDef, lang: str) -> str | None:
    """The court's own part of its scope's gap, or None when it is not one of the
    contributing courts or the scope is on target."""
    rows = gap.courts[gap.courts["court_code"] == court]
    if rows.empty or gap.on_target:
        return None
    row = rows.iloc[0]
    if row["contribution"] <= 0:
        return t("gap.court_narrows", lang, scope=scope)
    return t("gap.court", lang, amount=amount(row["contribution"], kpi, lang),
             share=share(row["share"], lang), scope=scope)


def named(gap: Gap, names) -> pd.DataFrame:
    """The gap's courts with a ``name`` (anonymised ones say "Court 17 of 42")."""
    return gap.courts.assign(name=[names.get(c, c) for c in gap.courts["court_code"]])


def table_payload(gap: Gap, names, kpi: KpiDef, year: int | str, lang: str) -> dict:
    """The chart's table view and downloads: every contributing court, largest part
    first, the shares in percent."""
    rows = named(gap, names).assign(
        share=lambda f: 100 * f["share"], cumulative_share=lambda f: 100 * f["cumulative_share"])
    return table_data(rows, {"name": t("col.court", lang), "value": t("col.value", lang),
                             "contribution": t("gap.col.contribution", lang),
                             "share": t("gap.col.share", lang),
                             "cumulative_share": t("gap.col.cumulative", lang)},
                      f"{kpi.code}-gap-{year}")
