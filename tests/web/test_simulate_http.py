"""``/simulate`` over raw HTTP (Flask's test client): what an attacker without a browser
can send. The CLI's numbers for the nation, a judge's own court and not another's,
forged levers answered with a sentence or a 4xx, never a 500."""

from __future__ import annotations

import json

import pytest

from data.store import repository
from data.store.db import make_engine
from kpi.simulate import simulate, start_from_flow
from layouts import ids
from layouts import simulate_view as v
from layouts.format import fmt_number
from layouts.params import page_state
from tests.web.conftest import (
    JUDGE_COURT,
    OTHER_COURT,
    components,
    page_body,
    post_callback,
)

INPUTS = (v.UNIT, v.CATEGORY, v.HORIZON, v.CHANGE, v.CLEARANCE, v.JUDGES)
GRAPH = json.dumps(ids.chart(ids.CHART_GRAPH, v.CHART), sort_keys=True, separators=(",", ":"))
TABLE = json.dumps(ids.chart(ids.CHART_DATA, v.CHART), sort_keys=True, separators=(",", ":"))


def _outputs(output: str) -> list[dict]:
    outs = []
    for part in output[2:-2].split("..."):
        ident, prop = part.rsplit(".", 1)
        outs.append({"id": json.loads(ident) if ident.startswith("{") else ident,
                     "property": prop})
    return outs


def body(app, unit="KZ", category="all", horizon="2029", change=0, clearance=None,
         judges=None, state=None, base=None) -> dict:
    """The JSON dash-renderer POSTs when a lever of the simulator moves."""
    for cb in app._callback_list:
        if [i["id"] for i in cb["inputs"]] == list(INPUTS):
            values = (unit, category, horizon, change, clearance, judges)
            return {"output": cb["output"], "outputs": _outputs(cb["output"]),
                    "inputs": [{"id": i, "property": "value", "value": x}
                               for i, x in zip(INPUTS, values)],
                    "changedPropIds": [f"{v.CHANGE}.value"],
                    "state": [{"id": ids.page_state("simulate"), "property": "data",
                               "value": {**page_state({"lang": "en"}), "page": "simulate"}
                               if state is None else state},
                              {"id": v.BASE, "property": "data", "value": base}]}
    raise LookupError("no simulator callback")


def answer(client, app, **levers) -> dict:
    response = post_callback(client, body(app, **levers))
    assert response.status_code == 200, response.get_data(as_text=True)[:300]
    return response.get_json()["response"]


def sentence_text(got: dict) -> str:
    return json.dumps(got[v.SENTENCE]["children"], ensure_ascii=False)


@pytest.fixture(scope="module")
def flows(demo_db):
    engine = make_engine(demo_db)
    with engine.connect() as conn:
        out = {"KZ": repository.case_flow(conn, "national", "KZ", "all"),
               JUDGE_COURT: repository.case_flow(conn, "court", JUDGE_COURT, "all"),
               OTHER_COURT: repository.case_flow(conn, "court", OTHER_COURT, "all"),
               "judges": repository.judges_in_post(conn, JUDGE_COURT),
               "other_name": repository.courts(conn).set_index("court_code")
               .loc[OTHER_COURT, "name_en"]}
    engine.dispose()
    return out


def test_anonymous_gets_a_redirect_or_401(app, client):
    page = client.get("/simulate", headers={"Accept": "text/html"})
    assert page.status_code == 302 and page.headers["Location"].startswith("/login?next=")
    response = client.post("/_dash-update-component", json=body(app))
    assert response.status_code == 401
    assert b"pending" not in response.data and b"rows" not in response.data


def test_signed_in_roles_open_the_page(as_role):
    for role in ("admin", "staff", "analyst", "judge"):
        response = as_role(role).get("/simulate", headers={"Accept": "text/html"})
        assert response.status_code == 200, role


