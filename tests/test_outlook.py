"""The outlook (kpi.outlook) against hand-computed cases, statsmodels, and the spec's rules."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest
from scipy import stats

from kpi.catalogue import KPIS
from kpi.outlook import BOUNDS, COLUMNS, outlook_frame, outlook_table, series_outlook
from tests.conftest import DEMO_AS_OF, demo_database

T90_1 = 3.077683537175253  # Student's t, 0.90 quantile, 1 degree of freedom
T90_2 = 1.8856180831641267  # ... 2 degrees of freedom
PCT = (0.0, 100.0)
POS = (0.0, math.inf)


def _band(values, steps, floor=0.0, multiplier=None):
    """The method of docs/outlook-method.md by hand: RMS of the year-to-year changes of
    log(value − floor), times Student's t (n − 1 dof) x steps ** 0.75 by default."""
    x = np.log(np.asarray(values, dtype=float) - floor)
    vol = math.sqrt(float(np.mean(np.diff(x) ** 2)))
    c = multiplier if multiplier is not None else \
        float(stats.t.ppf(0.9, len(values) - 1)) * steps ** 0.75
    return math.exp(x[-1] - c * vol) + floor, math.exp(x[-1] + c * vol) + floor


def test_three_points_by_hand():
    # 90, 92, 97 in 2023-2025: the projection is 97 (no change); log changes
    # log(92/90) and log(97/92); four years ahead, t(2) x 4 ** 0.75 of their RMS.
    got = series_outlook([2023, 2024, 2025], [90.0, 92.0, 97.0], 2029, target=100.0,
                         direction="higher", bounds=POS)
    vol = math.sqrt((math.log(92 / 90) ** 2 + math.log(97 / 92) ** 2) / 2)
    half = T90_2 * 4 ** 0.75 * vol
    assert got.points == 3 and got.first_year == 2023 and got.last_year == 2025
    assert got.last_value == 97.0 and got.slope == pytest.approx(3.5, abs=1e-12)
    assert got.projected == 97.0
    assert got.lower == pytest.approx(97 * math.exp(-half), abs=1e-9)
    assert got.upper == pytest.approx(97 * math.exp(half), abs=1e-9)
    assert (got.lower, got.upper) == pytest.approx(_band([90, 92, 97], 4))
    assert got.lower < 100 < got.upper and got.outlook == "uncertain"
    assert got.required_slope == pytest.approx((100 - 97) / 4)


def test_a_steady_series_has_no_width():
    got = series_outlook([2022, 2023, 2024, 2025], [86, 86, 86, 86], 2029, 90.0, "higher", PCT)
    assert got.projected == 86.0 and got.lower == got.upper == 86.0
    assert got.outlook == "off_track" and got.slope == 0.0


def test_the_calibration_replaces_the_default_multiplier():
    got = series_outlook([2023, 2024, 2025], [90.0, 92.0, 97.0], 2027, None, "higher", POS,
                         {2: 1.5})
    assert (got.lower, got.upper) == pytest.approx(_band([90, 92, 97], 2, multiplier=1.5))


def test_clipped_to_the_kpi_range():
    got = series_outlook([2021, 2022, 2023, 2024, 2025], [91, 93, 96, 97, 99], 2029, 98.0,
                         "higher", BOUNDS["on_time_rate"])
    assert got.projected == 99.0 and got.upper == 100.0 and got.lower < 99.0
    touched = series_outlook([2023, 2024, 2025], [20, 0, 1], 2029, 5.0, "lower",
                             BOUNDS["backlog_rate"])
    # A rate that touched 0 % works on the plain scale, and is clipped at 0.
    assert touched.projected == 1.0 and touched.lower == 0.0 and touched.upper > 1.0
    change = series_outlook([2023, 2024, 2025], [-20, -60, -95], 2035, None, "lower",
                            BOUNDS["pending_change"])
    # On the scale of log(value + 100): never below -100.
    assert change.projected == -95.0 and -100.0 < change.lower < -95.0
    assert change.outlook == "no_target"


def test_lower_is_better():
    on = series_outlook([2023, 2024, 2025], [31, 30, 30.5], 2029, 45.0, "lower", POS)
    assert on.upper <= 45 and on.outlook == "on_track"
    off = series_outlook([2023, 2024, 2025], [70, 71, 70], 2029, 45.0, "lower", POS)
    assert off.lower > 45 and off.outlook == "off_track"
    unsure = series_outlook([2023, 2024, 2025], [60, 44, 58], 2029, 45.0, "lower", POS)
    assert unsure.outlook == "uncertain"


