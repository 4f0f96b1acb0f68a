"""What a report says, in one language: title block, key findings, scorecard, chart
data, rankings, definitions and notes on missing data. Pure: frames in
(``data.publish.report_data.ReportData``), words and numbers out.

Every number is written by ``layouts.format`` exactly as the pages write it; a
missing value reads "no data", never 0. The findings are sentences filled from the
numbers only, chosen by fixed rules (the same data give the same sentences), so a
report never says anything its tables do not show.
"""

from __future__ import annotations

import datetime as dt
import math
from dataclasses import dataclass, field

import pandas as pd

from data.accounts.access import anonymous_position
from data.publish.report_data import NATION, ReportData
from kpi.analysis import scorecard_rows
from kpi.catalogue import CATALOGUE, KPIS, PILLARS, KpiDef
from kpi.engine import distance_from_target
from kpi.outlook import BOUNDS, projection_path
from kpi.targets import attach_targets
from layouts import gap_view
from layouts.components import STATUS_ICONS
from layouts.format import DECIMALS, fmt_coverage, fmt_number, fmt_value, is_missing
from layouts.i18n import LANGUAGES, t
from layouts.outlook_view import OUTLOOK_ICONS, outlook_word

MAX_NAMED = 3  # KPIs or units named in one finding; more are counted
FULL_COVERAGE = 99.95  # below this the coverage is mentioned (as on the tiles)
STATUSES = ("green", "amber", "red")


@dataclass
class ScorecardTable:
    """The scorecard: header, then per row its cells; a pillar row has one cell."""

    header: list[str]
    rows: list[list[str]] = field(default_factory=list)
    kinds: list[str] = field(default_factory=list)  # "pillar" or "kpi"
    statuses: list[str] = field(default_factory=list)  # status of each KPI row
    outlooks: list[str] = field(default_factory=list)
    kpis: list[str] = field(default_factory=list)  # KPI code of each row ("" for pillars)


@dataclass
class TrendPanel:
    """One KPI over the years: the unit, the nation, the target path and the outlook."""

    kpi: KpiDef
    title: str
    years: list[int]
    values: list[float]
    national: list[float] | None
    target_years: list[int]
    targets: list[float]
    projection: pd.DataFrame | None  # year, fitted, lower, upper from the last year


@dataclass
class RankingRow:
    label: str
    value: float
    text: str  # status icon and value as the pages write it
    status: str
    own: bool  # the report's own unit, or a judge's own court


@dataclass
class RankingPanel:
    kpi: KpiDef
    title: str
    rows: list[RankingRow]
    national: float | None
    national_text: str
    missing: str  # units without a value, in a sentence ("" when none)


@dataclass
class ReportContent:
    lang: str
    level: str
    code: str
    year: int
    title: str
    subtitle: str
    details: list[str]
    notice: str | None
    findings: list[str]
    scorecard: ScorecardTable
    legend: str
    flow: pd.DataFrame
    flow_title: str
    flow_labels: dict[str, str]
    trends: list[TrendPanel]
    trends_title: str
    trend_labels: dict[str, str]
    rankings: list[RankingPanel]
    rankings_title: str
    rankings_note: str
    definitions: list[tuple[str, list[str]]]
    missing: list[str]
    footer: str
    notes: list[str]
    filename: str
    horizon: int
    # Where the gap is: one sentence per KPI off target (national and regional reports).
    gaps: list[str] = field(default_factory=list)


# --- names -------------------------------------------------------------------------------

def unit_name(data: ReportData, code: str, lang: str) -> str:
    """A unit's name in ``lang``, else in English, else Russian, else its code (as the
    pages name them); anonymised courts read "Court 17 of 42"."""
    if code == NATION:
        return t("nav.national", lang)
    position = anonymous_position(code)
    if position is not None:
        return t("anon.court", lang, n=position[0], total=position[1])
    names = data.names.get(code) or {}
    return names.get(lang) or names.get("en") or names.get("ru") or code


def kpi_name(kpi: KpiDef, lang: str) -> str:
    return kpi.names.get(lang) or kpi.names["en"]


