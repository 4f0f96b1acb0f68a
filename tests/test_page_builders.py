"""The pure builders behind the scorecard and court pages, on hand-made frames."""

from __future__ import annotations

import base64
import math
import re

import pandas as pd

from kpi.catalogue import CATALOGUE
from layouts.court_view import scorecard_rows
from layouts.scorecard_view import tiles

NAN = float("nan")


def _images(component) -> list:
    """Every html.Img inside a Dash component tree, in order."""
    found = [component] if type(component).__name__ == "Img" else []
    children = getattr(component, "children", None)
    if isinstance(children, (list, tuple)):
        for child in children:
            found.extend(_images(child))
    elif children is not None and not isinstance(children, str):
        found.extend(_images(children))
    return found


def _national(rows: list[tuple]) -> pd.DataFrame:
    return pd.DataFrame(rows, columns=["kpi", "year", "category", "value"]).assign(
        level="national", code="KZ", coverage=100.0, target=NAN, tolerance=NAN,
        illustrative=False, status="none")


def test_tiles_draw_a_sparkline_from_two_values_with_the_national_target_only():
    values = _national([
        ("clearance_rate", 2023, "all", 90.0),
        ("clearance_rate", 2024, "all", NAN),
        ("clearance_rate", 2025, "all", 95.0),
        ("backlog_rate", 2025, "all", 12.0),  # one value: no sparkline
        ("clearance_rate", 2025, "civil", 50.0),  # another category: not drawn
    ])
    targets = pd.DataFrame({
        "kpi": ["clearance_rate", "clearance_rate", "clearance_rate", "clearance_rate"],
        "year": [2025, 2026, 2026, 2026],
        "court_code": ["", "", "", "KZ75-D01"],
        "target": [97.0, 98.0, 99.0, 10.0],  # 2026 twice: the last wins; a court's ignored
    })
    sections = tiles(values, 2025, "all", "en", targets)
    images = [i for sec in sections for i in _images(sec)]
    assert len(images) == 1
    assert images[0].alt == "Trend 2023–2026; dashed line: target"
    svg = base64.b64decode(images[0].src.split(",", 1)[1]).decode()
    target_path, dot_2023, dot_2025, last_point = re.findall(r'<path d="([^"]+)"', svg)
    assert target_path.count("L") == 1  # 2025 and 2026 (the last 2026 row); no court target
    # 2024 is missing: two lone dots, never a line through the gap.
    assert dot_2023.endswith("l0 0") and dot_2025.endswith("l0 0")
    assert last_point.split()[0] == dot_2025.split()[0]


def test_tiles_leave_out_per_court_kpis_for_one_category():
    values = _national([("satisfaction_rate", 2024, "all", 70.0),
                        ("clearance_rate", 2024, "civil", 99.0)])
    shown_all = str(tiles(values, 2024, "all", "en"))
    shown_civil = str(tiles(values, 2024, "civil", "en"))
    assert "/kpi/satisfaction_rate" in shown_all
    assert "/kpi/satisfaction_rate" not in shown_civil
    assert "/kpi/clearance_rate" in shown_civil


def _cells(rows: list[tuple]) -> pd.DataFrame:
    return pd.DataFrame(rows, columns=["code", "kpi", "category", "year", "value", "target",
                                       "status"])


