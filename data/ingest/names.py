"""Russian and Kazakh column names and words, read as the contract's English codes.

Files from courts' case-management systems and Excel say "Номер дела" or "Іс нөмірі",
"Гражданские дела" or "азаматтық". They are accepted with no option, exactly like the
English names (shared/spec/headers-ru-kk.md): this module turns a header cell into a
field name and a cell of an enumerated column into its code. Pure functions over
strings; the lists are data.

Matching rule: case-insensitive, surrounding spaces ignored, runs of spaces,
underscores and hyphens folded to one space, "ё" = "е", a trailing ":" or "*"
ignored. Never an ambiguous synonym: a word that could mean two codes is listed in
AMBIGUOUS and is an error that names the choices.
"""

from __future__ import annotations

import difflib
import re

_RUNS = re.compile(r"[\s_\-]+")
_TRAILING = re.compile(r"[:*\s]+$")


def fold(text: str) -> str:
    """The form two names are compared in (see the module's matching rule)."""
    text = str(text).replace("\ufeff", " ").lower().replace("ё", "е")
    text = _TRAILING.sub("", text.strip())
    return _RUNS.sub(" ", text).strip()


# field -> its Russian and Kazakh names: the first two are the Russian and the Kazakh
# name that templates write (the spec's), then synonyms.
HEADERS: dict[str, tuple[str, ...]] = {
    "case_id": ("Номер дела", "Іс нөмірі", "№ дела", "Номер іс"),
    "court_code": ("Код суда", "Сот коды"),
    "region_code": ("Код региона", "Өңір коды", "Код области"),
    "category": ("Категория", "Санат", "Категория дела", "Іс санаты"),
    "filed_date": ("Дата поступления", "Түскен күні", "Дата поступления дела"),
    "resolved_date": ("Дата рассмотрения", "Қаралған күні", "Дата окончания"),
    "statutory_days": ("Срок рассмотрения (дней)", "Қарау мерзімі (күн)",
                       "Срок рассмотрения", "Қарау мерзімі"),
    "e_filed": ("Поступило в электронном виде", "Электрондық түрде түсті"),
    "hearings_total": ("Всего заседаний", "Барлық отырыстар"),
    "hearings_video": ("Заседаний по видеосвязи", "Бейнебайланыс арқылы отырыстар"),
    "appealed": ("Обжаловано", "Шағымданылды"),
    "appeal_result": ("Результат обжалования", "Шағымдану нәтижесі"),
    "published": ("Опубликовано", "Жарияланды"),
    "year": ("Год", "Жыл", "Отчётный год", "Есепті жыл"),
    "period": ("Период", "Кезең", "Отчётный период", "Есепті кезең"),
    "pending_start": ("Остаток на начало", "Кезең басындағы қалдық",
                      "Остаток на начало периода"),
    "incoming": ("Поступило", "Түсті"),
    "resolved": ("Рассмотрено", "Қаралды"),
    "pending_end": ("Остаток на конец", "Кезең соңындағы қалдық", "Остаток на конец периода"),
    "resolved_on_time": ("Рассмотрено в срок", "Мерзімінде қаралды"),
    "pending_over_limit": ("Остаток с нарушением сроков", "Мерзімі өткен қалдық"),
    "reversed_or_modified": ("Отменено и изменено", "Бұзылды және өзгертілді"),
    "judge_posts": ("Штатная численность судей", "Судьялардың штат саны"),
    "judges_in_post": ("Фактическая численность судей", "Судьялардың нақты саны"),
    "staff_posts": ("Штатная численность персонала", "Қызметкерлердің штат саны"),
    "staff_in_post": ("Фактическая численность персонала", "Қызметкерлердің нақты саны"),
    "budget_kzt": ("Бюджет (тенге)", "Бюджет (теңге)", "Бюджет"),
    "name_ru": ("Наименование на русском", "Орысша атауы"),
    "name_kk": ("Наименование на казахском", "Қазақша атауы"),
    "name_en": ("Наименование на английском", "Ағылшынша атауы"),
    "level": ("Уровень суда", "Сот деңгейі", "Уровень"),
    "specialization": ("Специализация", "Мамандану"),
    "respondents": ("Число опрошенных", "Сұралғандар саны", "Число респондентов"),
    "satisfied": ("Удовлетворены", "Қанағаттанғандар"),
    "trusting": ("Доверяют", "Сенім білдіретіндер"),
    "kpi": ("Показатель", "Көрсеткіш"),
    "target": ("Целевое значение", "Мақсатты мән"),
    "tolerance": ("Допуск", "Рұқсат етілген ауытқу"),
    # "Уровень суда" already names a court's level in a courts file: the weights say
    # instance, the word court staff use for the tier a weight applies to.
    "court_level": ("Инстанция", "Сот сатысы", "Уровень суда (инстанция)", "Сатысы"),
    "minutes": ("Минут на дело", "Іске минут", "Время судьи на дело (мин.)",
                "Бір іске судья уақыты (мин.)"),
}

