"""Plausibility checks of courts' yearly figures, ranked by how implausible each figure is.

Court statistics arrive once a year from some 400 courts with the errors every
statistical office knows: an extra zero, a lost digit, a pending figure that does not
follow from the flow, more judges in post than posts. The rules below look at the
yearly facts (per court, year and category) and the resources (per court and year)
and return one *flag* per implausible figure with a **score**: how many times its
tolerance the figure is off. Every flag has a score above 1; the list is sorted by
score, so the figures most worth a telephone call come first, and scores of
different rules are comparable.

Missing is never zero: a figure that was not reported (NaN, or a row that is not
there) takes part in no check, and a court-year without the previous year has no
year-on-year check.

One error should make one flag where the rules can tell: a year-on-year jump *back*
from a flagged figure (the year after a typo) is not flagged again, a pending figure
that breaks both the flow and the continuity is flagged once, on the figure that is
wrong, and a figure flagged by an exact rule (flow identity, posts) is not flagged by a
statistical one as well. Pure functions over pandas frames; no database, no Dash.
"""

from __future__ import annotations

import math
import warnings
from collections.abc import Callable
from dataclasses import dataclass
from typing import NamedTuple

import numpy as np
import pandas as pd

FACT_KEY = ["court_code", "year", "category"]
RESOURCE_KEY = ["court_code", "year"]
FLOW = ("pending_start", "incoming", "resolved", "pending_end")
YOY_FIELDS = ("incoming", "resolved", "pending_end")
SEASONAL_FIELDS = ("incoming", "resolved")
RESOURCE_FIELDS = ("judge_posts", "judges_in_post", "staff_posts", "staff_in_post",
                   "budget_kzt")
POSTS = (("judges_in_post", "judge_posts"), ("staff_in_post", "staff_posts"))
# ``period``: the year's code for a yearly figure, "2026-03" or "2026-Q1" for a part of a
# year that a monthly or quarterly aggregate report gave (periods.md).
COLUMNS = ["court_code", "year", "category", "field", "rule", "value", "expected", "score",
           "period"]
PART_KEY = ["court_code", "year", "m1", "m2", "category"]


@dataclass(frozen=True)
class Rule:
    """One check: its name, the figures it judges and what it says (English)."""

    name: str
    fields: tuple[str, ...]
    about: str
    # Judged against another year's figure, not by arithmetic within the year: the year
    # after a wrong figure, such a rule sees the jump back (see _tidy).
    statistical: bool = False

    @property
    def message_key(self) -> str:
        """The sentence of one flag, ``layouts/locales/<lang>/flags.json``."""
        return f"flags.rule.{self.name}"


# In order of precedence: when two rules flag the same figure only the first is kept
# (the exact arithmetic rules name the figure they expect; the statistical one a range).
RULES: dict[str, Rule] = {r.name: r for r in (
    Rule("flow_identity", ("pending_end",),
         "Pending cases at the end of the year are far from those pending at the start "
         "plus incoming minus resolved."),
    Rule("continuity", ("pending_start",),
         "Pending cases at the start of the year are far from those pending at the end "
         "of the previous year."),
    Rule("posts_exceeded", ("judges_in_post", "staff_in_post"),
         "More judges or staff in post than there are posts."),
    Rule("posts_vacant", ("judge_posts", "staff_posts"),
         "Fewer than half of the posts are filled, more than 5 of them empty."),
    Rule("yoy_outlier", YOY_FIELDS,
         "A court's change of incoming, resolved or pending cases on the previous year "
         "lies far outside the changes of the other courts that year, judged by the "
         "court's size (Hidiroglou-Berthelot).", statistical=True),
    Rule("resource_jump", RESOURCE_FIELDS,
         "Posts, people in post or the budget more than double or fall by more than half "
         "from one year to the next.", statistical=True),
    # Parts of a year, from monthly or quarterly aggregate reports (issue 26).
    Rule("part_flow_identity", ("pending_end",),
         "In a month or quarter, pending cases at its end are far from those pending at "
         "its start plus incoming minus resolved."),
    Rule("part_continuity", ("pending_start",),
         "Pending cases at the start of a month or quarter are far from those pending at "
         "the end of the part before it."),
    Rule("seasonal_outlier", SEASONAL_FIELDS,
         "A court's incoming or resolved cases of a month are less than half or more than "
         "double anything it reported in that month of the three years before.",
         statistical=True),
)}


