"""kpi.workload by hand (where-to-act.md section 2): the mean over the up to 3 latest
years a court reports, a category without a weight, a court without resources, the
roll-up by sums, and the largest-remainder reallocation with its ties."""

from __future__ import annotations

import math

import pandas as pd
import pytest

from kpi.workload import (
    COLUMNS,
    JudgeYear,
    WorkloadError,
    after_move,
    court_workload,
    judge_year_problem,
    mean_incoming,
    moves,
    reallocate,
    reallocate_within,
    roll_up,
)

JY = JudgeYear(100, 5)  # 30,000 minutes: round numbers by hand
NAN = float("nan")


def _incoming(rows):
    return pd.DataFrame(rows, columns=["court_code", "year", "category", "incoming"])


def test_the_mean_is_over_the_up_to_three_latest_years_the_court_reports():
    inc = _incoming([("A", 2021, "civil", 100), ("A", 2022, "civil", 200),
                     ("A", 2024, "civil", 400), ("A", 2025, "civil", 900),
                     ("A", 2023, "civil", NAN)])
    got = {y: mean_incoming(inc, y).set_index("category")
           for y in (2021, 2022, 2024, 2025)}
    assert got[2021].loc["civil", "mean_incoming"] == 100  # one year
    assert got[2022].loc["civil", "mean_incoming"] == 150  # two years
    # 2023 is not reported: the three latest reported years are 2021, 2022, 2024.
    assert got[2024].loc["civil", "mean_incoming"] == pytest.approx(700 / 3)
    assert got[2024].loc["civil", "years"] == 3
    assert got[2025].loc["civil", "mean_incoming"] == 500  # 200, 400, 900
    assert mean_incoming(inc, 2020).empty


COURTS = pd.DataFrame({"court_code": ["A", "B", "C", "S"],
                       "region_code": ["R1", "R1", "R2", "R2"],
                       "level": ["district", "district", "district", "supreme"]})
WEIGHTS = pd.DataFrame({"category": ["civil", "criminal"],
                        "court_level": ["district", "district"], "minutes": [60.0, 120.0]})


def _example():
    inc = _incoming([("A", 2025, "civil", 300), ("A", 2025, "admin_offence", 500),
                     ("B", 2025, "civil", 660), ("B", 2025, "criminal", 33),
                     ("C", 2025, "criminal", 396), ("S", 2025, "civil", 50)])
    res = pd.DataFrame({"court_code": ["A", "B", "C", "S"], "judge_posts": [2, 3, 2, 1],
                        "judges_in_post": [1, 3, NAN, 1]})
    return court_workload(inc, COURTS, res, WEIGHTS, JY, 2025)


def test_workload_judges_needed_need_ratio_and_shortfall_of_each_court():
    c = _example().set_index("court_code")
    # S is a supreme court and there is no supreme weight: it cannot be measured.
    assert list(c.index) == ["A", "B", "C"]
    assert c.loc["A", "workload_minutes"] == 300 * 60  # admin_offence has no weight
    assert c.loc["B", "workload_minutes"] == 660 * 60 + 33 * 120
    assert c.loc["A", "judges_needed"] == pytest.approx(0.6)
    assert c.loc["B", "judges_needed"] == pytest.approx(43560 / 30000)
    t = roll_up(_example(), JY, 2025)
    assert list(t.columns) == COLUMNS
    a = t[(t["level"] == "court") & (t["code"] == "A")].iloc[0]
    assert a["need_ratio"] == pytest.approx(100 * 1 / 0.6)
    assert a["shortfall"] == pytest.approx(0.6 - 1)
    assert a["coverage"] == pytest.approx(100 * 300 / 800)  # a category without weight
    assert a["judge_year_minutes"] == 30000
    c_row = t[(t["level"] == "court") & (t["code"] == "C")].iloc[0]
    assert math.isnan(c_row["need_ratio"]) and math.isnan(c_row["shortfall"])


def test_regions_and_the_nation_are_ratios_of_sums_over_the_courts_reporting_judges():
    t = roll_up(_example(), JY, 2025).set_index(["level", "code"])
    r1 = t.loc[("region", "R1")]
    assert r1["workload_minutes"] == 18000 + 43560
    assert r1["judges_in_post"] == 4 and r1["judge_posts"] == 5
    assert r1["need_ratio"] == pytest.approx(100 * 4 / (0.6 + 1.452))
    r2 = t.loc[("region", "R2")]
    assert math.isnan(r2["judges_in_post"]) and math.isnan(r2["need_ratio"])
    assert r2["judge_posts"] == 2
    kz = t.loc[("national", "KZ")]
    assert kz["judges_needed"] == pytest.approx(0.6 + 1.452 + 1.584)
    # C reports no judges in post: its need is left out of the ratio, not counted as 0.
    assert kz["need_ratio"] == pytest.approx(100 * 4 / (0.6 + 1.452))
    assert kz["shortfall"] == pytest.approx(0.6 + 1.452 - 4)
    assert kz["coverage"] == pytest.approx(100 * (300 + 693 + 396) / (800 + 693 + 396))