def made_on(day: dt.date, lang: str) -> str:
    """The date written as people of the language write it: 05.12.2026, 2026-12-05."""
    return day.isoformat() if lang == "en" else day.strftime("%d.%m.%Y")


def _listed(items: list[str], lang: str) -> str:
    """"a; b; c" and "+2 more" past MAX_NAMED."""
    shown = "; ".join(items[:MAX_NAMED])
    if len(items) > MAX_NAMED:
        shown += " " + t("report.more", lang, n=len(items) - MAX_NAMED)
    return shown


def change_text(change: float, kpi: KpiDef, lang: str) -> str:
    """The change on the previous year as the scorecard tiles write it: ▲ 1.2 %."""
    if is_missing(change):
        return ""
    if round(abs(change), DECIMALS.get(kpi.unit, 1)) == 0:
        change = 0.0  # "▲ 0 days" would read as a change
    arrow = "▲" if change > 0 else ("▼" if change < 0 else "■")
    return f"{arrow} {fmt_value(abs(change), kpi.unit, lang)}"


def status_text(status: str, value: float, lang: str) -> str:
    """Icon and word (layouts.components.status_badge's): "no data" without a value."""
    if is_missing(value):
        return f"{STATUS_ICONS['none']} {t('empty.no_data', lang)}"
    status = status if status in STATUS_ICONS else "none"
    return f"{STATUS_ICONS[status]} {t(f'status.{status}', lang)}"


def outlook_text(outcome: str, lang: str) -> str:
    outcome = outcome if outcome in OUTLOOK_ICONS else "insufficient_data"
    return f"{OUTLOOK_ICONS[outcome]} {outlook_word(outcome, lang)}"


# --- the scorecard -----------------------------------------------------------------------

def report_rows(data: ReportData) -> pd.DataFrame:
    """The scorecard's numbers (kpi.analysis.scorecard_rows) of the report's unit."""
    parent = {"court": (data.region or {}).get("region_code"), "region": NATION}.get(data.level)
    own = data.outlook[data.outlook["category"] == "all"] if len(data.outlook) else data.outlook
    outlooks = dict(zip(zip(own["kpi"], own["category"]), own["outlook"])) if len(own) else {}
    peers = data.peers.assign(category="all")
    return scorecard_rows(data.values, peers, data.code, parent, data.year, "all", outlooks)


def scorecard_table(rows: pd.DataFrame, data: ReportData, lang: str) -> ScorecardTable:
    prev = data.year - 1
    header = [t("col.kpi", lang), t("col.value", lang), t("col.target", lang),
              t("col.status", lang), t("report.col.change", lang, year=prev)]
    # The PDF sizes the columns by measuring what they hold (layouts.report.pdf).
    if data.level == "court":
        header += [t("col.region", lang), t("col.national", lang),
                   t("col.peer_percentile", lang)]
    elif data.level == "region":
        header += [t("col.national", lang), t("report.col.region_percentile", lang)]
    header.append(t("outlook.col", lang, horizon=data.horizon))
    table = ScorecardTable(header=header)
    by_kpi = {r["kpi"]: r for r in rows.to_dict("records")}
    for pillar in PILLARS:
        table.rows.append([t(f"pillar.{pillar}", lang)])
        table.kinds.append("pillar")
        table.statuses.append("none")
        table.outlooks.append("")
        table.kpis.append("")
        for kpi in (k for k in CATALOGUE if k.pillar == pillar):
            r = by_kpi[kpi.code]
            target = "—" if is_missing(r["target"]) else fmt_value(r["target"], kpi.unit, lang)
            if r["illustrative"] and not is_missing(r["target"]):
                target += " *"
            cells = [kpi_name(kpi, lang), fmt_value(r["value"], kpi.unit, lang), target,
                     status_text(r["status"], r["value"], lang),
                     change_text(r["change"], kpi, lang)]
            if data.level == "court":
                cells.append(fmt_value(r["parent"], kpi.unit, lang))
            if data.level in ("court", "region"):
                cells.append(fmt_value(r["national"], kpi.unit, lang))
                cells.append("" if is_missing(r["percentile"])
                             else fmt_number(r["percentile"], 0, lang))
            cells.append(outlook_text(r["outlook"], lang))
            table.rows.append(cells)
            table.kinds.append("kpi")
            table.statuses.append("none" if is_missing(r["value"]) else r["status"])
            table.outlooks.append(r["outlook"])
            table.kpis.append(kpi.code)
    return table


