"""Court profile callbacks: header, scorecard vs region and nation, case flow, trends,
data sent, flags and notes, backlog (builders in layouts.court_view)."""

from __future__ import annotations

import pandas as pd
from dash import Output

from callbacks.context import Services, chart_outputs, request_viewer
from callbacks.first_view import view
from data.accounts.access import ANNOTATE, Viewer
from data.edits import annotations as notes_db
from kpi.analysis import early_warning
from kpi.catalogue import CATALOGUE, KPIS
from kpi.gap import GapError, decomposable
from kpi.periods import YEARLY_ONLY, PeriodError, ytd
from layouts import court_view, explorer_view, figures, gap_view, ids, period_view
from layouts.backlog_view import backlog_outputs
from layouts.i18n import t
from layouts.params import payload_state


def _court(services: Services, viewer: Viewer, code: str):
    """The court's directory row when the viewer may see it, else None."""
    courts = services.directory(viewer)
    match = courts[courts["court_code"] == code]
    return None if match.empty or not viewer.may_see_court(code) else match.iloc[0]


def court_profile(services: Services, state: dict | None) -> tuple:
    """Breadcrumbs, header, scorecard, data sent, case flow and trends of one court."""
    viewer = request_viewer()
    state = payload_state(state)
    lang, category = state["lang"], state["category"]
    court = _court(services, viewer, state["court"])
    if court is None:
        return court_view.refused(state["court"], viewer.may_see_court(state["court"]), lang)
    code, region = court["court_code"], court["region_code"]
    names = services.unit_names(viewer, lang)
    period, _ = services.period_or_default(state["year"], state["part"])
    year = None if period is None else period.year
    courts = services.directory(viewer)
    peers = int(((courts["level"] == court["level"])
                 & (courts["specialization"] == court["specialization"])).sum())
    values = yearly = services.kpi_values(viewer, code=[code, region, "KZ"])
    if period is not None and not period.is_year:
        # The period and the same months a year before, in place of the years.
        scope = [code, region, "KZ"]
        values = pd.concat([services.values_in(viewer, period, code=scope),
                            services.values_a_year_before(viewer, period, code=scope)],
                           ignore_index=True)
    own_outlook = services.outlook(viewer, code=code, category=sorted({category, "all"}))
    outlooks = dict(zip(zip(own_outlook["kpi"], own_outlook["category"]),
                        own_outlook["outlook"]))
    table = None
    if year:
        # The percentile among peers names no other court, so all peers count.
        peer_values = services.peer_values(viewer, code, year, sorted({category, "all"}),
                                           period)
        table = court_view.scorecard_table(court_view.scorecard_rows(
            values, peer_values, code, region, year, category, outlooks), lang)
    flagged = services.flags(viewer)
    flagged = flagged[(flagged["court_code"] == code)
                      & ((flagged["category"] == category) | (category == "all"))]
    sent = services.coverage_matrix(viewer)
    gaps = court_gaps(services, viewer, values, code, region, year, category, names, lang,
                      None if period is None or period.is_year else period.code) \
        if year else []
    return (court_view.crumbs(code, region, names, lang),
            court_view.header(court, names, peers, state["year"], lang, state["part"]), table,
            court_view.gap_list(gaps, lang),
            court_view.sent_table(sent[sent["court_code"] == code], lang),
            *court_view.flow_outputs(services.case_flow(viewer, "court", code, category),
                                     flagged, code, lang),
            *court_view.trends_outputs(yearly, code, category, lang))


def court_gaps(services: Services, viewer: Viewer, values: pd.DataFrame, code: str,
               region: str, year: int, category: str, names, lang: str,
               period: str | None = None) -> list[tuple[str, str]]:
    """(KPI name, sentence) of the court's part of its region's and the nation's gap,
    for each KPI where that scope is off target in the year."""
    out = []
    # The scopes' cells off target this year, found once (filtering per KPI cost more
    # than the decompositions).
    red = values[(values["year"] == year) & (values["status"] == "red")]
    off = set(zip(red["code"], red["kpi"], red["category"]))
    for kpi in CATALOGUE:
        cat = "all" if kpi.grain == "court" else category
        if decomposable(kpi) is not None:
            continue
        for scope in (region, "KZ"):
            if (scope, kpi.code, cat) not in off:
                continue
            level = "national" if scope == "KZ" else "region"
            try:
                found = services.gap(viewer, level, scope, year, kpi.code, cat, period=period)
            except (GapError, PeriodError):
                continue
            line = gap_view.court_line(found, code, names.get(scope, scope), kpi, lang)
            if line:
                out.append((kpi.names.get(lang, kpi.names["en"]), line))
    return out