def test_window_is_the_last_five_years_with_a_value():
    years = [2018, 2019, 2020, 2021, 2022, 2023, 2025]
    values = [0, 0, 0, 10, 11, np.nan, 13]
    got = series_outlook(years + [2024], values + [np.nan], 2029, None, "higher", POS)
    # 2021-2025 with 2023 and 2024 missing: 2021, 2022, 2025.
    assert (got.points, got.first_year, got.last_year) == (3, 2021, 2025)
    assert got.outlook == "no_target" and got.projected is not None


def test_too_few_points():
    got = series_outlook([2019, 2024, 2025], [50, 60, 61], 2029, 70.0, "higher", PCT)
    assert got.points == 2 and got.first_year == 2024 and got.outlook == "insufficient_data"
    assert got.slope is got.projected is got.lower is got.upper is got.required_slope is None
    assert got.target == 70.0 and got.last_value == 61.0
    empty = series_outlook([], [], 2029)
    assert empty.points == 0 and empty.outlook == "insufficient_data"


def test_every_kpi_has_a_range():
    assert set(BOUNDS) == set(KPIS)


def test_table_uses_the_target_of_the_horizon_year_with_court_overrides():
    years = [2021, 2022, 2023, 2024, 2025]
    values = pd.DataFrame(
        [(lvl, code, y, "all", "clearance_rate", 90.0 + i)
         for lvl, code in (("national", "KZ"), ("region", "KZ-10"), ("court", "C1"),
                           ("court", "C2"))
         for i, y in enumerate(years)],
        columns=["level", "code", "year", "category", "kpi", "value"])
    targets = pd.DataFrame([
        ("clearance_rate", 2029, "", 100.0, 5.0, True),
        ("clearance_rate", 2028, "", 80.0, 5.0, True),
        ("clearance_rate", 2029, "C2", 90.0, 5.0, False),
    ], columns=["kpi", "year", "court_code", "target", "tolerance", "illustrative"])
    out = outlook_table(values, targets, 2029)
    assert list(out.columns) == COLUMNS
    assert list(out["code"]) == ["KZ", "KZ-10", "C1", "C2"]
    target = dict(zip(out["code"], out["target"]))
    assert target == {"KZ": 100.0, "KZ-10": 100.0, "C1": 100.0, "C2": 90.0}
    # 90..94 rising by 1 a year: 94 (no change), the band from yearly changes of ~1 %.
    assert set(out["projected"]) == {94.0}
    assert dict(zip(out["code"], out["outlook"])) == {
        "KZ": "off_track", "KZ-10": "off_track", "C1": "off_track", "C2": "uncertain"}
    at_2028 = outlook_table(values, targets, 2028)
    assert set(at_2028["target"]) == {80.0, None} - {None}
    assert set(at_2028["outlook"]) == {"on_track"}  # C2 has no target of its own in 2028


def _statsmodels_slope(years: np.ndarray, values: np.ndarray) -> float:
    import statsmodels.api as sm

    return float(sm.OLS(values, sm.add_constant(years.astype(float))).fit().params[1])


@pytest.mark.parametrize("seed", range(3))
def test_slope_equals_statsmodels_and_band_the_hand_method(seed):
    rng = np.random.default_rng(seed)
    for _ in range(200):
        n = int(rng.integers(3, 6))
        years = np.sort(rng.choice(np.arange(2021, 2026), n, replace=False))
        values = rng.uniform(20, 80, n)
        horizon = int(rng.integers(2026, 2036))
        got = series_outlook(years, values, horizon, None, "higher", POS)
        # statsmodels fits on the raw years (condition number ~1e7): 1e-7 is its noise.
        assert got.slope == pytest.approx(_statsmodels_slope(years, values), rel=1e-7,
                                          abs=1e-7)
        assert got.projected == values[-1]
        assert (got.lower, got.upper) == pytest.approx(
            _band(values, horizon - int(years[-1])), rel=1e-12)


# One xdist worker runs this whole module (--dist loadgroup in ./dev): its module-wide
# fixtures are built once, not once per worker.
pytestmark = pytest.mark.xdist_group("outlook")


@pytest.fixture(scope="module")
def demo_values(tmp_path_factory, demo_templates):
    from data.store import repository

    with demo_database("sqlite", tmp_path_factory.mktemp("outlook"), demo_templates,
                       DEMO_AS_OF) as engine, engine.connect() as conn:
        values = repository.kpi_values(conn)
        table = repository.outlook(conn)
    return values, table


