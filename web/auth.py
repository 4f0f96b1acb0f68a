"""Sign-in: Flask-Login sessions, API tokens, the /login page, throttling and audit.

The session cookie holds only a random session id; whether it is still good is kept
on the server (``data.accounts.sessions``): signing out, a password, role or court change,
disabling the account, an idle time or the session's lifetime end it, and a copy of
the cookie stops working with it. API tokens are accepted under ``/api/`` only: they
are for other systems, not for driving the pages.
"""

from __future__ import annotations

import datetime as dt
from urllib.parse import urlsplit

from flask import Blueprint, Flask, current_app, redirect, render_template, request
from flask_login import LoginManager, UserMixin, current_user, login_user, logout_user
from sqlalchemy import Engine

from data.accounts import audit, directory, directory_accounts, sessions, users
from data.accounts.access import Viewer
from layouts.i18n import COOKIE, LANGUAGE_NAMES, LANGUAGES, request_language, t
from web.security import csrf

MAX_FAILURES = 5
FAILURE_WINDOW = dt.timedelta(minutes=1)

blueprint = Blueprint("auth", __name__, template_folder="templates")
login_manager = LoginManager()


API_PREFIX = "/api/"
# Scraped by monitoring with a token of the read_metrics permission or from an allowed
# address (web/metrics.py); the one path outside /api/ where a token means something.
METRICS_PATH = "/metrics"


class SessionUser(UserMixin):
    """The person asking: a browser session (``session_id``) or an API token (None)."""

    def __init__(self, account: users.Account, session_id: str | None = None):
        self.account = account
        self.session_id = session_id

    def get_id(self) -> str | None:
        return self.session_id

    @property
    def viewer(self) -> Viewer:
        return self.account.viewer


def _engine() -> Engine:
    from flask import current_app

    return current_app.extensions["court_kpi_engine"]


def client_address() -> str | None:
    # Behind a proxy, set COURT_KPI_PROXY_HOPS (see README) so this is the client, not the proxy.
    return request.remote_addr


def _policy() -> sessions.Policy:
    from flask import current_app

    return current_app.extensions["court_kpi_session_policy"]


@login_manager.user_loader
def _load_session_user(session_id: str) -> SessionUser | None:
    engine = _engine()
    with engine.connect() as conn:
        account, stale = sessions.resolve(conn, str(session_id), _policy())
    if account is None:
        return None
    if stale:  # at most once a minute: the idle clock starts again
        with engine.begin() as conn:
            sessions.touch(conn, session_id)
    return SessionUser(account, session_id)


def bearer_token(req) -> str | None:
    header = req.headers.get("Authorization", "")
    return header[7:].strip() if header.lower().startswith("bearer ") else None


@login_manager.request_loader
def _load_token_user(req) -> SessionUser | None:
    # Only the API: a token must not open pages or drive Dash callbacks (web.guard
    # answers 401 to a token anywhere else).
    if not req.path.startswith(API_PREFIX):
        return None
    token = bearer_token(req)
    if token is None:
        return None
    with _engine().connect() as conn:
        account = users.by_token(conn, token)
    return SessionUser(account) if account else None


def _safe_next(target: str | None) -> str:
    """Only a local path: never send a user to another site after signing in."""
    return local_path(target)


def local_path(target: str | None) -> str:
    """``target`` when it is a path on this site, else "/" (pure).

    Browsers read ``//host``, ``/\\host`` and ``/<tab>/host`` as another site, and
    drop tabs and line breaks, so only a plain path that starts with one "/" passes.
    """
    target = target or "/"
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or not target.startswith("/") or target.startswith("//") \
            or "\\" in target or any(ord(c) < 0x21 or ord(c) == 0x7F for c in target):
        return "/"
    return target


def _render(lang: str, error: str | None = None, username: str = "", status: int = 200):
    html = render_template(
        "login.html", lang=lang, t=lambda key, **p: t(key, lang, **p), error=error,
        username=username, next=_safe_next(request.values.get("next")),
        ended=request.args.get("ended") == "1",
        languages=[(code, LANGUAGE_NAMES[code]) for code in LANGUAGES])
    return html, status


@blueprint.route("/login", methods=["GET", "POST"])
def login():
    lang = request_language()
    if request.method == "GET":
        if current_user.is_authenticated:
            return redirect(_safe_next(request.args.get("next")))
        return _render(lang)
    csrf.protect()
    username = request.form.get("username", "").strip()[:80]
    password = request.form.get("password", "")
    address = client_address()
    engine = _engine()
    with engine.connect() as conn:
        failures = audit.recent_failures(conn, username, address, FAILURE_WINDOW)
    if failures >= MAX_FAILURES:
        audit.record_now(engine, username, "login_throttled", "", address)
        return _render(lang, t("login.throttled", lang), username, 429)
    settings: directory.Settings | None = current_app.extensions.get("court_kpi_directory")
    with engine.connect() as conn:
        source = users.source_of(conn, username)
    message = "login.failed"
    if settings is None or source == users.LOCAL:
        # Local accounts (the first administrator, installations without a directory)
        # sign in as before, whether or not a directory is set.
        with engine.begin() as conn:
            account = users.authenticate(conn, username, password) if password else None
    else:
        try:
            outcome = directory_accounts.sign_in(engine, settings, username, password,
                                                 address)
        except directory.DirectoryDown as exc:
            current_app.logger.warning("directory sign-in of %r: directory down: %s",
                                       username, exc)
            audit.record_now(engine, username, "login_failed", "directory down", address)
            return _render(lang, t("directory.down", lang), username, 503)
        account, message = outcome.account, outcome.message or message
    with engine.begin() as conn:
        audit.record(conn, username, "login" if account else "login_failed",
                     "directory" if account and settings and source != users.LOCAL else "",
                     address)
    if account is None:
        return _render(lang, t(message, lang), username, 401)
    with engine.begin() as conn:
        sessions.purge(conn, _policy())
        session_id = sessions.start(conn, account, address)
    login_user(SessionUser(account, session_id))
    response = redirect(_safe_next(request.form.get("next")))
    if account.language in LANGUAGES:  # the per-user choice wins over this browser's cookie
        response.set_cookie(COOKIE, account.language, max_age=365 * 24 * 3600,
                            samesite="Lax", httponly=True)
    return response


@blueprint.route("/logout", methods=["POST"])
def logout():
    csrf.protect()
    if current_user.is_authenticated:
        with _engine().begin() as conn:
            if current_user.session_id:
                sessions.end(conn, current_user.session_id)
            audit.record(conn, current_user.account.username, "logout", "", client_address())
    logout_user()
    return redirect("/login")


def init(server: Flask) -> None:
    server.extensions["court_kpi_session_policy"] = sessions.policy_from(server.config)
    # Directory sign-in (issue 33): config "DIRECTORY" (tests), else the environment;
    # None, the default, keeps every account local as before.
    server.extensions["court_kpi_directory"] = (
        server.config["DIRECTORY"] if "DIRECTORY" in server.config
        else directory.settings_from())
    login_manager.init_app(server)
    # Unsigned-in requests are answered by the guard (web.guard), not a redirect here.
    login_manager.login_view = None
    login_manager.session_protection = "basic"
    server.register_blueprint(blueprint)
