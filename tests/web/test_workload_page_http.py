"""/workload over raw HTTP: only those who see every court open it, its callbacks answer
them and refuse anyone else on the server, and the judge year's form is for those who
edit targets (set and undone, audited)."""

from __future__ import annotations

import json

from sqlalchemy import text

from layouts import ids
from layouts.params import page_state
from tests.web.conftest import components, page_body, post_callback


def _body(app, output_start: str, inputs: list[tuple], state: list | None = None,
          changed: int = 0) -> dict:
    """What dash-renderer POSTs for the callback whose output begins with
    ``output_start``, fired by ``inputs`` [(id, property, value), ...]."""
    for cb in app._callback_list:
        if output_start in cb["output"]:
            parts = cb["output"][2:-2].split("...") if cb["output"].startswith("..") \
                else [cb["output"]]
            outputs = []
            for part in parts:
                ident, prop = part.rsplit(".", 1)
                outputs.append({"id": json.loads(ident) if ident.startswith("{") else ident,
                                "property": prop})
            first = inputs[changed][0]
            if isinstance(first, dict):
                first = json.dumps(first, sort_keys=True, separators=(",", ":"))
            return {"output": cb["output"],
                    "outputs": outputs if len(outputs) > 1 else outputs[0],
                    "inputs": [{"id": i, "property": p, "value": v} for i, p, v in inputs],
                    "changedPropIds": [f"{first}.{inputs[changed][1]}"],
                    "state": [{"id": i, "property": p, "value": v} for i, p, v in state or []]}
    raise LookupError(output_start)


def _state(lang: str = "en") -> dict:
    return {**page_state({"lang": lang}), "page": "workload"}


def _page(client, lang="en"):
    """/workload as rendered with its first view (callbacks.first_view)."""
    return post_callback(client, page_body("/workload", f"?lang={lang}"))


def test_staff_and_analysts_open_the_page_a_judge_does_not(as_role):
    assert as_role("analyst").get("/workload").status_code == 200
    assert as_role("staff").get("/workload?lang=kk").status_code == 200
    assert as_role("judge").get("/workload").status_code == 403


def test_the_page_callback_answers_in_three_languages_and_refuses_a_judge(app, as_role):
    analyst = as_role("analyst")
    for lang, words in (("en", "judges and"), ("ru", "судей"), ("kk", "судья")):
        response = _page(analyst, lang)
        assert response.status_code == 200, response.get_data(as_text=True)[:300]
        summary = components(response)[ids.WORKLOAD_SUMMARY]["children"]
        assert "2025" in summary and words in summary
    judge = _page(as_role("judge"))
    assert judge.status_code in (200, 403)
    assert "judges and" not in judge.get_data(as_text=True)
    # A change of the reallocation's scope is a callback of its own.
    proposal = _body(app, '"chart":"workload-proposal"',
                     [(ids.WORKLOAD_WITHIN, "value", "nation"),
                      (ids.WORKLOAD_MESSAGE, "children", None)],
                     [(ids.page_state("workload"), "data", _state())])
    answer = post_callback(analyst, proposal)
    assert answer.status_code == 200
    assert "Move " in json.dumps(answer.get_json(), ensure_ascii=False)
    assert post_callback(as_role("judge"), proposal).status_code == 403


