"""The simulator page's pure parts (layouts/simulate_view.py, callbacks/simulate.py),
checked against numbers worked out by hand from the spec's formulas
(shared/spec/outlook.md, "Case-flow simulator")."""

from __future__ import annotations

import math

import pandas as pd
import pytest
from dash import no_update

from callbacks import simulate as cb
from data.accounts.access import Viewer
from kpi.simulate import Start, simulate, start_from_flow
from layouts import simulate_view as v
from layouts.i18n import t
from tests.plotly_checked import checked

NNBSP = "\u202f"  # the thousands separator of Kazakh and Russian

# Year L = 2024: 12 000 incoming, 11 400 resolved (95 %), 3 000 pending, 8 judges.
FLOW = pd.DataFrame({"year": [2022, 2023, 2024], "pending_start": [None, 2000, 2400],
                     "incoming": [10000.0, 11000.0, 12000.0],
                     "resolved": [0.0, 11000.0, 11400.0],
                     "pending_end": [2000.0, 2400.0, 3000.0]})
START = Start(2024, 12000.0, 11400.0, 3000.0, 8.0)

# Incoming +2 % a year at year L's 95 %, by hand:
#   2025: I = 12 240, R = 11 628, P = 3 000 + 12 240 − 11 628 = 3 612
#   2026: I = 12 484.8, R = 11 860.56, P = 3 612 + 12 484.8 − 11 860.56 = 4 236.24
PENDING = [3000.0, 3612.0, 4236.24]
DAYS = [365 * 3000 / 11400, 365 * 3612 / 11628, 365 * 4236.24 / 11860.56]


def levers(**kw) -> v.Levers:
    base = {"unit": "KZ", "category": "all", "horizon": 2026, "incoming_change": 2.0,
            "clearance": None, "judges": None}
    return v.Levers(**{**base, **kw})


def projection(**kw):
    lv = levers(**kw)
    return simulate(START, lv.horizon, lv.incoming_change, lv.clearance, lv.judges)


# --- the levers as sent --------------------------------------------------------------


def test_levers_are_read_and_typed():
    got = v.read_levers(" KZ-75 ", "civil", "2031", 2, "97.5", None)
    assert got == v.Levers("KZ-75", "civil", 2031, 2.0, 97.5, None)
    # Empty fields: no change, the clearance rate of year L, no judges lever.
    assert v.read_levers("KZ", "all", 2029, None, "", " ") == v.Levers(
        "KZ", "all", 2029, 0.0, None, None)
    assert v.read_levers("KZ", "all", 2035, -20, 0, 500).judges == 500.0


@pytest.mark.parametrize("values, key", [
    ((None, "all", 2029, 0, None, None), "simulate.bad.unit"),
    (({"x": 1}, "all", 2029, 0, None, None), "simulate.bad.unit"),
    (("K" * 65, "all", 2029, 0, None, None), "simulate.bad.unit"),
    (("KZ", 7, 2029, 0, None, None), "simulate.bad.category"),
    (("KZ", "family", 2029, 0, None, None), "simulate.bad.category"),
    (("KZ", "all", "soon", 0, None, None), "simulate.bad.horizon"),
    (("KZ", "all", 2025, 0, None, None), "simulate.bad.horizon"),
    (("KZ", "all", True, 0, None, None), "simulate.bad.horizon"),
    (("KZ", "all", 2029.5, 0, None, None), "simulate.bad.horizon"),
    (("KZ", "all", 2029, "lots", None, None), "simulate.bad.change"),
    (("KZ", "all", 2029, 1e9, None, None), "simulate.bad.change"),
    (("KZ", "all", 2029, True, None, None), "simulate.bad.change"),
    (("KZ", "all", 2029, [3], None, None), "simulate.bad.change"),
    (("KZ", "all", 2029, 0, -5, None), "simulate.bad.clearance"),
    (("KZ", "all", 2029, 0, float("nan"), None), "simulate.bad.clearance"),
    (("KZ", "all", 2029, 0, "inf", None), "simulate.bad.clearance"),
    (("KZ", "all", 2029, 0, None, 501), "simulate.bad.judges"),
    (("KZ", "all", 2029, 0, None, {"n": 3}), "simulate.bad.judges"),
])
def test_forged_levers_are_refused_with_a_message(values, key):
    with pytest.raises(v.LeverError) as err:
        v.read_levers(*values)
    assert err.value.key == key
    assert err.value.message("ru") != key and "{" not in err.value.message("en")


