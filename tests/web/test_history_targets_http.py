"""Upload history and targets over raw HTTP: the role checks hold without a browser."""

from __future__ import annotations

from sqlalchemy import text

from data.store.db import make_engine
from layouts import targets_view as tv
from layouts import uploads_view as uv
from layouts.params import page_state
from tests.web.conftest import callback_body, post_callback

STATE_UPLOADS = {**page_state({}), "lang": "en", "page": "uploads"}
STATE_TARGETS = {**page_state({}), "lang": "en", "page": "targets"}


def snapshot(demo_db) -> dict:
    engine = make_engine(demo_db)
    with engine.connect() as conn:
        out = {
            "uploads": conn.execute(text("SELECT id, status FROM uploads ORDER BY id")).all(),
            "targets": conn.execute(text("SELECT kpi, year, court_code, target, tolerance, "
                                         "illustrative FROM targets ORDER BY kpi, year, "
                                         "court_code")).all(),
            "changes": conn.execute(text("SELECT COUNT(*) FROM target_changes")).scalar(),
            "caseload": conn.execute(text("SELECT * FROM caseload ORDER BY court_code, year, "
                                          "category")).all(),
        }
    engine.dispose()
    return out


def last_loaded_caseload(demo_db) -> int:
    engine = make_engine(demo_db)
    with engine.connect() as conn:
        upload_id = conn.execute(text("SELECT MAX(id) FROM uploads WHERE kind = 'caseload' "
                                      "AND status = 'loaded'")).scalar()
    engine.dispose()
    return int(upload_id)


def edited_row(target: str) -> dict:
    return {"kpi": "clearance_rate", "year": 2025, "court_code": "", "target": target,
            "tolerance": "5", "shown_target": "100", "shown_tolerance": "5",
            "orig_target": 100.0, "orig_tolerance": 5.0}


def test_staff_cannot_undo_an_upload(app, as_role, demo_db):
    upload_id = last_loaded_caseload(demo_db)
    before = snapshot(demo_db)
    staff = as_role("staff")
    confirm = callback_body(app, uv.CONFIRM, "n_clicks", 1,
                            state=[upload_id, STATE_UPLOADS, 0])
    assert post_callback(staff, confirm).status_code == 403
    ask = callback_body(app, uv.UNDO, "n_clicks", 1,
                        state=[[{"id": upload_id, "status_code": "loaded"}], STATE_UPLOADS])
    assert post_callback(staff, ask).status_code == 403
    assert snapshot(demo_db) == before
    # Staff may see the history and download a report.
    report = callback_body(app, uv.REPORT, "n_clicks", 1,
                           state=[[{"id": upload_id}], STATE_UPLOADS])
    response = post_callback(staff, report)
    assert response.status_code == 200 and "report.csv" in response.get_data(as_text=True)


def test_analyst_may_ask_to_undo_and_is_told_what_would_happen(app, as_role, demo_db):
    upload_id = last_loaded_caseload(demo_db)
    before = snapshot(demo_db)
    analyst = as_role("analyst")
    ask = callback_body(app, uv.UNDO, "n_clicks", 1,
                        state=[[{"id": upload_id, "status_code": "loaded"}], STATE_UPLOADS])
    response = post_callback(analyst, ask)
    assert response.status_code == 200
    assert "Rows it added, which will be removed" in response.get_data(as_text=True)
    assert snapshot(demo_db) == before  # asking changes nothing


def test_analyst_cannot_save_or_import_targets(app, as_role, demo_db):
    before = snapshot(demo_db)
    analyst = as_role("analyst")
    pending = {"clearance_rate|2025|": edited_row("50")}
    save = callback_body(app, tv.SAVE, "n_clicks", 1, state=[pending, STATE_TARGETS, 0])
    assert post_callback(analyst, save).status_code == 403
    csv = "data:text/csv;base64,a3BpLHllYXIsdGFyZ2V0CmNsZWFyYW5jZV9yYXRlLDIwMjUsNTAK"
    upload = callback_body(app, tv.IMPORT, "contents", csv,
                           state=["t.csv", STATE_TARGETS, 0])
    assert post_callback(analyst, upload).status_code == 403
    assert snapshot(demo_db) == before


def test_staff_reaches_the_save_callback(app, as_role, demo_db):
    """The same request from a role that may edit gets through (nothing to change here,
    so the shared database stays as it is)."""
    before = snapshot(demo_db)
    staff = as_role("staff")
    unchanged = {"clearance_rate|2025|": edited_row("100")}
    save = callback_body(app, tv.SAVE, "n_clicks", 1, state=[unchanged, STATE_TARGETS, 0])
    response = post_callback(staff, save)
    assert response.status_code == 200
    assert "There are no changes to save." in response.get_data(as_text=True)
    # A wrong value is refused with the contract's message, nothing written.
    save = callback_body(app, tv.SAVE, "n_clicks", 1,
                         state=[{"k": edited_row("-5")}, STATE_TARGETS, 0])
    body = post_callback(staff, save).get_data(as_text=True)
    assert "Nothing was saved" in body and "cannot be negative" in body
    assert snapshot(demo_db) == before


def test_judge_gets_403_on_history_and_targets(app, as_role):
    judge = as_role("judge")
    for path in ("/uploads", "/targets"):
        assert judge.get(path, headers={"Accept": "text/html"}).status_code == 403, path
    report = callback_body(app, uv.REPORT, "n_clicks", 1, state=[[{"id": 1}], STATE_UPLOADS])
    assert post_callback(judge, report).status_code == 403
    export = callback_body(app, tv.EXPORT, "n_clicks", 1, state=[""])
    assert post_callback(judge, export).status_code == 403
    grid = callback_body(app, tv.GRID, "cellValueChanged", [], state=[{}])
    assert post_callback(judge, grid).status_code == 403
