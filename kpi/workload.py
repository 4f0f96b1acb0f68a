"""Judges needed by weighted caseload (../shared/spec/where-to-act.md, section 2). Pure.

Each case type takes a known amount of judge time (a weight, in minutes, per category
and court level); the work a court receives, divided by the time one judge has in a
year, gives the judges it needs. For a court and year Y:

* workload = Σ over categories of mean incoming × weight, the mean over the up to 3
  latest years ≤ Y in which the court reports that category's incoming;
* judges_needed = workload / judge year (days × hours × 60 minutes);
* need_ratio = 100 × judges_in_post / judges_needed; shortfall = judges_needed −
  judges_in_post.

Regions and the nation sum workload, judges needed, judges in post and posts over their
courts; their need ratio and shortfall come from sums over the courts that report
judges_in_post (never an average of ratios). A measure of courts, never of a judge.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import pandas as pd

# The shipped judge year (illustrative): working days and case-related hours a day.
DEFAULT_DAYS = 220.0
DEFAULT_HOURS = 6.0
MAX_DAYS = 366.0
MAX_HOURS = 24.0
# Years of incoming a court's mean is taken over (the latest ones it reports).
YEARS_AVERAGED = 3

COLUMNS = ["level", "code", "year", "workload_minutes", "judge_year_minutes", "judges_needed",
           "judges_in_post", "judge_posts", "need_ratio", "shortfall", "coverage"]
REALLOCATION_COLUMNS = ["court_code", "region_code", "judge_posts", "judges_needed",
                        "proposed_posts", "change"]


class WorkloadError(ValueError):
    """No workload for this question; ``code`` names why (a page says it in its language:
    ``workload.error.<code>``), the message says it in English."""

    MESSAGES = {
        "judge_year": "the judge year must have 0 < days ≤ 366 and 0 < hours ≤ 24 "
                      "(given {detail})",
        "no_incoming": "no court of {detail} reports incoming cases up to that year",
        "no_resources": "no court of {detail} reports resources (judges) for that year",
        "no_weights": "there are no case weights for the {detail} court level: load "
                      "case_weights first",
        "too_few_posts": "{detail}: fewer judge posts than courts, so not every court "
                         "can keep one",
    }

    def __init__(self, code: str, detail: str = ""):
        self.code = code
        super().__init__(self.MESSAGES[code].format(detail=detail))


@dataclass(frozen=True)
class JudgeYear:
    """Working days a year and case-related hours a day of one judge."""

    days: float = DEFAULT_DAYS
    hours: float = DEFAULT_HOURS

    @property
    def minutes(self) -> float:
        return self.days * self.hours * 60.0


def judge_year_problem(days: float, hours: float) -> str | None:
    """Why (days, hours) is not a judge year, or None: 0 would divide by zero, and more
    days than a year has or hours than a day has is a typing error."""
    for value in (days, hours):
        if not isinstance(value, (int, float)) or not math.isfinite(value):
            return "judge_year"
    if not (0 < days <= MAX_DAYS and 0 < hours <= MAX_HOURS):
        return "judge_year"
    return None


def checked_judge_year(days: float, hours: float) -> JudgeYear:
    if judge_year_problem(days, hours):
        raise WorkloadError("judge_year", f"days {days}, hours {hours}")
    return JudgeYear(float(days), float(hours))


def mean_incoming(incoming: pd.DataFrame, year: int) -> pd.DataFrame:
    """Each (court, category)'s mean incoming over the up to 3 latest years ≤ ``year`` in
    which it reports incoming: columns court_code, category, mean_incoming, years.

    ``incoming``: court_code, year, category, incoming (NaN = not reported)."""
    rows = incoming[(incoming["year"] <= year) & incoming["incoming"].notna()]
    if rows.empty:
        return pd.DataFrame(columns=["court_code", "category", "mean_incoming", "years"])
    rows = rows.sort_values(["court_code", "category", "year"], ascending=[True, True, False])
    latest = rows.groupby(["court_code", "category"], sort=True).head(YEARS_AVERAGED)
    out = latest.groupby(["court_code", "category"], sort=True).agg(
        mean_incoming=("incoming", "mean"), years=("year", "size")).reset_index()
    out["mean_incoming"] = out["mean_incoming"].astype("float64")
    return out


def court_workload(incoming: pd.DataFrame, courts: pd.DataFrame, resources: pd.DataFrame,
                   weights: pd.DataFrame, judge_year: JudgeYear, year: int) -> pd.DataFrame:
    """One row per court with a weight for its level and either incoming up to ``year``
    or resources of ``year``: court_code, region_code, level, workload_minutes,
    judges_needed, judges_in_post, judge_posts, weighted_incoming, mean_incoming.

    ``courts``: court_code, region_code, level. ``resources``: court_code, judge_posts,
    judges_in_post of ``year`` (NaN = not reported). ``weights``: category,
    court_level, minutes. A category without a weight for the court's level adds
    nothing and lowers the court's coverage (weighted_incoming / mean_incoming).
    Courts of a level with no weight at all are left out: they cannot be measured.
    """
    checked_judge_year(judge_year.days, judge_year.hours)
    means = mean_incoming(incoming, year).merge(
        courts[["court_code", "level"]], on="court_code", how="inner")
    w = weights.rename(columns={"court_level": "level"})[["category", "level", "minutes"]]
    means = means.merge(w, on=["category", "level"], how="left")
    weighted = means["minutes"].notna()
    means["work"] = np.where(weighted, means["mean_incoming"] * means["minutes"], 0.0)
    means["weighted_incoming"] = np.where(weighted, means["mean_incoming"], 0.0)
    per_court = means.groupby("court_code", sort=True).agg(
        workload_minutes=("work", "sum"), weighted_incoming=("weighted_incoming", "sum"),
        mean_incoming=("mean_incoming", "sum")).reset_index()
    res = resources[["court_code", "judge_posts", "judges_in_post"]]
    out = courts[["court_code", "region_code", "level"]].merge(
        per_court, on="court_code", how="left").merge(res, on="court_code", how="left")
    has_any = out["mean_incoming"].notna() | out["judges_in_post"].notna() \
        | out["judge_posts"].notna()
    measured = out["level"].isin(set(w["level"]))
    out = out[has_any & measured].copy()
    for c in ("workload_minutes", "weighted_incoming", "mean_incoming"):
        out[c] = out[c].fillna(0.0).astype("float64")
    for c in ("judge_posts", "judges_in_post"):
        out[c] = pd.to_numeric(out[c]).astype("float64")
    out["judges_needed"] = out["workload_minutes"] / judge_year.minutes
    return out.sort_values("court_code", kind="stable").reset_index(drop=True)


def _ratio(in_post: np.ndarray, needed: np.ndarray) -> np.ndarray:
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where(needed > 0, 100.0 * in_post / needed, np.nan)


def roll_up(courts: pd.DataFrame, judge_year: JudgeYear, year: int,
            levels: tuple[str, ...] = ("court", "region", "national")) -> pd.DataFrame:
    """The spec's table (COLUMNS) for courts, their regions and the nation, from
    court_workload's rows. Need ratio and shortfall of a region or the nation use only
    the courts that report judges_in_post; a sum of nothing reported stays empty."""
    c = courts.copy()
    reports = c["judges_in_post"].notna()
    c["needed_reporting"] = np.where(reports, c["judges_needed"], 0.0)
    c["reports"] = reports.astype("int64")
    c["has_posts"] = c["judge_posts"].notna().astype("int64")
    parts = []
    if "court" in levels:
        parts.append(c.assign(level="court", code=c["court_code"]))
    for level, key in (("region", "region_code"), ("national", None)):
        if level not in levels or c.empty:
            continue
        g = c.assign(code=c[key] if key else "KZ").groupby("code", sort=True)
        agg = g.agg(workload_minutes=("workload_minutes", "sum"),
                    judges_needed=("judges_needed", "sum"),
                    judges_in_post=("judges_in_post", "sum"),
                    judge_posts=("judge_posts", "sum"),
                    needed_reporting=("needed_reporting", "sum"),
                    weighted_incoming=("weighted_incoming", "sum"),
                    mean_incoming=("mean_incoming", "sum"),
                    reports=("reports", "sum"), has_posts=("has_posts", "sum")).reset_index()
        agg["judges_in_post"] = agg["judges_in_post"].where(agg["reports"] > 0)
        agg["judge_posts"] = agg["judge_posts"].where(agg["has_posts"] > 0)
        parts.append(agg.assign(level=level))
    if not parts:
        return pd.DataFrame(columns=COLUMNS)
    out = pd.concat(parts, ignore_index=True)
    in_post = out["judges_in_post"].to_numpy(dtype="float64", na_value=np.nan)
    needed = out["needed_reporting"].to_numpy(dtype="float64")
    out["need_ratio"] = np.where(np.isnan(in_post), np.nan, _ratio(in_post, needed))
    out["shortfall"] = np.where(np.isnan(in_post), np.nan, needed - in_post)
    with np.errstate(divide="ignore", invalid="ignore"):
        out["coverage"] = np.where(out["mean_incoming"] > 0,
                                   100.0 * out["weighted_incoming"] / out["mean_incoming"],
                                   np.nan)
    out["year"] = int(year)
    out["judge_year_minutes"] = judge_year.minutes
    return out[COLUMNS].reset_index(drop=True)


def reallocate(courts: pd.DataFrame, scope: str = "KZ") -> pd.DataFrame:
    """The reallocation proposal of one scope (a proposal to discuss, never an action).

    The courts that report judge_posts and need judges (> 0) keep their total posts P:
    each first gets 1, the other P − n are shared in proportion to judges_needed by the
    largest-remainder method (ties: larger workload first, then court code). Changes add
    up to 0. ``courts``: court_workload rows of the scope. WorkloadError when there are
    fewer posts than courts."""
    c = courts[courts["judge_posts"].notna() & (courts["judges_needed"] > 0)]
    if c.empty:
        return pd.DataFrame(columns=REALLOCATION_COLUMNS)
    posts = c["judge_posts"].to_numpy(dtype="float64").round().astype("int64")
    total, n = int(posts.sum()), len(c)
    if total < n:
        raise WorkloadError("too_few_posts", f"{scope} has {total} posts for {n} courts")
    need = c["judges_needed"].to_numpy(dtype="float64")
    rest = total - n
    quota = rest * need / need.sum()
    # A quota a rounding error below a whole number is that number.
    base = np.floor(quota + 1e-9).astype("int64")
    remainder = quota - base
    left = rest - int(base.sum())
    # Remainders equal but for rounding are a tie, settled by workload, then code.
    ranks = pd.DataFrame({"r": np.round(remainder, 9),
                          "w": c["workload_minutes"].to_numpy(dtype="float64"),
                          "code": c["court_code"].astype(str).to_numpy()})
    order = ranks.sort_values(["r", "w", "code"], ascending=[False, False, True],
                              kind="stable").index.to_numpy()
    extra = np.zeros(n, dtype="int64")
    extra[order[:left]] = 1
    proposed = 1 + base + extra
    out = pd.DataFrame({
        "court_code": c["court_code"].to_numpy(), "region_code": c["region_code"].to_numpy(),
        "judge_posts": posts, "judges_needed": need, "proposed_posts": proposed,
        "change": proposed - posts})
    return out.sort_values(["change", "court_code"], kind="stable").reset_index(drop=True)


def reallocate_within(courts: pd.DataFrame, within: str) -> pd.DataFrame:
    """The proposal nationwide (``within`` "nation") or for each region on its own."""
    if within == "nation":
        return reallocate(courts)
    parts = [reallocate(g, str(region)) for region, g in
             courts.groupby("region_code", sort=True)]
    parts = [p for p in parts if not p.empty]
    if not parts:
        return pd.DataFrame(columns=REALLOCATION_COLUMNS)
    return pd.concat(parts, ignore_index=True)


def judges_needed_by_year(incoming: pd.DataFrame, courts: pd.DataFrame,
                          resources: pd.DataFrame, weights: pd.DataFrame,
                          judge_year: JudgeYear, years: list[int]) -> pd.DataFrame:
    """court_code, year, judges_needed of every measured court in each of ``years``: the
    ``judges_needed`` input of the catalogue's judge_need_ratio, so that its cells, their
    roll-up and this module's table say the same. ``resources``: court_code, year,
    judge_posts, judges_in_post."""
    parts = []
    for year in years:
        res = resources[resources["year"] == year]
        got = court_workload(incoming, courts, res, weights, judge_year, year)
        parts.append(got[["court_code", "judges_needed"]].assign(year=int(year)))
    if not parts:
        return pd.DataFrame(columns=["court_code", "year", "judges_needed"])
    return pd.concat(parts, ignore_index=True)[["court_code", "year", "judges_needed"]]


def moves(proposal: pd.DataFrame) -> list[tuple[str, str, int]]:
    """The proposal as moves of posts between courts of the same scope, (from, to, n):
    the courts that give most give first, to the courts that gain most ("move 3 posts
    from E35 to R35"). The moves of each scope add up to each court's change."""
    out: list[tuple[str, str, int]] = []
    codes = [str(c) for c in proposal["court_code"]]
    changes = [int(c) for c in proposal["change"]]
    scope_of = [str(s) for s in proposal["scope"]] if "scope" in proposal else [""] * len(codes)
    by_scope: dict[str, list[tuple[str, int]]] = {}
    for scope, code, change in zip(scope_of, codes, changes):
        by_scope.setdefault(scope, []).append((code, change))
    for scope in sorted(by_scope):
        rows = by_scope[scope]
        give = sorted(((code, -change) for code, change in rows if change < 0),
                      key=lambda g: (-g[1], g[0]))
        take = sorted(((code, change) for code, change in rows if change > 0),
                      key=lambda g: (-g[1], g[0]))
        left_give = [n for _, n in give]
        left_take = [n for _, n in take]
        i = j = 0
        while i < len(give) and j < len(take):
            n = min(left_give[i], left_take[j])
            out.append((give[i][0], take[j][0], n))
            left_give[i] -= n
            left_take[j] -= n
            i += left_give[i] == 0
            j += left_take[j] == 0
    return out


def after_move(courts: pd.DataFrame, proposal: pd.DataFrame) -> pd.DataFrame:
    """court_code, need_ratio, need_ratio_after: each court's need ratio now and if its
    judges in post changed by its proposed change of posts (posts filled as proposed)."""
    p = proposal[["court_code", "change"]].merge(
        courts[["court_code", "judges_in_post", "judges_needed"]], on="court_code", how="left")
    in_post = p["judges_in_post"].to_numpy(dtype="float64", na_value=np.nan)
    needed = p["judges_needed"].to_numpy(dtype="float64")
    p["need_ratio"] = _ratio(in_post, needed)
    p["need_ratio_after"] = _ratio(in_post + p["change"].to_numpy(dtype="float64"), needed)
    return p[["court_code", "need_ratio", "need_ratio_after"]]