def test_a_lever_message_says_the_range_in_the_language():
    with pytest.raises(v.LeverError) as err:
        v.read_levers("KZ", "all", 2029, 25, None, None)
    assert err.value.message("en") == \
        "The change of incoming cases is a number from −20 to 20 %."
    assert err.value.message("ru") == "Изменение поступления — число от −20 до 20 %."


def test_the_judges_lever_is_for_one_court_all_categories():
    assert v.judges_allowed("court", "all")
    assert not v.judges_allowed("court", "civil")
    assert not v.judges_allowed("region", "all")
    assert not v.judges_allowed("national", "all")


# --- year L and the reported years ---------------------------------------------------


def test_year_l_values_as_the_fields_show_them():
    assert v.last_clearance(START) == 95.0
    assert v.shown_clearance(Start(2024, 3.0, 2.0, 1.0)) == 66.7  # 66.666… shown to 0.1
    assert v.per_judge(START) == 1425.0  # 11 400 / 8
    assert v.last_clearance(Start(2024, 0.0, 5.0, 1.0)) is None
    assert v.per_judge(Start(2024, 10.0, None, 1.0, 3.0)) is None
    assert v.per_judge(Start(2024, 10.0, 9.0, 1.0, None)) is None


def test_reported_years_have_the_ratios_of_year_l():
    rows = v.reported_frame(FLOW, 2024)
    assert list(rows.columns) == v.COLUMNS and list(rows["year"]) == [2022, 2023, 2024]
    # 2022 resolved nothing: no disposition time (never a division by zero), clearance 0.
    assert math.isnan(rows["disposition_time"].iloc[0])
    assert rows["clearance_rate"].iloc[0] == 0.0
    assert rows["disposition_time"].iloc[1] == pytest.approx(365 * 2400 / 11000)
    assert rows["clearance_rate"].iloc[1] == pytest.approx(100.0)
    assert rows["disposition_time"].iloc[2] == pytest.approx(365 * 3000 / 11400)
    assert list(v.reported_frame(FLOW, 2023)["year"]) == [2022, 2023]


def test_the_timeline_is_the_reported_years_then_the_projection():
    rows = v.timeline(v.reported_frame(FLOW, 2024), projection())
    assert list(rows["year"]) == [2022, 2023, 2024, 2025, 2026]
    assert list(rows["projected"]) == [False, False, False, True, True]
    assert list(rows["pending_end"]) == pytest.approx([2000.0, 2400.0, *PENDING])
    assert list(rows["disposition_time"].iloc[2:]) == pytest.approx(DAYS)


# --- the table -----------------------------------------------------------------------


def test_table_rows_are_rounded_as_the_page_rounds():
    rows = v.timeline(v.reported_frame(FLOW, 2024), projection())
    en = v.table_rows(rows, "en")
    assert list(en.columns) == list(v.TABLE_COLUMNS)
    assert en.iloc[-1].tolist() == [2026, "projected", "12,485", "11,861", "4,236", "130",
                                    "95.0"]
    assert en.iloc[2].tolist() == [2024, "reported", "12,000", "11,400", "3,000", "96", "95.0"]
    assert en.iloc[0]["disposition_time"] is None  # no case resolved in 2022
    ru = v.table_rows(rows, "ru")
    assert ru.iloc[-1].tolist() == [2026, "расчёт", f"12{NNBSP}485", f"11{NNBSP}861",
                                    f"4{NNBSP}236", "130", "95,0"]
    assert ru.iloc[0]["basis"] == "по отчёту"