# --- key findings ------------------------------------------------------------------------

def findings(rows: pd.DataFrame, data: ReportData, lang: str) -> list[str]:
    """4-8 sentences from the numbers: the status count, the largest improvement and
    deterioration on the previous year, the KPIs off target (worst first, in multiples
    of the tolerance) and off track for the horizon, how the unit compares (the regions,
    or a region's courts, with most and fewest KPIs on target — never for a judge, whose
    ranking is anonymised; a court's or region's best and worst percentile among its
    peers), and the KPIs without a value. Fixed rules, ties broken by the catalogue's
    order or the unit's code: the same data give the same sentences."""
    year, out = data.year, []
    rated = rows[rows["status"].isin(STATUSES) & rows["value"].notna()]
    counts = {s: int((rated["status"] == s).sum()) for s in STATUSES}
    if len(rated):
        out.append(t("report.find.status", lang, year=year, n=len(rated), **counts))
    else:
        out.append(t("report.find.no_status", lang, year=year))
    out += _changes(rows, data, lang)
    red = rated[rated["status"] == "red"]
    if len(red):
        direction = red["kpi"].map(lambda k: KPIS[k].direction)
        tolerance = red["kpi"].map(lambda k: KPIS[k].tolerance or 1.0).astype("float64")
        severity = distance_from_target(red["value"], red["target"], direction) / tolerance
        order = red.assign(_s=severity, _i=red.index).sort_values(["_s", "_i"],
                                                                 ascending=[False, True])
        named = [t("report.find.gap", lang, kpi=kpi_name(KPIS[r.kpi], lang),
                   value=fmt_value(r.value, KPIS[r.kpi].unit, lang),
                   target=fmt_value(r.target, KPIS[r.kpi].unit, lang))
                 for r in order.itertuples()]
        out.append(t("report.find.off_target", lang, kpis=_listed(named, lang)))
    elif len(rated):
        out.append(t("report.find.none_off_target", lang))
    out.append(_outlook_finding(rows, data, lang))
    out += _comparison(rows, data, lang)
    lacking = [kpi_name(KPIS[k], lang) for k in rows.loc[rows["value"].isna(), "kpi"]]
    if lacking:
        out.append(t("report.find.no_value", lang, year=year, kpis=_listed(lacking, lang)))
    return out[:8]


def _changes(rows: pd.DataFrame, data: ReportData, lang: str) -> list[str]:
    """The largest improvement and deterioration, in multiples of each KPI's tolerance
    (KPIs differ in units; as the courts needing attention are ranked)."""
    prev = data.year - 1
    scored = []
    for i, r in enumerate(rows.to_dict("records")):
        kpi = KPIS[r["kpi"]]
        if is_missing(r["change"]) or kpi.direction == "none" or not kpi.tolerance:
            continue
        sign = 1.0 if kpi.direction == "higher" else -1.0
        scored.append((sign * r["change"] / kpi.tolerance, i, kpi, r))
    if not scored:
        return [t("report.find.no_change", lang, year=prev)]
    out = []
    best = max(scored, key=lambda s: (s[0], -s[1]))
    worst = min(scored, key=lambda s: (s[0], s[1]))
    for key, (score, _, kpi, r) in (("report.find.improved", best),
                                    ("report.find.worsened", worst)):
        if (key == "report.find.improved" and score <= 0) or \
                (key == "report.find.worsened" and score >= 0):
            continue
        before = r["value"] - r["change"]
        out.append(t(key, lang, year=prev, kpi=kpi_name(kpi, lang),
                     old=fmt_value(before, kpi.unit, lang),
                     new=fmt_value(r["value"], kpi.unit, lang)))
    return out or [t("report.find.steady", lang, year=prev)]


