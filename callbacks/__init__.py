"""Callback registration: ``register_callbacks(app, engine)``; bodies only delegate.

Every module of this package with a ``register(app, services)`` function is
registered, so a new page's callbacks need no edit here.
"""

from __future__ import annotations

import importlib
import pkgutil

from sqlalchemy import Engine

from callbacks import shared_cache
from callbacks.context import Services


def _namespace(engine: Engine) -> str:
    from data.store.db import instance_id, schema_ready

    return instance_id(engine) if schema_ready(engine) else "uninitialised"


def register_callbacks(app, engine: Engine) -> Services:
    services = Services(engine, shared=shared_cache.from_environment(
        app.server.config.get("REDIS_URL"), namespace=_namespace(engine)))
    for info in sorted(pkgutil.iter_modules(__path__), key=lambda m: m.name):
        module = importlib.import_module(f"{__name__}.{info.name}")
        if hasattr(module, "register"):
            module.register(app, services)
    from callbacks import navigation

    navigation.register_drilldown(app, services)
    return services
