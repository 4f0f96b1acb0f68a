"""What callbacks share: the scoped reads (``Services``, over data.scoped.reads), who is
asking (``request_viewer``), names of units, and the outputs every chart has.

Everything a callback reads about courts is answered by data.scoped for the viewer the
callback passes in; the raw reads are closed to callbacks by the import contract.
"""

from __future__ import annotations

from dash import Output
from flask import g, has_request_context
from sqlalchemy import Engine

from data.accounts.access import SYSTEM, Viewer, anonymous_position
from data.scoped.reads import ScopedReads
from layouts import ids
from layouts.components import LAZY_CHARTS
from layouts.i18n import t

# Inside a request with nobody signed in (the guard stops that earlier): national and
# regional figures only.
NOBODY = Viewer("anonymous", "none")


def request_viewer() -> Viewer:
    """Who is asking: the signed-in user of the request; outside a request the system."""
    if not has_request_context():
        return SYSTEM
    from web.guard import current_viewer

    return current_viewer() or NOBODY


class UnitNames(dict):
    """Code -> name, which also names anonymised courts ("Court 17 of 42")."""

    def __init__(self, names: dict[str, str], lang: str):
        super().__init__(names)
        self.lang = lang

    def __missing__(self, code):
        position = anonymous_position(code)
        if position is None:
            raise KeyError(code)
        return t("anon.court", self.lang, n=position[0], total=position[1])

    def get(self, code, default=None):
        try:
            return self[code]
        except KeyError:
            return default


def chart_outputs(name: str) -> tuple[Output, Output]:
    """The two outputs of a chart (layouts.components): its figure (the store of a lazy
    chart's figure) and its data table."""
    figure = (Output(ids.chart(ids.CHART_FIGURE, name), "data") if name in LAZY_CHARTS
              else Output(ids.chart(ids.CHART_GRAPH, name), "figure"))
    return figure, Output(ids.chart(ids.CHART_DATA, name), "data")


def unit_options(names, codes, with_code: bool = False) -> list[dict]:
    """Dropdown options of regions or courts by name (and code, for courts)."""
    return [{"label": f"{names.get(c, c)} ({c})" if with_code else names.get(c, c), "value": c}
            for c in codes]


class Services(ScopedReads):
    """The scoped reads (data.scoped.reads) as callbacks use them: with the request's
    memo for the data version and names that also say "Kazakhstan" and "Court 17 of 42"
    in the page's language. Every read takes the viewer, as below it."""

    def __init__(self, engine: Engine, shared=None):
        super().__init__(engine, shared=shared, request_memo=_request_memo)

    def unit_names(self, viewer: Viewer, lang: str) -> UnitNames:
        """Code -> name in ``lang`` of the nation, the regions and the courts the viewer
        may see, plus anonymised courts."""
        return UnitNames({"KZ": t("nav.national", lang), **self.names(viewer, lang)}, lang)


def _request_memo():
    return g if has_request_context() else None
