"""Component IDs, one place for all pages and callbacks."""

URL = "url"
LANG = "lang-store"
BANNER = "data-banner"
# dcc.Store of each page holding its parsed query parameters: {"type": PAGE_STATE, "page": name}
PAGE_STATE = "page-state"

# Pattern-matching IDs of every chart card: {"type": ..., "chart": name}
CHART_GRAPH = "chart-graph"
CHART_DATA = "chart-data"
CHART_TABLE = "chart-table"
CHART_TABLE_TOGGLE = "chart-table-toggle"
CHART_TABLE_COLLAPSE = "chart-table-collapse"
CHART_CSV = "chart-csv"
CHART_XLSX = "chart-xlsx"
CHART_DOWNLOAD = "chart-download"

# Controls: pattern {"type": CONTROL, "name": param} write to the URL query string.
CONTROL = "control"

SCORECARD_TILES = "scorecard-tiles"
SCORECARD_ATTENTION = "scorecard-attention"
EXPLORER_DEFINITION = "explorer-definition"
COURT_HEADER = "court-header"
COURT_SCORECARD = "court-scorecard"
COURT_DATA_SENT = "court-data-sent"
COMPARE_GRID = "compare-grid"
COVERAGE_MATRIX = "coverage-matrix"
COVERAGE_WARNINGS = "coverage-warnings"
COVERAGE_LOW = "coverage-low"
BREADCRUMBS = "breadcrumbs"


def chart(kind: str, name: str) -> dict:
    return {"type": kind, "chart": name}


def control(name: str) -> dict:
    return {"type": CONTROL, "name": name}


def page_state(page: str) -> dict:
    return {"type": PAGE_STATE, "page": page}
