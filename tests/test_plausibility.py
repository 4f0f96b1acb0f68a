"""kpi.plausibility: the HB method by hand, each rule's trigger and non-trigger, missing is
never 0, and planted errors in realistic yearly data of 60 courts (recall, false alarms)."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest

from kpi.plausibility import (
    COLUMNS,
    RULES,
    Settings,
    acceptable_range,
    check,
    fact_flags,
    format_count,
    hidiroglou_berthelot,
    resource_flags,
)

CATEGORIES = ("civil", "criminal", "administrative", "admin_offence")
YEARS = (2021, 2022, 2023, 2024)
FACT_HEAD = ["court_code", "year", "category", "pending_start", "incoming", "resolved",
             "pending_end"]
RES_HEAD = ["court_code", "year", "judge_posts", "judges_in_post", "staff_posts",
            "staff_in_post", "budget_kzt"]


def facts(*rows) -> pd.DataFrame:
    return pd.DataFrame(list(rows), columns=FACT_HEAD)


def resources(*rows) -> pd.DataFrame:
    return pd.DataFrame(list(rows), columns=RES_HEAD)


def flagged(frame: pd.DataFrame) -> set[tuple]:
    return {(r.court_code, r.year, r.category, r.field, r.rule) for r in frame.itertuples()}


# --- Hidiroglou-Berthelot by hand ---------------------------------------------------------

# Five courts, x_{t-1} -> x_t, ratio r:  400 -> 200 (0.5), 100 -> 80 (0.8), 100 -> 100 (1.0),
# 320 -> 400 (1.25), 300 -> 900 (3.0).  Median ratio 1.0.
# s = r/1 - 1 above, 1 - 1/r below:  -1, -0.25, 0, 0.25, 2.
# E = s * max(x_t, x_{t-1})^0.5:  -1*20 = -20, -0.25*10 = -2.5, 0, 0.25*20 = 5, 2*30 = 60.
# Quartiles of E (5 values: the 2nd, 3rd, 4th): Q1 -2.5, median 0, Q3 5.
# Spread max(5 - 0, 0 + 2.5, 0.05*|0|) = 5; with C = 8 the bounds are -40 and 40.
# Scores |E - 0| / 40:  0.5, 0.0625, 0, 0.125, 1.5: only 300 -> 900 is outside.
PREV = [400, 100, 100, 320, 300]
NOW = [200, 80, 100, 400, 900]


def test_hidiroglou_berthelot_by_hand():
    hb = hidiroglou_berthelot(np.array(PREV, float), np.array(NOW, float), u=0.5, a=0.05, c=8)
    assert hb.median_ratio == 1.0
    assert hb.effect.tolist() == pytest.approx([-20, -2.5, 0, 5, 60])
    assert (hb.median, hb.spread) == (0.0, 5.0)
    assert hb.score.tolist() == pytest.approx([0.5, 0.0625, 0, 0.125, 1.5])


def test_acceptable_range_by_hand():
    # Up:   (x/300 - 1) * x^0.5 = 40   -> x = 740.87  ((740.87/300 - 1) * 27.219 = 40.00)
    # Down: (1 - 300/x) * 300^0.5 = -40 -> 300/x = 1 + 40/17.3205 = 3.30940 -> x = 90.651
    low, high = acceptable_range(np.array([300.0]), 1.0, -40.0, 40.0, u=0.5)
    assert low[0] == pytest.approx(90.651, abs=0.01)
    assert high[0] == pytest.approx(740.870, abs=0.01)


def _steady(code: str, prev: float, now: float) -> list[tuple]:
    """A court whose cases are all resolved in the year (flow holds, pending 0)."""
    return [(code, 2023, "civil", 0, prev, prev, 0), (code, 2024, "civil", 0, now, now, 0)]


def test_yoy_outlier_in_the_checks_names_the_range():
    rows = [row for i, (p, n) in enumerate(zip(PREV, NOW)) for row in _steady(f"K{i}", p, n)]
    out = fact_flags(facts(*rows), Settings(min_peers=5))
    # incoming and resolved move alike: both flagged, for the 300 -> 900 court only.
    assert flagged(out) == {("K4", 2024, "civil", "incoming", "yoy_outlier"),
                            ("K4", 2024, "civil", "resolved", "yoy_outlier")}
    assert set(out["expected"]) == {"91–741"} and out["score"].tolist() == pytest.approx([1.5,
                                                                                        1.5])
    assert out["value"].tolist() == [900.0, 900.0]
    # Fewer peers than min_peers (default 10): no year-on-year check at all.
    assert fact_flags(facts(*rows)).empty


def test_yoy_small_figures_are_not_judged():
    rows = [row for i in range(12) for row in _steady(f"K{i}", 100 + i, 103 + i)]
    rows += _steady("TINY", 2, 19)  # a ninefold change of a figure below 20
    rows += _steady("BIG", 2, 40)
    out = fact_flags(facts(*rows))
    assert {f[0] for f in flagged(out)} == {"BIG"}


# --- flow identity and continuity ---------------------------------------------------------


def test_flow_identity_tolerance_is_5_cases_or_2_percent():
    small = facts(("S", 2024, "civil", 10, 100, 90, 25),   # 20 expected, off by 5: fine
                  ("T", 2024, "civil", 10, 100, 90, 26))   # off by 6: flagged, 6/5
    out = fact_flags(small)
    assert flagged(out) == {("T", 2024, "civil", "pending_end", "flow_identity")}
    assert out.loc[0, "expected"] == "20" and out.loc[0, "score"] == pytest.approx(1.2)
    # 1,000 + 9,000 handled: 2 % is 200 cases.
    big = facts(("B", 2024, "civil", 1000, 9000, 8500, 1700),  # 1,500 expected, off by 200
                ("C", 2024, "civil", 1000, 9000, 8500, 1250))  # off by 250
    out = fact_flags(big)
    assert flagged(out) == {("C", 2024, "civil", "pending_end", "flow_identity")}
    assert out.loc[0, "expected"] == "1 500" and out.loc[0, "score"] == pytest.approx(1.25)


def test_continuity_flags_the_pending_start_that_breaks_the_series():
    ok = facts(("A", 2023, "civil", 10, 100, 90, 20), ("A", 2024, "civil", 24, 100, 104, 20))
    assert fact_flags(ok).empty  # 24 vs 20: within 5 cases
    # pending_start typed wrong (120, not 20); pending_end follows from last year's 20.
    bad = facts(("A", 2023, "civil", 10, 100, 90, 20), ("A", 2024, "civil", 120, 100, 100, 20))
    out = fact_flags(bad)
    assert flagged(out) == {("A", 2024, "civil", "pending_start", "continuity")}
    assert out.loc[0, "value"] == 120 and out.loc[0, "expected"] == "20"
    assert out.loc[0, "score"] == pytest.approx(100 / 5)


def test_a_wrong_pending_end_is_flagged_once_on_itself():
    # 2023 pending_end should be 20 (10 + 100 - 90) but was typed 200; 2024 starts from 20.
    out = fact_flags(facts(("A", 2023, "civil", 10, 100, 90, 200),
                           ("A", 2024, "civil", 20, 100, 100, 20)))
    assert flagged(out) == {("A", 2023, "civil", "pending_end", "flow_identity")}
    # Without the first year's flow to blame, the second year's break is the flag.
    out = fact_flags(facts(("A", 2023, "civil", 10, 100, 90, 20),
                           ("A", 2024, "civil", 200, 100, 100, 200)))
    assert flagged(out) == {("A", 2024, "civil", "pending_start", "continuity")}


# --- resources ----------------------------------------------------------------------------


def test_posts_exceeded_scores_people_per_post():
    out = resource_flags(resources(("A", 2024, 10, 11, 40, 38, 3e8),
                                   ("B", 2024, 10, 10, 40, 41, 3e8),
                                   ("C", 2024, None, 12, None, 30, 3e8)))
    assert flagged(out) == {("A", 2024, "", "judges_in_post", "posts_exceeded"),
                            ("B", 2024, "", "staff_in_post", "posts_exceeded")}
    a = out[out["court_code"] == "A"].iloc[0]
    assert a["expected"] == "≤ 10" and a["score"] == pytest.approx(1.1)


def test_resource_jump_flags_a_typo_once_and_not_a_small_court_growing():
    out = resource_flags(resources(
        ("A", 2022, 10, 9, 35, 33, 3.0e8), ("A", 2023, 10, 9, 35, 33, 3.0e9),  # budget x10
        ("A", 2024, 10, 9, 35, 33, 3.1e8),
        ("B", 2023, 1, 1, 3, 3, 7e7), ("B", 2024, 2, 2, 7, 7, 1.1e8),  # one judge more
        ("C", 2023, 12, 11, 40, 38, 3e8), ("C", 2024, 36, 34, 40, 38, 3e8)))  # tripled
    assert flagged(out) == {("A", 2023, "", "budget_kzt", "resource_jump"),
                            ("C", 2024, "", "judge_posts", "resource_jump"),
                            ("C", 2024, "", "judges_in_post", "resource_jump")}
    a = out[out["court_code"] == "A"].iloc[0]
    assert a["score"] == pytest.approx(math.log(10) / math.log(2))
    assert a["expected"] == "150 000 000–600 000 000"


def test_a_typo_in_the_first_year_is_flagged_there():
    out = resource_flags(resources(("A", 2022, 10, 9, 35, 33, 3.0e9),  # budget x10
                                   ("A", 2023, 10, 9, 35, 33, 3.1e8),
                                   ("A", 2024, 10, 9, 35, 33, 3.2e8)))
    assert flagged(out) == {("A", 2022, "", "budget_kzt", "resource_jump")}
    assert out.loc[0, "expected"] == "155 000 000–620 000 000"


def test_posts_vacant_when_fewer_than_half_are_filled():
    out = resource_flags(resources(("A", 2023, 12, 11, 40, 38, 3e8),
                                   ("A", 2024, 120, 11, 40, 38, 3e8),  # posts x10
                                   ("B", 2024, 8, 3, 20, 14, 1e8)))    # 5 empty: small gap
    # The jump of the same figure is not flagged again.
    assert flagged(out) == {("A", 2024, "", "judge_posts", "posts_vacant")}
    assert out.loc[0, "expected"] == "≤ 22" and out.loc[0, "score"] == pytest.approx(120 / 22)


# --- missing is never zero ----------------------------------------------------------------


def test_missing_figures_take_part_in_no_check():
    nan = float("nan")
    out = fact_flags(facts(("A", 2024, "civil", 10, nan, 90, 20),     # 0 would break the flow
                           ("B", 2022, "civil", 10, 100, 90, 20),     # 2023 not reported:
                           ("B", 2024, "civil", 500, 100, 90, 510)))  # no continuity for 2024
    assert out.empty
    out = resource_flags(resources(("A", 2023, 10, 9, None, 30, 3e8),
                                   ("A", 2024, None, 9, None, 30, None)))
    assert out.empty  # 30 staff of unknown posts; posts and budget unknown in 2024


def test_output_columns_order_and_empty_input():
    empty = check(pd.DataFrame(columns=FACT_HEAD), pd.DataFrame(columns=RES_HEAD))
    assert list(empty.columns) == COLUMNS and empty.empty
    out = check(facts(("A", 2024, "civil", 10, 100, 90, 26), ("B", 2024, "civil", 10, 100, 90,
                                                                 60)),
                resources(("A", 2024, 10, 11, None, None, None)))
    assert list(out.columns) == COLUMNS
    assert out["score"].is_monotonic_decreasing and out["rule"].tolist() == [
        "flow_identity", "flow_identity", "posts_exceeded"]


def test_format_count():
    assert format_count(1234567.4) == "1 234 567" and format_count(0) == "0"
    assert format_count(float("nan")) == "" and format_count(-12) == "-12"


def test_rules_are_data_with_a_sentence_and_translated_messages():
    from layouts.i18n import LANGUAGES, catalogue

    for rule in RULES.values():
        assert rule.fields and rule.about.endswith(".")
        assert catalogue("en")[f"flags.about.{rule.name}"] == rule.about
        for lang in LANGUAGES:
            for key in (rule.message_key, f"flags.name.{rule.name}",
                        f"flags.about.{rule.name}"):
                assert catalogue(lang).get(key), (lang, key)


# --- planted errors in realistic yearly data ------------------------------------------------


def yearly_data(seed: int, n_courts: int = 60, years=YEARS) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Clean yearly facts and resources of ``n_courts`` courts, as real reports look.

    Court sizes are log-normal (30 to some 20,000 cases a year), the four categories
    mixed per court; incoming cases grow by N(1.03, 0.05) a year per court and category,
    times a shock all courts share; each court resolves its own share of the cases it
    handles, give or take 2 points a year; pending_end follows the flow except for a few
    reopened or transferred cases (15 % of cells), pending_start the previous
    pending_end except for a few reclassified ones (5 %); 2 % of court-years are not
    reported. Posts follow the caseload (600-1,200 cases a judge), change by one now and
    then; a judge seconded in (more in post than posts) in 0.5 % of court-years; 3-4
    staff per judge; the budget grows with inflation.
    """
    rng = np.random.default_rng([seed, 15])
    size = np.maximum(30, rng.lognormal(np.log(1200), 1.0, n_courts))
    mix = rng.dirichlet([8, 3, 2, 6], n_courts)
    shared = rng.normal(1.0, 0.03, (len(years), len(CATEGORIES)))
    inflation = np.cumprod([1.0] + [1.08] * (len(years) - 1))
    fact_rows, res_rows = [], []
    nc = len(CATEGORIES)

    def nudge(n: int, handled: np.ndarray | None = None) -> np.ndarray:
        extra = rng.poisson(0.004 * handled) if handled is not None else 0
        return rng.choice([-1, 1], n) * (rng.integers(1, 4, n) + extra)

    for c in range(n_courts):
        code = f"C{c:02d}"
        lam = size[c] * mix[c]
        share = rng.uniform(0.80, 0.93, nc)
        missing = rng.random(len(years)) < 0.02
        pe = None
        for t, year in enumerate(years):
            if t:
                lam = lam * rng.normal(1.03, 0.05, nc) * shared[t]
            inc = rng.poisson(lam)
            if pe is None:
                ps = np.round(inc * rng.uniform(0.1, 0.25, nc)).astype(int)
            else:
                ps = pe.copy()
                moved = rng.random(nc) < 0.05
                ps[moved] = np.maximum(0, ps[moved] + nudge(int(moved.sum())))
            res = rng.binomial(ps + inc, np.clip(share + rng.normal(0, 0.02, nc), 0.5, 0.99))
            pe = ps + inc - res
            moved = rng.random(nc) < 0.15
            pe[moved] = np.maximum(0, pe[moved] + nudge(int(moved.sum()), (ps + inc)[moved]))
            if not missing[t]:
                fact_rows += [(code, year, cat, int(ps[k]), int(inc[k]), int(res[k]),
                               int(pe[k])) for k, cat in enumerate(CATEGORIES)]
        posts = max(1, round(size[c] / rng.uniform(600, 1200)))
        vacancy, per_judge = rng.beta(2, 25), rng.uniform(3, 4)
        for t, year in enumerate(years):
            if t and rng.random() < 0.08:
                posts = max(1, posts + int(rng.choice([-1, 1, 1])))
            if rng.random() < 0.03:
                continue
            in_post = max(1, posts - rng.binomial(posts, vacancy))
            if rng.random() < 0.005:
                in_post = posts + 1
            staff = round(posts * per_judge)
            budget = (posts * 22e6 + staff * 5.5e6 + 30e6) * inflation[t]
            res_rows.append((code, year, posts, in_post, staff,
                             staff - rng.binomial(staff, 0.08),
                             round(budget * rng.lognormal(0, 0.05), -3)))
    return (pd.DataFrame(fact_rows, columns=FACT_HEAD),
            pd.DataFrame(res_rows, columns=RES_HEAD))


