"""Drawn pages kept per content version (callbacks/page_cache.py): the same answer for
the same page, filters, language and kind of viewer while nothing changed; a new
drawing after anything a page shows changed; never one person's page for another
whom the page would show something else."""

from __future__ import annotations

import json
import uuid

import pytest

from callbacks.page_cache import HEADER, Kept, enabled
from data.accounts.access import Viewer
from data.edits import annotations
from layouts.i18n import t
from tests.web.conftest import JUDGE_COURT, OTHER_COURT, page_body, post_callback


def open_page(client, path: str, search: str = ""):
    response = post_callback(client, page_body(path, search))
    assert response.status_code == 200, response.get_data(as_text=True)[:300]
    return response


def shown(response) -> str:
    """The answer's JSON as text, non-Latin letters as themselves."""
    return json.dumps(response.get_json(), ensure_ascii=False)


def unique() -> str:
    """A query no other test asked for: a page this test draws first."""
    return f"?t={uuid.uuid4().hex[:12]}"


@pytest.mark.parametrize("path", ["/", "/kpi/clearance_rate", f"/court/{JUDGE_COURT}",
                                  "/compare", "/outlook", "/simulate", "/coverage",
                                  "/workload"])
def test_a_page_opened_again_is_the_kept_answer(as_role, path):
    staff = as_role("staff")
    search = unique()
    first = open_page(staff, path, search)
    assert first.headers[HEADER] == "drawn"
    again = open_page(as_role("staff"), path, search)  # another person of the same role
    assert again.headers[HEADER] == "kept"
    assert again.get_data() == first.get_data()


@pytest.mark.parametrize("path", ["/targets", "/notes", "/uploads", "/upload",
                                  "/admin/users", "/audit", "/releases"])
def test_pages_of_accounts_edits_and_uploads_are_drawn_every_time(as_role, path):
    admin = as_role("admin")
    for _ in range(2):
        assert HEADER not in open_page(admin, path).headers


def test_a_note_written_edited_and_deleted_shows_at_once(app, as_role):
    staff = as_role("staff")
    search = unique()
    path = f"/court/{JUDGE_COURT}"
    open_page(staff, path, search)
    assert open_page(staff, path, search).headers[HEADER] == "kept"
    engine = app.server.extensions["court_kpi_engine"]
    writer = Viewer("u-staff", "staff")
    text = f"Kept pages note {uuid.uuid4().hex[:6]}"
    note_id = annotations.add(engine, annotations.Note("court", JUDGE_COURT, 2024, "", text),
                              writer)
    try:
        added = open_page(staff, path, search)
        assert added.headers[HEADER] == "drawn"
        assert text in added.get_data(as_text=True)
        assert open_page(staff, path, search).headers[HEADER] == "kept"
        annotations.edit(engine, note_id,
                         annotations.Note("court", JUDGE_COURT, 2024, "", text + " (edited)"),
                         writer)
        edited = open_page(staff, path, search)
        assert edited.headers[HEADER] == "drawn"
        assert text + " (edited)" in edited.get_data(as_text=True)
    finally:
        annotations.remove(engine, note_id, writer)
    # The notes are as before the note was written: the answer kept then is right again.
    removed = open_page(staff, path, search)
    assert text not in removed.get_data(as_text=True)


def test_a_judge_never_gets_a_page_kept_for_staff(as_role):
    search = unique()
    path = f"/court/{OTHER_COURT}"
    staff_page = open_page(as_role("staff"), path, search)
    judge = as_role("judge")
    judges_page = post_callback(judge, page_body(path, search))
    assert judges_page.headers.get(HEADER) == "drawn"
    assert judges_page.get_data() != staff_page.get_data()
    # The scorecard: the judge's page names no court but their own; staff's names them.
    search = unique()
    open_page(as_role("staff"), "/", search)
    mine = open_page(judge, "/", search)
    assert mine.headers[HEADER] == "drawn"
    assert open_page(as_role("judge"), "/", search).headers[HEADER] == "kept"