@dataclass(frozen=True)
class Settings:
    """The tuning of the rules (the defaults are argued in the comments)."""

    # Hidiroglou-Berthelot. U = 0.5 is the variance-stabilising power for counts: a
    # court's change x_t - r*x_{t-1} of Poisson-like case counts has a spread that grows
    # with sqrt(x), so s * x^0.5 puts a 3-case court and a 30,000-case court on one
    # scale, and small courts' noise is not flagged (U = 1 would flag every large
    # court's ordinary 10 % swing, U = 0 every small court's).
    u: float = 0.5
    # HB's guard against a tight cluster of changes; with E centred near 0 it seldom
    # binds, the quartile distances decide.
    a: float = 0.05
    # Bounds at median +- C times the wider quartile distance. Tuned on the data of
    # tests/test_plausibility.py: a tenfold or lost-digit incoming or resolved figure of
    # 20 or more lies at least 16 spreads out (pending, a more volatile stock, 7: the
    # flow identity catches those), clean changes seldom beyond 8. C = 8 flagged at most
    # 1.2 % of clean cells over 100 seeds; C = 6 up to 2.3 %, over the 2 % goal.
    c: float = 8.0
    # Fewer courts than this in a year and category: quartiles say little, no check.
    min_peers: int = 10
    # Figures below this in both years have no year-on-year check: a ratio of two small
    # counts says little (3 -> 0 pending cases is ordinary). The flow identity and the
    # continuity still check them exactly.
    min_size: float = 20.0
    # Tolerance of the flow identity and the continuity: real reports carry a few
    # reopened, transferred or reclassified cases, in proportion to the cases a court
    # handles (pending at the start + incoming): 2 % of those, and at least 5 cases.
    # A year-on-year change of 5 cases or fewer is never flagged either.
    abs_tol: float = 5.0
    rel_tol: float = 0.02
    # Resources: more than doubled or halved in a year, and posts or people by more than
    # 5 (a court going from 1 to 2 judges, and 3 to 7 staff with them, is ordinary).
    jump: float = 2.0
    jump_min: float = 5.0


DEFAULT = Settings()
HALF_CASE = 0.5  # a zero counts as half a case, so ratios to or from zero stay finite


# ---------------------------------------------------------------------------
# Hidiroglou-Berthelot
# ---------------------------------------------------------------------------


class HB(NamedTuple):
    """The HB statistics of one peer group (one year, category and figure)."""

    median_ratio: float
    effect: np.ndarray  # E_i, one per court
    median: float  # median of E
    spread: float  # max(Q3 - med, med - Q1, A * |med|)
    score: np.ndarray  # |E_i - med| / (C * spread); above 1 is outside the bounds


def _ratio(prev: np.ndarray, now: np.ndarray) -> np.ndarray:
    return np.maximum(now, HALF_CASE) / np.maximum(prev, HALF_CASE)


def _effect(prev: np.ndarray, now: np.ndarray, median_ratio: float, u: float) -> np.ndarray:
    """E = s * max(x_t, x_{t-1})^U with s the ratio centred on the peers' median."""
    r = _ratio(prev, now)
    s = np.where(r >= median_ratio, r / median_ratio - 1.0, 1.0 - median_ratio / r)
    return s * np.maximum(prev, now) ** u


