"""The figure builders' plain dicts (layouts.plotspec) read back as Plotly figures.

``go.Figure(fig)`` validates every property on the way, as building with Plotly's objects
did: a property or value Plotly does not know fails the test here instead of being
ignored by the browser.
"""

from __future__ import annotations

import functools
import types

import plotly.graph_objects as go


def checked(fig: dict) -> go.Figure:
    """``fig`` as a validated ``go.Figure``."""
    return go.Figure(fig)


def builders(module: types.ModuleType) -> types.SimpleNamespace:
    """``module``'s names, its ``*_figure`` builders returning validated figures."""
    names = {name: getattr(module, name) for name in dir(module) if not name.startswith("__")}
    for name, fn in list(names.items()):
        if name.endswith("_figure") and callable(fn):
            names[name] = functools.wraps(fn)(
                lambda *args, _fn=fn, **kwargs: checked(_fn(*args, **kwargs)))
    names["__file__"] = module.__file__
    return types.SimpleNamespace(**names)
