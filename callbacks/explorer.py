"""KPI explorer callbacks: definition, trend, ranking, outlook, notes, backlog and funnel
plot (builders in layouts.explorer_view)."""

from __future__ import annotations

import pandas as pd
from dash import Output

from callbacks.context import Services, chart_outputs, request_viewer, unit_options
from callbacks.first_view import view
from data.accounts.access import ANNOTATE, Viewer
from data.edits import annotations as notes_db
from kpi.catalogue import KPIS, KpiDef
from kpi.gap import GapError
from kpi.periods import YEARLY_ONLY, Period, year_period
from layouts import explorer_view, ids, notes_view, period_view
from layouts.backlog_view import backlog_outputs
from layouts.components import breadcrumbs
from layouts.i18n import t
from layouts.params import MAX_COMPARE, payload_state


def read_state(services: Services, state) -> tuple[dict, KpiDef, str, Period | None]:
    """The page state checked, its KPI, the category it is read in (all categories for a
    court-level KPI) and the period (by default the year to date of the year in
    progress, else the latest year). A KPI of yearly inputs is read in whole years."""
    state = payload_state(state)
    kpi = KPIS[state["kpi"]]
    category = "all" if kpi.grain == "court" else state["category"]
    period, _ = services.period_or_default(state["year"], state["part"])
    if period is not None and not period.is_year and kpi.code in YEARLY_ONLY:
        period = year_period(services.latest_year(None) or period.year)
    return state, kpi, category, period


def _region(services: Services, state: dict) -> str | None:
    return state["region"] if state["region"] in set(services.regions()["region_code"]) \
        else None


def _ranked(services: Services, viewer: Viewer, state: dict, region: str | None,
            kpi: KpiDef, category: str, period: Period) -> pd.DataFrame:
    """The courts (of the region, or with the courts view) or the regions, ranked."""
    if state["view"] == "courts" or region:
        courts = explorer_view.filter_courts(services.directory(viewer),
                                             {**state, "region": region})
        return services.court_values(viewer, period.year, kpi.code, category, courts,
                                     period=period)
    ranked = services.values_in(viewer, period, level="region", kpi=kpi.code,
                                category=category)
    return services.regions()[["region_code"]].rename(columns={"region_code": "code"}).merge(
        ranked, on="code", how="left")


def explorer(services: Services, state: dict | None) -> tuple:
    """Definition, breadcrumbs, unit options, trend, ranking, outlook and notes."""
    viewer = request_viewer()
    state, kpi, category, period = read_state(services, state)
    year = None if period is None else period.year
    lang = state["lang"]
    names = services.unit_names(viewer, lang)
    region = _region(services, state)
    region_options = unit_options(names, services.regions()["region_code"])
    crumbs: list[tuple[str, str | None]] = [(t("nav.national", lang), "/")]
    if region:
        crumbs.append((names.get(region, region), f"/kpi/{kpi.code}?region={region}"))
    crumbs.append((kpi.names.get(lang, kpi.names["en"]), None))
    # The nation, the chosen region and any courts or regions picked for the trend.
    chosen = [u for u in state["units"] if u in names][:MAX_COMPARE]
    trend_codes = list(dict.fromkeys(["KZ"] + ([region] if region else []) + chosen))
    trend = services.kpi_values(viewer, code=trend_codes, kpi=kpi.code, category=category)
    with services.connect() as conn:
        notes = notes_db.notes(conn, viewer, code=trend_codes, kpi=kpi.code)
    outlook_units = ["KZ"] + ([region] if region else [])
    outlooks = services.outlook(viewer, code=outlook_units, kpi=kpi.code, category=category)
    nat = _national(services, viewer, period, kpi, category)
    units = region_options + unit_options(names, services.courts(viewer)["court_code"],
                                          with_code=True)
    add = (f"/notes?unit={region or 'KZ'}&kpi={kpi.code}&year={year}"
           if viewer.can(ANNOTATE) else None)
    return (explorer_view.definition(kpi, lang), breadcrumbs(crumbs), region_options, units,
            *explorer_view.trend_outputs(trend, services.targets(viewer), notes, names, kpi,
                                         lang, services.outlook_calibration(viewer).get(kpi.code)),
            *(explorer_view.ranking_outputs(
                _ranked(services, viewer, state, region, kpi, category, period), nat, names,
                kpi, period.code, lang) if period is not None else
              explorer_view.ranking_outputs(pd.DataFrame(columns=["code", "value"]), None,
                                            names, kpi, None, lang)),
            explorer_view.outlook_sentences(outlooks, outlook_units, names, kpi, lang,
                                            services.track_record(viewer)),
            notes_view.notes_aside(notes.assign(label=notes["code"].map(names)), names, lang,
                                   add),
            period_head(services, state, period, lang))