def hidiroglou_berthelot(prev: np.ndarray, now: np.ndarray, u: float = DEFAULT.u,
                         a: float = DEFAULT.a, c: float = DEFAULT.c) -> HB:
    """HB effects and scores of the changes ``prev`` -> ``now`` of a group of peers.

    Hidiroglou & Berthelot (1986), as statistical offices use it for periodic business
    surveys: r = x_t / x_{t-1}; s = r / r_med - 1 above the median ratio, 1 - r_med / r
    below it; E = s * max(x_t, x_{t-1})^U; bounds E_med +- C * max(E_Q3 - E_med,
    E_med - E_Q1, A * |E_med|). The wider of the two quartile distances serves both
    sides: fewer false alarms when the peers' changes are lopsided.
    """
    prev = np.asarray(prev, dtype="float64")
    now = np.asarray(now, dtype="float64")
    median_ratio = float(np.median(_ratio(prev, now)))
    e = _effect(prev, now, median_ratio, u)
    q1, med, q3 = (float(q) for q in np.percentile(e, [25, 50, 75]))
    spread = max(q3 - med, med - q1, a * abs(med))
    score = np.abs(e - med) / (c * spread) if spread > 0 else np.zeros_like(e)
    return HB(median_ratio, e, med, spread, score)


def acceptable_range(prev: np.ndarray, median_ratio, low, high,
                     u: float = DEFAULT.u) -> tuple[np.ndarray, np.ndarray]:
    """The values of x_t whose HB effect lies within [low, high], given x_{t-1}.

    E grows with x_t (for any x_{t-1} > 0), so each end is found by bisection; the
    median ratio and the bounds may be one per value (several peer groups at once).
    """
    prev = np.asarray(prev, dtype="float64")
    median_ratio = np.broadcast_to(np.asarray(median_ratio, dtype="float64"), prev.shape)

    def solve(target) -> np.ndarray:
        lo = np.zeros_like(prev)
        hi = np.maximum(prev, 1.0) * np.maximum(median_ratio, 1.0) * 2.0
        for _ in range(200):  # widen until E(hi) reaches the target
            short = _effect(prev, hi, median_ratio, u) < target
            if not short.any():
                break
            hi = np.where(short, hi * 2.0, hi)
        for _ in range(50):  # to well under a case: hi starts below 2^50 cases
            mid = (lo + hi) / 2.0
            below = _effect(prev, mid, median_ratio, u) < target
            lo, hi = np.where(below, mid, lo), np.where(below, hi, mid)
        return (lo + hi) / 2.0

    return solve(np.asarray(low, dtype="float64")), solve(np.asarray(high, dtype="float64"))


# ---------------------------------------------------------------------------
# Formatting
# ---------------------------------------------------------------------------


def format_count(value: float) -> str:
    """A figure as people write it in a report: whole, thousands apart ("12 345")."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return ""
    return f"{round(value):,}".replace(",", " ")


def format_range(low: float, high: float) -> str:
    return f"{format_count(max(low, 0.0))}–{format_count(high)}"


# ---------------------------------------------------------------------------
# The rules
# ---------------------------------------------------------------------------


def _floats(frame: pd.DataFrame, columns) -> pd.DataFrame:
    """The columns as float64 with NaN for not reported (absent columns all NaN)."""
    out = {c: (pd.to_numeric(frame[c], errors="coerce").astype("float64")
               if c in frame.columns else np.full(len(frame), np.nan)) for c in columns}
    return pd.DataFrame(out, index=frame.index)


def _with_previous(frame: pd.DataFrame, key: list[str], fields) -> pd.DataFrame:
    """Each row with the same unit's figures of the year before (``<field>_prev``)."""
    base = pd.concat([frame[key].reset_index(drop=True),
                      _floats(frame, fields).reset_index(drop=True)], axis=1)
    base["year"] = base["year"].astype("int64")
    prev = base.assign(year=base["year"] + 1).rename(columns={f: f"{f}_prev" for f in fields})
    return base.merge(prev, on=key, how="left")


def _with_neighbours(frame: pd.DataFrame, fields, max_gap: int = 2) -> pd.DataFrame:
    """Each court-year with the court's reported years around it: ``<field>_prev`` the
    last before, ``_next`` the first after, ``_next2`` the one after that, each at most
    ``max_gap`` years from the last (a year not reported is skipped, not taken as 0)."""
    base = pd.concat([frame[RESOURCE_KEY].reset_index(drop=True),
                      _floats(frame, fields).reset_index(drop=True)], axis=1)
    base["year"] = base["year"].astype("int64")
    base = base.sort_values(RESOURCE_KEY, kind="stable").reset_index(drop=True)
    grouped = base.groupby("court_code", sort=False)
    years = base["year"].to_numpy()
    out = {}
    for shift, suffix in ((1, "_prev"), (-1, "_next"), (-2, "_next2")):
        gap = np.abs(years - grouped["year"].shift(shift).to_numpy(dtype="float64"))
        close = gap <= max_gap * abs(shift)
        for f in fields:
            out[f"{f}{suffix}"] = np.where(
                close, grouped[f].shift(shift).to_numpy(dtype="float64"), np.nan)
    return pd.concat([base, pd.DataFrame(out)], axis=1)


