"""Translations: every key in every language, same placeholders, no English left in kk/ru."""

from __future__ import annotations

import re
import string

import pytest

from kpi.catalogue import CATALOGUE
from layouts.i18n import LANGUAGES, LOCALES, catalogue, t

# Strings that are the same in every language (codes, units, brand names).
SAME_EVERYWHERE = {"CSV", "Excel", "%", "₸", "KZT", "Court KPI"}
KAZAKH_LETTERS = set("әғқңөұүһіӘҒҚҢӨҰҮҺІ")


def placeholders(text: str) -> set[str]:
    return {name for _, name, _, _ in string.Formatter().parse(text) if name}


def files(lang: str) -> set[str]:
    return {p.name for p in (LOCALES / lang).glob("*.json")}


@pytest.mark.parametrize("lang", [lang for lang in LANGUAGES if lang != "en"])
def test_every_key_is_translated_with_the_same_placeholders(lang):
    assert files(lang) == files("en")
    en, other = catalogue("en"), catalogue(lang)
    missing = sorted(set(en) - set(other))
    assert not missing, f"{lang} lacks {missing[:20]}"
    extra = sorted(set(other) - set(en))
    assert not extra, f"{lang} has keys English lacks: {extra[:20]}"
    for key, text in en.items():
        assert placeholders(other[key]) == placeholders(text), key
        assert other[key].strip(), key


@pytest.mark.parametrize("lang", ["ru", "kk"])
def test_no_english_text_left(lang):
    en, other = catalogue("en"), catalogue(lang)
    def words(text: str) -> str:
        return re.sub(r"\{[^}]*\}", "", text)

    left = [k for k, v in en.items() if other.get(k) == v and v not in SAME_EVERYWHERE
            and re.search("[A-Za-z]{3}", words(v))]
    assert not left, f"{lang} keeps English for {left[:20]}"


def test_kazakh_uses_kazakh_letters():
    kk = catalogue("kk")
    text = " ".join(kk.values())
    assert KAZAKH_LETTERS & set(text)
    for k in CATALOGUE:
        assert KAZAKH_LETTERS & set(k.names["kk"]) or k.code in {"trust_rate"}, k.code


def test_fallback_is_english_then_the_key():
    assert t("no.such.key", "kk") == "no.such.key"
    assert t("status.green", "en") == "on target"


def _strings(node) -> list[str]:
    """Every text a person can read in a component tree (children, labels, placeholders)."""
    out: list[str] = []
    if node is None or isinstance(node, (int, float, bool)):
        return out
    if isinstance(node, str):
        return [node]
    if isinstance(node, (list, tuple)):
        for item in node:
            out += _strings(item)
        return out
    props = getattr(node, "to_plotly_json", lambda: {})().get("props", {})
    for key in ("children", "placeholder", "label", "title"):
        if key in props:
            out += _strings(props[key])
    for option in props.get("options") or []:
        if isinstance(option, dict):
            out += _strings(option.get("label"))
    return out


@pytest.fixture(scope="module")
def pages(tmp_path_factory):
    import dash

    from app import create_app

    db = tmp_path_factory.mktemp("i18n") / "db.sqlite"
    create_app({"DATABASE_URL": f"sqlite:///{db}"})
    return {p["name"]: p["layout"] for p in dash.page_registry.values()}


@pytest.mark.parametrize("lang", ["ru", "kk"])
def test_pages_rendered_in_kk_or_ru_show_no_english_ui_string(pages, lang):
    en, other = catalogue("en"), catalogue(lang)
    english_only = {v for k, v in en.items() if other.get(k) != v and v not in SAME_EVERYWHERE}
    args = {"explorer": {"code": "clearance_rate"}, "court": {"code": "X"}}
    for name, layout in pages.items():
        texts = _strings(layout(**args.get(name, {}), lang=lang))
        leaked = [s for s in texts if s in english_only]
        assert not leaked, f"{name} in {lang} shows English: {leaked}"
        assert texts, name


def test_validation_messages_are_in_the_catalogues():
    from data.ingest.validate import MESSAGES

    en = catalogue("en")
    for code, text in MESSAGES.items():
        assert en.get(f"validate.{code}") == text, code