def test_each_language_is_drawn_and_kept_apart(as_role):
    search = unique()
    staff = as_role("staff")
    answers = {}
    try:
        for lang in ("kk", "en", "kk"):
            staff.get("/lang/" + lang)  # as the switcher does: the cookie, and remembered
            answers.setdefault(lang, []).append(open_page(staff, "/", search))
    finally:
        staff.get("/lang/ru")  # leave the shared demo account as it was
    first_kk, again_kk = answers["kk"]
    (english,) = answers["en"]
    assert [first_kk.headers[HEADER], english.headers[HEADER], again_kk.headers[HEADER]] \
        == ["drawn", "drawn", "kept"]
    assert t("scorecard.title", "kk") in shown(first_kk)
    assert t("scorecard.title", "en") in shown(english)
    assert again_kk.get_data() == first_kk.get_data()


def test_a_part_that_failed_to_draw_is_not_kept(app, as_role, monkeypatch):
    views = app.server.extensions["court_kpi_first_views"]

    def broken(_state):
        raise RuntimeError("a view that fails, as a bug would")

    from dash import Output

    from layouts import ids
    patched = {**views, "scorecard": [*views["scorecard"],
                                      ((Output(ids.SCORECARD_PERIOD, "children"),), broken)]}
    monkeypatch.setitem(app.server.extensions, "court_kpi_first_views", patched)
    search = unique()
    staff = as_role("staff")
    for _ in range(2):
        assert open_page(staff, "/", search).headers[HEADER] == "drawn"


@pytest.mark.parametrize("inputs", [
    None, "x", [], [{"id": "_pages_location", "property": "pathname", "value": ["/"]}],
    [{"id": "_pages_location", "property": "pathname", "value": "/"},
     {"id": "_pages_location", "property": "search", "value": {"a": 1}}],
    [{"id": "_pages_location", "property": "pathname", "value": "/" + "x" * 5000}],
])
def test_a_forged_router_request_is_refused_or_drawn_never_kept_or_500(as_role, inputs):
    body = {**page_body("/"), "inputs": inputs}
    response = post_callback(as_role("staff"), body)
    assert response.status_code < 500
    assert response.headers.get(HEADER) != "kept"


def test_signed_out_gets_401_not_a_kept_page(app, as_role):
    search = unique()
    open_page(as_role("staff"), "/", search)
    response = app.server.test_client().post(
        "/_dash-update-component", data=json.dumps(page_body("/", search)),
        content_type="application/json")
    assert response.status_code in (400, 401, 403)
    assert HEADER not in response.headers


@pytest.mark.parametrize(("config", "environ", "kept"), [
    ({}, {}, True), ({}, {"COURT_KPI_PAGE_CACHE": "0"}, False),
    ({}, {"COURT_KPI_PAGE_CACHE": "off"}, False), ({"PAGE_CACHE": "1"},
                                                    {"COURT_KPI_PAGE_CACHE": "0"}, True),
    ({"PAGE_CACHE": "false"}, {}, False), ({}, {"COURT_KPI_PAGE_CACHE": "yes"}, True),
])
def test_the_switch(config, environ, kept):
    assert enabled(config, environ) is kept


def test_a_worker_keeps_the_newest_answers_up_to_its_bytes():
    kept = Kept(10)
    kept.set("a", b"1234")
    kept.set("b", b"5678")
    assert kept.get("a") == b"1234"  # now the newest
    kept.set("c", b"90ab")  # 12 bytes: the oldest, "b", goes
    assert (kept.get("a"), kept.get("b"), kept.get("c")) == (b"1234", None, b"90ab")
    kept.set("big", b"x" * 11)  # larger than the whole cache: not kept, nothing lost
    assert kept.get("big") is None and kept.get("a") == b"1234"
