"""Sign-in: Flask-Login sessions, API tokens, the /login page, throttling and audit.

A session remembers ``<user id>:<session version>``; resetting a password, changing a
role or disabling an account bumps the version, which signs out every old session.
"""

from __future__ import annotations

import datetime as dt
from urllib.parse import urlsplit

from flask import Blueprint, Flask, redirect, render_template, request
from flask_login import LoginManager, UserMixin, current_user, login_user, logout_user
from sqlalchemy import Engine

from data import audit, users
from data.access import Viewer
from layouts.i18n import COOKIE, LANGUAGE_NAMES, LANGUAGES, request_language, t
from web.security import csrf

MAX_FAILURES = 5
FAILURE_WINDOW = dt.timedelta(minutes=1)

blueprint = Blueprint("auth", __name__, template_folder="templates")
login_manager = LoginManager()


class SessionUser(UserMixin):
    def __init__(self, account: users.Account):
        self.account = account

    def get_id(self) -> str:
        return f"{self.account.id}:{self.account.session_version}"

    @property
    def viewer(self) -> Viewer:
        return self.account.viewer


def _engine() -> Engine:
    from flask import current_app

    return current_app.extensions["court_kpi_engine"]


def client_address() -> str | None:
    # Behind a proxy, set COURT_KPI_PROXY_HOPS (see README) so this is the client, not the proxy.
    return request.remote_addr


@login_manager.user_loader
def _load_session_user(session_id: str) -> SessionUser | None:
    try:
        user_id, version = (int(p) for p in session_id.split(":"))
    except ValueError:
        return None
    with _engine().connect() as conn:
        account = users.by_id(conn, user_id)
    if account is None or not account.active or account.session_version != version:
        return None
    return SessionUser(account)


@login_manager.request_loader
def _load_token_user(req) -> SessionUser | None:
    header = req.headers.get("Authorization", "")
    if not header.lower().startswith("bearer "):
        return None
    with _engine().connect() as conn:
        account = users.by_token(conn, header[7:].strip())
    return SessionUser(account) if account else None


def _safe_next(target: str | None) -> str:
    """Only a local path: never send a user to another site after signing in."""
    target = target or "/"
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or not target.startswith("/") or target.startswith("//") \
            or "\\" in target:
        return "/"
    return target


def _render(lang: str, error: str | None = None, username: str = "", status: int = 200):
    html = render_template(
        "login.html", lang=lang, t=lambda key, **p: t(key, lang, **p), error=error,
        username=username, next=_safe_next(request.values.get("next")),
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
    with engine.begin() as conn:
        account = users.authenticate(conn, username, password) if password else None
        if account is None:
            audit.record(conn, username, "login_failed", "", address)
        else:
            audit.record(conn, username, "login", "", address)
    if account is None:
        return _render(lang, t("login.failed", lang), username, 401)
    login_user(SessionUser(account))
    response = redirect(_safe_next(request.form.get("next")))
    if account.language in LANGUAGES:  # the per-user choice wins over this browser's cookie
        response.set_cookie(COOKIE, account.language, max_age=365 * 24 * 3600,
                            samesite="Lax", httponly=True)
    return response


@blueprint.route("/logout", methods=["POST"])
def logout():
    csrf.protect()
    if current_user.is_authenticated:
        audit.record_now(_engine(), current_user.account.username, "logout", "",
                         client_address())
    logout_user()
    return redirect("/login")


def init(server: Flask) -> None:
    login_manager.init_app(server)
    # Unsigned-in requests are answered by the guard (web.guard), not a redirect here.
    login_manager.login_view = None
    login_manager.session_protection = "basic"
    server.register_blueprint(blueprint)
