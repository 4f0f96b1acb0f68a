"""Component IDs, one place for all pages and callbacks."""

YEAR = "overview-year"
CATEGORY = "overview-category"
TABLE = "overview-table"
BANNER = "data-banner"
URL = "url"
