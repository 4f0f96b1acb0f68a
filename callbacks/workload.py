"""/workload callbacks: the national sentence, the map and ranking of need ratios, the
totals, the reallocation proposal and the inputs, and the judge year's form.

Reading needs VIEW_ALL and changing the judge year EDIT_TARGETS, both checked here on
the server. The parts are built by layouts.workload_view and layouts.figures.
"""

from __future__ import annotations

from dash import Input, Output, State, ctx, dcc, no_update

from callbacks.context import Services, chart_outputs, request_viewer, unit_options
from callbacks.first_view import view
from callbacks.scorecard import boundary_geojson
from data.accounts.access import EDIT_TARGETS, VIEW_ALL
from data.edits import workload as judge_year_edits
from kpi.catalogue import KPIS
from kpi.workload import WorkloadError
from layouts import figures, ids, scorecard_view, simulate_view, workload_view
from layouts.export import to_csv_bytes
from layouts.i18n import t
from layouts.params import payload_state
from web.guard import require

KPI = KPIS["judge_need_ratio"]


# --- what the callbacks do --------------------------------------------------------------


def workload_page(services: Services, state: dict | None) -> tuple:
    """Region options, the sentence, the map, the ranking, the totals, the inputs and
    the judge year's form (hidden from those who may not edit it)."""
    viewer = request_viewer()
    state = payload_state(state)
    require(VIEW_ALL)
    lang = state["lang"]
    names = services.unit_names(viewer, lang)
    regions = services.regions()
    options = unit_options(names, regions["region_code"])
    year = services.latest_year(state["year"]) or 0
    weights, setting = services.workload_settings()
    jy = setting.judge_year
    inputs = (workload_view.inputs_part(weights, jy.days, jy.hours, setting.illustrative,
                                        lang), not viewer.can(EDIT_TARGETS), jy.days,
              jy.hours)
    try:
        table = services.workload(viewer, year)
    except WorkloadError as exc:
        message = t(f"workload.error.{exc.code}", lang, year=year)
        empty = figures.empty_figure(message)
        return (options, message, empty, None, empty, None, None, *inputs)
    regional = services.kpi_values(viewer, level="region", year=year, kpi=KPI.code,
                                   category="all")
    map_fig, _ = scorecard_view.region_map(regions, regional, names, KPI, year, lang,
                                           boundary_geojson())
    courts = services.kpi_values(viewer, level="court", year=year, kpi=KPI.code,
                                 category="all")
    if state["region"]:
        inside = set(services.directory(viewer).query("region_code == @state['region']")
                     ["court_code"])
        courts = courts[courts["code"].isin(inside)]
    national = table.loc[table["level"] == "national", "need_ratio"]
    ranking = figures.ranking_figure(workload_view.ranking_frame(courts, names),
                                     float(national.iloc[0]) if len(national) else None, KPI,
                                     lang)
    ranking_data = workload_view.courts_payload(table, names, year, lang)
    return (options, workload_view.summary(table, year, lang), map_fig,
            workload_view.totals_payload(table, names, year, lang), ranking,
            ranking_data, workload_view.totals_table(table, names, lang), *inputs)


def proposal(services: Services, state: dict | None, within: str | None) -> tuple:
    """The reallocation nationwide or within each region (of the chosen region only, when
    one is chosen): chart, table payload and moves in words."""
    viewer = request_viewer()
    state = payload_state(state)
    require(VIEW_ALL)
    lang = state["lang"]
    within = within if within in ("nation", "region") else "region"
    year = services.latest_year(state["year"]) or 0
    names = services.unit_names(viewer, lang)
    try:
        found = services.reallocation(viewer, year, within)
        courts = services.workload_courts(viewer, year)
    except WorkloadError as exc:
        message = t(f"workload.error.{exc.code}", lang, year=year)
        return figures.empty_figure(message), None, message
    if state["region"] and within == "region":
        found = found[found["region_code"] == state["region"]]
    return workload_view.proposal_view(courts, found, names, year, within, lang)


def save_judge_year(services: Services, trigger: str | None, days, hours,
                    state: dict | None) -> str:
    """Set or undo the judge year (EDIT_TARGETS; audited): the sentence saying what was
    done or why not."""
    viewer = require(EDIT_TARGETS)
    lang = payload_state(state)["lang"]
    if trigger == ids.WORKLOAD_UNDO:
        done = judge_year_edits.undo_judge_year(services.engine, viewer.username)
        if done is None:
            return t("workload.form.nothing_to_undo", lang)
    else:
        try:
            done = judge_year_edits.set_judge_year(services.engine, float(days), float(hours),
                                                   viewer.username)
        except (TypeError, ValueError):
            # WorkloadError is a ValueError: 0, a negative or an absurd value.
            return t("workload.form.bad", lang)
    return t("workload.form.saved", lang, days=f"{done['new_days']:g}",
             hours=f"{done['new_hours']:g}")


