"""The public view of the published releases (issue 14), and their downloads.

With ``COURT_KPI_PUBLIC=1`` (or ``PUBLIC`` in the app's config) the app serves, without
signing in, ``/public`` (the latest release's national scorecard and map of the
regions), ``/public/region/<code>``, ``/public/releases`` and each release's open data
(``/public/releases/<n>.zip`` and ``.json``). Courts appear only with
``COURT_KPI_PUBLIC_COURTS=1``. Everything comes from the release tables, so later
uploads never change what the public sees. The routes are GET only, read-only,
rate-limited per address (``COURT_KPI_PUBLIC_RATE``, default 120 per minute, counted in
Redis when ``REDIS_URL`` is set so every worker shares the count), cached in the worker
(a release never changes) and by browsers; nothing else of the app opens to them.

Signed-in people who see every court download any release in full from
``/download/release-<n>.zip|json`` (the releases page links there).
"""

from __future__ import annotations

import os
from collections import OrderedDict
from functools import lru_cache, wraps
from urllib.parse import urlencode

import pandas as pd
from flask import Blueprint, Flask, abort, current_app, render_template, request
from flask_limiter import Limiter
from flask_limiter.errors import RateLimitExceeded
from sqlalchemy import Engine

from data.accounts.access import VIEW_ALL
from data.publish import releases
from data.store.db import instance_id, schema_ready
from kpi.catalogue import CATALOGUE, KPIS
from layouts import open_data, public_view
from layouts.i18n import DEFAULT_LANGUAGE, LANGUAGE_NAMES, LANGUAGES, t
from layouts.params import whole_number
from web.auth import client_address
from web.guard import require

PREFIX = "/public"
PUBLIC_LEVELS = ("national", "region")
ALL_LEVELS = ("national", "region", "court")
DEFAULT_KPI = "clearance_rate"
DEFAULT_RATE = "120 per minute"
# A published release never changes: its downloads may be kept by anyone for a year;
# the pages name "the latest release", which changes when staff publish.
IMMUTABLE = "public, max-age=31536000, immutable"
PAGE_CACHE = "public, max-age=300"
PAGES_KEPT = 256
FORMATS = {"zip": "application/zip", "json": "application/json"}

blueprint = Blueprint("public", __name__, template_folder="templates")
downloads = Blueprint("release_downloads", __name__)


def _flag(config: dict, key: str, env: str) -> bool:
    value = config.get(key)
    if value is None:
        value = os.environ.get(env, "")
    return str(value).strip().lower() in ("1", "true", "yes", "on")


def enabled(config: dict) -> bool:
    return _flag(config, "PUBLIC", "COURT_KPI_PUBLIC")


class Site:
    """The releases as the public sees them, read once per release and worker."""

    def __init__(self, engine: Engine, courts: bool):
        self.engine = engine
        self.levels = ALL_LEVELS if courts else PUBLIC_LEVELS
        self.courts = courts
        self.pages: OrderedDict[tuple, bytes] = OrderedDict()

    def page(self, key: tuple, render) -> bytes:
        """A rendered page from this worker's cache (the newest PAGES_KEPT), else
        ``render()``. Keys name the latest release, so publishing invalidates them."""
        if key in self.pages:
            self.pages.move_to_end(key)
            return self.pages[key]
        body = render()
        self.pages[key] = body
        while len(self.pages) > PAGES_KEPT:
            self.pages.popitem(last=False)
        return body

    def release(self, number: int | None) -> dict:
        """The asked release (the latest when None), or 404 (saying, for the latest, that
        nothing has been published yet)."""
        with self.engine.connect() as conn:
            found = releases.latest(conn) if number is None else releases.get(conn, number)
        if found is None:
            if number is None:
                lang = _lang()
                abort(_page("public/message.html", 404, lang=lang, release=None,
                            message=t("public.none", lang)))
            abort(404)
        return found

    @lru_cache(maxsize=4)  # noqa: B019 - one Site per app, kept for the app's life
    def frames(self, number: int) -> dict[str, pd.DataFrame]:
        with self.engine.connect() as conn:
            return {"values": releases.values(conn, number, self.levels),
                    "outlook": releases.outlook(conn, number, self.levels),
                    "units": releases.units(conn, number, self.levels),
                    "revisions": releases.revisions(conn, number, self.levels)}

    @lru_cache(maxsize=1)  # noqa: B019
    def listing(self, newest: int) -> pd.DataFrame:
        # Keyed by the newest number, so a new release is seen at once.
        with self.engine.connect() as conn:
            return releases.listing(conn)

    # A full release with every court is tens of MB as JSON: keep the last few only.
    @lru_cache(maxsize=4)  # noqa: B019
    def download(self, number: int, fmt: str) -> bytes:
        release = self.release(number)
        frames = {k: v for k, v in self.frames(number).items()}
        build = open_data.bundle_zip if fmt == "zip" else open_data.bundle_json
        return build(release, frames)


