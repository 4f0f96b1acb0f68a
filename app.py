"""Court KPI web app: ``create_app(config) -> Dash``; ``python app.py`` runs it locally.

On the first local start with an empty database, the small synthetic demo data set
is loaded so that a fresh clone shows real pages at once.
"""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

import dash
from flask import Flask

from data.derive.refresh import ready
from data.store.db import database_url, make_engine, schema_ready
from web import INSTANCE  # one place says where the instance folder is

# Bootstrap 5.3.8 CSS is vendored in assets/vendor and served by Dash with the other
# assets: the app works on a closed court network.


def create_app(config: dict | None = None) -> dash.Dash:
    """The Dash app over the database in ``config["DATABASE_URL"]`` (or the default)."""
    from web import (
        api,
        auth,
        background,
        guard,
        metrics,
        performance,
        public,
        report_api,
        request_log,
        security,
        uploads,
    )

    config = dict(config or {})
    server = Flask(__name__)
    server.config.update(config)
    # First: its hooks then run after every other one (see web/performance.py).
    performance.init(server)
    security.configure(server, Path(config.get("INSTANCE", INSTANCE)))
    engine = make_engine(database_url(config.get("DATABASE_URL")))
    server.extensions["court_kpi_engine"] = engine
    # Before Dash adds its routes: the guard must see every request first.
    request_log.init(server)
    # Counts every request, those the guard refuses too; serves /metrics (not public).
    metrics.init(server)
    auth.init(server)
    guard.init(server)
    app = dash.Dash(
        __name__,
        server=server,
        title="Court KPI",
        use_pages=True,
        pages_folder="layouts/pages",
        suppress_callback_exceptions=True,
        serve_locally=True,
        # Dash's page meta tags put request.url (and so the Host header) into every
        # page; nothing here needs social-card tags, and nothing may reflect Host.
        include_pages_meta=False,
        background_callback_manager=background.manager(server),
    )
    from callbacks import register_callbacks
    from layouts.components import forbidden
    from layouts.shell import shell

    services = register_callbacks(app, engine)
    server.extensions["court_kpi_services"] = services

    def layout():
        viewer = guard.current_viewer()
        # The synthetic-data banner comes with the frame of every page a signed-in person
        # loads: no request of its own on each page open.
        return shell(viewer, synthetic=viewer is not None and services.synthetic())

    app.layout = layout
    guard.guard_page_layouts(forbidden)
    server.register_blueprint(api.blueprint)
    server.register_blueprint(report_api.blueprint)
    server.register_blueprint(uploads.blueprint)
    public.init(server, engine)
    _register_routes(server)
    _register_security(server, app)
    if config.get("CREATE_ADMIN", True):
        _first_admin(engine)
    return app


def _first_admin(engine) -> None:
    """With no users at all, create ``admin`` and show its password once."""
    from sqlalchemy.exc import IntegrityError

    from data.accounts.users import ensure_admin

    if not schema_ready(engine):
        return
    try:
        password = ensure_admin(engine, os.environ.get("COURT_KPI_ADMIN_PASSWORD"))
    except IntegrityError:  # another worker created it at the same moment
        return
    if password and not os.environ.get("COURT_KPI_ADMIN_PASSWORD"):
        print(f"Created user 'admin' with password: {password}\n"
              "  (shown once; change it with `python -m data user passwd admin`)",
              file=sys.stderr, flush=True)


def _register_security(server: Flask, app: dash.Dash) -> None:
    from flask import jsonify, request
    from flask_login import current_user
    from sqlalchemy import text

    from layouts.i18n import request_language, t
    from web.security import (
        add_headers,
        client_fault,
        content_security_policy,
        refresh_dash_csrf_cookie,
        shared_cacheable,
    )

    https = bool(server.config.get("SESSION_COOKIE_SECURE"))
    policies: dict[int, str] = {}

    def policy() -> str:
        # Dash adds inline scripts (clientside callbacks of its page router) on its
        # first request, so the hashes are taken once those exist.
        key = len(app._inline_scripts)
        if key not in policies:
            policies[key] = content_security_policy(list(app.csp_hashes()))
        return policies[key]

    @server.after_request
    def security_headers(response):
        # Only browser sessions get Dash's CSRF cookie; an API token gets no cookies;
        # nor does a response a shared cache may keep (a release ZIP, a public page).
        refresh_dash_csrf_cookie(response, current_user.is_authenticated
                                 and current_user.session_id is not None
                                 and not shared_cacheable(response), https)
        return add_headers(response, policy(), https)

    @server.get("/health")
    def health():
        """For load balancers: 200 when the database answers, 503 when it does not."""
        try:
            with server.extensions["court_kpi_engine"].connect() as conn:
                conn.execute(text("SELECT 1"))
        except Exception:  # noqa: BLE001 - any failure means unhealthy; no details out
            return jsonify(status="unavailable"), 503
        return jsonify(status="ok")

    def error_page(status: int, key: str):
        # Never a stack trace: a sentence in the user's language, JSON for machines.
        lang = request_language()
        if request.path.startswith(("/_dash", "/api/")) or not request.accept_mimetypes \
                .accept_html:
            return jsonify(error=t(key, "en")), status
        body = (f'<!doctype html><html lang="{lang}"><head><meta charset="utf-8">'
                f'<title>{t(key, lang)}</title><link rel="stylesheet" '
                f'href="/assets/vendor/bootstrap-5.3.8.min.css"></head><body class="p-5">'
                f'<h1 class="h4">{t(key, lang)}</h1><p><a href="/">{t("app.title", lang)}'
                f"</a></p></body></html>")
        return body, status

    for status, key in ((400, "error.bad_request"), (403, "error.forbidden"),
                        (404, "error.not_found"), (413, "error.too_large")):
        server.register_error_handler(status, lambda _e, s=status, k=key: error_page(s, k))

    @server.errorhandler(500)
    def internal_error(error):
        # Flask has logged the exception with its trace by now. A forged or malformed
        # request that broke a callback or asked for an unknown bundle is the client's
        # fault: say so (400/404), as for any other bad request.
        status = client_fault(request.path, getattr(error, "original_exception", None))
        return error_page(status, {400: "error.bad_request", 404: "error.not_found"}
                          .get(status, "error.internal"))


