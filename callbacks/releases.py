"""/releases callbacks: publish a year (checked and audited in data.publish.releases) and list
the releases with their downloads."""

from __future__ import annotations

from dash import Input, Output, State, ctx, html, no_update
from flask import current_app

from callbacks.context import Services
from data.accounts.access import PUBLISH
from data.publish import releases
from data.publish.releases import ReleaseError
from layouts import ids, releases_view
from layouts.i18n import t
from layouts.params import payload_state, whole_number
from web.auth import client_address
from web.guard import require

PAGE = ids.page_state("releases")


def _public() -> bool:
    return "court_kpi_public" in current_app.extensions


def as_year(value) -> int | None:
    """The year a select's value names (an integer, or its ASCII digits); None for
    anything else, such as 2025.5, "2025.5" or true, which ``int()`` would quietly turn
    into another year (pure; layouts.params.whole_number)."""
    return whole_number(value, 1, 9999)


def _year(value, years: list[int]) -> int | None:
    """The asked year if it is one with data."""
    year = as_year(value)
    return year if year in years else None


def _error(text: str) -> html.Span:
    return html.Span(text, className="text-danger")


# --- what the callbacks do --------------------------------------------------------------


def form_setup(services: Services, state) -> tuple:
    require(PUBLISH)
    lang = payload_state(state)["lang"]
    return releases_view.public_status(lang, _public()), releases_view.form(lang, services.years())


def releases_list(services: Services, state):
    require(PUBLISH)
    with services.connect() as conn:
        rows = releases.listing(conn)
    revised = {int(r.id): int(r.revised) for r in rows.itertuples(index=False)
               if int(r.id) != rows["id"].min()}
    return releases_view.releases_table(rows, revised, payload_state(state)["lang"], _public())


def publish_year(services: Services, year, note, changed, state) -> tuple:
    """Publish asks first, naming the release it will make; OK publishes, Cancel closes."""
    viewer = require(PUBLISH)
    lang = payload_state(state)["lang"]
    trigger = ctx.triggered_id
    if trigger == releases_view.CONFIRM_CANCEL or not ctx.triggered[0].get("value"):
        return False, no_update, no_update, no_update, no_update
    chosen = _year(year, services.years())
    if chosen is None:
        code = "year" if as_year(year) is not None else "not_year"
        return False, no_update, _error(t(f"releases.error.{code}", lang,
                                          year=str(year)[:8])), no_update, no_update
    if trigger == releases_view.PUBLISH:
        with services.connect() as conn:
            latest = releases.latest(conn)
        number = 1 if latest is None else latest["id"] + 1
        return True, t("releases.confirm_body", lang, year=chosen, number=number), "", \
            no_update, no_update
    try:
        done = releases.publish(services.engine, chosen, note, viewer, client_address())
    except ReleaseError as exc:
        return False, no_update, _error(t(f"releases.error.{exc.code}", lang,
                                          **exc.params)), no_update, no_update
    message = t("releases.done", lang, number=done["id"], year=chosen,
                values=done["values"], revised=done["revised"])
    # The note went with the release; the form is ready for the next one.
    return False, no_update, html.Span(message, className="text-success"), \
        (changed or 0) + 1, ""


# --- the callbacks: which ids, and one line each ------------------------------------------


def register(app, services: Services) -> None:
    @app.callback(Output(releases_view.P + "public", "children"),
                  Output(releases_view.P + "form", "children"), Input(PAGE, "data"))
    def setup(state):
        return form_setup(services, state)

    @app.callback(Output(releases_view.LIST, "children"), Input(PAGE, "data"),
                  Input(releases_view.CHANGED, "data"))
    def listing(state, _changed):
        return releases_list(services, state)

    @app.callback(Output(releases_view.CONFIRM, "is_open"),
                  Output(releases_view.CONFIRM_BODY, "children"),
                  Output(releases_view.MESSAGE, "children"), Output(releases_view.CHANGED, "data"),
                  Output(releases_view.NOTE, "value"), Input(releases_view.PUBLISH, "n_clicks"),
                  Input(releases_view.CONFIRM_OK, "n_clicks"),
                  Input(releases_view.CONFIRM_CANCEL, "n_clicks"),
                  State(releases_view.YEAR, "value"), State(releases_view.NOTE, "value"),
                  State(releases_view.CHANGED, "data"), State(PAGE, "data"),
                  prevent_initial_call=True)
    def publish(_ask, _ok, _cancel, year, note, changed, state):
        return publish_year(services, year, note, changed, state)