def _site() -> Site:
    return current_app.extensions["court_kpi_public"]


def _lang() -> str:
    """The page's language: ``?lang=``, else the browser's Accept-Language (which every
    public response names in Vary), never the cookie: a shared cache keeps these
    pages, and the links between them carry ``lang``."""
    asked = request.args.get("lang")
    if asked in LANGUAGES:
        return asked
    return request.accept_languages.best_match(LANGUAGES) or DEFAULT_LANGUAGE


def _number() -> int | None:
    """``?release=N``: a release number, or None for the latest; anything else is 400."""
    raw = request.args.get("release")
    if raw is None or raw == "":
        return None
    number = whole_number(raw, 1, 2**31 - 1)  # ASCII digits: "²" or "٣" is 400, not 500
    if number is None:
        abort(400)
    return number


def _kpi() -> str:
    kpi = request.args.get("kpi") or DEFAULT_KPI
    if kpi not in KPIS:
        abort(400)
    return kpi


def _render(template: str, **context) -> str:
    return render_template(template, **_common(context["lang"]), **context)


def _page(template: str, status: int = 200, **context):
    return _respond(_render(template, **context), status)


def _respond(html: str | bytes, status: int = 200):
    response = current_app.make_response((html, status))
    response.headers["Cache-Control"] = PAGE_CACHE
    response.vary.add("Accept-Language")
    response.add_etag()
    return response.make_conditional(request)


def _common(lang: str) -> dict:
    def with_lang(code: str) -> str:
        # The same page in another language: the other query arguments kept, escaped.
        args = {k: v for k, v in request.args.items() if k != "lang"}
        return f"{request.path}?{urlencode({**args, 'lang': code})}"

    return {"t": lambda key, **p: t(key, lang, **p), "with_lang": with_lang,
            "languages": [(code, LANGUAGE_NAMES[code]) for code in LANGUAGES]}


def _context(release: dict, lang: str) -> dict:
    site = _site()
    frames = site.frames(release["id"])
    listing = site.listing(site.release(None)["id"])
    return {"lang": lang, "release": release, "frames": frames,
            "latest": int(listing["id"].max()), "courts": site.courts,
            "published": pd.Timestamp(release["published_at"]).strftime("%Y-%m-%d"),
            "revisions": public_view.revision_rows(frames["revisions"], frames["units"],
                                                   lang),
            "revision_count": len(frames["revisions"]),
            "query": (f"release={release['id']}&" if request.args.get("release") else "")}


def cached(view):
    """Serve a page from the worker's cache: one key per path, query, language and
    latest release (a page shows which release is the latest)."""

    @wraps(view)
    def serve(*args, **kwargs):
        site = _site()
        key = (request.path, tuple(sorted(request.args.items())), _lang(),
               site.release(None)["id"])
        body = site.page(key, lambda: view(*args, **kwargs).encode("utf-8"))
        return _respond(body)

    return serve


@blueprint.get(PREFIX)
@cached
def national():
    lang, kpi, release = _lang(), _kpi(), _site().release(_number())
    context = _context(release, lang)
    frames = context["frames"]
    rows = public_view.region_rows(frames["values"], frames["units"], kpi, release["year"],
                                   lang)
    return _render("public/unit.html", **context, level="national", code="KZ",
                 title=t("nav.national", lang),
                 sections=public_view.scorecard(frames["values"], frames["outlook"], "KZ",
                                                None, release["year"], lang),
                 kpi=kpi, kpis=[(k.code, public_view.kpi_name(k.code, lang))
                                for k in CATALOGUE],
                 map_svg=public_view.tile_map_svg(rows, kpi, lang), regions=rows,
                 children=[])