def period_head(services: Services, state: dict, period: Period | None, lang: str) -> list:
    """The period line, and why the part asked for is not shown when it is not."""
    _, message = services.period_or_default(state["year"], state["part"])
    return period_view.head(period, services.data_as_of(), message, lang)


def _national(services: Services, viewer: Viewer, period: Period | None, kpi: KpiDef,
              category: str) -> float | None:
    """The nation's value of the KPI in the period (None without one)."""
    if period is None:
        return None
    nat = services.values_in(viewer, period, level="national", kpi=kpi.code,
                             category=category)
    return float(nat["value"].iloc[0]) if len(nat) and pd.notna(nat["value"].iloc[0]) \
        else None


def explorer_backlog(services: Services, state: dict | None) -> tuple:
    """The age of the pending cases of the chosen region, else the nation."""
    viewer = request_viewer()
    state = payload_state(state)
    region = _region(services, state)
    level, code = ("region", region) if region else ("national", "KZ")
    rows = services.backlog(viewer, level, code, state["category"])
    return backlog_outputs(rows, f"{code}-backlog", state["lang"])


def explorer_funnel(services: Services, state: dict | None) -> tuple:
    """The funnel plot of the courts matching the filters against the national rate."""
    viewer = request_viewer()
    state, kpi, category, period = read_state(services, state)
    lang = state["lang"]
    courts = explorer_view.filter_courts(services.directory(viewer), state)
    national = _national(services, viewer, period, kpi, category)
    national_value = float("nan") if national is None else national
    values = services.court_values(viewer, None if period is None else period.year, kpi.code,
                                   category, courts, funnel_rate=national_value,
                                   period=period)
    return explorer_view.funnel_outputs(values, national_value,
                                        services.unit_names(viewer, lang), kpi,
                                        None if period is None else period.code, lang)


def explorer_gap(services: Services, state: dict | None) -> tuple:
    """Where the gap of the chosen region (else the nation) to the KPI's target is."""
    viewer = request_viewer()
    state, kpi, category, period = read_state(services, state)
    lang = state["lang"]
    region = _region(services, state)
    level, code = ("region", region) if region else ("national", "KZ")
    names = services.unit_names(viewer, lang)
    found, error = None, None
    if period is not None:
        try:
            found = services.gap(viewer, level, code, period.year, kpi.code, category,
                                 period=None if period.is_year else period.code)
        except GapError as exc:
            error = exc.code
    return explorer_view.gap_outputs(found, error, names.get(code, code),
                                     None if period is None else period.code, names, kpi,
                                     lang)


def explorer_seasonal(services: Services, state: dict | None) -> tuple:
    """The KPI of the chosen region (else the nation) month by month in the page's year
    against the three years before."""
    viewer = request_viewer()
    state, kpi, category, period = read_state(services, state)
    region = _region(services, state)
    level, code = ("region", region) if region else ("national", "KZ")
    year = None if period is None else period.year
    series = (services.monthly(viewer, level, code, kpi.code, category, year)
              if year is not None and kpi.code not in YEARLY_ONLY else None)
    return explorer_view.seasonal_outputs(series, year, kpi, code, state["lang"])


def register(app, services: Services) -> None:
    # Each part of the page computed as it is rendered (callbacks.first_view).
    @view(app, "explorer", Output(ids.EXPLORER_DEFINITION, "children"),
          Output(ids.BREADCRUMBS, "children"), Output(ids.control("region"), "options"),
          Output(ids.control("units"), "options"),
          *chart_outputs("trend"), *chart_outputs("ranking"),
          Output(ids.EXPLORER_OUTLOOK, "children"), Output(ids.EXPLORER_NOTES, "children"),
          Output(ids.EXPLORER_PERIOD, "children"))
    def page(state):
        return explorer(services, state)

    @view(app, "explorer", *chart_outputs("backlog"), Output(ids.BACKLOG_NOTE, "children"))
    def backlog(state):
        return explorer_backlog(services, state)

    @view(app, "explorer", *chart_outputs("gap"), Output(ids.EXPLORER_GAP_NOTE, "children"))
    def gap(state):
        return explorer_gap(services, state)

    @view(app, "explorer", *chart_outputs("funnel"))
    def funnel(state):
        return explorer_funnel(services, state)

    @view(app, "explorer", *chart_outputs("seasonal"))
    def seasonal(state):
        return explorer_seasonal(services, state)