def court_workload(services: Services, state: dict | None) -> object:
    """The court profile's workload card: the court (one the viewer may see), its region
    and the nation; a sentence when there is nothing to measure."""
    viewer = request_viewer()
    state = payload_state(state)
    lang, code = state["lang"], state.get("court", "")
    if not viewer.may_see_court(code):
        return t("error.forbidden", lang)
    directory = services.directory(viewer)
    match = directory[directory["court_code"] == code]
    if match.empty:
        return None
    year = services.latest_year(state["year"]) or 0
    try:
        table = services.workload(viewer, year)
    except WorkloadError as exc:
        return t(f"workload.error.{exc.code}", lang, year=year)
    return workload_view.court_card(table, code, str(match.iloc[0]["region_code"]), year,
                                    services.unit_names(viewer, lang), lang,
                                    viewer.can(VIEW_ALL))


def judges_needed_start(services: Services, unit: str | None, state: dict | None) -> tuple:
    """(the judges field's value, a note): the judges the court needs by its weighted
    caseload in the latest complete year, rounded to whole judges, for the simulator's
    judges lever; one court the viewer may see only."""
    viewer = request_viewer()
    lang = payload_state(state)["lang"]
    directory = services.directory(viewer)
    if not unit or unit not in set(directory["court_code"]) or not viewer.may_see_court(unit):
        return no_update, t("workload.simulate.court_only", lang)
    year = services.latest_year(None) or 0
    try:
        row = services.workload(viewer, year, "court", unit)
    except WorkloadError as exc:
        return no_update, t(f"workload.error.{exc.code}", lang, year=year)
    needed = float(row.iloc[0]["judges_needed"])
    # Whole judges, as the field counts them (its step is 1); the note says the exact need.
    return max(1, round(needed)), t("workload.simulate.started", lang, year=year,
                                    needed=workload_view.fmt_judges(needed, lang))


def weights_file(services: Services) -> dict:
    """The weights in force as a case_weights file (the upload kind's columns), to edit
    and upload again; VIEW_ALL."""
    require(VIEW_ALL)
    weights, _ = services.workload_settings()
    return dcc.send_bytes(to_csv_bytes(weights[["category", "court_level", "minutes"]]),
                          "case_weights.csv")


# --- the callbacks: which ids, and one line each ------------------------------------------


def register(app, services: Services) -> None:
    page_outputs = (Output(ids.control("region"), "options", allow_duplicate=True),
                    Output(ids.WORKLOAD_SUMMARY, "children"), *chart_outputs("workload-map"),
                    *chart_outputs("workload-ranking"), Output(ids.WORKLOAD_TOTALS, "children"),
                    Output(ids.WORKLOAD_INPUTS, "children"),
                    Output(ids.WORKLOAD_FORM, "hidden"), Output(ids.WORKLOAD_DAYS, "value"),
                    Output(ids.WORKLOAD_HOURS, "value"))
    proposal_outputs = (*chart_outputs("workload-proposal"),
                        Output(ids.WORKLOAD_MOVES, "children"))

    # The page as rendered (callbacks.first_view), then again after a save of the judge
    # year, and the reallocation when its scope changes.
    @view(app, "workload", *page_outputs)
    def page_view(state):
        return workload_page(services, state)

    @view(app, "workload", *proposal_outputs)
    def proposal_view(state):
        return proposal(services, state, workload_view.DEFAULT_WITHIN)

    @app.callback(*page_outputs, Input(ids.WORKLOAD_MESSAGE, "children"),
                  State(ids.page_state("workload"), "data"), prevent_initial_call=True)
    def workload(_saved, state):
        return workload_page(services, state)

    @app.callback(*proposal_outputs, Input(ids.WORKLOAD_WITHIN, "value"),
                  Input(ids.WORKLOAD_MESSAGE, "children"),
                  State(ids.page_state("workload"), "data"), prevent_initial_call=True)
    def reallocation(within, _saved, state):
        return proposal(services, state, within)

    @view(app, "court", Output(ids.COURT_WORKLOAD, "children"))
    def court_card(state):
        return court_workload(services, state)

    @app.callback(Output(simulate_view.JUDGES, "value", allow_duplicate=True),
                  Output(ids.WORKLOAD_SIM_NOTE, "children"),
                  Input(ids.WORKLOAD_SIM_NEEDED, "n_clicks"), State(simulate_view.UNIT, "value"),
                  State(ids.page_state("simulate"), "data"), prevent_initial_call=True)
    def simulate_from_needed(_n, unit, state):
        return judges_needed_start(services, unit, state)

    @app.callback(Output(ids.WORKLOAD_WEIGHTS_DOWNLOAD, "data"),
                  Input(ids.WORKLOAD_WEIGHTS_CSV, "n_clicks"), prevent_initial_call=True)
    def weights_csv(_n):
        return weights_file(services)

    @app.callback(Output(ids.WORKLOAD_MESSAGE, "children"),
                  Input(ids.WORKLOAD_SAVE, "n_clicks"), Input(ids.WORKLOAD_UNDO, "n_clicks"),
                  State(ids.WORKLOAD_DAYS, "value"), State(ids.WORKLOAD_HOURS, "value"),
                  State(ids.page_state("workload"), "data"), prevent_initial_call=True)
    def judge_year(_save, _undo, days, hours, state):
        if not (_save or _undo):
            return no_update
        return save_judge_year(services, ctx.triggered_id, days, hours, state)
