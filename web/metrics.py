"""``GET /metrics``: what the app is doing, in the Prometheus text format.

Counted as it happens (prometheus_client counters and histograms, defined once here):

* every request by route (the Flask URL rule, never the raw path, so the number of
  series stays bounded; Dash's app shell by the registered page it serves; every Dash
  callback as "/_dash-update-component"), method and status, and its duration;
  4xx and 5xx answers counted apart for alerts;
* uploads by kind and how they ended, their rows and how long writing them took; the
  refresh of the KPIs they feed; hits and misses of the data caches. The data layer
  says so through ``data.store.events`` (it never imports web/ or prometheus_client).

Worked out at scrape time (``StateCollector``): browser sessions open, background jobs
waiting and running, and the data's age per region (days since the newest as-of date
of its courts' data, data/store/freshness.py).

Not public. Served only to

* ``Authorization: Bearer <token>`` of an active account with the ``read_metrics``
  permission (the ``metrics`` role, made for the scraper, or an admin), or
* a client address in ``COURT_KPI_METRICS_ALLOW`` (comma-separated networks, e.g.
  ``127.0.0.1/32,10.1.2.0/24``; none by default), found as everywhere else in the app
  (web.auth.client_address: behind a proxy only with COURT_KPI_PROXY_HOPS).

Everyone else, a signed-in administrator's browser included, gets 404 as for a path
that does not exist: the route is not advertised, and a browser session is for people.

Several processes (gunicorn workers, the background jobs they fork, a Celery worker on
the same machine): with ``PROMETHEUS_MULTIPROC_DIR`` set (gunicorn.conf.py sets it)
each process writes its numbers to files there and a scrape adds them up
(prometheus_client's multiprocess mode). Without it, a scrape shows the numbers of the
process that answers it.
"""

from __future__ import annotations

import datetime as dt
import ipaddress
import logging
import os
import time
from collections.abc import Iterator, Sequence
from dataclasses import dataclass

from flask import Flask, Response, abort, current_app, g, request
from prometheus_client import (
    CONTENT_TYPE_LATEST,
    REGISTRY,
    CollectorRegistry,
    Counter,
    Histogram,
    generate_latest,
    multiprocess,
)
from prometheus_client.core import GaugeMetricFamily
from prometheus_client.registry import Collector

from data.accounts import sessions, users
from data.accounts.access import READ_METRICS
from data.store import events, freshness
from web import guard
from web.auth import METRICS_PATH, bearer_token, client_address

LOG = logging.getLogger("court_kpi")
MULTIPROC_ENV = "PROMETHEUS_MULTIPROC_DIR"
ALLOW_ENV = "COURT_KPI_METRICS_ALLOW"
METHODS = frozenset({"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"})
UNMATCHED = "<unmatched>"  # no route: a 404 (or 405) from routing itself

REQUESTS = Counter("court_kpi_http_requests", "HTTP requests answered, by route, method "
                   "and status.", ["route", "method", "status"])
ERRORS = Counter("court_kpi_http_errors", "HTTP answers with a 4xx or 5xx status, by route "
                 "and class.", ["route", "status_class"])
LATENCY = Histogram("court_kpi_http_request_duration_seconds", "Time from the request "
                    "reaching the app to its answer, by route and method.",
                    ["route", "method"],
                    buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0,
                             30.0, 60.0))
UPLOADS = Counter("court_kpi_uploads", "Uploads by kind and how they ended: loaded, failed "
                  "(an error while writing), rejected (the file's errors), already_loaded.",
                  ["kind", "status"])
UPLOAD_ROWS = Counter("court_kpi_upload_rows", "Rows of loaded uploads, by kind.", ["kind"])
UPLOAD_SECONDS = Histogram("court_kpi_upload_duration_seconds", "Time to write a loaded "
                           "upload and refresh what it feeds, by kind.", ["kind"],
                           buckets=(0.1, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0, 60.0, 120.0, 300.0,
                                    600.0, 1800.0))