def test_table_payload_feeds_the_chart_card():
    rows = v.timeline(v.reported_frame(FLOW, 2024), projection())
    payload = v.table_payload(rows, "en", "simulate-KZ-all-2026")
    assert payload["columns"] == ["Year", "Basis", "Incoming", "Resolved",
                                  "Pending at year end", "Disposition time (days)",
                                  "Clearance rate (%)"]
    assert len(payload["rows"]) == 5 and payload["filename"] == "simulate-KZ-all-2026"
    assert payload["rows"][0][5] is None  # an empty cell, not "nan"


# --- the words -----------------------------------------------------------------------


def test_signed_percent():
    assert v.signed_percent(2, "en") == "+2 %"
    assert v.signed_percent(-1.5, "en") == "−1.5 %"
    assert v.signed_percent(-1.5, "ru") == "−1,5 %"
    assert v.signed_percent(0, "kk") == "±0 %"
    assert v.signed_percent(0.04, "en") == "±0 %"  # rounds to nothing: no sign


def test_judges_agree_with_their_number():
    assert v.judges_text(1, "en") == "1 judge"
    assert v.judges_text(5, "en") == "5 judges"
    assert [v.judges_text(n, "ru") for n in (1, 2, 5, 21, 2.5)] == [
        "1 судья", "2 судьи", "5 судей", "21 судья", "2,5 судьи"]
    assert v.judges_text(12, "kk") == "12 судья"


def test_sentence_at_a_clearance_rate():
    words = v.sentence(projection(), levers(), START, "en", 60.0, illustrative=True)
    assert words == [
        "At a clearance rate of 95.0 % and incoming cases +2 % a year, 4,236 cases will be "
        "pending at the end of 2026 and disposition time will be 130 days.",
        "In 2024, as reported: 3,000 cases pending, disposition time 96 days.",
        "The national target for 2026 is 60 days (illustrative).",
    ]
    ru = v.sentence(projection(), levers(), START, "ru")
    assert ru[0] == ("При коэффициенте рассмотрения 95,0 % и изменении поступления на +2 % в "
                     f"год остаток неоконченных дел к концу 2026 года составит 4{NNBSP}236 дел, "
                     "а расчётный срок рассмотрения — 130 дней.")
    assert len(ru) == 2  # no target, no third sentence


def test_sentence_with_a_chosen_rate_says_that_rate():
    # 98 % of 12 240 = 11 995.2 resolved in 2025; 12 484.8 × 0.98 = 12 235.104 in 2026:
    # pending 3 000 + 12 240 − 11 995.2 = 3 244.8, then + 12 484.8 − 12 235.104 = 3 494.496.
    frame = projection(clearance=98.0)
    assert frame["pending_end"].iloc[-1] == pytest.approx(3494.496)
    words = v.sentence(frame, levers(clearance=98.0), START, "en")
    assert words[0].startswith("At a clearance rate of 98.0 % and incoming cases +2 % a year, "
                               "3,494 cases will be pending at the end of 2026")


def test_sentence_with_judges_in_post():
    # 10 judges × 1 425 = 14 250 a year. 2025: 3 000 + 12 240 = 15 240 to resolve,
    # 14 250 resolved, 990 left (365 × 990 / 14 250 = 25.4 days). 2026: 990 + 12 484.8 =
    # 13 474.8 to resolve, fewer than 14 250: all resolved, none pending, 0 days.
    frame = projection(judges=10.0, incoming_change=2.0)
    assert frame["pending_end"].tolist() == pytest.approx([3000.0, 990.0, 0.0])
    words = v.sentence(frame, levers(judges=10.0), START, "en")
    assert words[0] == ("With 10 judges in post (1,425 cases resolved per judge a year, as in "
                        "2024) and incoming cases +2 % a year, 0 cases will be pending at the "
                        "end of 2026 and disposition time will be 0 days.")
    assert v.sentence(frame, levers(judges=10.0), START, "ru")[0].startswith(
        f"Если в должности 10 судей (1{NNBSP}425 дел на судью в год, как в 2024 году)")


def test_sentence_when_nothing_is_resolved():
    frame = projection(clearance=0.0)
    assert math.isnan(frame["disposition_time"].iloc[-1])
    words = v.sentence(frame, levers(clearance=0.0), START, "en")
    assert words[0].endswith("disposition time will be undefined (no case resolved).")
    assert "не определяется" in v.sentence(frame, levers(clearance=0.0), START, "ru")[0]