# What flags count as finding each kind of planted error: (rule, field) on its cell.
FOUND_BY = {
    "incoming x10": {("flow_identity", "pending_end"), ("yoy_outlier", "incoming")},
    "resolved lost digit": {("flow_identity", "pending_end"), ("yoy_outlier", "resolved")},
    "pending_end off the flow": {("flow_identity", "pending_end"),
                                 ("yoy_outlier", "pending_end")},
    "pending_start off the series": {("continuity", "pending_start"),
                                     ("flow_identity", "pending_end")},
    "judges in post > posts": {("posts_exceeded", "judges_in_post")},
    "budget x10": {("resource_jump", "budget_kzt")},
    "judge_posts x10": {("resource_jump", "judge_posts"), ("posts_vacant", "judge_posts")},
}

# The flags a planted error would leave on the right figure of the year after.
ECHO = {
    "incoming x10": {("yoy_outlier", "incoming")},
    "resolved lost digit": {("yoy_outlier", "resolved")},
    "pending_end off the flow": {("continuity", "pending_start"),
                                 ("yoy_outlier", "pending_end")},
    "pending_start off the series": set(),
    "judges in post > posts": {("resource_jump", "judges_in_post")},
    "budget x10": {("resource_jump", "budget_kzt")},
    "judge_posts x10": {("resource_jump", "judge_posts")},
}


