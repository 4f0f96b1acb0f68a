"""What happened in the data layer, for whoever listens: ``emit(name, **values)`` and
``subscribe(fn)``.

The data layer says that an upload was written, a refresh took so long or a cached read
was a hit; the web layer's metrics (web/metrics.py) subscribe and count. So data/ never
imports web/ or a metrics library, and without a subscriber an event costs a function
call. A subscriber that fails is logged and forgotten for that event: counting must
never break a load.

Events sent today (values in brackets):

* ``upload`` (kind, status: loaded | failed | rejected | already_loaded, rows, seconds);
* ``refresh`` (feeds, seconds): recomputing what changed rows feed (data/derive/refresh.py);
* ``cache`` (cache: memory | shared, result: hit | miss): the reads of data/scoped/reads.py;
  (cache: page): the drawn pages of callbacks/page_cache.py.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

LOG = logging.getLogger("court_kpi")
Subscriber = Callable[..., None]

_subscribers: list[Subscriber] = []


def subscribe(fn: Subscriber) -> None:
    """Call ``fn(name, **values)`` on every event from now on (once, however often asked)."""
    if fn not in _subscribers:
        _subscribers.append(fn)


def unsubscribe(fn: Subscriber) -> None:
    if fn in _subscribers:
        _subscribers.remove(fn)


def emit(name: str, **values: Any) -> None:
    for fn in tuple(_subscribers):
        try:
            fn(name, **values)
        except Exception:  # noqa: BLE001 - a listener must never break the data layer
            LOG.exception("event listener failed on %s", name)
