"""A page's first view, computed while Dash renders the page's layout.

A page's state comes from its URL (layouts.params.page_state) and is set only by the
page's layout, in its ``dcc.Store``. What depends on that state alone used to be
callbacks fired by the layout's arrival: a second round of requests on every page open
(one per callback, each with its own request overhead), after the router's. Registered
here instead, those outputs are computed in the router's own request and arrive filled
in, so a page opens in one round trip and is drawn from its first response.

``view(app, page, *outputs)`` registers ``fn(state) -> values`` like ``app.callback``
would; the values go into the components of the page's layout by id and property. Each
view checks who is asking itself (``request_viewer``), as its callback did: the router is
a request of the signed-in person. A view that fails leaves its components as the layout
drew them and is logged, as a failed callback left them before.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Callable, Iterator
from functools import wraps

import dash
from dash import Output, no_update
from dash.development.base_component import Component
from dash.exceptions import PreventUpdate
from flask import current_app, g, has_app_context, has_request_context
from werkzeug.exceptions import HTTPException

from layouts import ids

log = logging.getLogger(__name__)

View = tuple[tuple[Output, ...], Callable[[dict], object]]
_KEY = "court_kpi_first_views"  # app.server.extensions: page name -> [View]
# flask.g: a view of this request's page failed, so the page lacks a part
# (callbacks.page_cache keeps no such page).
PART_FAILED = "court_kpi_part_failed"
# A view of controls several pages share (the period's options): it fills any page
# whose layout has its outputs.
EVERY_PAGE = "*"


def view(app, page: str, *outputs: Output) -> Callable:
    """Decorator: ``fn(state)`` computes ``outputs`` of ``page`` (or of ``EVERY_PAGE``
    that has them) from its state when the page is rendered (a page's own views first,
    each in its order of registration)."""
    def register(fn: Callable[[dict], object]) -> Callable[[dict], object]:
        app.server.extensions.setdefault(_KEY, {}).setdefault(page, []).append((outputs, fn))
        _wrap_layout(page)
        return fn
    return register


def _key(component_id) -> str:
    return (json.dumps(component_id, sort_keys=True, separators=(",", ":"))
            if isinstance(component_id, dict) else str(component_id))


def _walk(node) -> Iterator:
    if isinstance(node, (list, tuple)):
        for item in node:
            yield from _walk(item)
    elif isinstance(node, Component):
        yield node
        yield from _walk(getattr(node, "children", None))


def fill(tree, page: str, views: list[View]) -> None:
    """Compute each view from the page state in ``tree`` and set its outputs there."""
    found = {_key(c.id): c for c in _walk(tree) if getattr(c, "id", None) is not None}
    store = found.get(_key(ids.page_state(page)))
    if store is None:  # a page that refused to draw itself (no state, nothing to fill)
        return
    for outputs, fn in views:
        if any(_key(o.component_id) not in found for o in outputs):
            # A part this page's layout does not draw (e.g. the explorer's funnel outside
            # its courts view): as Dash fires no callback whose outputs are not there.
            continue
        try:
            values = fn(store.data)
        except (PreventUpdate, HTTPException):
            # Nothing to show, or not for this person (abort(403) of web.guard.require):
            # the part stays as the layout drew it, the rest of the page is drawn.
            continue
        except Exception:  # noqa: BLE001 -- as a failed callback: logged, page still drawn
            log.exception("first view of %s (%s) failed", page, fn.__name__)
            if has_request_context():  # a page drawn with a part missing is not kept
                setattr(g, PART_FAILED, True)
            continue
        answers = (values,) if len(outputs) == 1 else tuple(values)  # type: ignore[arg-type]
        for output, value in zip(outputs, answers, strict=True):
            if value is no_update:
                continue
            setattr(found[_key(output.component_id)], output.component_property, value)


def _wrap_layout(page: str) -> None:
    """Make the registered page's layout (every page's, for EVERY_PAGE) fill in the first
    view of the app serving the request (one wrapper per page, whatever the number of
    apps in the process)."""
    for entry in dash.page_registry.values():
        layout, name = entry.get("layout"), entry.get("name")
        if page not in (name, EVERY_PAGE) or getattr(layout, "_first_view", False):
            continue

        @wraps(layout)
        def filled(*args, _layout=layout, _page=name, **kwargs):
            tree = _layout(*args, **kwargs)
            registered = current_app.extensions.get(_KEY, {}) if has_app_context() else {}
            views = registered.get(_page, []) + registered.get(EVERY_PAGE, [])
            if views:
                fill(tree, _page, views)
            return tree

        filled._first_view = True  # type: ignore[attr-defined]
        entry["layout"] = filled
