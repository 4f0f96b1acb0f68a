"""Open data of a release (issue 14): CSV files in a ZIP and one JSON document, each
with the data dictionary and the licence, built from frames (pure; no I/O).

The columns are the release tables' (``data.publish.releases``) as they are; a data dictionary
row says what each column holds, in English, Russian and Kazakh. The licence is
Creative Commons Attribution 4.0: the product owner may choose another by editing
LICENCE below; the text travels with every download.
"""

from __future__ import annotations

import io
import json
import math
import zipfile

import pandas as pd

from kpi.catalogue import CATALOGUE
from layouts.export import to_csv_bytes

LICENCE = """\
Court KPI open data — licence / лицензия / лицензия

EN: These data are published by the Court Administration of the Republic of Kazakhstan
under the Creative Commons Attribution 4.0 International licence (CC BY 4.0,
https://creativecommons.org/licenses/by/4.0/legalcode). You may copy, redistribute and
adapt them for any purpose, provided you credit "Court Administration of the Republic of
Kazakhstan, Court KPI, release {number}" and indicate if changes were made.

RU: Данные опубликованы Администрацией судов Республики Казахстан на условиях лицензии
Creative Commons «С указанием авторства» 4.0 Международная (CC BY 4.0). Их можно
копировать, распространять и перерабатывать для любых целей при условии ссылки
«Администрация судов Республики Казахстан, Court KPI, выпуск {number}» и указания
внесённых изменений.

KK: Деректерді Қазақстан Республикасы Соттар әкімшілігі Creative Commons «Авторлықты
көрсету» 4.0 Халықаралық лицензиясы (CC BY 4.0) бойынша жариялайды. Оларды кез келген
мақсатта көшіруге, таратуға және өңдеуге болады, тек «Қазақстан Республикасы Соттар
әкімшілігі, Court KPI, {number}-шығарылым» деп сілтеме жасап, енгізілген өзгерістерді
көрсету керек.
"""

# (file, column) -> (en, ru, kk)
DICTIONARY: dict[tuple[str, str], tuple[str, str, str]] = {
    ("values", "level"): ("national, region or court", "national, region или court",
                          "national, region немесе court"),
    ("values", "code"): ("KZ for the nation, the region's ISO code, or the court's code",
                         "KZ — страна, ISO-код области или код суда",
                         "KZ — ел, облыстың ISO коды немесе соттың коды"),
    ("values", "year"): ("calendar year of the figures", "календарный год показателей",
                         "көрсеткіштердің күнтізбелік жылы"),
    ("values", "category"): ("case category; 'all' for all categories",
                             "категория дел; 'all' — все категории",
                             "іс санаты; 'all' — барлық санаттар"),
    ("values", "kpi"): ("KPI code (kpis.csv)", "код KPI (kpis.csv)", "KPI коды (kpis.csv)"),
    ("values", "value"): ("the KPI's value, in the KPI's unit",
                          "значение KPI в его единице измерения",
                          "KPI мәні, өз өлшем бірлігінде"),
    ("values", "coverage"): ("share of the unit's courts whose data the value covers, %",
                             "доля судов, чьи данные вошли в значение, %",
                             "мәнге деректері енген соттардың үлесі, %"),
    ("values", "numerator"): ("numerator of a ratio KPI", "числитель KPI-отношения",
                              "қатынас KPI-ының алымы"),
    ("values", "denominator"): ("denominator of a ratio KPI", "знаменатель KPI-отношения",
                                "қатынас KPI-ының бөлімі"),
    ("values", "target"): ("the strategy's target for the unit and year",
                           "целевое значение стратегии для единицы и года",
                           "стратегияның бірлік пен жылға арналған мақсаты"),
    ("values", "tolerance"): ("how far from the target still counts as near it",
                              "допустимое отклонение от цели",
                              "мақсаттан рұқсат етілген ауытқу"),
    ("values", "illustrative"): ("true when the target is illustrative, not adopted",
                                 "true, если цель иллюстративная, а не утверждённая",
                                 "мақсат бекітілмеген, иллюстрациялық болса true"),
    ("values", "status"): ("green on target, amber near, red off target, none no target",
                           "green — цель достигнута, amber — близко, red — не достигнута, "
                           "none — цели нет",
                           "green — мақсатқа жетті, amber — жақын, red — жетпеді, "
                           "none — мақсат жоқ"),
    ("outlook", "points"): ("years of values the outlook is fitted to",
                            "число лет, по которым построен прогноз",
                            "болжам құрылған жылдар саны"),
    ("outlook", "last_year"): ("last year with a value", "последний год со значением",
                               "мәні бар соңғы жыл"),
    ("outlook", "last_value"): ("value in that year", "значение в этом году",
                                "сол жылдағы мән"),
    ("outlook", "slope"): ("fitted change per year", "оценённое изменение за год",
                           "жылдық бағаланған өзгеріс"),
    ("outlook", "projected"): ("projected value in the horizon year",
                               "прогноз на горизонт", "көкжиек жылына болжам"),
    ("outlook", "lower"): ("lower end of the 80 % prediction interval",
                           "нижняя граница 80 % интервала прогноза",
                           "80 % болжам аралығының төменгі шегі"),
    ("outlook", "upper"): ("upper end of the 80 % prediction interval",
                           "верхняя граница 80 % интервала прогноза",
                           "80 % болжам аралығының жоғарғы шегі"),
    ("outlook", "target"): ("target in the horizon year", "цель на горизонт",
                            "көкжиек жылындағы мақсат"),
    ("outlook", "outlook"): ("on_track, uncertain, off_track, no_target or "
                             "insufficient_data",
                             "on_track, uncertain, off_track, no_target или "
                             "insufficient_data",
                             "on_track, uncertain, off_track, no_target немесе "
                             "insufficient_data"),
    ("units", "region_code"): ("region of a court", "область суда", "соттың облысы"),
    ("units", "name_kk"): ("name in Kazakh", "название на казахском", "қазақша атауы"),
    ("units", "name_ru"): ("name in Russian", "название на русском", "орысша атауы"),
    ("units", "name_en"): ("name in English", "название на английском", "ағылшынша атауы"),
    ("kpis", "unit"): ("unit of measure", "единица измерения", "өлшем бірлігі"),
    ("kpis", "direction"): ("higher or lower is better, or none",
                            "higher / lower — что лучше, none — нет направления",
                            "higher / lower — қайсысы жақсы, none — бағыт жоқ"),
}