# column -> code -> the (Russian, Kazakh) word templates and examples write.
WRITTEN: dict[str, dict[str, tuple[str, str]]] = {
    "category": {"civil": ("гражданские дела", "азаматтық істер"),
                 "criminal": ("уголовные дела", "қылмыстық істер"),
                 "administrative": ("административное судопроизводство",
                                    "әкімшілік сот ісін жүргізу"),
                 "admin_offence": ("дела об административных правонарушениях",
                                   "әкімшілік құқық бұзушылық туралы істер")},
    "appeal_result": {"upheld": ("оставлено без изменения", "өзгеріссіз қалдырылды"),
                      "modified": ("изменено", "өзгертілді"),
                      "reversed": ("отменено", "бұзылды")},
    "level": {"district": ("районный суд", "аудандық сот"),
              "regional": ("областной суд", "облыстық сот"),
              "supreme": ("верховный суд", "жоғарғы сот")},
    "court_level": {"district": ("районный суд", "аудандық сот"),
                    "regional": ("областной суд", "облыстық сот"),
                    "supreme": ("верховный суд", "жоғарғы сот")},
    "specialization": {"general": ("общая юрисдикция", "жалпы юрисдикция"),
                       "economic": ("экономический", "экономикалық"),
                       "administrative": ("административный", "әкімшілік"),
                       "juvenile": ("ювенальный", "ювеналдық"),
                       "criminal": ("по уголовным делам", "қылмыстық істер жөніндегі"),
                       "military": ("военный", "әскери"), "other": ("другой", "басқа")},
}
YES_NO = {"ru": ("да", "нет"), "kk": ("иә", "жоқ")}
LANGUAGE_INDEX = {"ru": 0, "kk": 1}


def header_name(field: str, lang: str) -> str:
    """The name a template in ``lang`` gives ``field`` (English: the field itself)."""
    if lang not in LANGUAGE_INDEX or field not in HEADERS:
        return field
    return HEADERS[field][LANGUAGE_INDEX[lang]]


def written_word(column: str, code: str, lang: str) -> str:
    """The word a template in ``lang`` writes for ``code`` (English: the code)."""
    words = WRITTEN.get(column, {}).get(code)
    return words[LANGUAGE_INDEX[lang]] if words and lang in LANGUAGE_INDEX else code

