"""data.accounts.access: the permissions of each role and the judge's view of other courts.

scope_values is checked on hand-made frames and, as properties, on random ones: a
judge must never receive another court's code, and anonymised rankings must keep
every value while numbering courts only by rank.
"""

from __future__ import annotations

import math
from collections import Counter

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from data.accounts.access import (
    ANNOTATE,
    EDIT_TARGETS,
    MANAGE_USERS,
    MIN_ANONYMOUS_GROUP,
    PERMISSIONS,
    PUBLISH,
    READ_AUDIT,
    READ_METRICS,
    ROLES,
    SYSTEM,
    UPLOAD,
    VIEW_ALL,
    Viewer,
    allowed_codes,
    anonymous_position,
    scope_values,
    visible_courts,
)

ALL_PERMISSIONS = (VIEW_ALL, EDIT_TARGETS, UPLOAD, MANAGE_USERS, READ_AUDIT, ANNOTATE,
                   PUBLISH, READ_METRICS)
# Issue #5, word for word: admin everything; staff every court plus targets; analyst
# every court plus uploads; judge nothing beyond their own court. The metrics role
# (issue "Operations") reads /metrics and nothing else; admins may read it too.
EXPECTED = {
    "admin": set(ALL_PERMISSIONS),
    "staff": {VIEW_ALL, EDIT_TARGETS, ANNOTATE, PUBLISH},  # notes: 15; releases: 14
    "analyst": {VIEW_ALL, UPLOAD, ANNOTATE},
    "judge": set(),
    "metrics": {READ_METRICS},
}
GROUP = ["kpi", "year", "category"]
OWN = "C03"
JUDGE = Viewer("j", "judge", OWN)
LOWER = {"backlog": True, "clearance": False}


# --- permissions -----------------------------------------------------------------

def test_roles_are_the_four_of_the_issue_and_the_scraper():
    assert set(ROLES) == set(EXPECTED) == set(PERMISSIONS)


def test_only_the_machine_role_reads_no_data():
    assert {role for role in ROLES if not Viewer("x", role).reads_data} == {"metrics"}


@pytest.mark.parametrize("role", list(EXPECTED))
def test_permissions_per_role_exactly(role):
    viewer = Viewer("someone", role, "C01" if role == "judge" else None)
    granted = {p for p in ALL_PERMISSIONS if viewer.can(p)}
    assert granted == EXPECTED[role]
    assert set(PERMISSIONS[role]) == EXPECTED[role]
    assert viewer.sees_all == (role not in ("judge", "metrics"))


def test_unknown_role_and_unknown_permission_grant_nothing():
    nobody = Viewer("x", "superuser")
    assert not any(nobody.can(p) for p in ALL_PERMISSIONS)
    assert not nobody.sees_all
    assert not Viewer("a", "admin").can("delete_everything")


def test_the_system_viewer_is_an_admin():
    assert all(SYSTEM.can(p) for p in ALL_PERMISSIONS)


# --- hand-made frames --------------------------------------------------------------

def cell(level, code, value, kpi="clearance", year=2024, category="all", denominator=10.0):
    return {"level": level, "code": code, "year": year, "category": category, "kpi": kpi,
            "value": value, "numerator": None if value is None else value / 10,
            "denominator": denominator}


def frame(rows) -> pd.DataFrame:
    df = pd.DataFrame(rows)
    for col in ("value", "numerator", "denominator"):
        df[col] = pd.to_numeric(df[col]).astype("float64")
    return df


def courts_frame(values: dict[str, float | None], **kw) -> pd.DataFrame:
    rows = [cell("national", "KZ", 50.0, **kw), cell("region", "KZ-75", 60.0, **kw)]
    rows += [cell("court", code, v, denominator=float(i + 1), **kw)
             for i, (code, v) in enumerate(values.items())]
    return frame(rows)


def court_rows(df: pd.DataFrame) -> pd.DataFrame:
    return df[df["level"] == "court"]


SEVEN = {"C01": 70.0, "C02": 90.0, OWN: 80.0, "C04": None, "C05": 60.0, "C06": 95.0,
         "C07": 85.0}


@pytest.mark.parametrize("role", ["admin", "staff", "analyst"])
@pytest.mark.parametrize("anonymise", [False, True])
def test_viewers_who_see_all_get_the_frame_unchanged(role, anonymise):
    df = courts_frame(SEVEN)
    out = scope_values(Viewer("v", role), df, asked_by_code=False, anonymise=anonymise,
                       lower_is_better=LOWER)
    pd.testing.assert_frame_equal(out, df)


@pytest.mark.parametrize("asked_by_code,anonymise", [(True, False), (True, True),
                                                      (False, False)])
