"""Formatting of numbers and KPI values for people, per language (no I/O)."""

from __future__ import annotations

import datetime as dt
import math
import re

from layouts.i18n import t

DECIMALS = {"%": 1, "ratio": 2, "KZT": 0, "days": 0, "cases": 0}


def is_missing(value) -> bool:
    return value is None or (isinstance(value, float) and math.isnan(value))


def fmt_number(value: float, decimals: int, lang: str = "en") -> str:
    """``1,234.5`` in English, ``1 234,5`` in Kazakh and Russian (narrow no-break space)."""
    text = f"{value:,.{decimals}f}"
    if lang in ("kk", "ru"):
        text = text.replace(",", "\u202f").replace(".", ",")
    return text


def fmt_value(value: float | None, unit: str, lang: str = "en") -> str:
    """A KPI value with its unit; missing is shown as 'no data', never as 0."""
    if value is None or is_missing(value):
        return t("empty.no_data", lang)
    number = fmt_number(value, DECIMALS.get(unit, 1), lang)
    if unit == "%":
        return f"{number} %"
    if unit == "KZT":
        return f"{number} ₸"
    if unit in ("days", "cases"):
        # The form agrees with the number as shown (156.6 is shown, and read, as 157).
        form = plural_form(round(value, DECIMALS[unit]), DECIMALS[unit], lang)
        return f"{number} {t(f'unit.{unit}_{form}', lang)}"
    return number


def plural_form(value: float, decimals: int, lang: str = "en") -> str:
    """one / few / many: Russian's three forms; English one or many; Kazakh has one."""
    if decimals or value != int(value):
        return "few"
    n = abs(int(round(value)))
    if lang != "ru":
        return "one" if n == 1 and lang == "en" else "many"
    if n % 10 == 1 and n % 100 != 11:
        return "one"
    if 2 <= n % 10 <= 4 and not 12 <= n % 100 <= 14:
        return "few"
    return "many"


def megabytes(n_bytes: int) -> str:
    """200 MB, 0.5 MB: a size limit as people read it (the number only)."""
    return f"{n_bytes / (1 << 20):.1f}".removesuffix(".0")


def fmt_coverage(coverage: float | None, lang: str = "en") -> str:
    if coverage is None or is_missing(coverage):
        return ""
    return f"{fmt_number(coverage, 0, lang)} %"


DATE_FORMATS = {"en": "%Y-%m-%d", "ru": "%d.%m.%Y", "kk": "%d.%m.%Y"}


def parse_day(value) -> dt.date | None:
    """A day as stored or sent (a date, a datetime, or ISO text); None for nothing.

    ValueError for text that is not an ISO date (YYYY-MM-DD).
    """
    if value is None or (not isinstance(value, str) and value != value):  # NaN, NaT
        return None
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    if not isinstance(value, str):
        raise ValueError(f"not a date: {value!r}")
    text = value.strip()
    if not text:
        return None
    if not re.fullmatch(r"\d{4}-\d{2}-\d{2}( .*|T.*)?", text):
        raise ValueError(f"not a date: {value!r}")
    return dt.date.fromisoformat(text[:10])


def fmt_date(value, lang: str = "en") -> str:
    """A day as the app writes dates: 2026-09-30 in English, 30.09.2026 in Kazakh and
    Russian; empty for nothing (or what is not a date)."""
    try:
        day = parse_day(value)
    except ValueError:
        return ""
    return "" if day is None else day.strftime(DATE_FORMATS.get(lang, DATE_FORMATS["en"]))


def period_label(code: str, lang: str = "en") -> str:
    """A period in words: "2026, January–September", "First half of 2026", "Q3 2026",
    "September 2026", "12 months, October 2025–September 2026", "2026" (periods.md)."""
    from kpi.periods import parse

    p = parse(code)
    month = t(f"month.{p.last % 12 + 1:02d}", lang)
    if p.kind == "year":
        return t("period.year", lang, year=p.year)
    if p.kind == "ytd":
        key = "period.ytd_one" if p.months == 1 else "period.ytd"
        return t(key, lang, year=p.year, month=month)
    if p.kind == "r12":
        return t("period.r12", lang, year=p.year, month=month, first_year=p.first // 12,
                 first_month=t(f"month.{p.first % 12 + 1:02d}", lang))
    if p.kind == "half":
        return t(f"period.half{1 if p.last % 12 < 6 else 2}", lang, year=p.year)
    if p.kind == "quarter":
        return t("period.quarter", lang, year=p.year, n=p.last % 12 // 3 + 1)
    return t("period.month", lang, year=p.year, month=month)