def _tolerance(handled: np.ndarray, s: Settings) -> np.ndarray:
    return np.maximum(s.abs_tol, s.rel_tol * handled)


def _raw(frame: pd.DataFrame, idx: np.ndarray, rule: str, field: str, value, expected,
         score, direction, level) -> pd.DataFrame:
    """Flags of the rows ``idx`` of ``frame`` (per-flag arrays aligned with ``idx``).

    ``direction`` (+1: the figure is above what was expected, -1 below) and ``level``
    (about what the figure should have been) let the year after tell a jump back from
    a wrong figure (see _tidy).
    """
    sub = frame.iloc[idx]
    category = (sub["category"].astype(str).to_numpy() if "category" in sub.columns
                else np.full(idx.size, "", dtype=object))
    return pd.DataFrame({
        "court_code": sub["court_code"].astype(str).to_numpy(),
        "year": sub["year"].astype("int64").to_numpy(),
        "category": category, "field": field, "rule": rule,
        "value": np.asarray(value, dtype="float64"),
        "expected": np.asarray(expected, dtype=object),
        "score": np.asarray(score, dtype="float64"),
        "period": (sub["period"].astype(str).to_numpy() if "period" in sub.columns
                   else sub["year"].astype("int64").astype(str).to_numpy()),
        "direction": np.asarray(direction, dtype="int64"),
        "level": np.asarray(level, dtype="float64"),
    })


ANCHOR = "_anchor"  # not a flag: where a flow flag says incoming or resolved should be


def _stock_flags(pairs: pd.DataFrame, s: Settings) -> list[pd.DataFrame]:
    """flow_identity and continuity: pending cases that do not add up.

    A wrong pending_end at t breaks the flow at t and the continuity at t+1; a wrong
    pending_start at t breaks the continuity and the flow at t. Each is flagged once,
    on the figure that is wrong: the continuity at t+1 is left out when pending_start
    at t+1 agrees with the flow of t, the flow at t when it holds from the previous
    year's pending_end. A broken flow also leaves anchors: the incoming and resolved
    figures that would balance it, for telling next year's jump back (_tidy).
    """
    ps, inc, res, pe = (pairs[c].to_numpy() for c in FLOW)
    ps0, inc0, res0, pe0 = (pairs[f"{c}_prev"].to_numpy() for c in FLOW)
    with np.errstate(invalid="ignore"):
        flow = ps + inc - res
        tol = _tolerance(ps + inc, s)
        flow_off = np.abs(pe - flow) > tol
        flow0 = ps0 + inc0 - res0
        flow0_off = np.abs(pe0 - flow0) > _tolerance(ps0 + inc0, s)
        cont_tol = _tolerance(pe0 + inc, s)
        cont_off = np.abs(ps - pe0) > cont_tol
        # pending_end follows from last year's pending_end: pending_start is the odd one.
        from_previous = np.abs(pe - (pe0 + inc - res)) <= tol
        # pending_start follows from last year's flow: last year's pending_end was wrong.
        from_flow0 = flow0_off & (np.abs(ps - flow0) <= cont_tol)
    flow_idx = np.flatnonzero(flow_off & ~(cont_off & from_previous))
    cont_idx = np.flatnonzero(cont_off & ~from_flow0)
    out = [
        _raw(pairs, flow_idx, "flow_identity", "pending_end", pe[flow_idx],
             [format_count(v) for v in flow[flow_idx]], np.abs(pe - flow)[flow_idx]
             / tol[flow_idx], np.sign(pe - flow)[flow_idx], flow[flow_idx]),
        _raw(pairs, cont_idx, "continuity", "pending_start", ps[cont_idx],
             [format_count(v) for v in pe0[cont_idx]], np.abs(ps - pe0)[cont_idx]
             / cont_tol[cont_idx], np.sign(ps - pe0)[cont_idx], pe0[cont_idx]),
    ]
    for field, balancing in (("incoming", pe - ps + res), ("resolved", ps + inc - pe)):
        reported = pairs[field].to_numpy()
        idx = flow_idx[balancing[flow_idx] > 0]
        out.append(_raw(pairs, idx, ANCHOR, field, reported[idx], [""] * idx.size,
                        np.zeros(idx.size), np.sign(reported - balancing)[idx],
                        balancing[idx]))
    return out