def test_judge_gets_no_other_court_unless_anonymised_ranking(asked_by_code, anonymise):
    df = courts_frame(SEVEN)
    out = scope_values(JUDGE, df, asked_by_code=asked_by_code, anonymise=anonymise,
                       lower_is_better=LOWER)
    assert sorted(out["code"]) == sorted(["KZ", "KZ-75", OWN])
    own = out[out["code"] == OWN].iloc[0]
    assert own["value"] == 80.0 and own["denominator"] == 3.0
    assert list(out.index) == list(range(len(out)))


def test_judge_ranking_numbers_every_court_best_first_with_missing_last():
    out = scope_values(JUDGE, courts_frame(SEVEN), asked_by_code=False, anonymise=True,
                       lower_is_better=LOWER)
    assert set(out.loc[out["level"] != "court", "code"]) == {"KZ", "KZ-75"}
    courts = court_rows(out)
    # 95 C06, 90 C02, 85 C07, 80 own, 70 C01, 60 C05, missing C04 last; own keeps its code.
    by_value = {(None if math.isnan(v) else v): c for v, c in zip(courts["value"],
                                                                   courts["code"])}
    assert by_value == {95.0: "anon-1-of-7", 90.0: "anon-2-of-7", 85.0: "anon-3-of-7",
                        80.0: OWN, 70.0: "anon-5-of-7", 60.0: "anon-6-of-7",
                        None: "anon-7-of-7"}
    assert not set(out["code"]) & (set(SEVEN) - {OWN})


def test_lower_is_better_reverses_the_ranking():
    df = courts_frame(SEVEN, kpi="backlog")
    out = court_rows(scope_values(JUDGE, df, asked_by_code=False, anonymise=True,
                                  lower_is_better=LOWER))
    code_of = {(None if math.isnan(v) else v): c for v, c in zip(out["value"], out["code"])}
    # Lowest first: 60 C05, 70 C01, 80 own, 85 C07, 90 C02, 95 C06, then C04 without a value.
    assert code_of == {60.0: "anon-1-of-7", 70.0: "anon-2-of-7", 80.0: OWN,
                       85.0: "anon-4-of-7", 90.0: "anon-5-of-7", 95.0: "anon-6-of-7",
                       None: "anon-7-of-7"}


def test_anonymised_rows_keep_only_their_value_and_label():
    """Issue #17: a denominator, coverage or target repeated across KPIs would link one
    court's anonymous rows; only the value (and the columns a caller vouches for) stays."""
    df = courts_frame(SEVEN).assign(coverage=1.0, target=95.0, status="red",
                                    illustrative=True, extra=7)
    out = court_rows(scope_values(JUDGE, df, asked_by_code=False, anonymise=True,
                                  lower_is_better=LOWER, keep=("extra",)))
    anon = out[out["code"].str.startswith("anon-")]
    assert len(anon) == 6
    for column in ("numerator", "denominator", "coverage", "target", "status",
                   "illustrative"):
        assert anon[column].isna().all(), column
    assert anon["value"].notna().sum() == 5 and (anon["extra"] == 7).all()
    own = out[out["code"] == OWN].iloc[0]
    assert own["denominator"] == 3.0 and own["status"] == "red" and own["target"] == 95.0
    assert out["denominator"].dtype == "float64"  # numbers stay numbers for the own court


def test_direction_defaults_to_higher_is_better_without_a_map():
    out = court_rows(scope_values(JUDGE, courts_frame(SEVEN, kpi="backlog"),
                                  asked_by_code=False, anonymise=True))
    assert out.loc[out["value"] == 95.0, "code"].item() == "anon-1-of-7"


def test_too_few_other_courts_are_left_out_but_own_court_stays():
    few = {code: v for code, v in list(SEVEN.items())[:MIN_ANONYMOUS_GROUP]}
    others = [c for c in few if c != OWN]
    assert len(others) == MIN_ANONYMOUS_GROUP - 1
    out = scope_values(JUDGE, courts_frame(few), asked_by_code=False, anonymise=True)
    assert sorted(out["code"]) == sorted(["KZ", "KZ-75", OWN])
    # One more other court and the group is big enough to show.
    enough = {**few, "C09": 10.0}
    out = scope_values(JUDGE, courts_frame(enough), asked_by_code=False, anonymise=True)
    assert len(court_rows(out)) == MIN_ANONYMOUS_GROUP + 1