def test_the_reallocation_shares_posts_by_largest_remainder_and_adds_up_to_zero():
    out = reallocate(_example()).set_index("court_code")
    # P = 7 posts, 3 courts: 4 shared by need 0.6 : 1.452 : 1.584 -> quotas 0.66, 1.60,
    # 1.74; floors 0, 1, 1; the 2 left go to the largest remainders, C (.74) and A (.66).
    assert out["proposed_posts"].to_dict() == {"A": 2, "B": 2, "C": 3}
    assert out["change"].to_dict() == {"A": 0, "B": -1, "C": 1}
    assert out["change"].sum() == 0 and out["proposed_posts"].sum() == 7


def _courts(need, posts, codes=None):
    codes = codes or [chr(ord("X") + i) for i in range(len(need))]
    return pd.DataFrame({"court_code": codes, "region_code": ["R"] * len(need),
                         "judges_needed": need, "workload_minutes": [n * 30000 for n in need],
                         "judge_posts": posts})


def test_ties_go_to_the_larger_workload_then_the_court_code():
    by_code = reallocate(_courts([1.0, 1.0, 1.0], [2, 1, 1], ["Q", "P", "R"]))
    assert by_code.set_index("court_code")["proposed_posts"].to_dict() == \
        {"P": 2, "Q": 1, "R": 1}
    # Remainders 0.5 and 0.5: the court with the larger workload gets the post.
    by_work = reallocate(_courts([1.0, 3.0], [2, 2]))
    assert by_work.set_index("court_code")["proposed_posts"].to_dict() == {"X": 1, "Y": 3}


def test_every_court_keeps_one_post_and_courts_without_posts_or_need_are_left_out():
    out = reallocate(_courts([0.01, 9.0, 0.0, 5.0], [1, 1, 3, NAN]))
    assert out.set_index("court_code")["proposed_posts"].to_dict() == {"X": 1, "Y": 1}
    with pytest.raises(WorkloadError) as exc:
        reallocate(_courts([1.0, 1.0, 1.0], [1, 1, 0]))
    assert exc.value.code == "too_few_posts"


def test_within_regions_each_region_keeps_its_posts():
    c = pd.concat([_courts([1.0, 3.0], [3, 1]),
                   _courts([2.0, 2.0], [1, 3], ["M", "N"]).assign(region_code="S")])
    out = reallocate_within(c, "region")
    assert out.groupby("region_code")["change"].sum().to_dict() == {"R": 0, "S": 0}
    assert out.set_index("court_code")["proposed_posts"].to_dict() == \
        {"X": 1, "Y": 3, "M": 2, "N": 2}


@pytest.mark.parametrize("days, hours", [(0, 6), (220, 0), (367, 6), (220, 24.5), (-1, 6),
                                         (NAN, 6), (float("inf"), 6)])
def test_a_judge_year_of_zero_or_absurd_is_refused(days, hours):
    assert judge_year_problem(days, hours) == "judge_year"
    with pytest.raises(WorkloadError, match="0 < days ≤ 366"):
        court_workload(_incoming([]), COURTS, pd.DataFrame(
            columns=["court_code", "judge_posts", "judges_in_post"]), WEIGHTS,
            JudgeYear(days, hours), 2025)


def test_the_shipped_judge_year():
    assert JudgeYear().minutes == 220 * 6 * 60 and judge_year_problem(366, 24) is None


def test_the_proposal_read_as_moves_and_its_effect_on_each_courts_need_ratio():
    proposal = pd.DataFrame({"court_code": ["A", "B", "C", "D"],
                             "change": [-3, -1, 2, 2]})
    assert moves(proposal) == [("A", "C", 2), ("A", "D", 1), ("B", "D", 1)]
    per_scope = proposal.assign(scope=["R1", "R1", "R2", "R2"], change=[-1, 1, 2, -2])
    assert moves(per_scope) == [("A", "B", 1), ("D", "C", 2)]
    effect = after_move(_example(), reallocate(_example())).set_index("court_code")
    # B gives a post: 3 judges in post for 1.452 needed, then 2.
    assert effect.loc["B", "need_ratio"] == pytest.approx(300 / 1.452)
    assert effect.loc["B", "need_ratio_after"] == pytest.approx(200 / 1.452)
    assert math.isnan(effect.loc["C", "need_ratio_after"])  # no judges in post reported