def _outlook_finding(rows: pd.DataFrame, data: ReportData, lang: str) -> str:
    off = [kpi_name(KPIS[k], lang) for k in rows.loc[rows["outlook"] == "off_track", "kpi"]]
    if off:
        return t("report.find.off_track", lang, horizon=data.horizon, kpis=_listed(off, lang))
    outcomes = rows["outlook"].value_counts()
    return t("report.find.none_off_track", lang, horizon=data.horizon,
             on_track=int(outcomes.get("on_track", 0)),
             uncertain=int(outcomes.get("uncertain", 0)))


def _green_counts(cells: pd.DataFrame) -> pd.DataFrame:
    """Per unit: KPIs with a status, how many on target and off target."""
    rated = cells[cells["status"].isin(STATUSES) & cells["value"].notna()]
    if rated.empty:
        return pd.DataFrame(columns=["code", "n", "green", "red"])
    return rated.groupby("code").agg(
        n=("status", "size"), green=("status", lambda s: int((s == "green").sum())),
        red=("status", lambda s: int((s == "red").sum()))).reset_index()


def _best_worst(counts: pd.DataFrame) -> tuple[dict, dict]:
    """Most and fewest KPIs on target (ties: fewer off target, then the code)."""
    ordered = counts.assign(_neg=-counts["green"]).sort_values(["_neg", "red", "code"])
    return ordered.iloc[0].to_dict(), ordered.iloc[-1].to_dict()


def _comparison(rows: pd.DataFrame, data: ReportData, lang: str) -> list[str]:
    if data.level == "court":
        return _peer_finding(rows, data, lang)
    out = []
    if data.level == "national" or (data.level == "region" and data.viewer.sees_all):
        named = data.ranking[[anonymous_position(c) is None for c in data.ranking["code"]]] \
            if len(data.ranking) else data.ranking
        counts = _green_counts(named)
        if len(counts) >= 2:
            best, worst = _best_worst(counts)
            key = "report.find.best_worst_regions" if data.level == "national" \
                else "report.find.best_worst_courts"
            out.append(t(key, lang, best=unit_name(data, best["code"], lang),
                         best_n=int(best["green"]), best_of=int(best["n"]),
                         worst=unit_name(data, worst["code"], lang),
                         worst_n=int(worst["green"]), worst_of=int(worst["n"])))
    if data.level == "region":
        out += _peer_finding(rows, data, lang)
    return out


def _peer_finding(rows: pd.DataFrame, data: ReportData, lang: str) -> list[str]:
    """A court's (or region's) best and worst percentile among its peers."""
    peers = int(data.peers.loc[data.peers["kpi"] == CATALOGUE[0].code].shape[0]) \
        if len(data.peers) else 0
    ranked = [(r["percentile"], i, KPIS[r["kpi"]]) for i, r in enumerate(rows.to_dict("records"))
              if not is_missing(r["percentile"])]
    if peers < 2 or not ranked:
        return []
    best = max(ranked, key=lambda s: (s[0], -s[1]))
    worst = min(ranked, key=lambda s: (s[0], s[1]))
    if data.level == "court":
        key = "report.find.peers_court"
        group = t("report.peer_group", lang, level=t(f"level.{data.unit['level']}", lang),
                  spec=t(f"spec.{data.unit['specialization']}", lang), n=peers)
    else:
        key, group = "report.find.peers_region", str(peers)
    return [t(key, lang, group=group, best=kpi_name(best[2], lang),
              best_p=fmt_number(best[0], 0, lang), worst=kpi_name(worst[2], lang),
              worst_p=fmt_number(worst[0], 0, lang))]


# --- charts' data ------------------------------------------------------------------------