REFRESH_SECONDS = Histogram("court_kpi_refresh_duration_seconds", "Time to recompute the "
                            "facts and KPI cells changed rows feed, by what they feed.",
                            ["feeds"],
                            buckets=(0.01, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0,
                                     60.0, 120.0, 300.0))
CACHE = Counter("court_kpi_cache_requests", "Look-ups of the data caches: the process's "
                "own (memory), the one all workers share through Redis (shared) and the "
                "drawn pages (page).",
                ["cache", "result"])


# --- who may scrape ------------------------------------------------------------------

Network = ipaddress.IPv4Network | ipaddress.IPv6Network


def parse_allow(spec: str | None) -> tuple[Network, ...]:
    """``"127.0.0.1/32, 10.0.0.0/8"`` -> networks; a bad entry stops the app starting."""
    out = []
    for part in filter(None, (p.strip() for p in (spec or "").split(","))):
        try:
            out.append(ipaddress.ip_network(part, strict=False))
        except ValueError:
            raise ValueError(f"{ALLOW_ENV}: {part!r} is not an address or network "
                             f"(e.g. 127.0.0.1/32)") from None
    return tuple(out)


def address_allowed(address: str | None, networks: Sequence[Network]) -> bool:
    if not address or not networks:
        return False
    try:
        ip = ipaddress.ip_address(address)
    except ValueError:
        return False
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
        ip = ip.ipv4_mapped
    return any(ip.version == net.version and ip in net for net in networks)


@dataclass(frozen=True)
class Settings:
    allow: tuple[Network, ...] = ()


def allowed() -> bool:
    """May this request read /metrics? A token with ``read_metrics``, or an allowed address."""
    if "court_kpi_metrics_allowed" not in g:  # the guard asks, then the route
        g.court_kpi_metrics_allowed = _allowed()
    return bool(g.court_kpi_metrics_allowed)


def _allowed() -> bool:
    settings: Settings = current_app.extensions.get("court_kpi_metrics", Settings())
    token = bearer_token(request)
    if token:
        with current_app.extensions["court_kpi_engine"].connect() as conn:
            account = users.by_token(conn, token)
        if account is not None and account.viewer.can(READ_METRICS):
            return True
    return address_allowed(client_address(), settings.allow)


# --- counting requests and data events -----------------------------------------------


def route_label() -> str:
    """The request's route: its URL rule, or for Dash's app shell the page it serves."""
    rule = request.url_rule
    if rule is None:
        return UNMATCHED
    if request.endpoint in guard.SHELL_ENDPOINTS:
        page, _ = guard._page_for(request.path)
        if page is not None:
            return str(page.get("path_template") or page.get("path") or rule.rule)
    return rule.rule


def _count_request(response: Response) -> Response:
    try:
        route = route_label()
        method = request.method if request.method in METHODS else "OTHER"
        status = response.status_code
        REQUESTS.labels(route, method, str(status)).inc()
        if status >= 400:
            ERRORS.labels(route, f"{status // 100}xx").inc()
        started = g.get("court_kpi_started")  # web/request_log.py's timer
        if started is not None:
            LATENCY.labels(route, method).observe(time.perf_counter() - started)
    except Exception:  # noqa: BLE001 - counting must never spoil an answer
        LOG.exception("counting a request for /metrics failed")
    return response


def on_event(name: str, **values) -> None:
    """Counts what the data layer reports (data.store.events)."""
    if name == "upload":
        kind = str(values.get("kind") or "unknown")
        status = str(values.get("status") or "unknown")
        UPLOADS.labels(kind, status).inc()
        if status == "loaded":
            UPLOAD_ROWS.labels(kind).inc(int(values.get("rows") or 0))
            UPLOAD_SECONDS.labels(kind).observe(float(values.get("seconds") or 0.0))
    elif name == "refresh":
        REFRESH_SECONDS.labels(str(values.get("feeds"))).observe(
            float(values.get("seconds") or 0.0))
    elif name == "cache":
        CACHE.labels(str(values.get("cache")), str(values.get("result"))).inc()