def _yoy_flags(pairs: pd.DataFrame, s: Settings) -> list[pd.DataFrame]:
    """yoy_outlier: HB per year, category and figure among the courts reporting both years."""
    out = []
    for field in YOY_FIELDS:
        prev_all = pairs[f"{field}_prev"].to_numpy()
        now_all = pairs[field].to_numpy()
        # Both years reported (NaN never compares), one of them big enough.
        with np.errstate(invalid="ignore"):
            usable = np.flatnonzero(~np.isnan(prev_all) & ~np.isnan(now_all)
                                    & (np.maximum(prev_all, now_all) >= s.min_size))
        groups = pairs.iloc[usable].groupby(["year", "category"], sort=False).indices
        # The flagged rows of every group, with their group's HB numbers.
        rows, score, direction, ratio_parts, low_e, high_e = [], [], [], [], [], []
        for positions in groups.values():
            if len(positions) < s.min_peers:
                continue
            at = usable[positions]
            prev, now = prev_all[at], now_all[at]
            hb = hidiroglou_berthelot(prev, now, s.u, s.a, s.c)
            hit = (hb.score > 1.0) & (np.abs(now - hb.median_ratio * prev) > s.abs_tol)
            n = int(hit.sum())
            if n:
                rows.append(at[hit])
                score.append(hb.score[hit])
                direction.append(np.sign(hb.effect[hit] - hb.median))
                ratio_parts.append(np.full(n, hb.median_ratio))
                low_e.append(np.full(n, hb.median - s.c * hb.spread))
                high_e.append(np.full(n, hb.median + s.c * hb.spread))
        if not rows:
            continue
        idx, ratio = np.concatenate(rows), np.concatenate(ratio_parts)
        prev, centre = prev_all[idx], ratio * prev_all[idx]
        low, high = acceptable_range(prev, ratio, np.concatenate(low_e),
                                     np.concatenate(high_e), s.u)
        # Every figure within the absolute tolerance of the median change is fine too.
        low = np.minimum(low, centre - s.abs_tol)
        high = np.maximum(high, centre + s.abs_tol)
        out.append(_raw(pairs, idx, "yoy_outlier", field, now_all[idx],
                        [format_range(lo, hi) for lo, hi in zip(low, high)],
                        np.concatenate(score), np.concatenate(direction), centre))
    return out


def _posts_flags(pairs: pd.DataFrame) -> list[pd.DataFrame]:
    """posts_exceeded: score = people in post per post (above 1 by definition)."""
    out = []
    for in_post, posts in POSTS:
        n, p = pairs[in_post].to_numpy(), pairs[posts].to_numpy()
        with np.errstate(invalid="ignore", divide="ignore"):
            idx = np.flatnonzero(n > p)
            score = np.where(p[idx] > 0, n[idx] / p[idx], 1.0 + n[idx])
        out.append(_raw(pairs, idx, "posts_exceeded", in_post, n[idx],
                        [f"≤ {format_count(v)}" for v in p[idx]], score, np.ones(idx.size),
                        p[idx]))
    return out


def _vacant_flags(pairs: pd.DataFrame, s: Settings) -> list[pd.DataFrame]:
    """posts_vacant: score = posts per two people in post (above 1: under half filled).

    Flagged on the posts, the figure a tenfold typo most often hits; a lost digit in the
    people in post shows here too. Small courts' gaps (5 or fewer) are ordinary.
    """
    out = []
    for in_post, posts in POSTS:
        n, p = pairs[in_post].to_numpy(), pairs[posts].to_numpy()
        with np.errstate(invalid="ignore"):
            idx = np.flatnonzero((p > 2 * n) & (p - n > s.jump_min))
        out.append(_raw(pairs, idx, "posts_vacant", posts, p[idx],
                        [f"≤ {format_count(2 * v)}" for v in n[idx]],
                        p[idx] / np.maximum(2 * n[idx], 1.0), np.ones(idx.size), 2 * n[idx]))
    return out