def test_the_judge_year_form_is_for_those_who_edit_targets(app, as_role):
    def form(days, hours, trigger=ids.WORKLOAD_SAVE):
        undo = trigger == ids.WORKLOAD_UNDO
        return _body(app, ids.WORKLOAD_MESSAGE + ".children",
                     [(ids.WORKLOAD_SAVE, "n_clicks", None if undo else 1),
                      (ids.WORKLOAD_UNDO, "n_clicks", 1 if undo else None)],
                     [(ids.WORKLOAD_DAYS, "value", days), (ids.WORKLOAD_HOURS, "value", hours),
                      (ids.page_state("workload"), "data", _state())], changed=int(undo))

    analyst = post_callback(as_role("analyst"), form(210, 6))
    assert analyst.status_code == 403
    staff = as_role("staff")
    bad = post_callback(staff, form(0, 6))
    assert bad.status_code == 200 and "Not saved" in bad.get_data(as_text=True)
    saved = post_callback(staff, form(210, 6.5))
    assert "Saved: 210 days of 6.5 hours" in saved.get_data(as_text=True)
    undone = post_callback(staff, form(None, None, ids.WORKLOAD_UNDO))
    assert "Saved: 220 days of 6 hours" in undone.get_data(as_text=True)
    engine = app.server.extensions["court_kpi_services"].engine
    with engine.connect() as conn:
        actions = conn.execute(text("SELECT username FROM audit_log WHERE action = "
                                    "'judge_year_change'")).scalars().all()
    assert actions.count("u-staff") == 2


def test_the_court_profile_has_a_workload_card_scoped_to_the_viewer(app, as_role):
    from tests.web.conftest import JUDGE_COURT

    def card(court: str, lang: str = "en") -> str:
        # The card is computed as the court profile is rendered (callbacks.first_view).
        response = post_callback(judge, page_body(f"/court/{court}", f"?lang={lang}"))
        assert response.status_code == 200, response.get_data(as_text=True)[:300]
        return json.dumps(components(response).get(ids.COURT_WORKLOAD), ensure_ascii=False)

    judge = as_role("judge")
    own = card(JUDGE_COURT)
    assert "this court's weighted caseload needs" in own and "never of a judge" in own
    assert "Need ratio of" in own and "/workload" not in own  # no link to a page not theirs
    assert "судей" in card(JUDGE_COURT, "ru")
    other = card("KZ11-D01")
    assert "caseload needs" not in other


def test_the_simulators_judges_lever_starts_from_the_judges_needed(app, as_role):
    from tests.web.conftest import JUDGE_COURT

    def start(role: str, unit: str):
        body = _body(app, ids.WORKLOAD_SIM_NOTE + ".children",
                     [(ids.WORKLOAD_SIM_NEEDED, "n_clicks", 1)],
                     [("simulate-unit", "value", unit),
                      (ids.page_state("simulate"), "data",
                       {**page_state({"lang": "en"}), "page": "simulate"})])
        response = post_callback(as_role(role), body)
        assert response.status_code == 200, response.get_data(as_text=True)[:300]
        return response.get_json()["response"]

    staff = as_role("staff")
    rows = staff.get(f"/api/v1/workload?level=court&code={JUDGE_COURT}").get_json()
    needed = rows[0]["judges_needed"]
    got = start("judge", JUDGE_COURT)
    assert got["simulate-judges"]["value"] == max(1, round(needed))
    assert "Judges needed by the court's weighted caseload in 2025" in json.dumps(got)
    # Another court, or a region, is not a court the judge may start from.
    other = start("judge", "KZ11-D01")
    assert "simulate-judges" not in other
    assert "Choose a court" in json.dumps(start("staff", "KZ-10"))


def test_the_weights_download_is_a_case_weights_file_that_uploads_again(app, as_role):
    import base64

    from data.ingest.readers import read_table
    from data.ingest.validate import Context, validate

    body = _body(app, ids.WORKLOAD_WEIGHTS_DOWNLOAD + ".data",
                 [(ids.WORKLOAD_WEIGHTS_CSV, "n_clicks", 1)])
    assert post_callback(as_role("judge"), body).status_code == 403
    response = post_callback(as_role("analyst"), body)
    assert response.status_code == 200
    sent = response.get_json()["response"][ids.WORKLOAD_WEIGHTS_DOWNLOAD]["data"]
    assert sent["filename"] == "case_weights.csv"
    content = base64.b64decode(sent["content"])
    result = validate(read_table(content, "case_weights.csv"), None, Context())
    assert result.kind == "case_weights" and not result.errors
    assert len(result.frame) == 12
