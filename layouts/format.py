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
