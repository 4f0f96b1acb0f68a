"""``GET /api/v1/report?level=&code=&year=&lang=``: the PDF report (issue 14) of the
nation, a region or a court, as ``python -m kpi report`` makes it; with ``period=``
(2026-H1, 2026-Q3 ...) instead of ``year``, the monitoring report of that part of a
year (issue 26). ``period=`` a whole year is that year's annual report.

Authenticated and scoped exactly like ``/api/v1/kpi`` (session cookie or
``Authorization: Bearer``): a judge gets the nation, every region (other courts
anonymised in its rankings) and their own court; another court is answered 404
whether or not it exists, never with a PDF. Bad parameters are 400 with a sentence
(a malformed period, or one after the data's as-of date, lists the accepted forms); a
unit or year without data 404.
"""

from __future__ import annotations

import datetime as dt

from flask import Blueprint, Response, current_app, jsonify, request
from sqlalchemy import Connection

from data.accounts.access import SYSTEM, Viewer
from data.publish import monitoring
from data.publish.report_data import ReportError, gather
from data.scoped.reads import ScopedReads
from kpi.periods import PARTS, PeriodError
from layouts.i18n import LANGUAGES, request_language
from web.api import BadRequest, _filters
from web.guard import current_viewer

blueprint = Blueprint("report_api", __name__, url_prefix="/api/v1")


def build_report(conn: Connection, level: str, code: str | None, year: int | None,
                 lang: str, viewer: Viewer = SYSTEM,
                 made: dt.date | None = None) -> tuple[str, bytes]:
    """(file name, PDF bytes) of the report of a unit and year (the latest when None)
    in ``lang``, as ``viewer`` may see it. Raises data.publish.report_data.ReportError for an
    unknown unit, one the viewer may not see or a year without data, ValueError for a
    level or language that does not exist."""
    from layouts.report import build_content, render_content

    if lang not in LANGUAGES:
        raise ValueError(f"lang must be one of {', '.join(LANGUAGES)}")
    content = build_content(gather(conn, level, code, year, viewer), lang, made)
    return content.filename, render_content(content)


def build_monitoring_report(reads: ScopedReads, level: str, code: str | None, period: str,
                            lang: str, viewer: Viewer = SYSTEM,
                            made: dt.date | None = None) -> tuple[str, bytes]:
    """(file name, PDF bytes) of the monitoring report of a unit and a part of a year
    (issue 26), or of the annual report when ``period`` is a complete year. Raises
    PeriodError (a sentence with the accepted forms) for a period that is malformed or
    that the data do not reach, ReportError for a unit the viewer may not see or
    without data, ValueError for a language or level that does not exist."""
    from layouts.report import build_monitoring, render_monitoring

    if lang not in LANGUAGES:
        raise ValueError(f"lang must be one of {', '.join(LANGUAGES)}")
    asked = monitoring.checked_period(period)
    if asked.is_year:
        try:  # refused for the year in progress, which is never shown as a whole year
            reads.period_values(viewer, asked.code, level="national")
        except PeriodError as exc:
            raise monitoring.period_refused(exc) from None
        with reads.connect() as conn:
            return build_report(conn, level, code, asked.year, lang, viewer, made)
    content = build_monitoring(monitoring.gather(reads, viewer, level, code, asked.code),
                               lang, made)
    return content.filename, render_monitoring(content)


@blueprint.get("/report")
def report():
    viewer = current_viewer()
    if viewer is None:  # the guard answers first; kept so the route is safe on its own
        return jsonify(error="Sign in first."), 401
    args = request.args
    try:
        filters = _filters(args)
    except BadRequest as exc:
        return jsonify(error=str(exc)), 400
    if filters["level"] is None:
        return jsonify(error="level is required: national, region or court"), 400
    if filters["level"] != "national" and filters["code"] is None:
        return jsonify(error=f"code is required for a {filters['level']} report"), 400
    if filters["category"] is not None or filters["kpi"] is not None:
        return jsonify(error="the report covers every KPI of category all: "
                             "no category or kpi"), 400
    lang = args.get("lang") or request_language()
    if lang not in LANGUAGES:
        return jsonify(error=f"lang must be one of {', '.join(LANGUAGES)}"), 400
    services = current_app.extensions["court_kpi_services"]
    try:
        if "part" in args:
            # The Report button: the period the page shows (its year and part, or its
            # default), resolved the way the page resolves it.
            if filters["period"] is not None:
                return jsonify(error="give part (with year) or period, not both"), 400
            part = args.get("part") or "page"
            if part != "page" and part not in PARTS:
                return jsonify(error=f"part must be one of page, {', '.join(PARTS)}"), 400
            year = filters["year"]
            if year is not None and year not in services.years() \
                    and year != services.year_in_progress():
                return jsonify(error=f"no data for the year {year}"), 404
            shown = services.page_period(year, None if part == "page" else part)
            if shown is None:
                return jsonify(error="no data yet"), 404
            filters["period"] = shown.code
        if filters["period"] is not None:
            filename, pdf = build_monitoring_report(services, filters["level"],
                                                    filters["code"], filters["period"],
                                                    lang, viewer)
        else:
            with services.connect() as conn:
                filename, pdf = build_report(conn, filters["level"], filters["code"],
                                             filters["year"], lang, viewer)
    except PeriodError as exc:
        return jsonify(error=str(exc)), 400
    except ReportError as exc:
        return jsonify(error=str(exc)), 404
    return Response(pdf, mimetype="application/pdf",
                    headers={"Content-Disposition": f'attachment; filename="{filename}"'})
