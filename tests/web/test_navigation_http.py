"""The menus come from the page registry (each page's ``nav=``), in the same order and
with the same permissions as the list they replace; each role sees its own links."""

from __future__ import annotations

from data.accounts.access import MANAGE_USERS, PUBLISH, READ_AUDIT, UPLOAD, VIEW_ALL

EXPECTED = [("nav.scorecard", "/", None, None),
            ("nav.explorer", "/kpi/clearance_rate", None, None),
            ("nav.outlook", "/outlook", None, None), ("nav.simulate", "/simulate", None, None),
            ("nav.compare", "/compare", None, None),
            ("nav.workload", "/workload", VIEW_ALL, None),
            ("nav.coverage", "/coverage", VIEW_ALL, "nav.data"),
            ("nav.upload", "/upload", UPLOAD, "nav.data"),
            ("nav.uploads", "/uploads", VIEW_ALL, "nav.data"),
            ("nav.targets", "/targets", VIEW_ALL, "nav.data"),
            ("nav.notes", "/notes", None, "nav.data"),
            ("nav.releases", "/releases", PUBLISH, "nav.data"),
            ("nav.users", "/admin/users", MANAGE_USERS, "nav.admin"),
            ("nav.audit", "/audit", READ_AUDIT, "nav.admin")]


def test_the_menu_is_built_from_the_pages(app):
    from layouts.shell import nav_entries

    assert nav_entries() == EXPECTED


def test_each_role_sees_the_links_it_may_use(as_role):
    seen = {}
    for role in ("admin", "staff", "analyst", "judge"):
        layout = as_role(role).get("/_dash-layout").get_data(as_text=True)
        # Dash writes "/" as \u002f in the layout's JSON.
        seen[role] = {href for _k, href, _p, _m in EXPECTED
                      if '"href":"{}"'.format(href.replace("/", "\\u002f")) in layout}
    everyone = {"/", "/kpi/clearance_rate", "/outlook", "/simulate", "/compare", "/notes"}
    data = {"/coverage", "/uploads", "/targets", "/workload"}
    assert seen["judge"] == everyone
    assert seen["analyst"] == everyone | data | {"/upload"}
    assert seen["staff"] == everyone | data | {"/releases"}
    assert seen["admin"] == {href for _k, href, _p, _m in EXPECTED}