def trend_panels(data: ReportData, rows: pd.DataFrame, lang: str) -> list[TrendPanel]:
    """Every KPI of the unit by year, the nation's beside it, the target that applies to
    the unit from the first year to the horizon, and the outlook's line and band."""
    values = data.values[data.values["category"] == "all"]
    years = list(data.years)
    path_years = list(range(years[0], max(data.horizon, years[-1]) + 1)) if years else []
    level = data.level
    grid = pd.MultiIndex.from_product([[k.code for k in CATALOGUE], path_years],
                                      names=["kpi", "year"]).to_frame(index=False)
    grid = grid.assign(level=level, code=data.code, value=float("nan"))
    targets = attach_targets(grid, data.targets) if len(data.targets) and len(grid) else \
        grid.assign(target=float("nan"))
    target_of = {k: g for k, g in targets.groupby("kpi", sort=False)}
    series = {(k, c): dict(zip(g["year"], g["value"]))
              for (k, c), g in values.groupby(["kpi", "code"], sort=False)}
    outcome = dict(zip(rows["kpi"], rows["outlook"]))
    panels = []
    for kpi in CATALOGUE:
        own = series.get((kpi.code, data.code), {})
        vals = [float(own.get(y, float("nan"))) for y in years]
        national = None
        if level != "national":
            nat = series.get((kpi.code, NATION), {})
            national = [float(nat.get(y, float("nan"))) for y in years]
        tg = target_of.get(kpi.code)
        t_years, t_values = [], []
        if tg is not None:
            tg = tg[tg["target"].notna()]
            t_years, t_values = [int(y) for y in tg["year"]], [float(v) for v in tg["target"]]
        projection = None
        if outcome.get(kpi.code) not in (None, "insufficient_data"):
            path = projection_path(years, vals, data.horizon, BOUNDS[kpi.code])
            known = [y for y, v in zip(years, vals) if not math.isnan(v)]
            if len(path) and known:
                projection = path[path["year"] >= max(known)].reset_index(drop=True)
        panels.append(TrendPanel(kpi=kpi, title=kpi_name(kpi, lang), years=years, values=vals,
                                 national=national, target_years=t_years, targets=t_values,
                                 projection=projection))
    return panels


def ranking_panels(data: ReportData, lang: str) -> list[RankingPanel]:
    """For the nation its regions, for a region its courts (anonymised for a judge as
    the pages do), best to worst for every KPI; units without a value listed below."""
    if data.level == "court" or data.ranking.empty:
        return []
    year_values = data.values[(data.values["year"] == data.year)
                              & (data.values["category"] == "all")
                              & (data.values["code"] == NATION)]
    national = dict(zip(year_values["kpi"], year_values["value"]))
    own_court = data.viewer.court_code
    panels = []
    for kpi, cells in data.ranking.groupby("kpi", sort=False):
        k = KPIS[kpi]
        cells = cells.assign(_anon=[(anonymous_position(c) or (0, 0))[0] for c in cells["code"]],
                             _label=[unit_name(data, c, lang) for c in cells["code"]])
        have = cells[cells["value"].notna()]
        have = have.sort_values(["value", "_anon", "_label"],
                                ascending=[k.direction == "lower", True, True], kind="stable")
        rows = []
        for r in have.to_dict("records"):
            status = r["status"] if r.get("status") in STATUS_ICONS else "none"
            # The icon of a status; none (no target, or an anonymised court's) is no
            # status, and "—" before a number would read as a minus.
            icon = "" if status == "none" else STATUS_ICONS[status] + " "
            rows.append(RankingRow(label=r["_label"], value=float(r["value"]),
                                   text=icon + fmt_value(r["value"], k.unit, lang),
                                   status=status,
                                   own=r["code"] in (data.code, own_court)))
        lacking = sorted(cells.loc[cells["value"].isna(), "_label"].astype(str))
        missing = t("report.ranking.no_data", lang, names=_listed_all(lacking, lang)) \
            if lacking else ""
        nat = national.get(kpi)
        title_key = "fig.ranking.title_none" if k.direction == "none" else "fig.ranking.title"
        panels.append(RankingPanel(
            kpi=k, title=t(title_key, lang, kpi=kpi_name(k, lang)), rows=rows,
            national=None if nat is None or is_missing(nat) else float(nat),
            national_text="" if is_missing(nat) else
            t("fig.national_value", lang, value=fmt_value(nat, k.unit, lang)),
            missing=missing))
    order = {k.code: i for i, k in enumerate(CATALOGUE)}
    return sorted(panels, key=lambda p: order[p.kpi.code])


def _listed_all(names: list[str], lang: str, limit: int = 10) -> str:
    shown = ", ".join(names[:limit])
    if len(names) > limit:
        shown += " " + t("report.more", lang, n=len(names) - limit)
    return shown