def _register_routes(server: Flask) -> None:
    from urllib.parse import urlsplit

    from flask import redirect, request
    from flask_login import current_user

    from layouts.i18n import COOKIE, LANGUAGES, request_language
    from web.auth import local_path
    from web.security import shared_cacheable

    def remember(response, lang: str):
        response.set_cookie(COOKIE, lang, max_age=365 * 24 * 3600, samesite="Lax",
                            httponly=True)
        return response

    @server.get("/lang/<lang>")
    def switch_language(lang: str):
        # Back to the page the user was on; only a local path, never another site.
        ref = urlsplit(request.referrer or "/")
        same_site = not ref.netloc or ref.netloc == request.host
        target = (ref.path or "/") + (f"?{ref.query}" if ref.query else "") if same_site else "/"
        response = redirect(local_path(target))
        if lang not in LANGUAGES:
            return response
        if current_user.is_authenticated:
            # Remembered per user too, so it follows them to another computer.
            from data.accounts.users import set_language

            with server.extensions["court_kpi_engine"].begin() as conn:
                set_language(conn, current_user.account.id, lang)
        return remember(response, lang)

    @server.after_request
    def language_from_query(response):
        lang = request.args.get("lang")
        # Never a cookie on what a shared cache may keep: the public view carries its
        # language in the URL (web/public.py).
        if lang in LANGUAGES and request.cookies.get(COOKIE) != lang \
                and not shared_cacheable(response):
            remember(response, lang)
        if response.mimetype == "text/html" and not response.direct_passthrough:
            # Screen readers and spell checkers need the page's language.
            page_lang = lang if lang in LANGUAGES else request_language()
            body = response.get_data()
            if b"<html>" in body[:200]:
                response.set_data(body.replace(b"<html>", f'<html lang="{page_lang}">'.encode(),
                                               1))
        return response


def _seed_if_empty(url: str) -> None:
    from sqlalchemy import text

    from data.demo.loading import create_demo_users, credentials_text, load_demo

    engine = make_engine(url)
    ready(engine)
    with engine.connect() as conn:
        has_data = conn.execute(text("SELECT 1 FROM uploads LIMIT 1")).first() is not None
    if not has_data:
        print("Empty database: loading the small SYNTHETIC demo data set ...", flush=True)
        print(load_demo(engine, "small", seed=0), flush=True)
        _first_admin(engine)
        created = create_demo_users(engine)
        if created:
            text_ = credentials_text(created)
            print(text_, flush=True)
            # Also kept (owner-readable only) for whoever missed the console.
            INSTANCE.mkdir(exist_ok=True)
            path = INSTANCE / "demo-users.txt"
            path.write_text(text_ + "\n", encoding="utf-8")
            path.chmod(0o600)
            print(f"  (also written to {path})", flush=True)
    engine.dispose()


def wsgi():
    """The WSGI app for gunicorn (``gunicorn -c gunicorn.conf.py "app:wsgi()"``).

    Configured from the environment: DATABASE_URL, REDIS_URL, COURT_KPI_SECRET_KEY.
    The database must exist (``python -m data init``); no demo data is loaded here.
    """
    return create_app({"DATABASE_URL": database_url(None)}).server


def main() -> None:
    parser = argparse.ArgumentParser(description="Run Court KPI locally.")
    parser.add_argument("--db", help="database URL (default: $DATABASE_URL, else SQLite file)")
    parser.add_argument("--host", default=os.environ.get("HOST", "127.0.0.1"))
    parser.add_argument("--port", type=int, default=int(os.environ.get("PORT", "8050")))
    parser.add_argument("--no-demo", action="store_true", help="do not seed demo data")
    parser.add_argument("--debug", action="store_true")
    args = parser.parse_args()
    url = database_url(args.db)
    if not args.no_demo:
        _seed_if_empty(url)
    app = create_app({"DATABASE_URL": url})
    print(f"Court KPI on http://{args.host}:{args.port}/", flush=True)
    from web.security import QuietRequestHandler

    app.run(host=args.host, port=args.port, debug=args.debug,
            request_handler=QuietRequestHandler)


if __name__ == "__main__":
    main()
