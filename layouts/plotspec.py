"""A Plotly figure as the plain dict Dash sends, built without Plotly's object model.

``plotly.graph_objects`` validates and deep-copies every property and every list item
as a figure is built: a ranking of 405 courts spent 60-75 ms in it, a page of five
figures 0.2-0.9 s of its render, for JSON the browser gets either way. ``Figure`` is
that JSON (a dict of ``data`` and ``layout``) with the few building methods the
builders use, meaning what Plotly's do: nested properties merged, ``margin_t=70``
standing for ``margin={"t": 70}`` (Plotly's "magic underscores"), ``None`` removing a
property. The builders' output is validated by Plotly in the tests instead
(``go.Figure(fig)`` in tests/test_figures.py), so a misspelt property still fails
there, not silently in the browser.
"""

from __future__ import annotations

from typing import Any

# Property names that have an underscore of their own (every other underscore in a
# keyword argument is a path: ``margin_t``).
WHOLE_NAMES = frozenset({"paper_bgcolor", "plot_bgcolor", "error_x", "error_y"})


def props(**kwargs: Any) -> dict:
    """Keyword properties as a nested dict: ``marker_color="red"`` -> ``{"marker":
    {"color": "red"}}``; ``None`` values are left out."""
    out: dict = {}
    merge(out, kwargs, magic=True)
    return out


def merge(target: dict, update: dict, magic: bool = False) -> dict:
    """``update`` merged into ``target`` as Plotly's ``update`` does: nested dicts
    merged, anything else replaced, ``None`` removing the property; with ``magic``, an
    underscore in one of ``update``'s own keys is a path (keyword arguments)."""
    for key, value in update.items():
        path = key.split("_") if magic and key not in WHOLE_NAMES else [key]
        node = target
        for part in path[:-1]:
            node = node.setdefault(part, {})
        leaf = path[-1]
        if value is None:
            node.pop(leaf, None)
        elif isinstance(value, dict):
            current = node.get(leaf)
            if not isinstance(current, dict):
                current = node[leaf] = {}
            merge(current, value)
        else:
            node[leaf] = value
    return target


def trace(kind: str, **kwargs: Any) -> dict:
    """A trace of ``kind`` ("scatter", "bar", ...) with its properties."""
    return {"type": kind, **props(**kwargs)}


class Figure(dict):
    """``{"data": [...], "layout": {...}}``, serialised by Dash as it is."""

    def __init__(self, data: list | None = None, layout: dict | None = None) -> None:
        super().__init__(data=list(data or []), layout={})
        if layout:
            merge(self["layout"], layout)

    @property
    def data(self) -> list[dict]:
        return self["data"]

    @property
    def layout(self) -> dict:
        return self["layout"]

    def add_trace(self, trace_: dict) -> Figure:
        self["data"].append(trace_)
        return self

    def update_layout(self, update: dict | None = None, **kwargs: Any) -> Figure:
        merge(self["layout"], update or {})
        merge(self["layout"], kwargs, magic=True)
        return self

    def update_xaxes(self, **kwargs: Any) -> Figure:
        return self._update_axes("xaxis", kwargs)

    def update_yaxes(self, **kwargs: Any) -> Figure:
        return self._update_axes("yaxis", kwargs)

    def _update_axes(self, kind: str, update: dict) -> Figure:
        """Every axis of ``kind`` the layout has (``xaxis``, ``xaxis2`` ...), or the
        first one when it has none yet, as Plotly's ``update_xaxes`` does."""
        layout = self["layout"]
        names = [k for k in layout if k == kind or (k.startswith(kind) and k[len(kind):].isdigit())]
        for name in names or [kind]:
            merge(layout.setdefault(name, {}), update, magic=True)
        return self

    def add_annotation(self, **kwargs: Any) -> Figure:
        self["layout"].setdefault("annotations", []).append(props(**kwargs))
        return self

    def add_shape(self, **kwargs: Any) -> Figure:
        self["layout"].setdefault("shapes", []).append(props(**kwargs))
        return self
