"""Component IDs, one place for all pages and callbacks."""

from __future__ import annotations

from dash.dependencies import Wildcard

URL = "url"
# The shell's store of the last real click on a unit of a chart: {"chart", "click"}.
DRILL_CLICK = "drill-click"
BANNER = "data-banner"
# dcc.Store of each page holding its parsed query parameters: {"type": PAGE_STATE, "page": name}
PAGE_STATE = "page-state"

# Pattern-matching IDs of every chart card: {"type": ..., "chart": name}
CHART_GRAPH = "chart-graph"
CHART_DATA = "chart-data"
CHART_TABLE = "chart-table"
CHART_TABLE_TOGGLE = "chart-table-toggle"
CHART_TABLE_COLLAPSE = "chart-table-collapse"
# Set in the browser when a chart's data changes while its table is open.
CHART_TABLE_STALE = "chart-table-stale"
CHART_CSV = "chart-csv"
CHART_XLSX = "chart-xlsx"
CHART_DOWNLOAD = "chart-download"
# A chart drawn when it scrolls into view (components.LAZY_CHARTS): its figure waits in
# a store, its box gets the chart once the browser has seen the box (assets/lazy_charts.js).
CHART_FIGURE = "chart-figure"
CHART_BOX = "chart-box"
CHART_SEEN = "chart-seen"

# Controls: pattern {"type": CONTROL, "name": param} write to the URL query string.
CONTROL = "control"

SCORECARD_TILES = "scorecard-tiles"
SCORECARD_ATTENTION = "scorecard-attention"
SCORECARD_PERIOD = "scorecard-period"
EXPLORER_DEFINITION = "explorer-definition"
EXPLORER_OUTLOOK = "explorer-outlook"
EXPLORER_PERIOD = "explorer-period"  # the period the page shows, and its as-of date
NAV_TOGGLE = "nav-toggle"  # the menu button of the top bar on narrow screens
NAV_COLLAPSE = "nav-collapse"
EXPLORER_NOTES = "explorer-notes"  # the notes on the trend's units and KPI (issue 15)
COURT_NOTES = "court-notes"  # the court's notes and plausibility flags
COVERAGE_FLAGS = "coverage-flags"  # the ranked plausibility flags
OUTLOOK_SUMMARY = "outlook-summary"
OUTLOOK_TRACK = "outlook-track"  # how often past outlooks like these held the outcome
OUTLOOK_PERIOD = "outlook-period"  # the period of the table's in-year columns, and its as-of date
# The time to disposition in words, under the backlog chart (explorer, court profile):
# distinct ids, since one output may belong to one callback only.
BACKLOG_NOTE = "backlog-note"
COURT_BACKLOG_NOTE = "court-backlog-note"
EXPLORER_GAP_NOTE = "explorer-gap-note"  # the sentence beside the Pareto chart of the gap
COURT_GAP = "court-gap"  # the court's part of its region's and the nation's gaps
OUTLOOK_GRID = "outlook-grid"  # the outlook page's grid: every series, will it meet its target
COURT_HEADER = "court-header"
COURT_SCORECARD = "court-scorecard"
COURT_IN_YEAR = "court-in-year"
COURT_DATA_SENT = "court-data-sent"
COURT_TRENDS = "court-trends"  # the small multiples of every KPI of the court
COMPARE_GRID = "compare-grid"
COVERAGE_MATRIX = "coverage-matrix"
COVERAGE_WARNINGS = "coverage-warnings"
COVERAGE_LOW = "coverage-low"
COVERAGE_AS_OF = "coverage-as-of"  # the day the newest data are as of (periods.md)
BREADCRUMBS = "breadcrumbs"

# /admin/users: the store holds {"lang", "version"}; every change bumps the version.
USERS_STATE = "users-state"
USERS_MESSAGE = "users-message"
USERS_TABLE = "users-table"
USERS_ADD_NAME = "users-add-name"
USERS_ADD_ROLE = "users-add-role"
USERS_ADD_COURT = "users-add-court"
USERS_ADD_PASSWORD = "users-add-password"
USERS_ADD_SUBMIT = "users-add-submit"
USERS_EDIT_USER = "users-edit-user"
USERS_EDIT_ROLE = "users-edit-role"
USERS_EDIT_COURT = "users-edit-court"
USERS_EDIT_SAVE = "users-edit-save"
USERS_EDIT_DISABLE = "users-edit-disable"
USERS_EDIT_ENABLE = "users-edit-enable"
USERS_EDIT_RESET = "users-edit-reset"
USERS_IMPORT_UPLOAD = "users-import-upload"
USERS_IMPORT_DOWNLOAD = "users-import-download"

# /audit
AUDIT_STATE = "audit-state"
AUDIT_USER = "audit-user"
AUDIT_USER_LIST = "audit-user-list"
AUDIT_ACTION = "audit-action"
AUDIT_FROM = "audit-from"
AUDIT_TO = "audit-to"
AUDIT_COUNT = "audit-count"
AUDIT_TABLE = "audit-table"
AUDIT_CSV = "audit-csv"
AUDIT_DOWNLOAD = "audit-download"


def chart(kind: str, name: str | Wildcard) -> dict[str, str | Wildcard]:
    """A chart card's component ``kind`` of chart ``name``, or of every (ALL) or the
    same (MATCH) chart in a pattern-matching callback."""
    return {"type": kind, "chart": name}


def control(name: str | Wildcard) -> dict[str, str | Wildcard]:
    return {"type": CONTROL, "name": name}


def page_state(page: str) -> dict:
    return {"type": PAGE_STATE, "page": page}


# /workload: judges needed by weighted caseload (where-to-act.md section 2).
WORKLOAD_SUMMARY = "workload-summary"
WORKLOAD_TOTALS = "workload-totals"
WORKLOAD_WITHIN = "workload-within"  # the reallocation nationwide or within each region
WORKLOAD_MOVES = "workload-moves"
WORKLOAD_INPUTS = "workload-inputs"
WORKLOAD_DAYS = "workload-days"
WORKLOAD_HOURS = "workload-hours"
WORKLOAD_SAVE = "workload-save"
WORKLOAD_UNDO = "workload-undo"
WORKLOAD_MESSAGE = "workload-message"
WORKLOAD_FORM = "workload-form"  # shown to those who edit targets
COURT_WORKLOAD = "court-workload"  # the court profile's workload card
# The simulator's judges lever started from a court's judges needed.
WORKLOAD_SIM_NEEDED = "workload-sim-needed"
WORKLOAD_SIM_NOTE = "workload-sim-note"
WORKLOAD_WEIGHTS_CSV = "workload-weights-csv"  # the weights in force, as a case_weights file
WORKLOAD_WEIGHTS_DOWNLOAD = "workload-weights-download"
