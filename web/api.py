"""``GET /api/v1/kpi``, ``/api/v1/outlook`` and ``/api/v1/annotations``: what
``python -m kpi values`` and ``python -m kpi outlook`` print, and the notes on the
figures, for other systems.

Authenticated by the session cookie or ``Authorization: Bearer <token>`` (see
``python -m data user token``), scoped like the pages: a judge gets the nation,
regions, their own court and (values only) other courts anonymised.
"""

from __future__ import annotations

import json

from flask import Blueprint, Response, current_app, jsonify, request

from data.accounts.access import Viewer
from data.derive.periods import YEAREND_COLUMNS
from data.store.schema import CATEGORIES
from kpi.catalogue import KPIS
from kpi.outlook import DEFAULT_HORIZON, HORIZONS, MAX_STEPS
from kpi.periods import PeriodError
from kpi.periods import parse as parse_period
from layouts.export import csv_text, json_records
from layouts.params import whole_number
from web.guard import current_viewer

blueprint = Blueprint("api", __name__, url_prefix="/api/v1")
LEVELS = ("national", "region", "court")


class BadRequest(ValueError):
    pass


YEARS = (1900, 2100)
YEAR_SENTENCE = "year must be a year such as 2025"


def integer(args, name: str, low: int, high: int, sentence: str) -> int | None:
    """The integer parameter ``name`` (None when absent or empty); BadRequest with
    ``sentence`` unless it is ASCII digits in [low, high] (layouts.params.whole_number,
    the one parser for integers in URLs, queries and payloads)."""
    raw = args.get(name)
    if raw is None or raw == "":
        return None
    number = whole_number(raw, low, high)
    if number is None:
        raise BadRequest(sentence)
    return number


def _filters(args) -> dict:
    out: dict = {}
    level = args.get("level") or None
    if level is not None and level not in LEVELS:
        raise BadRequest(f"level must be one of {', '.join(LEVELS)}")
    out["level"] = level
    code = args.get("code") or None
    if code is not None and len(code) > 64:
        raise BadRequest("code is at most 64 characters")
    out["code"] = code
    out["year"] = integer(args, "year", *YEARS, YEAR_SENTENCE)
    category = args.get("category") or None
    if category is not None and category not in ("all", *CATEGORIES):
        raise BadRequest(f"category must be one of all, {', '.join(CATEGORIES)}")
    out["category"] = category
    kpi = args.get("kpi") or None
    if kpi is not None and kpi not in KPIS:
        raise BadRequest("kpi must be a KPI code from `python -m kpi list`")
    out["kpi"] = kpi
    period = args.get("period") or None
    if period is not None:
        if out["year"] is not None:
            raise BadRequest("give year or period, not both")
        try:
            period = parse_period(period).code
        except PeriodError as exc:
            raise BadRequest(str(exc)) from None
    out["period"] = period
    return out


def _request():
    """(viewer, format, filters) of an API request, or the error answer to give."""
    viewer = current_viewer()
    if viewer is None:  # the guard answers first; kept so the route is safe on its own
        return jsonify(error="Sign in first."), 401
    fmt = request.args.get("format", "json")
    if fmt not in ("json", "csv"):
        return jsonify(error="format must be json or csv"), 400
    try:
        return viewer, fmt, _filters(request.args)
    except BadRequest as exc:
        return jsonify(error=str(exc)), 400


@blueprint.get("/kpi")
def kpi_values():
    asked = _request()
    if not isinstance(asked[0], Viewer):
        return asked
    viewer, fmt, filters = asked
    services = current_app.extensions["court_kpi_services"]
    period = filters.pop("period")
    if period is None:
        values = services.kpi_values(viewer, anonymous=True, **filters)
        values.insert(3, "period", values["year"].astype(str))
        return _answer(values, fmt, "kpi_values.csv")
    filters.pop("year")
    try:
        values = services.period_values(viewer, period, anonymous=True, **filters)
    except PeriodError as exc:
        return jsonify(error=str(exc)), 400
    return _answer(values, fmt, f"kpi_values_{period}.csv")