def _jump_flags(pairs: pd.DataFrame, s: Settings) -> list[pd.DataFrame]:
    """resource_jump: score = |log ratio| / log 2, so a doubling or a halving scores 1.

    A unit's first reported year has no year before: it is judged against the year
    after instead when that one leads on smoothly to the year after it (so a typo in
    the first year is flagged there, not on the right figure after it).
    """

    def jump(a: np.ndarray, b: np.ndarray, field: str) -> tuple[np.ndarray, np.ndarray]:
        with np.errstate(invalid="ignore", divide="ignore"):
            score = np.abs(np.log(_ratio(a, b))) / math.log(s.jump)
            # Counts of people must move by a few; the budget (KZT) by its ratio alone.
            moved = np.abs(b - a) > (0.0 if field == "budget_kzt" else s.jump_min)
            return score, (score > 1.0) & moved

    out = []
    for field in RESOURCE_FIELDS:
        prev, now = pairs[f"{field}_prev"].to_numpy(), pairs[field].to_numpy()
        nxt, nxt2 = pairs[f"{field}_next"].to_numpy(), pairs[f"{field}_next2"].to_numpy()
        score, hit = jump(prev, now, field)
        score_ahead, hit_ahead = jump(nxt, now, field)
        hit_ahead &= np.isnan(prev) & ~np.isnan(nxt2) & ~jump(nxt, nxt2, field)[1]
        for idx, base, sc in ((np.flatnonzero(hit), prev, score),
                              (np.flatnonzero(hit_ahead), nxt, score_ahead)):
            out.append(_raw(pairs, idx, "resource_jump", field, now[idx],
                            [format_range(v / s.jump, v * s.jump) for v in base[idx]],
                            sc[idx], np.sign(now - base)[idx], base[idx]))
    return out


def _tidy(raw: pd.DataFrame, s: Settings) -> pd.DataFrame:
    """One flag per error: no jump back from a wrong figure, one rule per figure; ranked.

    The year after a wrong figure, its change goes the other way, back to about where
    the figure should have been (a flag's ``level``); a statistical flag on that change
    would point at a right figure, so it is left out. When two rules flag the same
    figure, the first in RULES stays.
    """
    if raw.empty:
        return no_flags()
    where = ["court_code", "category", "field", "year", "direction"]
    # Each flag as seen from the year after, in the direction a jump back would take.
    before = raw[where + ["level"]].assign(year=raw["year"] + 1, direction=-raw["direction"])
    seen = raw[where + ["value"]].reset_index().merge(before, on=where, how="inner")
    with np.errstate(invalid="ignore", divide="ignore"):
        level, value = seen["level"].to_numpy(), seen["value"].to_numpy()
        near = ((np.abs(np.log(_ratio(level, value))) <= math.log(2.0))
                | (np.abs(value - level) <= s.abs_tol))
    back = np.zeros(len(raw), dtype=bool)
    back[seen.loc[near, "index"].to_numpy()] = True
    statistical = raw["rule"].isin([r.name for r in RULES.values() if r.statistical])
    statistical = statistical.to_numpy()
    kept = raw[~(back & statistical) & (raw["rule"] != ANCHOR).to_numpy()]
    order = {name: i for i, name in enumerate(RULES)}
    kept = (kept.assign(_p=kept["rule"].map(order))
            .sort_values("_p", kind="stable")
            .drop_duplicates(["court_code", "year", "category", "field"]))
    return _ranked(kept[COLUMNS])


def _ranked(flags: pd.DataFrame) -> pd.DataFrame:
    return flags.sort_values(["score", "court_code", "year", "category", "field"],
                             ascending=[False, True, True, True, True],
                             kind="stable").reset_index(drop=True)