def _unit(level: str, code: str):
    lang, release = _lang(), _site().release(_number())
    context = _context(release, lang)
    frames = context["frames"]
    units = frames["units"]
    unit = units[(units["level"] == level) & (units["code"] == code)]
    if unit.empty:
        abort(404)
    parent = "KZ" if level == "region" else unit.iloc[0]["region_code"]
    children = []
    if level == "region" and _site().courts:
        children = [{"code": c, "name": public_view.unit_name(units, c, lang)}
                    for c in units.loc[(units["level"] == "court")
                                       & (units["region_code"] == code), "code"]]
        children.sort(key=lambda c: c["name"])
    return _render("public/unit.html", **context, level=level, code=code,
                 title=public_view.unit_name(units, code, lang),
                 parent_name=public_view.unit_name(units, parent, lang),
                 parent_code=parent,
                 sections=public_view.scorecard(frames["values"], frames["outlook"], code,
                                                parent, release["year"], lang),
                 map_svg=None, regions=[], children=children)


@blueprint.get(PREFIX + "/region/<code>")
@cached
def region(code: str):
    return _unit("region", code)


@blueprint.get(PREFIX + "/court/<code>")
def court(code: str):
    if not _site().courts:
        abort(404)
    return _cached_court(code)


@cached
def _cached_court(code: str):
    return _unit("court", code)


@blueprint.get(PREFIX + "/releases")
def listing():
    lang, site = _lang(), _site()
    latest = site.release(None)
    rows = site.listing(latest["id"])
    return _page("public/releases.html", lang=lang, latest=latest["id"],
                 release=latest, releases=[
                     {**r, "published": pd.Timestamp(r["published_at"]).strftime("%Y-%m-%d")}
                     for r in rows.to_dict("records")])


def _download(site: Site, number: int, fmt: str, name: str):
    if fmt not in FORMATS:
        abort(404)
    site.release(number)
    response = current_app.make_response(site.download(number, fmt))
    response.mimetype = FORMATS[fmt]
    response.headers["Content-Disposition"] = f'attachment; filename="{name}.{fmt}"'
    return response


@blueprint.get(PREFIX + "/releases/<int:number>.<fmt>")
def public_download(number: int, fmt: str):
    response = _download(_site(), number, fmt, f"court-kpi-release-{number}")
    response.headers["Cache-Control"] = IMMUTABLE
    return response


@blueprint.route(PREFIX + "/<path:_rest>", methods=["GET", "POST", "PUT", "PATCH", "DELETE"])
def unknown(_rest: str):
    # Anything else under /public is not found here, so it never reaches Dash's
    # catch-all page, which is for signed-in people only.
    abort(404)


@downloads.get("/download/release-<int:number>.<fmt>")
def full_download(number: int, fmt: str):
    """A release with every court, for signed-in people who see every court."""
    require(VIEW_ALL)
    site = current_app.extensions["court_kpi_releases"]
    response = _download(site, number, fmt, f"court-kpi-release-{number}-full")
    response.headers["Cache-Control"] = "private, no-store"
    return response


def _too_many(error: RateLimitExceeded):
    lang = _lang()
    response = current_app.make_response((render_template(
        "public/message.html", lang=lang, **_common(lang), release=None,
        message=t("public.too_many", lang)), 429))
    response.headers["Retry-After"] = "60"
    response.headers["Cache-Control"] = "no-store"
    return response


def _rate_key() -> str:
    """Whom a public request counts against: its address. Without one, Flask-Limiter
    would have written None into its key as "None"; the same, said."""
    return str(client_address())


def init(server: Flask, engine: Engine) -> None:
    """The full downloads always; the public routes only when the public view is on."""
    config = server.config
    server.extensions["court_kpi_releases"] = Site(engine, courts=True)
    server.register_blueprint(downloads)
    if not enabled(config):
        return
    site = Site(engine, courts=_flag(config, "PUBLIC_COURTS", "COURT_KPI_PUBLIC_COURTS"))
    server.extensions["court_kpi_public"] = site
    redis = config["REDIS_URL"] if "REDIS_URL" in config else os.environ.get("REDIS_URL")
    # Per database, as the shared cache is: one Redis may serve several deployments.
    prefix = f"court-kpi-public-{instance_id(engine) if schema_ready(engine) else 'new'}"
    limiter = Limiter(_rate_key, app=server, storage_uri=redis or "memory://",
                      headers_enabled=True, key_prefix=prefix)
    rate = config.get("PUBLIC_RATE") or os.environ.get("COURT_KPI_PUBLIC_RATE") or DEFAULT_RATE
    # One count per address for the whole public view, not one per route.
    limiter.shared_limit(rate, scope="public")(blueprint)
    server.register_blueprint(blueprint)
    server.register_error_handler(RateLimitExceeded, _too_many)