# --- definitions and notes ---------------------------------------------------------------

def definitions(lang: str) -> list[tuple[str, list[str]]]:
    """Each KPI's name and its definition as the explorer gives it."""
    out = []
    for kpi in CATALOGUE:
        lines = [
            f"{t('explorer.formula', lang)}: {kpi.formula}",
            f"{t('explorer.unit', lang)}: {t(f'unit.{kpi.unit}', lang)} · "
            f"{t('explorer.better', lang)}: {t(f'explorer.better.{kpi.direction}', lang)} · "
            f"{t('explorer.tolerance', lang)}: "
            f"{'—' if kpi.tolerance is None else fmt_number(kpi.tolerance, 1 if kpi.tolerance % 1 else 0, lang)}",  # noqa: E501
            f"{t('explorer.source', lang)}: {kpi.source}",
            t(f"kpi.{kpi.code}.why", lang),
        ]
        out.append((kpi_name(kpi, lang), lines))
    return out


def note_lines(data: ReportData, lang: str) -> list[str]:
    """"2024 · Almaty (Clearance rate): courts No. 2 and 3 merged", newest first (pure)."""
    if data.notes is None or data.notes.empty:
        return []
    out = []
    for r in data.notes.sort_values(["year", "id"], ascending=[False, True]).itertuples():
        kpi = KPIS.get(r.kpi) if r.kpi else None
        about = f" ({kpi_name(kpi, lang)})" if kpi else ""
        out.append(f"{int(r.year)} · {unit_name(data, r.code, lang)}{about}: {r.text}")
    return out


def missing_notes(rows: pd.DataFrame, data: ReportData, lang: str) -> list[str]:
    """What is missing or partial, said instead of printed as 0."""
    notes = []
    year = data.year
    partial: dict[str, list[str]] = {"incoming": [], "courts": []}
    for r in rows.to_dict("records"):
        kpi = KPIS[r["kpi"]]
        if is_missing(r["value"]):
            reason = "median" if kpi.kind == "median" else \
                "court" if kpi.grain == "court" else "inputs"
            notes.append(t("report.missing.value", lang, kpi=kpi_name(kpi, lang), year=year,
                           reason=t(f"report.missing.reason.{reason}", lang)))
        elif not is_missing(r["coverage"]) and r["coverage"] < FULL_COVERAGE:
            basis = "courts" if kpi.grain == "court" else "incoming"
            partial[basis].append(f"{kpi_name(kpi, lang)} {fmt_coverage(r['coverage'], lang)}")
    for basis, items in partial.items():
        if items:
            notes.append(t(f"report.missing.coverage.{basis}", lang, kpis="; ".join(items)))
    own = data.values[(data.values["code"] == data.code) & data.values["value"].notna()]
    have = set(int(y) for y in own["year"])
    gaps = [str(y) for y in data.years if y <= year and y not in have]
    if gaps:
        notes.append(t("report.missing.years", lang, years=", ".join(gaps)))
    if data.sources.get("caseload"):
        notes.append(t("report.missing.caseload", lang, n=data.sources["caseload"], year=year))
    if data.sources.get("none"):
        notes.append(t("report.missing.none", lang, n=data.sources["none"], year=year))
    if data.hidden:
        notes.append(t("report.missing.anonymised", lang, hidden=data.hidden))
    if bool(rows["illustrative"].any()):
        notes.append(t("report.missing.illustrative", lang))
    return notes or [t("report.missing.nothing", lang, year=year)]


# --- the whole report --------------------------------------------------------------------

