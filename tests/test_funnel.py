"""Funnel-plot limits and classification on hand-computed cases."""

from __future__ import annotations

import math

import numpy as np
import pytest

from kpi.funnel import Z95, Z998, classify, control_limits, funnel_curve


def test_z_constants_are_the_two_sided_normal_quantiles():
    # Φ(z) via erf: 0.975 and 0.999.
    assert 0.5 * (1 + math.erf(Z95 / math.sqrt(2))) == pytest.approx(0.975, abs=1e-12)
    assert 0.5 * (1 + math.erf(Z998 / math.sqrt(2))) == pytest.approx(0.999, abs=1e-12)


def test_limits_by_hand():
    # p0 = 0.9, n = 100: sd = sqrt(0.9 * 0.1 / 100) = 0.03.
    lo, hi = control_limits(0.9, np.array([100.0]), Z95)
    assert lo[0] == pytest.approx(0.9 - Z95 * 0.03)
    assert hi[0] == pytest.approx(0.9 + Z95 * 0.03)
    assert lo[0] == pytest.approx(0.84120108, abs=1e-8)
    # p0 = 0.5, n = 400: sd = 0.025; 99.8 % limits.
    lo, hi = control_limits(0.5, np.array([400.0]), Z998)
    assert lo[0] == pytest.approx(0.5 - Z998 * 0.025)
    assert hi[0] == pytest.approx(0.5 + Z998 * 0.025)


def test_limits_are_clipped_to_0_1():
    lo, hi = control_limits(0.98, np.array([4.0, 10_000.0]), Z998)
    assert hi[0] == 1.0  # 0.98 + 3.09 * 0.07 > 1
    assert hi[1] < 1.0
    lo, hi = control_limits(0.02, np.array([4.0]), Z95)
    assert lo[0] == 0.0
    assert 0 <= lo[0] <= hi[0] <= 1


def test_non_positive_or_missing_volume_gives_nan():
    lo, hi = control_limits(0.5, np.array([0.0, -5.0, np.nan, 10.0]), Z95)
    assert np.isnan(lo[:3]).all() and np.isnan(hi[:3]).all()
    assert not np.isnan(lo[3]) and not np.isnan(hi[3])


def test_p0_at_the_bounds_has_zero_width():
    lo, hi = control_limits(1.0, np.array([50.0]), Z95)
    assert lo[0] == hi[0] == 1.0
    lo, hi = control_limits(0.0, np.array([50.0]), Z95)
    assert lo[0] == hi[0] == 0.0


def test_limits_narrow_monotonically_with_volume():
    n = np.array([10, 50, 100, 1_000, 10_000, 100_000], dtype=float)
    for z in (Z95, Z998):
        lo, hi = control_limits(0.7, n, z)
        width = hi - lo
        assert (np.diff(width) < 0).all()
        assert (np.diff(lo) > 0).all() and (np.diff(hi) < 0).all()
        assert ((lo < 0.7) & (hi > 0.7)).all()


def test_classify_hand_cases():
    # p0 = 90 %, n = 100: 95 % limits 84.12-95.88, 99.8 % limits 80.73-99.27.
    values = np.array([90.0, 95.0, 96.0, 83.0, 99.5, 80.0, 84.2])
    n = np.full(len(values), 100.0)
    got = classify(values, n, 90.0).tolist()
    assert got == ["within", "within", "outside95", "outside95", "outside998", "outside998",
                   "within"]


def test_classify_same_value_depends_on_volume():
    # 85 % against 90 %: fine for a small court, unusual for a large one.
    got = classify(np.array([85.0, 85.0, 85.0]), np.array([50.0, 200.0, 5_000.0]), 90.0)
    assert got.tolist() == ["within", "outside95", "outside998"]


def test_classify_without_limits_is_within():
    got = classify(np.array([50.0, np.nan, 50.0]), np.array([0.0, 100.0, 100.0]), np.nan)
    assert got.tolist() == ["within", "within", "within"]


def test_funnel_curve_shape_and_values():
    curve = funnel_curve(90.0, 10_000, points=50)
    assert list(curve.columns) == ["n", "lo95", "hi95", "lo998", "hi998"]
    assert len(curve) == 50
    assert curve["n"].iloc[0] == pytest.approx(1.0)
    assert curve["n"].iloc[-1] == pytest.approx(10_000)
    ratios = curve["n"].iloc[1:].to_numpy() / curve["n"].iloc[:-1].to_numpy()
    assert np.allclose(ratios, ratios[0])  # log-spaced
    # In percent, and the 99.8 % band contains the 95 % band.
    assert (curve["lo998"] <= curve["lo95"]).all() and (curve["hi95"] <= curve["hi998"]).all()
    assert (curve["lo95"] >= 0).all() and (curve["hi998"] <= 100).all()
    row = funnel_curve(90.0, 100, points=2).iloc[-1]
    assert row["lo95"] == pytest.approx(100 * (0.9 - Z95 * 0.03))
    assert row["hi95"] == pytest.approx(100 * (0.9 + Z95 * 0.03))
