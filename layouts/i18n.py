"""The one translation function every user-visible string goes through.

Catalogues are structured files per language, ``layouts/locales/<lang>/*.json``
(key -> text with ``{name}`` placeholders; one file per part of the product). A key
missing in a language falls back to English, then to the key itself, so a gap is
visible rather than fatal; the test suite fails on any gap.
"""

from __future__ import annotations

import json
from functools import cache
from pathlib import Path

LANGUAGES: tuple[str, ...] = ("kk", "ru", "en")
DEFAULT_LANGUAGE = "ru"
LANGUAGE_NAMES = {"kk": "Қазақша", "ru": "Русский", "en": "English"}
COOKIE = "court_kpi_lang"
LOCALES = Path(__file__).parent / "locales"


@cache
def catalogue(lang: str) -> dict[str, str]:
    merged: dict[str, str] = {}
    for path in sorted((LOCALES / lang).glob("*.json")):
        merged.update(json.loads(path.read_text(encoding="utf-8")))
    return merged


def t(key: str, lang: str = "en", **params) -> str:
    """The text of ``key`` in ``lang`` with ``params`` filled in."""
    text = catalogue(lang).get(key) or catalogue("en").get(key) or key
    return text.format(**params) if params else text


def request_language() -> str:
    """The language of the current request: ?lang=, then the cookie, then Accept-Language.

    Outside a request (tests, CLI) the default language.
    """
    try:
        from flask import has_request_context, request
    except ImportError:  # pragma: no cover - flask is a dependency
        return DEFAULT_LANGUAGE
    if not has_request_context():
        return DEFAULT_LANGUAGE
    for candidate in (request.args.get("lang"), request.cookies.get(COOKIE)):
        if candidate in LANGUAGES:
            return candidate
    best = request.accept_languages.best_match(LANGUAGES)
    return best or DEFAULT_LANGUAGE


def page_title(key: str):
    """A page's browser title in the request's language (Dash calls it per render)."""

    def title(**_path_variables) -> str:
        lang = request_language()
        return f"{t(key, lang)} · {t('app.title', lang)}"

    return title


def state_lang(state) -> str:
    """The language a page's store names; English for anything a forged request sends."""
    lang = state.get("lang") if isinstance(state, dict) else None
    return lang if lang in LANGUAGES else "en"