def plant(f: pd.DataFrame, r: pd.DataFrame, seed: int):
    """Two errors of each kind on facts, four on resources; returns (facts, resources, planted).

    Each fact error goes to its own court and category series. A lost digit needs a
    figure of two digits; a pending figure off the flow or the series is off by 5-15 %
    of the cases handled, at least 25 cases.
    """
    rng = np.random.default_rng([seed, 99])
    f, r = f.copy(), r.copy()
    planted: list[tuple[str, str, int, str]] = []
    used: set[tuple[str, str]] = set()
    first = f.groupby("court_code")["year"].transform("min")
    has_prev = f.merge(f[["court_code", "year", "category"]].assign(year=f["year"] + 1,
                                                                    _p=True),
                       how="left", on=["court_code", "year", "category"])["_p"].notna()

    def pick(ok: pd.Series) -> int:
        free = ~pd.Series([(c, k) in used for c, k in zip(f["court_code"], f["category"])])
        i = int(rng.choice(np.flatnonzero((ok & free).to_numpy())))
        used.add((f.at[i, "court_code"], f.at[i, "category"]))
        return i

    def off(i: int, field: str) -> int:
        """The figure off by 5-15 % of the cases handled (at least 25), up or down."""
        handled = f.at[i, "pending_start"] + f.at[i, "incoming"]
        by = max(25, round(rng.uniform(0.05, 0.15) * handled))
        down = rng.random() < 0.5 and f.at[i, field] >= by
        return int(f.at[i, field] + (-by if down else by))

    for _ in range(2):
        i = pick(f["incoming"] >= 1)
        f.at[i, "incoming"] *= 10
        planted.append(("incoming x10", f.at[i, "court_code"], f.at[i, "year"],
                        f.at[i, "category"]))
        i = pick(f["resolved"] >= 10)
        f.at[i, "resolved"] //= 10
        planted.append(("resolved lost digit", f.at[i, "court_code"], f.at[i, "year"],
                        f.at[i, "category"]))
        i = pick(pd.Series(True, index=f.index))
        f.at[i, "pending_end"] = off(i, "pending_end")
        planted.append(("pending_end off the flow", f.at[i, "court_code"], f.at[i, "year"],
                        f.at[i, "category"]))
        i = pick((f["year"] > first) & has_prev)
        f.at[i, "pending_start"] = off(i, "pending_start")
        planted.append(("pending_start off the series", f.at[i, "court_code"],
                        f.at[i, "year"], f.at[i, "category"]))
    rows = rng.choice(np.flatnonzero((r["judges_in_post"] <= r["judge_posts"]).to_numpy()),
                      4, replace=False)
    for n, i in enumerate(rows):
        kind = ("judges in post > posts", "judges in post > posts", "budget x10",
                "judge_posts x10")[n]
        if kind == "judges in post > posts":
            r.at[i, "judges_in_post"] = r.at[i, "judge_posts"] + int(rng.integers(1, 4))
        elif kind == "budget x10":
            r.at[i, "budget_kzt"] *= 10
        else:
            r.at[i, "judge_posts"] *= 10
        planted.append((kind, r.at[i, "court_code"], int(r.at[i, "year"]), ""))
    return f, r, planted


