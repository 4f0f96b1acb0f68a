"""``/simulate`` over raw HTTP: the CLI's arithmetic, the access rules, forged levers."""

from __future__ import annotations

import json

import pytest

from data import repository
from data.db import make_engine
from kpi.simulate import simulate, start_from_flow
from layouts import ids
from tests.web.conftest import JUDGE_COURT, OTHER_COURT, post_callback


def _body(app, values: dict) -> dict:
    for cb in app._callback_list:
        if ids.SIM_SUMMARY in cb["output"]:
            outputs = []
            for part in cb["output"][2:-2].split("..."):
                ident, prop = part.rsplit(".", 1)
                outputs.append({"id": json.loads(ident) if ident.startswith("{") else ident,
                                "property": prop})
            return {"output": cb["output"], "outputs": outputs, "changedPropIds": [],
                    "inputs": [{"id": d["id"], "property": d["property"],
                                "value": values.get(d["id"])} for d in cb["inputs"]],
                    "state": [{"id": ids.page_state("simulate"), "property": "data",
                               "value": {"lang": "en", "page": "simulate"}}]}
    raise LookupError("no simulator callback")


def _run(app, client, **levers) -> dict:
    values = {ids.SIM_UNIT: "KZ", ids.SIM_CATEGORY: "all", ids.SIM_HORIZON: 2029,
              ids.SIM_INCOMING: 0, ids.SIM_CLEARANCE: None, ids.SIM_JUDGES: None}
    values.update({getattr(ids, f"SIM_{k.upper()}"): v for k, v in levers.items()})
    response = post_callback(client, _body(app, values))
    assert response.status_code == 200, response.get_data(as_text=True)[:300]
    return response.get_json()["response"]


def test_the_nation_as_the_cli_computes_it(app, as_role, demo_db):
    got = _run(app, as_role("staff"), incoming=5, clearance=102)
    engine = make_engine(demo_db)
    with engine.connect() as conn:
        want = simulate(start_from_flow(repository.case_flow(conn, "national", "KZ", "all")),
                        2029, 5.0, 102.0)
    engine.dispose()
    table = got[json.dumps(ids.chart(ids.CHART_DATA, "simulate"), sort_keys=True,
                           separators=(",", ":"))]["data"]
    assert [row[0] for row in table["rows"]] == list(want["year"])
    assert [row[3] for row in table["rows"]] == pytest.approx(list(want["pending_end"]))
    assert "with incoming +5.0 % a year and a clearance rate of 102.0 %" in \
        got[ids.SIM_SUMMARY]["children"]


def test_a_judge_simulates_their_court_not_another(app, as_role):
    judge = as_role("judge")
    own = _run(app, judge, unit=JUDGE_COURT, judges=10)
    assert "10 judges in post" in own[ids.SIM_SUMMARY]["children"]
    other = _run(app, judge, unit=OTHER_COURT)
    assert other[ids.SIM_SUMMARY]["children"].startswith("You do not have access")
    assert OTHER_COURT not in json.dumps(other)


@pytest.mark.parametrize("levers", [
    {"incoming": "lots"}, {"incoming": 1e9}, {"clearance": -5}, {"judges": [3]},
    {"unit": {"x": 1}}, {"category": 7, "horizon": "soon"}, {"clearance": True},
])
def test_forged_levers_get_a_sentence_not_an_error(app, as_role, levers):
    got = _run(app, as_role("staff"), **levers)
    assert got[ids.SIM_SUMMARY]["children"]
