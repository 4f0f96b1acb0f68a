"""Callback registration: ``register_callbacks(app, engine)``; bodies only delegate."""

from __future__ import annotations

from sqlalchemy import Engine

from callbacks import compare, court, coverage, explorer, navigation, scorecard
from callbacks.context import Services


def register_callbacks(app, engine: Engine) -> Services:
    services = Services(engine)
    for module in (navigation, scorecard, explorer, court, compare, coverage):
        module.register(app, services)
    navigation.register_drilldown(app, services)
    return services
