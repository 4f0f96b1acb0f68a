"""Simulator callbacks (``/simulate``): the units the viewer may pick, and the projection
as the levers move.

The bodies only delegate: ``run`` checks the levers as sent and who is asking (a judge
gets the nation, the regions and their own court; another court's code is refused
whether or not it exists, as on the court profile), then projects with
``kpi.simulate`` (the CLI's arithmetic) and builds what the page shows with
``layouts.simulate_view``. Whatever a forged request sends, the answer is a sentence,
never a server error.
"""

from __future__ import annotations

from dataclasses import dataclass, fields, replace
from typing import Any

import dash_bootstrap_components as dbc
import pandas as pd
from dash import Input, Output, State, html, no_update

from callbacks.context import Services, request_viewer
from callbacks.first_view import view
from data.accounts.access import Viewer
from kpi.simulate import SimulationError, Start, simulate, start_from_flow
from layouts import figures, ids, simulate_view
from layouts.i18n import t
from layouts.params import payload_state


@dataclass
class Outcome:
    """The callback's outputs, in its order (``no_update`` leaves a control as it is)."""

    clearance: Any = no_update
    judges: Any = no_update
    judges_disabled: Any = no_update
    clearance_hint: Any = no_update
    judges_hint: Any = no_update
    base: Any = no_update
    sentence: Any = None
    figure: Any = None
    table: dict | None = None
    change_text: Any = no_update

    def outputs(self) -> tuple:
        return tuple(getattr(self, f.name) for f in fields(self))


def unit_options(names, region_codes: list[str], court_codes: list[str],
                 lang: str) -> list[dict]:
    """The nation, the regions by name, then the courts the viewer may see by name
    (with their code, since several courts share a name pattern)."""
    options = [{"label": names.get(simulate_view.NATIONAL, t("nav.national", lang)),
                "value": simulate_view.NATIONAL}]
    options += sorted(({"label": names.get(c, c), "value": c} for c in region_codes),
                      key=lambda o: o["label"])
    options += sorted(({"label": f"{names.get(c, c)} ({c})", "value": c} for c in court_codes),
                      key=lambda o: o["label"])
    return options


def unit_level(code: str, region_codes: set[str], court_codes: set[str],
               viewer: Viewer) -> str | None:
    """"national", "region" or "court"; "refused" for a court the viewer may not see
    (whether or not it exists, so a refusal tells nothing); None for an unknown code."""
    if code == simulate_view.NATIONAL:
        return "national"
    if code in region_codes:
        return "region"
    if not viewer.may_see_court(code):
        return "refused"
    return "court" if code in court_codes else None


def national_targets(targets: pd.DataFrame) -> pd.DataFrame:
    """The national disposition-time target of each year (year, target, illustrative)."""
    if targets is None or targets.empty:
        return pd.DataFrame(columns=["year", "target", "illustrative"])
    national = targets["court_code"].fillna("") == ""
    rows = targets[national & (targets["kpi"] == "disposition_time")]
    return rows[["year", "target", "illustrative"]].sort_values("year")


def _notice(text: str) -> tuple:
    """A sentence instead of a result: the alert, and a blank chart that says it too."""
    return (dbc.Alert(text, color="warning", className="py-2 mb-0"),
            figures.empty_figure(text, height=300))


def message(text: str, **outputs) -> Outcome:
    alert, fig = _notice(text)
    return Outcome(sentence=alert, figure=fig, table=None, **outputs)


def refused(lang: str) -> Outcome:
    """Nothing about the unit asked for: empty levers and hints, the refusal."""
    return message(t("error.forbidden", lang), clearance=None, judges=None,
                   judges_disabled=True, clearance_hint="", judges_hint="", base=None)


def _same_base(base, levers: simulate_view.Levers) -> bool:
    return isinstance(base, dict) and base.get("unit") == levers.unit \
        and base.get("category") == levers.category


def _no_flow(flow: pd.DataFrame) -> bool:
    return flow is None or flow.empty or not (
        flow["incoming"].notna().any() or flow["pending_end"].notna().any())


def _why_not(start: Start, levers: simulate_view.Levers, allowed: bool) -> str | None:
    """The message key (and its year) when the levers cannot run on year L, else None."""
    if levers.judges is not None and not allowed:
        return "simulate.judges_court_only"
    if levers.horizon <= start.year:
        return "simulate.reason.horizon"
    if levers.judges is not None and simulate_view.per_judge(start) is None:
        return "simulate.reason.no_judges"
    if levers.judges is None and levers.clearance is None \
            and simulate_view.last_clearance(start) is None:
        return "simulate.reason.no_clearance"
    return None


def project(start: Start, flow: pd.DataFrame, levers: simulate_view.Levers, targets: pd.DataFrame,
            lang: str, filename: str) -> tuple[html.Div, Any, dict]:
    """(sentence, figure, table) of a simulation that can run (pure)."""
    frame = simulate(start, levers.horizon, levers.incoming_change, levers.clearance,
                     levers.judges)
    rows = simulate_view.timeline(simulate_view.reported_frame(flow, start.year), frame)
    target = targets[(targets["year"] == levers.horizon) & targets["target"].notna()]
    words = simulate_view.sentence(frame, levers, start, lang,
                                   float(target["target"].iloc[-1]) if len(target) else None,
                                   bool(target["illustrative"].iloc[-1]) if len(target)
                                   else False)
    text = html.Div([html.P(words[0], className="mb-1 fw-semibold"),
                     html.P(" ".join(words[1:]), className="small text-muted mb-0")])
    return (text, simulate_view.simulation_figure(rows, targets, lang),
            simulate_view.table_payload(rows, lang, filename))


