"""Every page opens in one request (callbacks/first_view.py): the router's answer carries
what the page shows, computed for the person asking, and no part of it failed on the way
(a failed part is logged and left empty, so it would otherwise pass unseen)."""

from __future__ import annotations

import json
import logging

import dash
import pytest

from layouts import ids
from tests.web.conftest import JUDGE_COURT, components, page_body, post_callback

# Per page, a component the first view must have filled in (the id, the property).
FILLED = {
    "/": (ids.SCORECARD_TILES, "children"),
    "/kpi/clearance_rate": (json.dumps(ids.chart(ids.CHART_GRAPH, "trend"), sort_keys=True,
                                       separators=(",", ":")), "figure"),
    f"/court/{JUDGE_COURT}": (ids.COURT_TRENDS, "children"),
    "/compare": (ids.COMPARE_GRID, "children"),
    "/outlook": (ids.OUTLOOK_GRID, "rowData"),
    "/coverage": (ids.COVERAGE_MATRIX, "children"),
    "/workload": (ids.WORKLOAD_SUMMARY, "children"),
}


def _paths() -> list[str]:
    out = []
    for page in dash.page_registry.values():
        template = page.get("path_template")
        out.append(template.replace("<code>", JUDGE_COURT if "court" in template
                                    else "clearance_rate") if template else page["path"])
    return sorted(set(out))


@pytest.mark.parametrize("role", ["staff", "analyst", "judge"])
def test_every_page_renders_whole_for_every_role_without_a_failed_part(as_role, caplog,
                                                                        role):
    client = as_role(role)
    caplog.set_level(logging.ERROR, logger="callbacks.first_view")
    for path in _paths():
        for lang in ("kk", "ru", "en"):
            response = post_callback(client, page_body(path, f"?lang={lang}"))
            assert response.status_code == 200, (path, lang, response.status_code)
    failed = [r.getMessage() for r in caplog.records if r.name == "callbacks.first_view"]
    assert not failed, failed


@pytest.mark.parametrize("path", sorted(FILLED))
def test_the_first_view_is_in_the_pages_first_response(as_role, path):
    response = post_callback(as_role("staff"), page_body(path, "?lang=en"))
    assert response.status_code == 200
    component, prop = FILLED[path]
    assert components(response)[component].get(prop), (path, component, prop)