def test_scorecard_rows_pick_court_region_and_nation_of_the_year_and_category():
    values = _cells([
        ("KZ75-D01", "clearance_rate", "civil", 2025, 90.0, 95.0, "red"),
        ("KZ75-D01", "clearance_rate", "civil", 2024, 10.0, 95.0, "red"),  # other year
        ("KZ75-D01", "clearance_rate", "all", 2025, 11.0, 95.0, "red"),  # other category
        ("KZ-75", "clearance_rate", "civil", 2025, 92.0, 95.0, "amber"),
        ("KZ", "clearance_rate", "civil", 2025, 97.0, 95.0, "green"),
        ("KZ75-D01", "satisfaction_rate", "all", 2025, 70.0, NAN, "none"),
    ])
    peers = pd.DataFrame({"kpi": ["clearance_rate"] * 4, "category": ["civil"] * 4,
                          "value": [80.0, 90.0, 95.0, NAN]})
    rows = scorecard_rows(values, peers, "KZ75-D01", "KZ-75", 2025, "civil").set_index("kpi")
    assert len(rows) == len(CATALOGUE)
    cr = rows.loc["clearance_rate"]
    assert (cr["court"], cr["region"], cr["national"], cr["target"], cr["status"]) == (
        90.0, 92.0, 97.0, 95.0, "red")
    assert cr["percentile"] == 100 * 2 / 3  # as good as 80 and itself, of 3 peers with values
    sat = rows.loc["satisfaction_rate"]  # per-court KPIs read category "all"
    assert sat["court"] == 70.0 and math.isnan(sat["region"]) and sat["status"] == "none"
    missing = rows.loc["backlog_rate"]  # nothing stored: missing, never 0
    assert math.isnan(missing["court"]) and missing["status"] == "none"
    assert missing["percentile"] is None or math.isnan(missing["percentile"])


# --- the as-of date on /uploads and /coverage (periods.md "Data freshness") ---------------


def test_upload_history_has_an_as_of_column_empty_for_other_kinds():
    import datetime as dt

    from layouts import uploads_view

    uploads = pd.DataFrame([
        {"id": 1, "created_at": "2026-10-01 08:00:00", "user": "a", "source": "web",
         "kind": "cases", "filename": "c.csv", "size_bytes": 10, "sha256": "ab", "rows": 2,
         "inserted": 2, "replaced": 0, "unchanged": 0, "warning_count": 0,
         "status": "loaded", "undone_at": None, "undone_by": None,
         "as_of": dt.date(2026, 9, 30)},
        {"id": 2, "created_at": "2026-10-02 08:00:00", "user": "a", "source": "cli",
         "kind": "surveys", "filename": "s.csv", "size_bytes": 10, "sha256": "cd",
         "rows": 1, "inserted": 1, "replaced": 0, "unchanged": 0, "warning_count": 0,
         "status": "loaded", "undone_at": None, "undone_by": None, "as_of": None},
    ])
    for lang, day in (("en", "2026-09-30"), ("ru", "30.09.2026"), ("kk", "30.09.2026")):
        rows = {r["id"]: r["as_of"] for r in uploads_view.upload_rows(uploads, lang)}
        assert rows == {1: day, 2: ""}
        headers = {c["field"]: c["headerName"] for c in uploads_view.column_defs(lang)}
        assert headers["as_of"] == {"en": "Data as of", "ru": "Данные на",
                                    "kk": "Жағдай күні"}[lang]


def test_coverage_shows_each_courts_as_of_date_and_the_newest_on_top():
    import datetime as dt
    import json

    import plotly

    from layouts import coverage_view

    def said(component) -> str:
        return json.dumps(component, cls=plotly.utils.PlotlyJSONEncoder, ensure_ascii=False)

    courts = pd.DataFrame({"court_code": ["A1", "A2", "B1"],
                           "region_code": ["RA", "RA", "RB"]})
    matrix = pd.DataFrame({"court_code": ["A1", "A2", "B1"], "year": [2026] * 3,
                           "source": ["cases", "caseload", "cases"]})
    as_of = pd.DataFrame({"court_code": ["A1", "A2"],
                          "as_of": [dt.date(2026, 9, 30), dt.date(2026, 11, 30)]})
    table = said(coverage_view.court_matrix(courts, matrix, {}, "ru", set(),
                                            coverage_view.court_dates(as_of)))
    assert "Данные на" in table and "30.09.2026" in table and "30.11.2026" in table
    regions = coverage_view.region_summary(courts, matrix)
    spans = said(coverage_view.region_matrix(regions, {}, "en",
                                             coverage_view.region_dates(courts, as_of)))
    assert "2026-09-30–2026-11-30" in spans
    assert "Data as of 2026-11-30." in said(coverage_view.as_of_line(dt.date(2026, 11, 30),
                                                                     "en"))
    assert "Деректер 30.11.2026 жағдай бойынша." in said(
        coverage_view.as_of_line(dt.date(2026, 11, 30), "kk"))
    assert "no as-of date" in said(coverage_view.as_of_line(None, "en"))