def test_numbering_is_per_kpi_year_and_category():
    big = courts_frame(SEVEN)
    other_year = courts_frame({c: (None if v is None else 100 - v) for c, v in SEVEN.items()},
                              year=2023)
    civil = courts_frame({f"C{i:02d}": float(i) for i in range(1, 11)}, category="civil")
    small = courts_frame({"C01": 1.0, "C02": 2.0, OWN: 3.0}, kpi="backlog")
    df = pd.concat([big, other_year, civil, small], ignore_index=True)
    out = court_rows(scope_values(JUDGE, df, asked_by_code=False, anonymise=True,
                                  lower_is_better=LOWER))
    sizes = out.groupby(GROUP).size().to_dict()
    assert sizes == {("clearance", 2023, "all"): 7, ("clearance", 2024, "all"): 7,
                     ("clearance", 2024, "civil"): 10, ("backlog", 2024, "all"): 1}
    y23 = out[out["year"] == 2023]
    assert y23.loc[y23["value"] == 40.0, "code"].item() == "anon-1-of-7"  # 100 - 60
    civil_out = out[out["category"] == "civil"]
    assert civil_out.loc[civil_out["value"] == 10.0, "code"].item() == "anon-1-of-10"
    assert civil_out.loc[civil_out["value"] == 3.0, "code"].item() == OWN


def test_a_judge_whose_court_is_not_in_the_ranking_sees_all_others_anonymised():
    df = courts_frame({c: v for c, v in SEVEN.items() if c != OWN})
    out = court_rows(scope_values(JUDGE, df, asked_by_code=False, anonymise=True))
    assert len(out) == 6 and all(anonymous_position(c)[1] == 6 for c in out["code"])


def test_empty_frame_and_frame_without_other_courts():
    empty = frame([cell("court", "X", 1.0)]).iloc[:0]
    assert scope_values(JUDGE, empty, asked_by_code=False, anonymise=True).empty
    only_own = courts_frame({OWN: 1.0})
    out = scope_values(JUDGE, only_own, asked_by_code=False, anonymise=True)
    assert sorted(out["code"]) == sorted(["KZ", "KZ-75", OWN])


def test_anonymised_rows_come_in_rank_order_not_in_the_order_of_their_codes():
    """Rows in the order of the hidden codes (as the repository sorts them) would let
    anyone who knows the list of courts put the names back."""
    out = court_rows(scope_values(JUDGE, courts_frame(SEVEN), asked_by_code=False,
                                  anonymise=True))
    ranks = [anonymous_position(c)[0] if c != OWN else 4 for c in out["code"]]
    assert ranks == sorted(ranks)


# --- properties over random frames ------------------------------------------------------

CODES = [f"C{i:02d}" for i in range(12)]
value = st.one_of(st.none(), st.sampled_from([0.0, 50.0, 100.0]),
                  st.floats(0, 1000, allow_nan=False))


@st.composite
def kpi_frames(draw):
    rows = []
    for kpi in draw(st.lists(st.sampled_from(["clearance", "backlog"]), min_size=1,
                             max_size=2, unique=True)):
        for year in draw(st.lists(st.sampled_from([2023, 2024]), min_size=1, max_size=2,
                                  unique=True)):
            for category in draw(st.lists(st.sampled_from(["all", "civil"]), min_size=1,
                                          max_size=2, unique=True)):
                where = {"kpi": kpi, "year": year, "category": category}
                if draw(st.booleans()):
                    rows.append(cell("national", "KZ", draw(value), **where))
                if draw(st.booleans()):
                    rows.append(cell("region", "KZ-75", draw(value), **where))
                for code in draw(st.lists(st.sampled_from(CODES), max_size=len(CODES),
                                          unique=True)):
                    rows.append(cell("court", code, draw(value),
                                     denominator=draw(st.floats(1, 1e6)), **where))
    df = frame(rows) if rows else frame([cell("national", "KZ", 1.0)])
    # Any index: callers pass merged or filtered frames.
    if draw(st.booleans()):
        df.index = draw(st.permutations(range(100, 100 + len(df))))
    return df


def multiset(df: pd.DataFrame, cols: list[str] | None = None) -> Counter:
    cols = cols or GROUP + ["value", "numerator", "denominator"]
    return Counter(tuple("nan" if isinstance(x, float) and math.isnan(x) else x for x in row)
                   for row in df[cols].itertuples(index=False))


@settings(max_examples=200, deadline=None)
@given(kpi_frames(), st.sampled_from([OWN, "C11", "NOT-IN-FRAME"]),
       st.booleans(), st.booleans())