SEEDS = range(5)


@pytest.mark.parametrize("seed", SEEDS)
def test_planted_errors_are_all_flagged_and_few_clean_cells(seed):
    clean_f, clean_r = yearly_data(seed)
    f, r, planted = plant(clean_f, clean_r, seed)
    out = check(f, r)
    found = {}
    for kind, court, year, category in planted:
        on_cell = out[(out["court_code"] == court) & (out["year"] == year)
                      & (out["category"] == category)]
        found[(kind, court, year, category)] = bool(
            {(x.rule, x.field) for x in on_cell.itertuples()} & FOUND_BY[kind])
    recall = sum(found.values()) / len(found)

    planted_cells = {(c, y, k) for _, c, y, k in planted}
    fact_cells = set(zip(f["court_code"], f["year"], f["category"])) - planted_cells
    flagged_cells = set(zip(out["court_code"], out["year"], out["category"]))
    false_fact = fact_cells & flagged_cells
    court_years = {(c, y, "") for c, y in zip(r["court_code"], r["year"])} - planted_cells
    false_res = court_years & flagged_cells
    # The year after a planted error is right again: no jump back is flagged there.
    echoes = {(c, y + 1, k, field, rule) for kind, c, y, k in planted
              for rule, field in ECHO[kind]}
    print(f"\nseed {seed}: {len(planted)} planted, recall {recall:.0%}; clean cells flagged "
          f"{len(false_fact)}/{len(fact_cells)} = {len(false_fact) / len(fact_cells):.2%}; "
          f"clean court-years (resources) flagged {len(false_res)}/{len(court_years)} = "
          f"{len(false_res) / len(court_years):.2%}; {len(out)} flags")
    assert all(found.values()), [k for k, v in found.items() if not v]
    assert len(false_fact) <= 0.02 * len(fact_cells)
    assert len(false_res) <= 0.02 * len(court_years)
    assert not echoes & flagged(out), echoes & flagged(out)
    # Each planted error in the case figures ranks above every flag on a clean cell.
    cell = list(zip(out["court_code"], out["year"], out["category"]))
    on_planted = out[[c in planted_cells and c[2] != "" for c in cell]]
    on_clean = out[[c in fact_cells for c in cell]]
    lowest = on_planted.groupby(["court_code", "year", "category"])["score"].max().min()
    print(f"  lowest score of a planted case-figure error {lowest:.2f}, highest on a clean "
          f"cell {on_clean['score'].max():.2f}")
    assert on_clean.empty or lowest > on_clean["score"].max()


def test_one_typo_makes_at_most_two_flags_on_its_cell_and_none_the_year_after():
    f, r = yearly_data(7)
    big = f[(f["year"] == 2022) & (f["incoming"] >= 200)].index[0]
    court, category = f.at[big, "court_code"], f.at[big, "category"]
    f.loc[big, "incoming"] *= 10
    out = check(f, r)
    series = out[(out["court_code"] == court) & (out["category"] == category)]
    assert flagged(series) == {(court, 2022, category, "pending_end", "flow_identity"),
                               (court, 2022, category, "incoming", "yoy_outlier")}
