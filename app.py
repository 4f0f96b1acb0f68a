"""Court KPI web app: ``create_app(config) -> Dash``; ``python app.py`` runs it locally.

On the first local start with an empty database, the small synthetic demo data set
is loaded so that a fresh clone shows real pages at once.
"""

from __future__ import annotations

import argparse
import os

import dash
from flask import Flask

from data.db import database_url, init_db, make_engine

# Bootstrap 5.3.8 CSS is vendored in assets/vendor and served by Dash with the other
# assets: the app works on a closed court network.


def create_app(config: dict | None = None) -> dash.Dash:
    """The Dash app over the database in ``config["DATABASE_URL"]`` (or the default)."""
    config = dict(config or {})
    server = Flask(__name__)
    server.config.update(config)
    engine = make_engine(database_url(config.get("DATABASE_URL")))
    server.extensions["court_kpi_engine"] = engine
    app = dash.Dash(
        __name__,
        server=server,
        title="Court KPI",
        use_pages=True,
        pages_folder="layouts/pages",
        suppress_callback_exceptions=True,
        serve_locally=True,
    )
    from callbacks import register_callbacks
    from layouts.shell import shell

    app.layout = shell
    register_callbacks(app, engine)
    _register_routes(server)
    return app


def _register_routes(server: Flask) -> None:
    from urllib.parse import urlsplit

    from flask import redirect, request

    from layouts.i18n import COOKIE, LANGUAGES, request_language

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
        response = redirect(target if target.startswith("/") else "/")
        return remember(response, lang) if lang in LANGUAGES else response

    @server.after_request
    def language_from_query(response):
        lang = request.args.get("lang")
        if lang in LANGUAGES and request.cookies.get(COOKIE) != lang:
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

    from data.demo_load import load_demo

    engine = make_engine(url)
    init_db(engine)
    with engine.connect() as conn:
        has_data = conn.execute(text("SELECT 1 FROM uploads LIMIT 1")).first() is not None
    if not has_data:
        print("Empty database: loading the small SYNTHETIC demo data set ...", flush=True)
        print(load_demo(engine, "small", seed=0), flush=True)
    engine.dispose()


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
    app.run(host=args.host, port=args.port, debug=args.debug)


if __name__ == "__main__":
    main()