def test_judge_scoping_properties(df, own, asked_by_code, anonymise):
    judge = Viewer("j", "judge", own)
    original = df.copy()
    out = scope_values(judge, df, asked_by_code=asked_by_code, anonymise=anonymise,
                       lower_is_better=LOWER)
    pd.testing.assert_frame_equal(df, original)  # the input is not changed
    assert list(out.columns) == list(df.columns)

    # Nation and regions, and the judge's own court, unchanged.
    keep = (df["level"] != "court") | (df["code"] == own)
    assert multiset(out[(out["level"] != "court") | (out["code"] == own)]) == multiset(df[keep])
    assert set(out.loc[out["level"] != "court", "code"]) <= {"KZ", "KZ-75"}

    # No other court's code anywhere in the answer.
    other_codes = set(df.loc[df["level"] == "court", "code"]) - {own}
    cells = {str(x) for x in out.astype(str).to_numpy().ravel()}
    assert not cells & other_codes

    others = out[(out["level"] == "court") & (out["code"] != own)]
    if asked_by_code or not anonymise:
        assert others.empty
        return
    assert all(anonymous_position(c) is not None for c in others["code"])
    for key, given_group in court_rows(df).groupby(GROUP):
        got = court_rows(out)
        got = got[(got[GROUP] == pd.Series(key, index=GROUP)).all(axis=1)]
        n_other = int((given_group["code"] != own).sum())
        if n_other < MIN_ANONYMOUS_GROUP:
            assert (got["code"] == own).all()
            assert len(got) == int((given_group["code"] == own).sum())
            continue
        # Every court kept with its value, the others without their volume (#17); ranks
        # 1..n over the whole group, the own court taking the rank no anonymous code carries.
        assert multiset(got, GROUP + ["value"]) == multiset(given_group, GROUP + ["value"])
        anon = got[got["code"] != own]
        assert anon["numerator"].isna().all() and anon["denominator"].isna().all()
        n = len(given_group)
        positions = {c: anonymous_position(c) for c in got["code"] if c != own}
        assert {total for _, total in positions.values()} == {n}
        free = set(range(1, n + 1)) - {r for r, _ in positions.values()}
        assert len(free) == (1 if own in set(given_group["code"]) else 0)
        rank = [free.pop() if c == own else positions[c][0] for c in got["code"]]
        # Row order says nothing beyond the rank.
        assert rank == list(range(1, n + 1))
        # Best first by value in the KPI's direction, missing values last.
        vals = got["value"].to_numpy()
        missing = np.isnan(vals)
        assert not (missing[:-1] & ~missing[1:]).any(), "a missing value ranked above a value"
        step = np.diff(vals[~missing])
        assert (step >= 0).all() if LOWER[key[0]] else (step <= 0).all()
    # Nothing invented: every court row of the answer comes from a kept group.
    assert len(court_rows(out)) <= len(court_rows(df))


# --- small helpers ------------------------------------------------------------------

@settings(max_examples=100, deadline=None)
@given(st.integers(1, 10_000), st.integers(1, 10_000))
def test_anonymous_position_round_trip(rank, total):
    assert anonymous_position(f"anon-{rank}-of-{total}") == (rank, total)


@pytest.mark.parametrize("code", ["KZ", "KZ-75", "KZ10-D01", "anon-x-of-5", "anon-1-of-",
                                  "anon--1-of-5", "xanon-1-of-5", "anon-1-of-5-x", "", None,
                                  float("nan")])
def test_anonymous_position_of_other_codes_is_none(code):
    assert anonymous_position(code) is None


REGIONS = ["KZ-75", "KZ-71"]
CODES_ASKED = ["KZ", "KZ-75", "KZ-71", "C01", OWN, "C09"]


@pytest.mark.parametrize("role", ["admin", "staff", "analyst"])
def test_allowed_codes_for_viewers_who_see_all(role):
    assert allowed_codes(Viewer("v", role), CODES_ASKED, REGIONS) == CODES_ASKED


def test_allowed_codes_for_a_judge_are_nation_regions_and_own_court():
    assert allowed_codes(JUDGE, CODES_ASKED, REGIONS) == ["KZ", "KZ-75", "KZ-71", OWN]
    assert allowed_codes(Viewer("j", "judge", None), CODES_ASKED, REGIONS) == [
        "KZ", "KZ-75", "KZ-71"]
    assert allowed_codes(JUDGE, iter(["C01", "C09"]), iter(REGIONS)) == []


def directory() -> pd.DataFrame:
    return pd.DataFrame({"court_code": ["C01", OWN, "C09"], "name_en": ["a", "b", "c"],
                         "region_code": ["KZ-75", "KZ-75", "KZ-71"]})


def test_visible_courts():
    courts = directory()
    pd.testing.assert_frame_equal(visible_courts(Viewer("s", "staff"), courts), courts)
    assert list(visible_courts(JUDGE, courts)["court_code"]) == [OWN]
    assert visible_courts(Viewer("j", "judge", "ELSEWHERE"), courts).empty
    assert visible_courts(Viewer("j", "judge", None), courts).empty


def test_may_see_court():
    for role in ("admin", "staff", "analyst"):
        assert Viewer("v", role).may_see_court("C01")
    assert JUDGE.may_see_court(OWN)
    assert not JUDGE.may_see_court("C01")
    courtless = Viewer("j", "judge", None)
    assert not courtless.may_see_court(None)
    assert not courtless.may_see_court("C01")
