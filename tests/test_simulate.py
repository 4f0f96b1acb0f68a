"""The case-flow simulator (kpi.simulate) by hand, and its edges."""

from __future__ import annotations

import pandas as pd
import pytest

from kpi.simulate import COLUMNS, SimulationError, Start, simulate, start_from_flow

START = Start(year=2025, incoming=100.0, resolved=90.0, pending_end=50.0, judges_in_post=2.0)


def test_defaults_keep_incoming_and_the_last_clearance_rate():
    out = simulate(START, 2027)
    assert list(out.columns) == COLUMNS and list(out["year"]) == [2025, 2026, 2027]
    first = out.iloc[0]
    assert (first["incoming"], first["resolved"], first["pending_end"]) == (100, 90, 50)
    assert first["disposition_time"] == pytest.approx(365 * 50 / 90)
    assert first["clearance_rate"] == pytest.approx(90.0)
    # 2026: I 100, R 90, P 60; 2027: P 70.
    assert list(out["pending_end"]) == pytest.approx([50, 60, 70])
    assert out["disposition_time"].iloc[2] == pytest.approx(365 * 70 / 90)


def test_growth_and_chosen_clearance_by_hand():
    out = simulate(START, 2027, incoming_change=10, clearance=105)
    # 2026: I 110, R 115.5, P 50 + 110 - 115.5 = 44.5; 2027: I 121, R 127.05, P 38.45.
    assert list(out["incoming"]) == pytest.approx([100, 110, 121])
    assert list(out["resolved"]) == pytest.approx([90, 115.5, 127.05])
    assert list(out["pending_end"]) == pytest.approx([50, 44.5, 38.45])
    assert list(out["clearance_rate"]) == pytest.approx([90, 105, 105])


def test_resolved_never_exceeds_what_there_is_to_resolve():
    out = simulate(START, 2027, clearance=300)
    # 2026: capacity 300, only 50 + 100 to resolve: P 0; 2027: R 100, D 0.
    assert list(out["resolved"]) == pytest.approx([90, 150, 100])
    assert list(out["pending_end"]) == pytest.approx([50, 0, 0])
    assert out["disposition_time"].iloc[2] == 0.0


def test_judges_lever_uses_resolved_per_judge():
    out = simulate(START, 2026, judges=3)  # 45 a judge: capacity 135, 150 to resolve
    assert out["resolved"].iloc[1] == pytest.approx(135)
    assert out["pending_end"].iloc[1] == pytest.approx(15)
    none_resolved = simulate(START, 2026, judges=0)
    assert none_resolved["resolved"].iloc[1] == 0
    assert pd.isna(none_resolved["disposition_time"].iloc[1])


def test_zero_incoming_gives_no_clearance_rate():
    out = simulate(Start(2025, 100.0, 80.0, 40.0), 2026, incoming_change=-100)
    assert out["incoming"].iloc[1] == 0 and pd.isna(out["clearance_rate"].iloc[1])


@pytest.mark.parametrize("kwargs, message", [
    ({"judges": 3}, "judges in post"),
    ({"clearance": -1}, "negative"),
    ({"judges": -1}, "negative"),
])
def test_refusals(kwargs, message):
    start = Start(2025, 100.0, 90.0, 50.0, None)
    with pytest.raises(SimulationError, match=message):
        simulate(start, 2029, **kwargs)
    with pytest.raises(SimulationError, match="horizon"):
        simulate(START, 2025)
    with pytest.raises(SimulationError, match="clearance"):
        simulate(Start(2025, 100.0, None, 50.0), 2029)


def test_start_is_the_last_year_with_incoming_and_pending():
    flow = pd.DataFrame({"year": [2023, 2024, 2025], "incoming": [10.0, 20.0, 30.0],
                         "resolved": [9.0, 19.0, 29.0], "pending_end": [5.0, 6.0, None]})
    start = start_from_flow(flow, {2024: 4.0, 2025: 5.0})
    assert start == Start(2024, 20.0, 19.0, 6.0, 4.0)
    with pytest.raises(SimulationError):
        start_from_flow(flow.assign(pending_end=None))
    with pytest.raises(SimulationError):
        start_from_flow(flow.iloc[0:0])