# --- worked out at scrape time ------------------------------------------------------


class StateCollector(Collector):
    """Gauges read when scraped: sessions, background jobs, the data's age per region."""

    def __init__(self, server: Flask, today: dt.date | None = None):
        self.server = server
        self.today = today

    def collect(self) -> Iterator[GaugeMetricFamily]:
        for part in (self._sessions, self._jobs, self._data_age):
            try:
                yield from part()
            except Exception:  # noqa: BLE001 - one part failing leaves the others
                LOG.exception("/metrics: %s failed", part.__name__)

    def _sessions(self) -> Iterator[GaugeMetricFamily]:
        engine = self.server.extensions["court_kpi_engine"]
        with engine.connect() as conn:
            count = sessions.open_count(conn, self.server.extensions["court_kpi_session_policy"])
        yield GaugeMetricFamily("court_kpi_sessions_open",
                                "Browser sessions signed in and not yet run out.", value=count)

    def _jobs(self) -> Iterator[GaugeMetricFamily]:
        store = self.server.extensions.get("court_kpi_jobs")
        if store is None:
            return
        counts = store.counts()
        yield GaugeMetricFamily("court_kpi_background_jobs_waiting",
                                "Background tasks queued that no worker has started yet "
                                "(Celery; always 0 with the disk cache, which starts each "
                                "at once).", value=counts.pop("waiting", 0))
        jobs = GaugeMetricFamily("court_kpi_background_jobs",
                                 "Users' last loads by state (records kept a week): running, "
                                 "interrupted (its process is gone), done, failed.",
                                 labels=["state"])
        for state, n in sorted(counts.items()):
            jobs.add_metric([state], n)
        yield jobs

    def _data_age(self) -> Iterator[GaugeMetricFamily]:
        engine = self.server.extensions["court_kpi_engine"]
        with engine.connect() as conn:
            newest = freshness.newest_year_by_region(conn)
            as_of = freshness.newest_as_of_by_region(conn)
        today = self.today or dt.date.today()
        age = GaugeMetricFamily(
            "court_kpi_data_age_days",
            "Days since the newest as-of date of the region's courts' data (the day case "
            "data were extracted, or the end of the latest aggregate period); +Inf for a "
            "region without any.", labels=["region"])
        year = GaugeMetricFamily("court_kpi_data_newest_year",
                                 "The newest year with facts for the region's courts.",
                                 labels=["region"])
        for region, newest_year in newest.items():
            age.add_metric([region], freshness.age_days(as_of.get(region), today))
            if newest_year is not None:
                year.add_metric([region], newest_year)
        yield age
        yield year


def render(server: Flask) -> bytes:
    """The text of a scrape: this process's numbers, or every process's (multiprocess
    mode), then the gauges worked out now."""
    directory = os.environ.get(MULTIPROC_ENV)
    if directory:
        registry = CollectorRegistry()
        multiprocess.MultiProcessCollector(registry, path=directory)
        counted = generate_latest(registry)
    else:
        counted = generate_latest(REGISTRY)
    state = CollectorRegistry()
    state.register(StateCollector(server))
    return counted + generate_latest(state)


def init(server: Flask) -> None:
    """Count every request and the data layer's events; serve ``GET /metrics``.

    Call it before web.guard.init, so a request the guard refuses is counted too.
    """
    server.extensions["court_kpi_metrics"] = Settings(
        allow=parse_allow(server.config.get("METRICS_ALLOW", os.environ.get(ALLOW_ENV))))
    server.extensions["court_kpi_metrics_allowed"] = allowed  # what web.guard asks
    events.subscribe(on_event)
    server.after_request(_count_request)

    @server.get(METRICS_PATH)
    def metrics():
        if not allowed():  # web.guard has checked already; this route never trusts alone
            abort(404)
        return Response(render(server), headers={"Content-Type": CONTENT_TYPE_LATEST,
                                                  "Cache-Control": "no-store"})