def run(services: Services, viewer: Viewer, lang: str, values: tuple, base) -> Outcome:
    """The outputs for the controls' ``values`` (unit, category, horizon, change,
    clearance, judges) as sent, and ``base``: what the clearance and judges fields were
    last filled for. A new unit or category fills them again from its year L."""
    try:
        levers = simulate_view.read_levers(*values)
    except simulate_view.LeverError as exc:
        return message(exc.message(lang))
    regions = set(services.regions()["region_code"])
    courts = set(services.directory(viewer)["court_code"])
    level = unit_level(levers.unit, regions, courts, viewer)
    if level == "refused":
        return refused(lang)
    if level is None:
        return message(t("simulate.bad.unit", lang), clearance=None, judges=None,
                       judges_disabled=True, clearance_hint="", judges_hint="", base=None)
    allowed = simulate_view.judges_allowed(level, levers.category)
    change_text = simulate_view.signed_percent(levers.incoming_change, lang)
    flow = services.case_flow(viewer, level, levers.unit, levers.category)
    judges = services.judges_in_post(viewer, levers.unit) if level == "court" else {}
    targets = national_targets(services.targets(viewer))
    name = services.unit_names(viewer, lang).get(levers.unit, levers.unit)
    empty = {"clearance": None, "judges": None, "judges_disabled": True, "base": None,
             "clearance_hint": "", "judges_hint": simulate_view.judges_hint(None, allowed, lang),
             "change_text": change_text}
    if _no_flow(flow):
        return message(t("simulate.no_data", lang, unit=name), **empty)
    try:
        start = start_from_flow(flow, judges)
    except SimulationError:
        return message(t("simulate.error", lang, reason=t("simulate.reason.no_year", lang)),
                       **empty)
    shown = simulate_view.shown_clearance(start)
    out = Outcome(judges_disabled=not allowed or simulate_view.per_judge(start) is None,
                  clearance_hint=simulate_view.clearance_hint(start, lang),
                  judges_hint=simulate_view.judges_hint(start, allowed, lang),
                  base={"unit": levers.unit, "category": levers.category, "clearance": shown},
                  change_text=change_text)
    if not _same_base(base, levers):
        # Another unit or category: its own year L fills the fields.
        levers = replace(levers, clearance=None, judges=None)
        out.clearance, out.judges = shown, None
    elif levers.clearance is not None and levers.clearance == base.get("clearance") == shown:
        # The rate as shown (rounded) stands for year L's own, at full precision.
        levers = replace(levers, clearance=None)
    reason = _why_not(start, levers, allowed)
    if reason is not None:
        text = t(reason, lang, year=start.year)
        if reason.startswith("simulate.reason."):
            text = t("simulate.error", lang, reason=text)
        out.sentence, out.figure = _notice(text)
        return out
    try:
        out.sentence, out.figure, out.table = project(
            start, flow, levers, targets, lang,
            f"simulate-{levers.unit}-{levers.category}-{levers.horizon}")
    except SimulationError:
        out.sentence, out.figure = _notice(
            t("simulate.error", lang, reason=t("simulate.reason.other", lang)))
    return out


def register(app, services: Services) -> None:
    # The units to choose from, filled in as the page is rendered (callbacks.first_view).
    @view(app, "simulate", Output(simulate_view.UNIT, "options"))
    def units(state):
        viewer = request_viewer()
        lang = payload_state(state)["lang"]
        return unit_options(services.unit_names(viewer, lang),
                            list(services.regions()["region_code"]),
                            list(services.courts(viewer)["court_code"]), lang)

    @app.callback(Output(simulate_view.CLEARANCE, "value"), Output(simulate_view.JUDGES, "value"),
                  Output(simulate_view.JUDGES, "disabled"),
                  Output(simulate_view.CLEARANCE_HINT, "children"),
                  Output(simulate_view.JUDGES_HINT, "children"), Output(simulate_view.BASE, "data"),
                  Output(simulate_view.SENTENCE, "children"),
                  Output(ids.chart(ids.CHART_GRAPH, simulate_view.CHART), "figure"),
                  Output(ids.chart(ids.CHART_DATA, simulate_view.CHART), "data"),
                  Output(simulate_view.CHANGE_VALUE, "children"),
                  Input(simulate_view.UNIT, "value"), Input(simulate_view.CATEGORY, "value"),
                  Input(simulate_view.HORIZON, "value"), Input(simulate_view.CHANGE, "value"),
                  Input(simulate_view.CLEARANCE, "value"), Input(simulate_view.JUDGES, "value"),
                  State(ids.page_state("simulate"), "data"), State(simulate_view.BASE, "data"))
    def simulate_page(unit, category, horizon, change, clearance, judges, state, base):
        viewer = request_viewer()
        lang = payload_state(state)["lang"]
        return run(services, viewer, lang,
                   (unit, category, horizon, change, clearance, judges), base).outputs()