def kpi_table() -> pd.DataFrame:
    """The catalogue's KPIs: code, pillar, unit, direction and the names."""
    return pd.DataFrame([{"kpi": k.code, "pillar": k.pillar, "unit": k.unit,
                          "direction": k.direction, "name_kk": k.names.get("kk"),
                          "name_ru": k.names.get("ru"), "name_en": k.names.get("en")}
                         for k in CATALOGUE])


def dictionary(frames: dict[str, pd.DataFrame]) -> pd.DataFrame:
    """One row per file and column of ``frames``, described where the dictionary can."""
    rows = []
    for name, frame in frames.items():
        for column in frame.columns:
            en, ru, kk = DICTIONARY.get((name, column)) or DICTIONARY.get(
                ("values", column)) or ("", "", "")
            rows.append({"file": f"{name}.csv", "column": column, "en": en, "ru": ru,
                         "kk": kk})
    return pd.DataFrame(rows)


def _about(release: dict) -> dict:
    return {"release": release["id"], "year": release["year"],
            "horizon": release["horizon"], "note": release["note"],
            "synthetic": bool(release["synthetic"]),
            "published_at": pd.Timestamp(release["published_at"]).isoformat()}


def bundle_zip(release: dict, frames: dict[str, pd.DataFrame]) -> bytes:
    """A ZIP of one CSV per frame (UTF-8 with BOM, so Excel reads Cyrillic; formula
    cells neutralised), the dictionary, release.json and LICENCE.txt."""
    frames = {**frames, "kpis": kpi_table()}
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, frame in {**frames, "dictionary": dictionary(frames)}.items():
            # Names of regions and courts are uploaded text: neutralised like every
            # CSV the product writes, so "=HYPERLINK(...)" is never run by a spreadsheet.
            archive.writestr(f"{name}.csv", to_csv_bytes(frame))
        archive.writestr("release.json", json.dumps(_about(release), ensure_ascii=False,
                                                    indent=1))
        archive.writestr("LICENCE.txt", LICENCE.format(number=release["id"]))
    return buffer.getvalue()


def _records(frame: pd.DataFrame) -> list[dict]:
    def plain(v):
        if v is None or v is pd.NA or (isinstance(v, float) and math.isnan(v)):
            return None
        return v.item() if hasattr(v, "item") else v

    return [{k: plain(v) for k, v in row.items()} for row in frame.to_dict("records")]


def bundle_json(release: dict, frames: dict[str, pd.DataFrame]) -> bytes:
    """One JSON document: the release, the licence, the dictionary and every frame."""
    frames = {**frames, "kpis": kpi_table()}
    document = {**_about(release), "licence": LICENCE.format(number=release["id"]),
                "dictionary": _records(dictionary(frames)),
                **{name: _records(frame) for name, frame in frames.items()}}
    return json.dumps(document, ensure_ascii=False).encode("utf-8")