def test_staff_simulating_the_nation_gets_the_clis_numbers(app, as_role, flows):
    staff = as_role("staff")
    # The page opens: year L's clearance rate, at full precision, as the CLI's default.
    got = answer(staff, app, change=2)
    want = simulate(start_from_flow(flows["KZ"]), 2029, 2.0, None)
    last = int(want["year"].iloc[0])
    shown = round(float(want["clearance_rate"].iloc[0]), 1)
    assert got[v.CLEARANCE]["value"] == shown
    assert got[v.BASE]["data"] == {"unit": "KZ", "category": "all", "clearance": shown}
    traces = got[GRAPH]["figure"]["data"]
    pending = next(tr for tr in traces if tr["name"] == "Projected (what if)"
                   and tr.get("yaxis", "y") == "y")
    days = next(tr for tr in traces if tr["name"] == "Projected (what if)"
                and tr.get("yaxis") == "y2")
    assert pending["x"] == list(want["year"])
    assert pending["y"] == pytest.approx(list(want["pending_end"]), rel=1e-12)
    assert days["y"] == pytest.approx(list(want["disposition_time"]), rel=1e-12)
    rows = got[TABLE]["data"]["rows"]
    projected = [r for r in rows if r[0] > last]
    assert [r[0] for r in projected] == list(want["year"].iloc[1:])
    assert [r[4] for r in projected] == [fmt_number(p, 0, "en")
                                         for p in want["pending_end"].iloc[1:]]
    assert [r[2] for r in projected] == [fmt_number(p, 0, "en")
                                         for p in want["incoming"].iloc[1:]]
    text = sentence_text(got)
    assert f"{fmt_number(want['pending_end'].iloc[-1], 0, 'en')} cases will be pending at " \
           f"the end of 2029" in text
    assert "incoming cases +2 % a year" in text

    # Then a rate of their own, as typed: the CLI's --clearance.
    again = answer(staff, app, horizon="2031", change=5, clearance=102,
                   base=got[v.BASE]["data"])
    want = simulate(start_from_flow(flows["KZ"]), 2031, 5.0, 102.0)
    rows = again[TABLE]["data"]["rows"]
    assert rows[-1][0] == 2031 and rows[-1][4] == fmt_number(want["pending_end"].iloc[-1], 0)
    assert "At a clearance rate of 102.0 % and incoming cases +5 % a year" in \
        sentence_text(again)
    assert v.CLEARANCE not in again  # the field keeps what was typed


def test_the_table_downloads_as_csv(app, as_role):
    staff = as_role("staff")
    payload = answer(staff, app)[TABLE]["data"]
    spec = next(cb for cb in app._callback_list if "chart-download" in cb["output"])
    chart = {"chart": v.CHART}
    download = {
        "output": spec["output"],
        "outputs": {"id": {"type": "chart-download", **chart}, "property": "data"},
        "inputs": [{"id": {"type": "chart-csv", **chart}, "property": "n_clicks", "value": 1},
                   {"id": {"type": "chart-xlsx", **chart}, "property": "n_clicks",
                    "value": None}],
        "changedPropIds": [json.dumps({"chart": v.CHART, "type": "chart-csv"},
                                      separators=(",", ":")) + ".n_clicks"],
        "state": [{"id": {"type": "chart-data", **chart}, "property": "data",
                   "value": payload}]}
    response = post_callback(staff, download)
    assert response.status_code == 200, response.get_data(as_text=True)[:300]
    sent = next(iter(response.get_json()["response"].values()))["data"]
    assert sent["filename"] == "simulate-KZ-all-2029.csv"
    import base64

    text = base64.b64decode(sent["content"]).decode("utf-8-sig")
    lines = text.splitlines()
    assert lines[0] == ("Year,Basis,Incoming,Resolved,Pending at year end,"
                        "Disposition time (days),Clearance rate (%)")
    assert lines[-1].startswith("2029,projected,")


def test_a_judge_simulates_their_own_court(app, as_role, flows):
    judge = as_role("judge")
    got = answer(judge, app, unit=JUDGE_COURT)
    assert got[v.JUDGES]["disabled"] is False
    assert got[TABLE]["data"]["filename"] == f"simulate-{JUDGE_COURT}-all-2029"
    base = got[v.BASE]["data"]
    with_judges = answer(judge, app, unit=JUDGE_COURT, judges=3, base=base)
    want = simulate(start_from_flow(flows[JUDGE_COURT], flows["judges"]), 2029, 0.0, None,
                    3.0)
    pending = next(tr for tr in with_judges[GRAPH]["figure"]["data"]
                   if tr["name"] == "Projected (what if)" and tr.get("yaxis", "y") == "y")
    assert pending["y"] == pytest.approx(list(want["pending_end"]), rel=1e-12)
    assert "With 3 judges in post" in sentence_text(with_judges)


