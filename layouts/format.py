"""Plain formatting of KPI values for people (no I/O)."""

from __future__ import annotations

import math

STATUS_WORDS = {"green": "✔ on target", "amber": "● near target", "red": "✖ off target",
                "none": "— no target"}


def fmt_value(value: float | None, unit: str) -> str:
    """A KPI value with its unit; missing is shown as 'no data', never as 0."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "no data"
    if unit == "%":
        return f"{value:,.1f} %".replace(",", " ")
    if unit == "ratio":
        return f"{value:,.2f}".replace(",", " ")
    if unit == "KZT":
        return f"{value:,.0f} ₸".replace(",", " ")
    if unit == "days":
        return f"{value:,.0f} days".replace(",", " ")
    return f"{value:,.1f}".replace(",", " ")


def fmt_coverage(coverage: float | None) -> str:
    if coverage is None or (isinstance(coverage, float) and math.isnan(coverage)):
        return ""
    return f"{coverage:.0f} %"
