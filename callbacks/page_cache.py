"""Drawn pages kept per content version: the page router's answer, once per page.

Opening a page is one request (callbacks.first_view): Dash's page router draws the
whole page, its first view included, in Python, for every person who opens it. Most
opens are of pages someone opened before with the same filters and nothing changed
since; that answer is kept here and sent again instead of drawn again.

What is kept is the router's JSON answer, under a key of everything it depends on:

* the page's path and query (the filters, the language when given);
* the language the request chose otherwise (cookie, browser);
* who is asking, as far as a page can tell people apart: their role (what they may do
  there) and, for a judge, their court (what they may see by name);
* the content version (data.scoped.reads.content_version): the data version, the
  notes, the releases and the data set's own facts. An upload, an undo, a target or
  judge-year edit, a note written, edited or deleted, or a release makes every older
  answer unreachable at once; nothing is deleted, old answers lapse;
* the day, since a page says how old the data are.

Only the pages that show data are kept (``KEPT``); those that show accounts, uploads,
targets being edited, notes, releases or the audit log are drawn every time. The check
of who may open what (web.guard) runs before this, on every request; an answer that
failed (not 200) or that drew a part with an error (first_view marks it) is not kept.
With Redis (REDIS_URL) the answers are shared by every worker; each worker also keeps
the newest few itself, up to ``MEMORY_BYTES``. ``COURT_KPI_PAGE_CACHE=0`` draws every
page every time.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import hashlib
import json
import os
import re
import threading

from cachetools import LRUCache
from flask import Response, g, request

from callbacks.first_view import PART_FAILED
from data.store import events
from layouts.i18n import request_language
from web.guard import DASH_POST, current_viewer

ROUTER = ".._pages_content.children..._pages_store.data.."
KEPT = re.compile(r"^/(kpi/[\w-]+|court/[\w-]+|compare|outlook|simulate|coverage|workload)?/?$")
MEMORY_BYTES = 24 * 1024 * 1024
HEADER = "X-Court-KPI-Page"  # "kept" or "drawn": what served a page's answer
KEY = "court_kpi_page_key"  # flask.g: the key a page drawn now is kept under


class Kept:
    """The newest answers of this process, up to ``limit`` bytes (LRU); one too large
    for it is not kept."""

    def __init__(self, limit: int) -> None:
        self.items: LRUCache[str, bytes] = LRUCache(maxsize=limit, getsizeof=len)
        self.lock = threading.Lock()

    def get(self, key: str) -> bytes | None:
        with self.lock:
            return self.items.get(key)

    def set(self, key: str, body: bytes) -> None:
        with self.lock, contextlib.suppress(ValueError):  # larger than the whole cache
            self.items[key] = body


def page_key(body: object, services) -> str | None:
    """The key of a router request for a kept page, else None."""
    if not isinstance(body, dict) or body.get("output") != ROUTER:
        return None
    where = {(i.get("id"), i.get("property")): i.get("value")
             for i in body.get("inputs") or [] if isinstance(i, dict)}
    path, query = where.get(("_pages_location", "pathname")), \
        where.get(("_pages_location", "search"))
    viewer = current_viewer()
    if viewer is None or not isinstance(path, str) or not KEPT.match(path) \
            or not isinstance(query, (str, type(None))):
        return None
    parts = [path, query or "", request_language(), viewer.role, viewer.court_code,
             services.content_version(), dt.date.today().isoformat()]
    digest = hashlib.sha256(json.dumps(parts, default=str).encode()).hexdigest()
    return f"page:{digest}"


def enabled(config, environ) -> bool:
    """Kept unless ``PAGE_CACHE`` (app config) or ``COURT_KPI_PAGE_CACHE`` says 0 or off:
    to tell what drawing costs, or to rule the cache out when something looks stale."""
    value = str(config.get("PAGE_CACHE", environ.get("COURT_KPI_PAGE_CACHE", "1")))
    return value.strip().lower() not in ("0", "off", "false", "no")


def register(app, services) -> None:
    server = app.server
    if not enabled(server.config, os.environ):
        return
    memory = Kept(MEMORY_BYTES)
    shared = services.shared

    # Registered after web.guard's check (create_app), so it runs after it.
    @server.before_request
    def kept_page():
        if request.method != "POST" or request.path != DASH_POST:
            return None
        key = page_key(request.get_json(silent=True), services)
        if key is None:
            return None
        body = memory.get(key)
        if body is None and shared is not None:
            body = shared.get(key)
            if body is not None:
                memory.set(key, body)
        events.emit("cache", cache="page", result="miss" if body is None else "hit")
        if body is None:
            setattr(g, KEY, key)
            return None
        return Response(body, mimetype="application/json", headers={HEADER: "kept"})

    @server.after_request
    def keep_page(response):
        key = g.pop(KEY, None)
        if key is None:
            return response
        response.headers[HEADER] = "drawn"
        if response.status_code == 200 and not g.get(PART_FAILED) \
                and response.mimetype == "application/json" and not response.direct_passthrough:
            body = response.get_data()
            memory.set(key, body)
            if shared is not None:
                shared.set(key, body)
        return response