def test_hints():
    assert v.clearance_hint(START, "en") == "2024 as reported: 95.0 %. Empty = that rate."
    assert v.clearance_hint(Start(2024, 10.0, None, 1.0), "en") == \
        "No clearance rate for 2024: enter one."
    assert v.judges_hint(START, True, "en") == (
        "2024: 8 judges in post, 1,425 cases resolved per judge. Empty = use the clearance "
        "rate.")
    assert v.judges_hint(START, False, "en") == t("simulate.hint.judges_off", "en")
    assert v.judges_hint(Start(2024, 10.0, 9.0, 1.0), True, "ru") == \
        "Число судей за 2024 год не представлено: используется коэффициент рассмотрения."


# --- the chart -----------------------------------------------------------------------


TARGETS = pd.DataFrame({"year": [2020, 2024, 2025, 2026, 2027], "target": [99, 90, 80, 70, 60],
                        "illustrative": [True] * 5})


def test_figure_draws_reported_solid_and_projection_dashed():
    rows = v.timeline(v.reported_frame(FLOW, 2024), projection())
    fig = checked(v.simulation_figure(rows, TARGETS, "en"))
    traces = {(tr.name, tr.yaxis): tr for tr in fig.data}
    reported = traces[("Reported", "y")]
    assert list(reported.x) == [2022, 2023, 2024]
    assert list(reported.y) == [2000.0, 2400.0, 3000.0]
    assert reported.line.dash == "solid" and reported.showlegend
    ahead = traces[("Projected (what if)", "y")]
    # The projection starts at year L, so the dashed line continues the solid one.
    assert list(ahead.x) == [2024, 2025, 2026]
    assert list(ahead.y) == pytest.approx(PENDING)
    assert ahead.line.dash == "dash" and ahead.line.color != reported.line.color
    days = traces[("Projected (what if)", "y2")]
    assert list(days.y) == pytest.approx(DAYS) and not days.showlegend
    reported_days = traces[("Reported", "y2")]
    assert reported_days.y[0] is None  # 2022: no case resolved, a gap, never 0
    # The target only for the years shown, in the lower panel, dotted.
    target = traces[("National target (illustrative)", "y2")]
    assert list(target.x) == [2024, 2025, 2026] and list(target.y) == [90.0, 80.0, 70.0]
    assert target.line.dash == "dot"
    # The projected years are shaded, from year L to past the horizon.
    assert fig.layout.shapes and all(s.x0 == 2024 for s in fig.layout.shapes)
    meta = dict(fig.layout.meta)
    assert meta.pop("summary").endswith("values, 2022–2026")  # its text alternative
    assert meta == {"chart": "simulate", "last_year": 2024, "horizon": 2026}
    assert "2026 (projected): 4,236 cases" in ahead.hovertext[-1]


def test_figure_in_russian_uses_its_notation_and_words():
    rows = v.timeline(v.reported_frame(FLOW, 2024), projection())
    fig = checked(v.simulation_figure(rows, None, "ru"))
    assert fig.layout.separators == f",{NNBSP}"
    assert {tr.name for tr in fig.data} == {"По отчёту", "Расчёт «что если»"}
    titles = [a.text for a in fig.layout.annotations]
    assert titles == ["Остаток дел на конец года", "Расчётный срок, дней"]
    assert f"2026 (расчёт): 4{NNBSP}236 дел" in fig.data[1].hovertext[-1]


# --- the callbacks' pure parts --------------------------------------------------------


JUDGE = Viewer("j", "judge", "KZ10-D01")
STAFF = Viewer("s", "staff")
REGIONS, COURTS = {"KZ-10", "KZ-11"}, {"KZ10-D01", "KZ11-D01"}


