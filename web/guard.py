"""Default deny: every request is checked for who is asking before anything runs.

* Without a session or token, pages redirect to /login and everything else (Dash
  callbacks, layouts, downloads, the API) gets 401.
* Pages declare the permission they need (``dash.register_page(..., permission=...)``);
  the check runs both on the HTTP request for the page and inside Dash's page router,
  so following a link inside the app is checked too.
* A judge may open only their own court's profile.
* An API token (``Authorization: Bearer``) is accepted under /api/ only: anywhere
  else it is answered 401, so a token cannot drive pages or callbacks. The one
  exception is /metrics (web/metrics.py): a token with ``read_metrics`` or an allowed
  address reads it; everyone else, signed in or not, gets 404.
* A machine account (the ``metrics`` role) reads /metrics and nothing else: 403 on
  every page, callback and API route.
* With the public view on (web/public.py), /public and below are open to everyone,
  read-only.
* Data inside callbacks is scoped by ``data.accounts.access`` through ``callbacks.context``.
"""

from __future__ import annotations

import inspect
import re
import weakref
from collections.abc import Callable

import dash
from flask import Flask, abort, current_app, jsonify, redirect, request
from flask_login import current_user

from data.accounts.access import Viewer
from web.auth import API_PREFIX, METRICS_PATH, bearer_token
from web.security import csrf

PUBLIC_PREFIXES = ("/assets/", "/_dash-component-suites/", "/login", "/lang/", "/health",
                   "/_favicon.ico")
DASH_POST = "/_dash-update-component"
# The endpoints of Dash's app shell: its index ("/") and its catch-all page route, named
# after their rules by Dash. The shell is for the app's pages only: under these
# prefixes a path that reaches it is unknown (issue 30: "/public/", "/assets/",
# "/api/v1/anything" answered 200 with the shell, which also reflected the Host).
SHELL_ENDPOINTS = frozenset({"/", "/<path:path>"})
NOT_PAGES = ("/public", "/api/", "/assets/", "/_dash", "/download", "/lang/", "/login",
             "/logout", "/health", "/_favicon", "/_reload-hash", METRICS_PATH)


def current_viewer() -> Viewer | None:
    if current_user and current_user.is_authenticated:
        return current_user.viewer
    return None


def _page_for(path: str) -> tuple[dict | None, dict]:
    """The registered Dash page serving ``path`` and its path variables."""
    for page in dash.page_registry.values():
        template = page.get("path_template")
        if template:
            pattern = "^" + re.sub(r"<([^>]+)>", r"(?P<\1>[^/]+)", template) + "/?$"
            match = re.match(pattern, path)
            if match:
                return page, match.groupdict()
        elif path == page["path"] or path.rstrip("/") == page["path"]:
            return page, {}
    return None, {}


def page_allowed(viewer: Viewer, page: dict | None, variables: dict) -> bool:
    if page is None:
        return True  # the not-found page
    permission = page.get("permission")
    if permission and not viewer.can(permission):
        return False
    if page.get("module", "").endswith(".court") and variables.get("code"):
        return viewer.may_see_court(variables["code"])
    return True


def _wants_html() -> bool:
    return request.method == "GET" and request.accept_mimetypes.accept_html and \
        not request.path.startswith(("/_dash", "/api/", "/download"))


def stray_path(path: str, endpoint: str | None) -> bool:
    """True for a path outside the app's pages that only Dash's catch-all would answer."""
    return endpoint in SHELL_ENDPOINTS and path != "/" and path.startswith(NOT_PAGES)


def check_request():
    path = request.path
    if stray_path(path, request.endpoint):
        if path.startswith(API_PREFIX):
            return jsonify(error="No such API endpoint."), 404
        abort(404)
    if path == METRICS_PATH:
        # web/metrics.py says who may read it (it imports this module, not the reverse).
        may_read = current_app.extensions.get("court_kpi_metrics_allowed")
        if may_read is None or not may_read():
            abort(404)  # not advertised: as for a path that does not exist
        return None
    if path.startswith(PUBLIC_PREFIXES):
        return None
    if (path == "/public" or path.startswith("/public/")) \
            and "court_kpi_public" in current_app.extensions:
        return None  # the public view of releases (web/public.py), when it is on
    if bearer_token(request) is not None and not path.startswith(API_PREFIX):
        # A token opens the API only; pages and callbacks are for signed-in browsers.
        return jsonify(error="API tokens are accepted under /api/ only; sign in for "
                             "the pages."), 401
    viewer = current_viewer()
    if viewer is None:
        if _wants_html():
            return redirect("/login?next=" + request.full_path.rstrip("?")
                            if request.query_string else "/login?next=" + path)
        return jsonify(error="Sign in first."), 401
    if not viewer.reads_data and path not in ("/logout", "/login"):
        # A machine account (the metrics scraper) has no pages, callbacks or API.
        if path.startswith(API_PREFIX):
            return jsonify(error="This account may read /metrics only."), 403
        abort(403)
    if path == DASH_POST:
        # Token-authenticated API clients have no business posting to Dash; browsers
        # prove the request is theirs with the CSRF token Dash sends as X-CSRFToken.
        csrf.protect()
    if request.method == "GET" and not path.startswith(("/_dash", "/api/")):
        page, variables = _page_for(path)
        if not page_allowed(viewer, page, variables):
            abort(403)
    return None


# The wrappers guard_page_layouts made, so a second call wraps no page twice.
_GUARDED: weakref.WeakSet[Callable[..., object]] = weakref.WeakSet()


def guard_page_layouts(forbidden: Callable[[], object]) -> None:
    """Wrap every page's layout so Dash's own router applies the same check."""
    for page in dash.page_registry.values():
        layout = page["layout"]
        if layout in _GUARDED:
            continue

        takes_viewer = callable(layout) and "viewer" in inspect.signature(layout).parameters

        def guarded(*args, _layout=layout, _page=page, _viewer=takes_viewer, **kwargs):
            viewer = current_viewer()
            variables = {k: v for k, v in kwargs.items() if k == "code"}
            if viewer is None or not page_allowed(viewer, _page, variables):
                return forbidden()
            if not callable(_layout):
                return _layout
            if _viewer:
                # Layouts get the viewer passed in (layouts never import web); a query
                # argument of the same name is not a way to choose it.
                kwargs["viewer"] = viewer
            return _layout(*args, **kwargs)

        _GUARDED.add(guarded)
        page["layout"] = guarded


def require(permission: str) -> Viewer:
    """Inside a callback or route: the viewer, or 403 when they lack ``permission``."""
    viewer = current_viewer()
    if viewer is None:
        abort(401)
    if not viewer.can(permission):
        abort(403)
    return viewer


def init(server: Flask) -> None:
    server.before_request(check_request)