def _concat(frames: list[pd.DataFrame]) -> pd.DataFrame:
    """The non-empty frames stacked; an empty flags frame when none."""
    frames = [f for f in frames if not f.empty]
    return pd.concat(frames, ignore_index=True) if frames else no_flags()


_DTYPES = {"court_code": object, "year": "int64", "category": object, "field": object,
           "rule": object, "value": "float64", "expected": object, "score": "float64",
           "period": object}


def fact_flags(facts: pd.DataFrame, settings: Settings = DEFAULT) -> pd.DataFrame:
    """Flags on yearly facts: court_code, year, category and the four flow figures."""
    if facts.empty:
        return no_flags()
    pairs = _with_previous(facts, FACT_KEY, FLOW)
    return _tidy(_concat([*_stock_flags(pairs, settings), *_yoy_flags(pairs, settings)]),
                 settings)


def resource_flags(resources: pd.DataFrame, settings: Settings = DEFAULT) -> pd.DataFrame:
    """Flags on yearly resources: court_code, year and any of RESOURCE_FIELDS."""
    if resources.empty:
        return no_flags()
    pairs = _with_neighbours(resources, RESOURCE_FIELDS)
    return _tidy(_concat([*_posts_flags(pairs), *_vacant_flags(pairs, settings),
                          *_jump_flags(pairs, settings)]), settings)


def no_flags() -> pd.DataFrame:
    """An empty flags frame with the columns and dtypes of a full one."""
    return pd.DataFrame({c: pd.Series(dtype=t) for c, t in _DTYPES.items()})


def check(facts: pd.DataFrame, resources: pd.DataFrame,
          settings: Settings = DEFAULT, parts: pd.DataFrame | None = None) -> pd.DataFrame:
    """Every flag on the facts, the resources and the reported parts of years (``parts``:
    part_flags), most implausible first (COLUMNS)."""
    return _ranked(_concat([fact_flags(facts, settings), resource_flags(resources, settings),
                            no_flags() if parts is None else part_flags(parts, settings)]))


# ---------------------------------------------------------------------------
# Parts of a year: monthly and quarterly aggregate reports
# ---------------------------------------------------------------------------


def part_code(year: int, m1: int, m2: int) -> str:
    """The period code of months m1..m2 of a year: "2026-03", "2026-Q1" or "2026"."""
    if m1 == m2:
        return f"{year}-{m1:02d}"
    if m2 - m1 == 2 and m1 % 3 == 1:
        return f"{year}-Q{(m1 - 1) // 3 + 1}"
    return str(year)