def test_unit_level_and_access():
    assert cb.unit_level("KZ", REGIONS, COURTS, JUDGE) == "national"
    assert cb.unit_level("KZ-11", REGIONS, COURTS, JUDGE) == "region"
    assert cb.unit_level("KZ10-D01", REGIONS, COURTS, JUDGE) == "court"
    # Another court is refused whether or not it exists: a refusal tells nothing.
    assert cb.unit_level("KZ11-D01", REGIONS, COURTS, JUDGE) == "refused"
    assert cb.unit_level("NO-SUCH", REGIONS, COURTS, JUDGE) == "refused"
    assert cb.unit_level("KZ11-D01", REGIONS, COURTS, STAFF) == "court"
    assert cb.unit_level("NO-SUCH", REGIONS, COURTS, STAFF) is None


def test_unit_options_nation_then_regions_then_courts():
    names = {"KZ": "Kazakhstan", "KZ-10": "Zeta Region", "KZ-11": "Abai Region",
             "KZ10-D01": "Semey Court"}
    options = cb.unit_options(names, ["KZ-10", "KZ-11"], ["KZ10-D01"], "en")
    assert options == [{"label": "Kazakhstan", "value": "KZ"},
                       {"label": "Abai Region", "value": "KZ-11"},
                       {"label": "Zeta Region", "value": "KZ-10"},
                       {"label": "Semey Court (KZ10-D01)", "value": "KZ10-D01"}]


def test_national_targets_are_the_disposition_time_rows_without_a_court():
    targets = pd.DataFrame({"kpi": ["disposition_time", "disposition_time", "clearance_rate"],
                            "year": [2026, 2026, 2026], "court_code": ["", "KZ10-D01", ""],
                            "target": [80.0, 120.0, 100.0], "tolerance": [None] * 3,
                            "illustrative": [False] * 3})
    got = cb.national_targets(targets)
    assert got.to_dict("records") == [{"year": 2026, "target": 80.0, "illustrative": False}]
    assert cb.national_targets(targets.iloc[0:0]).empty


# --- run(): the whole callback on a stand-in for the services and the database --------


FLOWS = {("national", "KZ", "all"): FLOW, ("court", "KZ10-D01", "all"): FLOW}


class FakeServices:
    """The scoped reads the simulator asks for (data.scoped.reads.ScopedReads)."""

    def regions(self):
        return pd.DataFrame({"region_code": sorted(REGIONS)})

    def directory(self, viewer):
        return pd.DataFrame({"court_code": sorted(COURTS)})

    def unit_names(self, viewer, lang):
        return {"KZ": "Kazakhstan", "KZ-10": "Abai Region", "KZ10-D01": "Semey Court"}

    def case_flow(self, viewer, level, code, category):
        return FLOWS.get((level, code, category), FLOW.iloc[0:0])

    def judges_in_post(self, viewer, code):
        return {2024: 8.0}

    def targets(self, viewer):
        return pd.DataFrame({"kpi": ["disposition_time"], "year": [2026], "court_code": [""],
                             "target": [60.0], "tolerance": [None], "illustrative": [False]})


@pytest.fixture
def fake_data():
    return FLOWS


def _run(values, base=None, viewer=STAFF, lang="en"):
    return cb.run(FakeServices(), viewer, lang, values, base)


def test_run_fills_the_fields_for_a_new_unit_and_keeps_them_after(fake_data):
    first = _run(("KZ", "all", "2026", "2", None, None))
    assert first.clearance == 95.0 and first.judges is None and first.judges_disabled
    assert first.base == {"unit": "KZ", "category": "all", "clearance": 95.0}
    assert first.change_text == "+2 %"
    assert first.table["rows"][-1][4] == "4,236"
    words = first.sentence.children[0].children
    assert words.startswith("At a clearance rate of 95.0 % and incoming cases +2 % a year")
    assert "The national target for 2026 is 60 days." in first.sentence.children[1].children
    # The same unit again with another rate: the fields are the person's now.
    second = _run(("KZ", "all", "2026", "2", 98, None), base=first.base)
    assert second.clearance is no_update
    assert second.table["rows"][-1][4] == "3,494"
    # Another unit: its own year L fills them again, whatever was typed.
    third = _run(("KZ10-D01", "all", "2026", "2", 98, None), base=first.base)
    assert third.clearance == 95.0 and third.judges_disabled is False
    assert third.table["rows"][-1][4] == "4,236"