def court_in_year(services: Services, state: dict | None) -> tuple:
    """The court in the year in progress: the page's period in words, each KPI's year
    to date, the same months a year before and the projection to the year's end, whether
    the court is on the scorecard's early-warning list, and a KPI month by month."""
    viewer = request_viewer()
    state = payload_state(state)
    lang, code = state["lang"], state["court"]
    court = _court(services, viewer, code)
    period, message = services.period_or_default(state["year"], state["part"])
    if court is None or period is None:
        return None, *explorer_view.seasonal_outputs(None, None, KPIS[state["kpi"]], code,
                                                     lang)
    line = period_view.period_line(period, services.data_as_of(), lang)
    ahead = pd.DataFrame()
    warned = pd.DataFrame()
    if period.year == services.year_in_progress():
        ahead = services.yearend(viewer, code=code, category="all")
        last = services.kpi_values(viewer, level="court", code=code, year=period.year - 1,
                                   category="all")
        months = int(ahead["months"].iloc[0]) if len(ahead) else 12
        volume = services.values_in(viewer, ytd(period.year, months), level="court",
                                    code=code, category="all")
        warned = early_warning(ahead, last, volume)
    kpi = KPIS[state["kpi"]]
    series = (services.monthly(viewer, "court", code, kpi.code, "all", period.year)
              if kpi.code not in YEARLY_ONLY else None)
    return (court_view.in_year_card(line, message, ahead, warned, lang),
            *explorer_view.seasonal_outputs(series, period.year, kpi, code, lang))



def court_notes(services: Services, state: dict | None) -> list | None:
    """The court's plausibility flags and the notes on its, its region's and the
    nation's figures."""
    viewer = request_viewer()
    state = payload_state(state)
    lang, code = state["lang"], state["court"]
    court = _court(services, viewer, code)
    if court is None:
        return None
    with services.connect() as conn:
        rows = notes_db.notes(conn, viewer, code=[code, court["region_code"], "KZ"])
    add = f"/notes?unit={code}" + (f"&year={state['year']}" if state["year"] else "") \
        if viewer.can(ANNOTATE) else None
    found = services.flags(viewer)
    return court_view.notes_panel(found[found["court_code"] == code], rows,
                                  services.unit_names(viewer, lang), lang, add)


def court_backlog(services: Services, state: dict | None) -> tuple:
    """The age of the court's pending cases (chart, table, note)."""
    viewer = request_viewer()
    state = payload_state(state)
    code = state.get("court", "")
    if not viewer.may_see_court(code):
        return figures.empty_figure(t("error.forbidden", state["lang"])), None, ""
    rows = services.backlog(viewer, "court", code, state["category"])
    return backlog_outputs(rows, f"{code}-backlog", state["lang"])


def register(app, services: Services) -> None:
    # The page's first (and, as its state comes from the URL, only) view of each part,
    # filled in when the page is rendered (callbacks.first_view).
    @view(app, "court", Output(ids.BREADCRUMBS, "children"),
          Output(ids.COURT_HEADER, "children"), Output(ids.COURT_SCORECARD, "children"),
          Output(ids.COURT_GAP, "children"), Output(ids.COURT_DATA_SENT, "children"),
          *chart_outputs("flow"), Output(ids.COURT_TRENDS, "children"),
          Output(ids.chart(ids.CHART_DATA, "trends"), "data"))
    def profile(state):
        return court_profile(services, state)

    @view(app, "court", Output(ids.COURT_IN_YEAR, "children"),
          *chart_outputs("court_seasonal"))
    def in_year(state):
        return court_in_year(services, state)

    @view(app, "court", Output(ids.COURT_NOTES, "children"))
    def notes(state):
        return court_notes(services, state)

    @view(app, "court", *chart_outputs("court_backlog"),
          Output(ids.COURT_BACKLOG_NOTE, "children"))
    def backlog(state):
        return court_backlog(services, state)