# column -> code -> its Russian and Kazakh words.
VALUES: dict[str, dict[str, tuple[str, ...]]] = {
    "category": {
        "civil": ("гражданские", "гражданское", "гражданские дела", "азаматтық",
                  "азаматтық істер"),
        "criminal": ("уголовные", "уголовное", "уголовные дела", "қылмыстық",
                     "қылмыстық істер"),
        "administrative": ("административное судопроизводство",
                           "административные дела (АППК)", "административные дела АППК",
                           "әкімшілік сот ісін жүргізу"),
        "admin_offence": ("административные правонарушения",
                          "дела об административных правонарушениях",
                          "әкімшілік құқық бұзушылық",
                          "әкімшілік құқық бұзушылық туралы істер"),
    },
    "appeal_result": {
        "upheld": ("оставлено без изменения", "өзгеріссіз қалдырылды"),
        "modified": ("изменено", "өзгертілді"),
        "reversed": ("отменено", "бұзылды"),
    },
    "level": {
        "district": ("районный", "районный суд", "районный и приравненный к нему суд",
                     "аудандық", "аудандық сот"),
        "regional": ("областной", "областной суд", "облыстық", "облыстық сот"),
        "supreme": ("верховный", "верховный суд", "жоғарғы", "жоғарғы сот"),
    },
    "specialization": {
        "general": ("общий", "общая юрисдикция", "жалпы", "жалпы юрисдикция"),
        "economic": ("экономический", "экономикалық"),
        "administrative": ("административный", "әкімшілік"),
        "juvenile": ("ювенальный", "по делам несовершеннолетних", "ювеналдық",
                     "кәмелетке толмағандардың істері жөніндегі"),
        "criminal": ("уголовный", "по уголовным делам", "қылмыстық істер жөніндегі"),
        "military": ("военный", "әскери"),
        "other": ("другой", "иной", "басқа"),
    },
}

# A weight's court level is written as a court's level is.
VALUES["court_level"] = VALUES["level"]

# Words that could mean two codes: an error naming the accepted phrases.
AMBIGUOUS: dict[str, dict[str, tuple[str, ...]]] = {
    "category": {
        "административные": ("административное судопроизводство",
                             "административные правонарушения"),
        "административное": ("административное судопроизводство",
                              "административные правонарушения"),
        "административные дела": ("административное судопроизводство",
                                  "дела об административных правонарушениях"),
        "әкімшілік": ("әкімшілік сот ісін жүргізу", "әкімшілік құқық бұзушылық"),
    },
}


def _header_index() -> dict[str, str]:
    index: dict[str, str] = {}
    for field, names in HEADERS.items():
        for name in (field, *names):
            key = fold(name)
            if index.get(key, field) != field:
                raise ValueError(f"header name {name!r} would mean {index[key]} and {field}")
            index[key] = field
    return index


def _value_index() -> dict[str, dict[str, str]]:
    out: dict[str, dict[str, str]] = {}
    for column, codes in VALUES.items():
        index: dict[str, str] = {}
        for code, words in codes.items():
            for word in (code, *words):
                key = fold(word)
                if index.get(key, code) != code:
                    raise ValueError(f"{column} word {word!r} would mean {index[key]} and {code}")
                index[key] = code
        for word in AMBIGUOUS.get(column, {}):
            if fold(word) in index:
                raise ValueError(f"{word!r} is listed as both a {column} word and ambiguous")
        out[column] = index
    return out


# Built (and checked for clashes) once, at import.
HEADER_INDEX = _header_index()
VALUE_INDEX = _value_index()
AMBIGUOUS_INDEX = {column: {fold(w): choices for w, choices in words.items()}
                   for column, words in AMBIGUOUS.items()}


def field_of(header: str) -> str | None:
    """The contract field a header cell names (English, Russian or Kazakh), or None."""
    return HEADER_INDEX.get(fold(header))


def code_of(column: str, cell: str) -> str | None:
    """The code an enumerated cell means, or None (unknown or ambiguous)."""
    index = VALUE_INDEX.get(column)
    return None if index is None else index.get(fold(cell))


def ambiguous_choices(column: str, cell: str) -> tuple[str, ...] | None:
    """The phrases to choose from when ``cell`` could mean two codes, else None."""
    return AMBIGUOUS_INDEX.get(column, {}).get(fold(cell))


def suggestions(header: str, fields: tuple[str, ...], limit: int = 2) -> list[str]:
    """Accepted names of ``fields`` closest to an unknown header ("did you mean …")."""
    names = {fold(n): n for f in fields for n in (f, *HEADERS.get(f, ()))}
    close = difflib.get_close_matches(fold(header), list(names), n=limit, cutoff=0.75)
    return [names[c] for c in close]