def part_flags(parts: pd.DataFrame, settings: Settings = DEFAULT,
               judged: pd.Series | None = None) -> pd.DataFrame:
    """Flags on parts of years (PART_KEY and the four flow figures; ``source`` "cases"
    for months derived from case rows, anything else for an aggregate report).

    Only reported parts are judged (``judged``, a mask, narrows them further): case
    months add up by construction. part_flow_identity: a part's own flow, with the
    tolerance of the yearly rule; part_continuity: its pending_start against the
    pending_end of the court's part just before it in the same year; seasonal_outlier:
    a month's incoming or resolved cases against the same calendar month of the three
    years before (case-derived or reported), when at least two of them are there —
    flagged outside [half the lowest, double the highest], scored by how many times
    that factor it is off, so a score above 1 compares with the other rules'.
    """
    if parts.empty:
        return no_flags()
    s = settings
    base = pd.concat([parts[PART_KEY].reset_index(drop=True),
                      _floats(parts, FLOW).reset_index(drop=True)], axis=1)
    for c in ("year", "m1", "m2"):
        base[c] = base[c].astype("int64")
    base["period"] = [part_code(y, a, b) for y, a, b in
                      zip(base["year"], base["m1"], base["m2"])]
    reported = (parts["source"].astype(str) != "cases").to_numpy() if "source" in parts \
        else np.ones(len(base), dtype=bool)
    # A whole year reported at once is judged by the yearly rules (fact_flags).
    reported = reported & ~((base["m1"] == 1) & (base["m2"] == 12)).to_numpy()
    if judged is not None:
        reported = reported & judged.to_numpy(dtype=bool)
    out: list[pd.DataFrame] = []
    ps, inc, res, pe = (base[c].to_numpy() for c in FLOW)
    with np.errstate(invalid="ignore"):
        flow = ps + inc - res
        tol = _tolerance(ps + inc, s)
        off = reported & (np.abs(pe - flow) > tol)
    idx = np.flatnonzero(off)
    out.append(_raw(base, idx, "part_flow_identity", "pending_end", pe[idx],
                    [format_count(v) for v in flow[idx]], (np.abs(pe - flow) / tol)[idx],
                    np.sign(pe - flow)[idx], flow[idx]))
    # The part just before, in the same court-year-category.
    prev = base[["court_code", "year", "category", "m2", "pending_end"]].rename(
        columns={"m2": "m_prev", "pending_end": "pe_prev"})
    joined = base.assign(m_prev=base["m1"] - 1).merge(
        prev, on=["court_code", "year", "category", "m_prev"], how="left")
    pe0 = joined["pe_prev"].to_numpy(dtype="float64")
    with np.errstate(invalid="ignore"):
        cont_tol = _tolerance(pe0 + inc, s)
        cont_off = reported & (np.abs(ps - pe0) > cont_tol) & ~off
    idx = np.flatnonzero(cont_off)
    out.append(_raw(base, idx, "part_continuity", "pending_start", ps[idx],
                    [format_count(v) for v in pe0[idx]], (np.abs(ps - pe0) / cont_tol)[idx],
                    np.sign(ps - pe0)[idx], pe0[idx]))
    out.extend(_seasonal_flags(base, reported, s))
    flags = _concat(out)
    return _ranked(flags[COLUMNS]) if len(flags) else no_flags()


def _seasonal_flags(base: pd.DataFrame, reported: np.ndarray, s: Settings
                    ) -> list[pd.DataFrame]:
    months = base[(base["m1"] == base["m2"]).to_numpy()]
    if months.empty:
        return []
    out = []
    for field in SEASONAL_FIELDS:
        earlier = []
        for back in (1, 2, 3):
            e = months[["court_code", "year", "m1", "category", field]].assign(
                year=months["year"] + back).rename(columns={field: f"_e{back}"})
            earlier.append(e)
        joined = months[["court_code", "year", "m1", "category", field]]
        for e in earlier:
            joined = joined.merge(e, on=["court_code", "year", "m1", "category"], how="left")
        cols = joined[["_e1", "_e2", "_e3"]].to_numpy(dtype="float64")
        n = np.sum(~np.isnan(cols), axis=1)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", RuntimeWarning)  # a month with no earlier year
            low, high = np.nanmin(cols, axis=1), np.nanmax(cols, axis=1)
            median = np.nanmedian(cols, axis=1)
        value = joined[field].to_numpy(dtype="float64")
        with np.errstate(invalid="ignore", divide="ignore"):
            above = np.maximum(value, HALF_CASE) / (2.0 * np.maximum(high, HALF_CASE))
            below = np.maximum(low, HALF_CASE) / (2.0 * np.maximum(value, HALF_CASE))
            score = np.maximum(above, below)
            big = np.maximum(value, median) >= s.min_size
            far = np.abs(value - median) > s.abs_tol
        mask = reported[months.index.to_numpy()] & (n >= 2) & (score > 1) & big & far
        idx = np.flatnonzero(mask)
        rows = months.reset_index(drop=True)
        out.append(_raw(rows, idx, "seasonal_outlier", field, value[idx],
                        [format_range(lo / 2, hi * 2) for lo, hi in zip(low[idx], high[idx])],
                        score[idx], np.sign(value - median)[idx], median[idx]))
    return out


def messages(frame: pd.DataFrame, t: Callable[..., str], lang: str = "en") -> list[str]:
    """The sentence of each flag in ``lang``, through ``t`` (layouts.i18n.t)."""
    return [t(RULES[r.rule].message_key, lang, field=r.field, value=format_count(r.value),
              expected=r.expected, previous_year=int(r.year) - 1,
              period=getattr(r, "period", None) or str(int(r.year)))
            for r in frame.itertuples(index=False)]
