"""Funnel-plot control limits for a proportion KPI (pure math, no plotting).

A unit (court, region) with volume ``n`` is compared with the national rate ``p0``:
under the hypothesis that the unit performs like the nation, its observed rate
falls within ``p0 ± z·sqrt(p0(1−p0)/n)`` with probability 95 % (z = 1.96) or
99.8 % (z = 3.09). Small units get wide limits, large units narrow ones
(Spiegelhalter, "Funnel plots for comparing institutional performance", 2005;
normal approximation to the binomial).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

# Two-sided normal quantiles: Φ⁻¹(0.975) and Φ⁻¹(0.999).
Z95 = 1.959963984540054
Z998 = 3.090232306167813

WITHIN = "within"
OUTSIDE95 = "outside95"
OUTSIDE998 = "outside998"
CLASSES: tuple[str, ...] = (WITHIN, OUTSIDE95, OUTSIDE998)


def control_limits(p0: float, volumes: np.ndarray, z: float) -> tuple[np.ndarray, np.ndarray]:
    """Lower and upper limits (proportions) for each volume, clipped to [0, 1].

    ``p0`` is a proportion in [0, 1]; a volume that is not positive (or NaN) has
    NaN limits, as has every volume when ``p0`` is NaN.
    """
    n = np.asarray(volumes, dtype="float64")
    p = float(p0)
    with np.errstate(divide="ignore", invalid="ignore"):
        half = z * np.sqrt(p * (1.0 - p) / n)
        lo = np.clip(p - half, 0.0, 1.0)
        hi = np.clip(p + half, 0.0, 1.0)
    bad = ~(n > 0)  # also catches NaN volumes
    lo = np.where(bad, np.nan, lo)
    hi = np.where(bad, np.nan, hi)
    return lo, hi


def classify(values_pct: np.ndarray, volumes: np.ndarray, p0_pct: float) -> np.ndarray:
    """``within`` / ``outside95`` / ``outside998`` for each point (values and p0 in 0-100).

    Outside means strictly beyond a limit. A point whose limits cannot be computed
    (no value, volume ≤ 0, no national rate) is ``within``: nothing shows it to differ.
    """
    v = np.asarray(values_pct, dtype="float64") / 100.0
    p0 = float(p0_pct) / 100.0
    lo95, hi95 = control_limits(p0, volumes, Z95)
    lo998, hi998 = control_limits(p0, volumes, Z998)
    with np.errstate(invalid="ignore"):
        out998 = (v < lo998) | (v > hi998)
        out95 = (v < lo95) | (v > hi95)
    return np.where(out998, OUTSIDE998, np.where(out95, OUTSIDE95, WITHIN)).astype(object)


def funnel_curve(p0_pct: float, n_max: float, points: int = 200) -> pd.DataFrame:
    """The limit curves for drawing: columns n, lo95, hi95, lo998, hi998 (limits in %).

    ``n`` is log-spaced from 1 to ``n_max`` (at least 1).
    """
    top = max(float(n_max), 1.0)
    n = np.logspace(0.0, np.log10(top), max(int(points), 2))
    p0 = float(p0_pct) / 100.0
    lo95, hi95 = control_limits(p0, n, Z95)
    lo998, hi998 = control_limits(p0, n, Z998)
    return pd.DataFrame({"n": n, "lo95": 100.0 * lo95, "hi95": 100.0 * hi95,
                         "lo998": 100.0 * lo998, "hi998": 100.0 * hi998})