@blueprint.get("/yearend")
def yearend():
    """The year in progress (or ``year``): each unit's year to date, the same months a
    year before and the projection to the year's end with its status (periods.md), the
    columns of ``python -m kpi yearend``. 404 when no year is in progress."""
    asked = _request()
    if not isinstance(asked[0], Viewer):
        return asked
    viewer, fmt, filters = asked
    if filters.pop("period") is not None:
        return jsonify(error="the year-end projection takes year, not period"), 400
    year = filters.pop("year")
    services = current_app.extensions["court_kpi_services"]
    try:
        rows = services.yearend(viewer, year, **filters)
    except PeriodError as exc:
        return jsonify(error=str(exc)), 404
    return _answer(rows[YEAREND_COLUMNS], fmt, "yearend.csv")


@blueprint.get("/outlook")
def outlook():
    """The outlook to the horizon of each series (shared/spec/outlook.md); a judge gets
    the nation, the regions and their own court (no anonymised courts: an outlook row
    is a whole series, which could be told apart)."""
    asked = _request()
    if not isinstance(asked[0], Viewer):
        return asked
    viewer, fmt, filters = asked
    try:
        # until=T: the outlook as made at the end of T; the horizon is then T+1 ... T+10.
        until = integer(request.args, "until", 1990, 2100, "until must be a year")
        first, last = (HORIZONS[0], HORIZONS[-1]) if until is None else \
            (until + 1, until + MAX_STEPS)
        horizon = integer(request.args, "horizon", first, last,
                          f"horizon must be a year from {first} to {last}")
    except BadRequest as exc:
        return jsonify(error=str(exc)), 400
    if filters.pop("year") is not None or filters.pop("period") is not None:
        return jsonify(error="the outlook takes horizon, not year or period"), 400
    horizon = DEFAULT_HORIZON if horizon is None else horizon
    if not first <= horizon <= last:
        return jsonify(error=f"horizon must be a year from {first} to {last}"), 400
    services = current_app.extensions["court_kpi_services"]
    rows = services.outlook(viewer, horizon=horizon, until=until, **filters)
    if rows.empty and filters["code"] is not None:
        return jsonify(error=f"no KPI values for {filters['code']}"), 404
    return _answer(rows, fmt, f"outlook_{horizon}.csv")


def _answer(frame, fmt: str, filename: str) -> Response:
    if fmt == "csv":
        body = csv_text(frame, lineterminator="\n")
        return Response(body, mimetype="text/csv",
                        headers={"Content-Disposition": f"attachment; filename={filename}"})
    return Response(json.dumps(json_records(frame), ensure_ascii=False, default=str),
                    mimetype="application/json")


@blueprint.get("/gap")
def gap():
    """Which courts make the gap of the nation or a region to a KPI's target, in the
    KPI's own unit (kpi.gap; where-to-act.md section 1): the columns of ``python -m kpi
    gap``. A judge sees every other court as "Court 17 of 42" with its contribution
    only. 400 for a KPI without a decomposition, 404 for a scope or year without one."""
    from kpi.gap import GapError, table

    asked = _request()
    if not isinstance(asked[0], Viewer):
        return asked
    viewer, fmt, filters = asked
    level, code, kpi = filters["level"], filters["code"], filters["kpi"]
    if level not in ("national", "region"):
        return jsonify(error="level must be national or region"), 400
    if kpi is None:
        return jsonify(error="kpi is required: a KPI code from `python -m kpi list`"), 400
    services = current_app.extensions["court_kpi_services"]
    code = "KZ" if level == "national" else code
    if level == "region" and code not in set(services.regions()["region_code"]):
        return jsonify(error=f"no region with the code {str(code)[:64]!r}"), 404
    years = services.years()
    period = filters["period"]
    year = filters["year"] if filters["year"] is not None else (years[-1] if years else None)
    if period is None and year not in years:
        return jsonify(error=f"no data for the year {year}"), 404
    category = filters["category"] or "all"
    try:
        found = services.gap(viewer, level, code, year, kpi, category, period=period)
    except GapError as exc:
        return jsonify(error=str(exc)), 400 if exc.code in ("median", "not_decomposed") \
            else 404
    except PeriodError as exc:
        return jsonify(error=str(exc)), 400
    category = "all" if KPIS[kpi].grain == "court" else category
    label = period or str(year)
    return _answer(table(found, level, code, label, category), fmt, f"gap_{kpi}.csv")