def test_a_judge_is_refused_another_court_and_gets_nothing_of_it(app, as_role, flows):
    judge = as_role("judge")
    # The units come with the page (callbacks.first_view).
    options = post_callback(judge, page_body("/simulate", "?lang=en"))
    assert options.status_code == 200
    listed = {o["value"] for o in components(options)[v.UNIT]["options"]}
    assert JUDGE_COURT in listed and "KZ" in listed and OTHER_COURT not in listed
    assert not any(c.startswith("KZ11-") for c in listed)

    for base in (None, {"unit": OTHER_COURT, "category": "all", "clearance": 99.0}):
        response = post_callback(judge, body(app, unit=OTHER_COURT, change=3, judges=4,
                                             base=base))
        assert response.status_code == 200
        text = response.get_data(as_text=True)
        got = response.get_json()["response"]
        assert "You do not have access" in sentence_text(got)
        assert OTHER_COURT not in text and flows["other_name"] not in text
        assert got[TABLE]["data"] is None and got[GRAPH]["figure"]["data"] == []
        assert got[v.CLEARANCE]["value"] is None and got[v.CLEARANCE_HINT]["children"] == ""
        assert got[v.BASE]["data"] is None
        # None of its reported figures, in any notation.
        flow = flows[OTHER_COURT]
        for column in ("incoming", "resolved", "pending_end"):
            for value in flow[column].dropna():
                if value >= 100:  # small numbers occur in any figure's layout
                    assert fmt_number(value, 0, "en") not in text
                    assert f"{value:.1f}" not in text
    # The same court for staff: answered (so the refusal above is the judge's).
    staff = answer(as_role("staff"), app, unit=OTHER_COURT)
    assert staff[TABLE]["data"]["rows"]


FORGED = [
    {"unit": None}, {"unit": 123}, {"unit": {"a": 1}}, {"unit": ["KZ"]}, {"unit": "x" * 500},
    {"unit": "NO-SUCH"}, {"unit": "KZ-75", "judges": 5},
    {"category": None}, {"category": 7}, {"category": {"c": 1}}, {"category": "family"},
    {"horizon": None}, {"horizon": "soon"}, {"horizon": 2020}, {"horizon": [2029]},
    {"horizon": 2029.5}, {"horizon": True},
    {"change": "lots"}, {"change": 1e308}, {"change": -1e9}, {"change": True},
    {"change": [3]}, {"change": {"v": 1}}, {"change": "NaN"}, {"change": "Infinity"},
    {"clearance": -5}, {"clearance": "abc"}, {"clearance": 1e9}, {"clearance": [1]},
    {"clearance": {"x": 1}}, {"clearance": False},
    {"judges": -1}, {"judges": "many"}, {"judges": 1e12}, {"judges": [3]},
    {"base": "x"}, {"base": [1, 2]}, {"base": 5}, {"base": {"unit": ["KZ"], "clearance": "x"}},
    {"base": {"unit": "KZ", "category": "all", "clearance": {"x": 1}}, "clearance": 99},
    {"state": {}}, {"state": {"lang": 5}}, {"state": {"lang": "xx", "category": []}},
]


@pytest.mark.parametrize("levers", FORGED, ids=[json.dumps(f)[:40] for f in FORGED])
def test_forged_inputs_get_a_sentence_not_an_error(app, as_role, levers):
    response = post_callback(as_role("staff"), body(app, **levers))
    assert response.status_code == 200, response.get_data(as_text=True)[:300]
    got = response.get_json()["response"]
    assert got[v.SENTENCE]["children"]


@pytest.mark.parametrize("state", [None, "x", 5, ["lang"]])
def test_a_page_state_that_is_not_an_object_is_a_bad_request(app, as_role, state):
    staff = as_role("staff")
    forged = body(app)
    forged["state"][0]["value"] = state
    assert post_callback(staff, forged).status_code == 400


def test_a_broken_request_body_is_a_4xx(app, as_role):
    staff = as_role("staff")
    forged = body(app)
    forged["inputs"] = forged["inputs"][:2]  # inputs missing
    assert 400 <= post_callback(staff, forged).status_code < 500
    forged = body(app)
    forged["state"] = []
    assert 400 <= post_callback(staff, forged).status_code < 500
