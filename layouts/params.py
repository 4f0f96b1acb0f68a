"""Page state from the URL query string: parsed, validated, with defaults (pure).

Every page's ``layout(**query)`` tolerates any query string: unknown keys are
ignored and bad values fall back to defaults, so a hand-edited link never breaks.
"""

from __future__ import annotations

import re
from urllib.parse import urlencode

from data.store.schema import CATEGORIES, COURT_LEVELS, SPECIALIZATIONS
from kpi.catalogue import KPIS
from kpi.periods import PARTS
from layouts.i18n import LANGUAGES, request_language

CATEGORY_CHOICES = ("all", *CATEGORIES)
MAX_COMPARE = 8


# ASCII digits only: str.isdigit() also takes "²", "٣" and "３", which int() then refuses
# (a 500) or reads (a year nobody typed). At most 10 digits, so nothing huge is parsed.
_ASCII_WHOLE = re.compile(r"[0-9]{1,10}")


def whole_number(value, low: int, high: int) -> int | None:
    """``value`` as an int in [low, high] when it is one (an int, or ASCII digits with
    surrounding blanks), else None: the one parser of integer parameters in URLs,
    API queries and callback payloads. A bool, a float such as 2025.5 or 2025.0, a
    sign or any other digit script is not a whole number here."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        number = value
    elif isinstance(value, str) and _ASCII_WHOLE.fullmatch(value.strip()):
        number = int(value.strip())
    else:
        return None
    return number if low <= number <= high else None


def _year(value) -> int | None:
    return whole_number(value, 1990, 2100)


def _choice(value, choices, default):
    return value if value in choices else default


def _codes(value) -> list[str]:
    if not value:
        return []
    items = value if isinstance(value, list) else str(value).split(",")
    out = []
    for item in items:
        code = str(item).strip()[:64]
        if code and code not in out:
            out.append(code)
    return out


def page_state(query: dict, **defaults) -> dict:
    """The known parameters of a page, typed; ``defaults`` fill what the URL lacks."""
    return {
        "lang": _choice(query.get("lang"), LANGUAGES, None) or request_language(),
        "year": _year(query.get("year")) or defaults.get("year"),
        # Which part of the year (kpi.periods.PARTS); None: the page's default period.
        "part": _choice(query.get("part"), PARTS, None),
        "category": _choice(query.get("category"), CATEGORY_CHOICES, "all"),
        "kpi": _choice(query.get("kpi"), KPIS, defaults.get("kpi", "clearance_rate")),
        "region": str(query["region"])[:64] if query.get("region") else None,
        "level": _choice(query.get("level"), COURT_LEVELS, None),
        "spec": _choice(query.get("spec"), SPECIALIZATIONS, None),
        "units": _codes(query.get("units")),
        "view": _choice(query.get("view"), ("regions", "courts"), defaults.get("view",
                                                                               "regions")),
    }


def payload_state(state, **defaults) -> dict:
    """A page state as a callback receives it back from the browser, checked again like
    a URL's query: a forged or broken one cannot reach the page's code as it came.

    A state that is not a dict at all is a bad request (400); a dict gets every known
    parameter typed or defaulted, plus the page's name and court code as short strings.
    """
    if not isinstance(state, dict):
        from werkzeug.exceptions import BadRequest

        raise BadRequest("The page state must be an object.")
    out = page_state(state, **defaults)
    for key in ("page", "court"):
        if isinstance(state.get(key), str):
            out[key] = state[key][:64]
    return out


def query_string(params: dict) -> str:
    """``?a=1&b=x`` of the non-empty parameters, in a stable order."""
    items = []
    for key in sorted(params):
        value = params[key]
        if value in (None, "", []):
            continue
        if isinstance(value, list):
            value = ",".join(str(v) for v in value)
        items.append((key, str(value)))
    return "?" + urlencode(items) if items else ""