def _details(rows: pd.DataFrame, data: ReportData, lang: str, made: dt.date) -> list[str]:
    out = []
    if data.level == "court":
        unit = data.unit
        out.append(f"{data.code} · {unit_name(data, unit['region_code'], lang)} · "
                   f"{t('level.' + unit['level'], lang)} · "
                   f"{t('spec.' + unit['specialization'], lang)}")
    elif data.level == "region":
        out.append(f"{t('level.region', lang)} · {data.code}")
    out.append(t("report.made", lang, date=made_on(made, lang)))
    valued = rows[rows["value"].notna()]
    full = int((valued["coverage"].fillna(100.0) >= FULL_COVERAGE).sum())
    line = t("report.coverage", lang, year=data.year, full=full, n=len(rows))
    partial = valued[valued["coverage"] < FULL_COVERAGE]
    if len(partial):
        low = partial.loc[partial["coverage"].idxmin()]
        line += " " + t("report.coverage_lowest", lang, kpi=kpi_name(KPIS[low["kpi"]], lang),
                        coverage=fmt_coverage(low["coverage"], lang))
    out.append(line)
    if data.level == "court":
        source = data.source_years.get(data.year, "none")
        out.append(t("report.source_court", lang, year=data.year,
                     source=t(f"court.source.{source}", lang)))
    elif data.sources:
        out.append(t("report.sources", lang, year=data.year, **data.sources))
    return out


def build_content(data: ReportData, lang: str, made: dt.date | None = None) -> ReportContent:
    """Everything the report says, in ``lang``."""
    if lang not in LANGUAGES:
        raise ValueError(f"lang must be one of {', '.join(LANGUAGES)}")
    made = made or dt.date.today()
    rows = report_rows(data)
    name = unit_name(data, data.code, lang)
    flow = data.flow.copy()
    title_key = {"national": "report.ranking.regions", "region": "report.ranking.courts"}
    return ReportContent(
        lang=lang, level=data.level, code=data.code, year=data.year,
        title=name, subtitle=t("report.subtitle", lang, year=data.year),
        details=_details(rows, data, lang, made),
        notice=t("banner.synthetic", lang) if data.synthetic else None,
        findings=findings(rows, data, lang),
        scorecard=scorecard_table(rows, data, lang),
        legend=t("report.legend", lang),
        flow=flow, flow_title=t("fig.case_flow.title", lang),
        flow_labels={c: t(f"fig.case_flow.{c}", lang)
                     for c in ("incoming", "resolved", "pending_end")}
        | {"y": t("fig.unit.cases", lang), "year": t("fig.year", lang)},
        trends=trend_panels(data, rows, lang),
        trends_title=t("report.trends", lang, horizon=data.horizon),
        trend_labels={"unit": name, "national": t("nav.national", lang),
                      "target": t("fig.target", lang),
                      "band": t("outlook.band", lang, horizon=data.horizon)},
        rankings=ranking_panels(data, lang),
        rankings_title=t(title_key.get(data.level, "report.ranking.regions"), lang,
                         year=data.year, unit=name),
        rankings_note=t("report.ranking.anonymised", lang)
        if data.level == "region" and not data.viewer.sees_all else "",
        definitions=definitions(lang),
        missing=missing_notes(rows, data, lang),
        notes=note_lines(data, lang),
        footer=t("report.footer", lang, unit=name, year=data.year),
        filename=f"court-kpi-{data.code}-{data.year}-{lang}.pdf",
        horizon=data.horizon,
        gaps=gap_lines(data, lang),
    )


def gap_lines(data: ReportData, lang: str) -> list[str]:
    """"Clearance rate: Kazakhstan, 2025, target 100 %: 4,210 more resolved cases were
    needed. 62 % of it is in 5 of 66 courts: …", one per KPI off target."""
    names = _UnitNames(data, lang)
    scope = unit_name(data, data.code, lang)
    return [f"{kpi_name(KPIS[code], lang)}: "
            + gap_view.sentence(found, scope, data.year, KPIS[code], names, lang)
            for code, found in data.gaps.items()]


class _UnitNames:
    """``names.get(code, default)`` as gap_view asks it, by unit_name."""

    def __init__(self, data: ReportData, lang: str):
        self.data, self.lang = data, lang

    def get(self, code: str, default: str | None = None) -> str:
        return unit_name(self.data, code, self.lang)


def value_cells(content: ReportContent) -> dict[str, str]:
    """KPI -> the value cell as printed (for tests and callers that check the PDF)."""
    return {k: row[1] for k, row, kind in zip(content.scorecard.kpis, content.scorecard.rows,
                                               content.scorecard.kinds) if kind == "kpi"}


__all__ = ["ReportContent", "build_content", "findings", "report_rows", "unit_name",
           "value_cells"]