@blueprint.get("/workload")
def workload():
    """Judges needed by weighted caseload (kpi.workload; where-to-act.md section 2): the
    columns of ``python -m kpi workload``. A judge sees their own court, the regions and
    the nation. 404 for an unknown court or region, or a year or scope with nothing to
    measure (no incoming, no resources, a level without weights)."""
    from kpi.workload import WorkloadError

    asked = _request()
    if not isinstance(asked[0], Viewer):
        return asked
    viewer, fmt, filters = asked
    level, code = filters["level"], filters["code"]
    services = current_app.extensions["court_kpi_services"]
    if level == "national":
        code = code or "KZ"
    elif level == "court" and code is not None and not viewer.may_see_court(code):
        # Another court's workload is not the judge's to read: the same answer as a
        # court that does not exist, so the code says nothing about which ones do.
        return jsonify(error=f"no court with the code {code[:64]!r} that you may see"), 404
    if level in ("court", "region") and code is None:
        return jsonify(error=f"code is required at level {level}"), 400
    if level == "region" and code not in set(services.regions()["region_code"]):
        return jsonify(error=f"no region with the code {str(code)[:64]!r}"), 404
    if level == "court" and code not in set(services.directory(viewer)["court_code"]):
        return jsonify(error=f"no court with the code {str(code)[:64]!r} that you may see"), \
            404
    years = services.years()
    year = filters["year"] if filters["year"] is not None else (years[-1] if years else None)
    if year is None:
        return jsonify(error="no data loaded"), 404
    try:
        table = services.workload(viewer, year, level, code)
    except WorkloadError as exc:
        return jsonify(error=str(exc)), 404
    return _answer(table, fmt, f"workload_{year}.csv")


# Not named annotations: that is the name ``from __future__ import annotations`` binds.
@blueprint.get("/annotations", endpoint="annotations")
def figure_notes():
    """The notes on the figures (data/annotations.py) the asker may read: a judge those
    of the nation, the regions and their own court. ``kpi`` also returns the notes on
    a whole year, which apply to every KPI."""
    from data.edits import annotations as notes

    asked = _request()
    if not isinstance(asked[0], Viewer):
        return asked
    viewer, fmt, filters = asked
    if filters.pop("category") is not None:
        return jsonify(error="notes have no category"), 400
    if filters.pop("period") is not None:
        return jsonify(error="notes are on years: give year, not period"), 400
    services = current_app.extensions["court_kpi_services"]
    with services.connect() as conn:
        rows = notes.notes(conn, viewer, **filters)
    for column in ("created_at", "updated_at"):
        rows[column] = [v.isoformat() if hasattr(v, "isoformat") else v for v in rows[column]]
    return _answer(rows, fmt, "annotations.csv")


@blueprint.get("/flags")
def plausibility_flags():
    """The plausibility flags (data.derive.flags) the asker may see, most implausible first,
    with their sentence in ``lang`` and the note that explains each, if any. A judge
    gets their own court's only. ``code`` is a court; ``rule`` one of kpi.plausibility's."""
    from kpi.plausibility import RULES, messages
    from layouts.i18n import LANGUAGES, t

    viewer = current_viewer()
    if viewer is None:
        return jsonify(error="Sign in first."), 401
    args = request.args
    fmt, lang, rule = args.get("format", "json"), args.get("lang", "en"), args.get("rule")
    if fmt not in ("json", "csv"):
        return jsonify(error="format must be json or csv"), 400
    if lang not in LANGUAGES:
        return jsonify(error=f"lang must be one of {', '.join(LANGUAGES)}"), 400
    if rule and rule not in RULES:
        return jsonify(error=f"rule must be one of {', '.join(RULES)}"), 400
    try:
        year = integer(args, "year", *YEARS, YEAR_SENTENCE)
    except BadRequest as exc:
        return jsonify(error=str(exc)), 400
    services = current_app.extensions["court_kpi_services"]
    code = args.get("code") or None
    if code is not None and (code not in set(services.directory(viewer)["court_code"])
                             or not viewer.may_see_court(code)):
        # To a judge, another court is unknown whether or not it exists.
        return jsonify(error=f"no court with the code {code[:64]!r}"), 404
    rows = services.flags(viewer)
    years = set(services.years())
    if year is not None and year not in years:
        return jsonify(error=f"no data for the year {year}"), 404
    if year is not None:
        rows = rows[rows["year"] == year]
    if code is not None:
        rows = rows[rows["court_code"] == code]
    if rule:
        rows = rows[rows["rule"] == rule]
    rows = rows.assign(message=messages(rows, t, lang), score=rows["score"].round(2))
    columns = ["court_code", "year", "category", "field", "rule", "value", "expected", "score",
               "message", "note"]
    return _answer(rows[columns].reset_index(drop=True), fmt, "flags.csv")