def test_run_with_the_rate_as_shown_uses_year_l_at_full_precision(fake_data, monkeypatch):
    flow = FLOW.assign(resolved=[0.0, 11000.0, 11401.0])  # 95.008333… %, shown 95.0
    monkeypatch.setitem(FLOWS, ("national", "KZ", "all"), flow)
    base = {"unit": "KZ", "category": "all", "clearance": 95.0}
    out = _run(("KZ", "all", "2026", 0, 95.0, None), base=base)
    want = simulate(start_from_flow(flow), 2026, 0.0, None)
    assert checked(out.figure).data[1].y[-1] == pytest.approx(want["pending_end"].iloc[-1],
                                                              abs=1e-9)
    assert want["pending_end"].iloc[-1] != pytest.approx(
        simulate(start_from_flow(flow), 2026, 0.0, 95.0)["pending_end"].iloc[-1])


def test_run_judges_lever(fake_data):
    base = {"unit": "KZ10-D01", "category": "all", "clearance": 95.0}
    out = _run(("KZ10-D01", "all", "2026", "2", None, 10), base=base)
    assert out.table["rows"][-1][4] == "0"
    assert out.sentence.children[0].children.startswith("With 10 judges in post")
    # Forged: the judges lever on the nation is refused with a sentence.
    nation = _run(("KZ", "all", "2026", "2", None, 10),
                  base={"unit": "KZ", "category": "all", "clearance": 95.0})
    assert nation.table is None
    assert nation.sentence.children == t("simulate.judges_court_only", "en")


def test_run_refuses_a_judge_another_court_and_says_nothing_of_it(fake_data):
    out = _run(("KZ11-D01", "all", "2026", 0, None, None), viewer=JUDGE)
    assert out.sentence.children == t("error.forbidden", "en")
    assert out.table is None and out.clearance is None and out.clearance_hint == ""
    assert "KZ11" not in str(out.outputs())
    own = _run(("KZ10-D01", "all", "2026", 0, None, None), viewer=JUDGE)
    assert own.table is not None


def test_run_messages_instead_of_errors(fake_data):
    no_flow = _run(("KZ-10", "all", "2026", 0, None, None))
    assert no_flow.sentence.children == ("Abai Region: no case flow is reported in this "
                                         "category, so there is nothing to simulate.")
    assert no_flow.table is None and checked(no_flow.figure).layout.meta == {"chart": "empty"}
    early = _run(("KZ", "all", "2026", 0, None, None))
    assert early.table is not None
    bad = _run(("KZ", "all", "2026", "lots", None, None), lang="ru")
    assert bad.sentence.children == "Изменение поступления — число от −20 до 20 %."
    assert bad.clearance is no_update
    unknown = _run(("NO-SUCH", "all", "2026", 0, None, None))
    assert unknown.sentence.children == t("simulate.bad.unit", "en")


def test_run_when_year_l_cannot_be_found_or_projected(fake_data, monkeypatch):
    holes = FLOW.assign(pending_end=[None, None, None], incoming=[1.0, None, None])
    monkeypatch.setitem(FLOWS, ("national", "KZ", "all"), holes)
    out = _run(("KZ", "all", "2026", 0, None, None), lang="en")
    assert out.sentence.children == ("Not enough data to simulate this unit: no year has both "
                                     "incoming and pending cases reported.")
    no_rate = FLOW.assign(resolved=[None, None, None])
    monkeypatch.setitem(FLOWS, ("national", "KZ", "all"), no_rate)
    out = _run(("KZ", "all", "2026", 0, None, None), lang="en")
    assert out.clearance is None and out.table is None
    assert out.sentence.children == ("Not enough data to simulate this unit: no clearance rate "
                                     "can be computed for 2024; enter one.")
    # With a rate typed in, it runs.
    typed = _run(("KZ", "all", "2026", 0, 100, None),
                 base={"unit": "KZ", "category": "all", "clearance": None})
    assert typed.table is not None