def test_every_series_of_the_demo_follows_the_method(demo_values):
    """The spec's numbers on every series of the demo data, computed independently: the
    slope by statsmodels, the projection as the last value, the band by hand."""
    values, table = demo_values
    cells = values[values["value"].notna()]
    keys = ["level", "code", "category", "kpi"]
    assert len(table) == cells.groupby(keys).ngroups > 1000
    groups = dict(iter(cells.groupby(keys)))
    checked = 0
    for row in table.itertuples(index=False):
        group = groups[(row.level, row.code, row.category, row.kpi)].sort_values("year")
        years = group["year"].to_numpy()
        last = years.max()
        window = group[group["year"] >= last - 4]
        assert row.points == len(window) and row.last_year == last
        if row.points < 3:
            assert row.outlook == "insufficient_data" and pd.isna(row.projected)
            continue
        low, high = BOUNDS[row.kpi]
        v = window["value"].to_numpy()
        assert row.slope == pytest.approx(_statsmodels_slope(window["year"].to_numpy(), v),
                                          rel=1e-7, abs=1e-7)
        assert row.projected == min(max(v[-1], low), high)
        if (v > low).all():  # the demo's 6 years are too short to calibrate: the default
            lo, hi = _band(v, 2029 - int(last), low)
            assert row.lower == pytest.approx(min(max(lo, low), high), rel=1e-9, abs=1e-9)
            assert row.upper == pytest.approx(min(max(hi, low), high), rel=1e-9, abs=1e-9)
            checked += 1
    assert checked > 1000


def test_demo_outlooks_follow_the_classification_rule(demo_values):
    _values, table = demo_values
    judged = table[table["outlook"].isin(["on_track", "off_track", "uncertain"])]
    assert len(judged) > 100
    for row in judged.itertuples(index=False):
        higher = KPIS[row.kpi].direction == "higher"
        on = row.lower >= row.target if higher else row.upper <= row.target
        off = row.upper < row.target if higher else row.lower > row.target
        assert row.outlook == ("on_track" if on else "off_track" if off else "uncertain")
    no_target = table[table["outlook"] == "no_target"]
    for row in no_target.itertuples(index=False):
        assert pd.isna(row.target) or KPIS[row.kpi].direction == "none", row


def test_outlook_frame_without_values_or_targets():
    empty = pd.DataFrame(columns=["level", "code", "year", "category", "kpi", "value"])
    assert list(outlook_frame(empty, None).columns) == COLUMNS
    assert outlook_table(empty, pd.DataFrame()).empty


def test_projection_path_ends_at_the_outlook():
    from kpi.outlook import projection_path

    years, values = [2021, 2022, 2023, 2024, 2025], [90.0, 93.0, 92.0, 95.0, 97.0]
    path = projection_path(years, values, 2029, BOUNDS["on_time_rate"])
    assert list(path["year"]) == list(range(2025, 2030))
    end = series_outlook(years, values, 2029, None, "higher", BOUNDS["on_time_rate"])
    last = path.iloc[-1]
    assert (last["fitted"], last["lower"], last["upper"]) == pytest.approx(
        (end.projected, end.lower, end.upper))
    # The band widens away from the data, and is clipped at 100 %.
    free = projection_path(years, values, 2029)
    widths = (free["upper"] - free["lower"]).to_numpy()
    assert widths[0] == 0 < widths[1] < widths[2] < widths[3] < widths[4]
    assert path["upper"].max() == 100.0 < free["upper"].max()
    assert projection_path([2024, 2025], [1.0, 2.0]).empty


def test_backtest_cases_are_the_outlooks_made_then(demo_values):
    """Each scored case is series_outlook of the values up to T, calibrated on what was
    known at T, compared with the value of T + h."""
    from kpi.backtest import backtest_cases, summarise
    from kpi.outlook import calibrate

    values, _table = demo_values
    cells = values[["level", "code", "year", "category", "kpi", "value"]]
    cells = cells[cells["kpi"].isin(["clearance_rate", "disposition_time"])
                  & (cells["level"] != "court")]
    cases = backtest_cases(cells)
    assert len(cases) > 100 and set(cases["horizon"]) <= {1, 2, 3, 4}
    for row in cases.sample(40, random_state=0).itertuples(index=False):
        series = cells[(cells["level"] == row.level) & (cells["code"] == row.code)
                       & (cells["category"] == row.category) & (cells["kpi"] == row.kpi)]
        past = series[series["year"] <= row.until]
        got = series_outlook(past["year"], past["value"], row.until + row.horizon, None,
                             "none", BOUNDS[row.kpi],
                             calibrate(cells, row.until).get(row.kpi))
        assert (got.projected, got.lower, got.upper) == pytest.approx(
            (row.projected, row.lower, row.upper), rel=1e-12)
        actual = series.loc[series["year"] == row.until + row.horizon, "value"].iloc[0]
        assert row.actual == actual and row.held == (got.lower <= actual <= got.upper)
    summary = summarise(cases)
    assert (summary["mae"] == summary["mae_no_change"]).all()  # "no change" is the projection
    assert summary["coverage"].between(0, 1).all()
