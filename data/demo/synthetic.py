"""Synthetic, realistic-looking court data for Kazakhstan (demo and benchmarks).

``generate(scale, seed, as_of=...)`` returns one DataFrame per upload kind of
``data.store.schema`` (columns in the schema's order) that passes the data
contract's validation rules (../shared/spec/data-contract.md). Nothing here is real
data: the 20 regions and their ISO 3166-2 codes and names are real, the courts are
modelled on the real court network (regional courts, city, town and district
courts, specialised interdistrict courts), and every number is drawn from a seeded
numpy Generator.

The data run from 1 January ``FIRST_YEAR`` (2020, a warm-up year whose
pending_start is 0) to ``data_end(as_of)``, the last day of the last complete
month before ``as_of`` (default today); the last year may be partial.

Two scales:

* ``"small"``: about 65 courts and about 10,000 cases a year, generated in well
  under a second, for tests and a quick demo.
* ``"national"``: about 400 courts and about 1.5 million cases a year
  (about 9 million cases for 2020-2025). ``iter_case_chunks`` yields the cases
  a few dozen courts at a time so a loader can stream them.

Design notes:

* The court list depends on the scale only, so court codes are stable across
  seeds; everything drawn at random (sizes, speeds, reporting gaps, which courts
  report aggregates only) depends on the seed.
* Each court's cases come from their own generator, seeded by (seed, court), so
  a court's rows do not depend on how the courts are chunked.
* Missing data is part of the design: some courts report no hearings columns or
  no ``published`` column (NA for all their cases), and some smaller district
  courts report only yearly aggregates (``caseload`` rows, no ``cases`` rows).
* Seasons: fewer filings in January and in the summer; decisions are put off
  during the summer judicial vacation (fewer in July and August) and brought
  forward before the year's end (more in December, fewer in January).
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any, Literal

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from data.store.schema import CATEGORIES, DEFAULT_STATUTORY_DAYS, KINDS, OPTIONAL_FACTS

Scale = Literal["small", "national"]
Progress = Callable[[str, float], None]

# The first demo year is a warm-up year: the courts start it with no pending case
# (the case model has nothing before it), so its pending_change is missing (0
# denominator); from the next year on every court starts with the backlog the
# model built up. Its filings are part of the data like any other year's.
FIRST_YEAR = 2020
# Court sizes (``_Plan.volume``) are the expected incoming of this year.
_REF_YEAR = 2021


def data_end(as_of: date) -> date:
    """The last day with data for an extraction on ``as_of``: the last day of the last
    complete month before ``as_of`` (2026-12-07 -> 2026-11-30, 2026-01-01 -> 2025-12-31)."""
    return as_of.replace(day=1) - timedelta(days=1)


def demo_years(as_of: date | None = None) -> tuple[int, ...]:
    """The years of the demo data extracted on ``as_of`` (None: today): from
    ``FIRST_YEAR`` to the year of ``data_end(as_of)``; the last one may be partial."""
    return tuple(range(FIRST_YEAR, _resolve_end(as_of).year + 1))


def _resolve_end(as_of: date | None) -> date:
    end = data_end(as_of if as_of is not None else date.today())
    if end.year < FIRST_YEAR:
        raise ValueError(f"as_of must be in February {FIRST_YEAR} or later (the demo "
                         f"data start on 1 January {FIRST_YEAR}), not {as_of}")
    return end


# ---------------------------------------------------------------------------
# Calendar
# ---------------------------------------------------------------------------

_NAT = np.iinfo(np.int64).min
_ADM_START = int(np.datetime64("2021-07-01", "D").astype(np.int64))  # APPC in force

# Public holidays (month, day) on which almost nothing is registered.
_HOLIDAYS = (
    (1, 1), (1, 2), (1, 7), (3, 8), (3, 21), (3, 22), (3, 23), (5, 1), (5, 7), (5, 9),
    (7, 6), (8, 30), (10, 25), (12, 16), (12, 17),
)
# Filing seasonality: January holidays, summer vacations (July, August).
_MONTH_WEIGHT = np.array([0.80, 1.0, 1.05, 1.05, 1.0, 1.0, 0.78, 0.84, 1.05, 1.1, 1.1, 1.05])
# Resolution seasonality: during the summer judicial vacation (July, August) this
# share of the decisions that would fall then is put off by 15 to 60 working days;
# before the year's end this share of the decisions due in January is pushed
# into the last working days of December.
_P_SUMMER_DELAY = 0.4
_P_YEAR_END_PUSH = 0.35


def _filing_weights(year: int) -> np.ndarray:
    """Relative chance that a case is filed on each day of ``year``."""
    days = np.arange(
        np.datetime64(f"{year}-01-01", "D"), np.datetime64(f"{year + 1}-01-01", "D"),
    )
    months = days.astype("datetime64[M]").astype(np.int64) % 12
    dom = (days - days.astype("datetime64[M]")).astype(np.int64) + 1
    w = _MONTH_WEIGHT[months].copy()
    w[(months == 0) & (dom <= 8)] *= 0.3
    dow = (days.astype(np.int64) + 3) % 7  # 0 = Monday
    w[dow >= 5] *= 0.12
    for m, d in _HOLIDAYS:
        w[(months == m - 1) & (dom == d)] *= 0.15
    return w


def _filing_cdf(year: int, first_day: int | None = None,
                last_day: int | None = None) -> tuple[np.ndarray, float]:
    """(cumulative probability over the days of ``year`` that a case is filed that day,
    share of the year's filings that fall in [first_day, last_day]); days outside
    [first_day, last_day] get none. The share is relative to the year from
    ``first_day`` on (the whole year without one)."""
    w = _filing_weights(year)
    days = np.datetime64(f"{year}-01-01", "D").astype(np.int64) + np.arange(len(w))
    if first_day is not None:
        w[days < first_day] = 0.0
    full = float(w.sum())
    if last_day is not None:
        w[days > last_day] = 0.0
    cdf = np.cumsum(w)
    if cdf[-1] <= 0:
        return np.ones(len(w)), 0.0
    share = float(cdf[-1]) / full
    cdf /= cdf[-1]
    cdf[-1] = 1.0
    return cdf, share


# Yearly parameters of FIRST_YEAR..2025 (column k = FIRST_YEAR + k); later years go on
# with the trend of the last ones (``_Calendar``).
# Incoming relative to 2021, per category (administrative justice began on 1 July
# 2021 with the Administrative Procedure Code: no administrative cases before).
_YEAR_FACTOR = np.array([
    [0.97, 1.00, 1.04, 1.02, 1.06, 1.09],
    [1.04, 1.00, 0.94, 0.90, 0.88, 0.86],
    [0.00, 0.50, 1.00, 1.15, 1.24, 1.30],
    [1.00, 1.00, 0.95, 0.98, 1.02, 1.01],
])
_FACTOR_GROWTH = np.array([1.02, 0.98, 1.04, 1.0])  # a year, after the table
_YEAR_SPEED = np.array([1.07, 1.05, 1.02, 1.0, 0.98, 0.97])
_E_YEAR = np.array([0.62, 0.70, 0.76, 0.82, 0.87, 0.90])
_VIDEO_YEAR = np.array([0.12, 0.15, 0.19, 0.24, 0.29, 0.34])
_INFLATION = np.array([0.93, 1.0, 1.10, 1.25, 1.36, 1.46])


def _extend(table: np.ndarray, years: int, step: Callable[[np.ndarray, int], np.ndarray]
            ) -> np.ndarray:
    """``table`` (last axis = years from FIRST_YEAR) cut or continued to ``years`` years."""
    have = table.shape[-1]
    if years <= have:
        return table[..., :years].copy()
    extra = [step(table[..., -1], k) for k in range(1, years - have + 1)]
    return np.concatenate([table, np.stack(extra, axis=-1)], axis=-1)


@dataclass(frozen=True, eq=False)
class _Calendar:
    """The demo's years for one data end: days, filing calendars and yearly parameters."""

    end: int  # data_end as days since 1970-01-01: nothing happens after this day
    years: tuple[int, ...]
    start: np.ndarray  # first day of each year
    year_end: np.ndarray  # last day of each year (31 December, also of a partial year)
    complete: np.ndarray  # bool: the year ends on or before ``end``
    cdf: tuple[tuple[np.ndarray, ...], ...]  # [category][year]: filing calendar
    share: np.ndarray  # (categories, years): share of the year's filings up to ``end``
    holidays: np.ndarray
    factor: np.ndarray  # (categories, years): incoming relative to 2021
    speed: np.ndarray
    e_year: np.ndarray
    video_year: np.ndarray
    inflation: np.ndarray
    slow_drift: np.ndarray  # yearly slow-down of the courts that fall behind

    @property
    def n(self) -> int:
        return len(self.years)


@functools.lru_cache(maxsize=8)
def _calendar(end: date) -> _Calendar:
    years = tuple(range(FIRST_YEAR, end.year + 1))
    ny = len(years)
    end_day = int(np.datetime64(end, "D").astype(np.int64))
    start = np.array([np.datetime64(f"{y}-01-01", "D").astype(np.int64) for y in years])
    year_end = np.array([np.datetime64(f"{y}-12-31", "D").astype(np.int64) for y in years])
    cdf: list[tuple[np.ndarray, ...]] = []
    share = np.zeros((_NC, ny))
    plain = [_filing_cdf(y, last_day=end_day) for y in years]
    for c in range(_NC):
        row = []
        for k, y in enumerate(years):
            if c == _ADM and y == 2021:
                f, sh = _filing_cdf(y, _ADM_START, end_day)
            else:
                f, sh = plain[k]
            row.append(f)
            share[c, k] = sh
        cdf.append(tuple(row))
    holidays = np.array([f"{y}-{m:02d}-{d:02d}" for y in range(FIRST_YEAR, end.year + 3)
                         for m, d in _HOLIDAYS], dtype="datetime64[D]")
    return _Calendar(
        end=end_day, years=years, start=start, year_end=year_end,
        complete=year_end <= end_day, cdf=tuple(cdf), share=share, holidays=holidays,
        factor=_extend(_YEAR_FACTOR, ny, lambda last, k: last * _FACTOR_GROWTH ** k),
        speed=_extend(_YEAR_SPEED, ny, lambda last, k: np.maximum(0.92, last - 0.01 * k)),
        e_year=_extend(_E_YEAR, ny, lambda last, k: np.minimum(0.97, last + 0.02 * k)),
        video_year=_extend(_VIDEO_YEAR, ny, lambda last, k: np.minimum(0.6, last + 0.04 * k)),
        inflation=_extend(_INFLATION, ny, lambda last, k: last * 1.08 ** k),
        slow_drift=1.0 + 0.07 * np.clip(np.array(years) - _REF_YEAR, 0, 8),
    )


# ---------------------------------------------------------------------------
# Geography: regions, towns, districts (names in en / ru / kk)
# ---------------------------------------------------------------------------

# code, name_en, name_ru, name_kk, population (thousands, about 2024)
_REGIONS: tuple[tuple[str, str, str, str, int], ...] = (
    ("KZ-10", "Abai Region", "Абайская область", "Абай облысы", 603),
    ("KZ-11", "Akmola Region", "Акмолинская область", "Ақмола облысы", 782),
    ("KZ-15", "Aktobe Region", "Актюбинская область", "Ақтөбе облысы", 936),
    ("KZ-19", "Almaty Region", "Алматинская область", "Алматы облысы", 1520),
    ("KZ-23", "Atyrau Region", "Атырауская область", "Атырау облысы", 697),
    ("KZ-27", "West Kazakhstan Region", "Западно-Казахстанская область",
     "Батыс Қазақстан облысы", 694),
    ("KZ-31", "Jambyl Region", "Жамбылская область", "Жамбыл облысы", 1218),
    ("KZ-33", "Jetisu Region", "Жетысуская область", "Жетісу облысы", 698),
    ("KZ-35", "Karaganda Region", "Карагандинская область", "Қарағанды облысы", 1133),
    ("KZ-39", "Kostanay Region", "Костанайская область", "Қостанай облысы", 829),
    ("KZ-43", "Kyzylorda Region", "Кызылординская область", "Қызылорда облысы", 836),
    ("KZ-47", "Mangystau Region", "Мангистауская область", "Маңғыстау облысы", 791),
    ("KZ-55", "Pavlodar Region", "Павлодарская область", "Павлодар облысы", 751),
    ("KZ-59", "North Kazakhstan Region", "Северо-Казахстанская область",
     "Солтүстік Қазақстан облысы", 530),
    ("KZ-61", "Turkistan Region", "Туркестанская область", "Түркістан облысы", 2136),
    ("KZ-62", "Ulytau Region", "Улытауская область", "Ұлытау облысы", 221),
    ("KZ-63", "East Kazakhstan Region", "Восточно-Казахстанская область",
     "Шығыс Қазақстан облысы", 720),
    ("KZ-71", "Astana", "Астана", "Астана", 1424),
    ("KZ-75", "Almaty", "Алматы", "Алматы", 2229),
    ("KZ-79", "Shymkent", "Шымкент", "Шымкент", 1222),
)
_CITIES: dict[str, tuple[str, str]] = {
    # region code: (Russian name of the city court, Russian genitive "of the city")
    "KZ-71": ("Астанинский городской суд", "города Астаны"),
    "KZ-75": ("Алматинский городской суд", "города Алматы"),
    "KZ-79": ("Шымкентский городской суд", "города Шымкента"),
}
# Litigation per inhabitant relative to the country (cities and oil regions sue more).
_LITIGATION = {"KZ-71": 1.35, "KZ-75": 1.35, "KZ-79": 1.1, "KZ-23": 1.1, "KZ-47": 1.1,
               "KZ-61": 0.85}

# A town: en, Russian adjective (for "... городской суд"), Russian genitive
# (for "Суд №2 города ..."), Kazakh.
_Town = tuple[str, str, str, str]
# A district: en, Russian adjective (for "... районный суд"), Kazakh.
_District = tuple[str, str, str]

# region code: (administrative centre, other towns with their own court, districts)
_GEO: dict[str, tuple[_Town, tuple[_Town, ...], tuple[_District, ...]]] = {
    "KZ-10": (
        ("Semey", "Семейский", "Семея", "Семей"),
        (("Kurchatov", "Курчатовский", "Курчатова", "Курчатов"),),
        (("Abai", "Абайский", "Абай"), ("Ayagoz", "Аягозский", "Аягөз"),
         ("Beskaragai", "Бескарагайский", "Бесқарағай"),
         ("Borodulikha", "Бородулихинский", "Бородулиха"), ("Zharma", "Жарминский", "Жарма"),
         ("Kokpekty", "Кокпектинский", "Көкпекті"), ("Urzhar", "Урджарский", "Үржар"),
         ("Makanchi", "Маканчинский", "Мақаншы"),
         ("Zhanasemei", "Жанасемейский", "Жаңасемей")),
    ),
    "KZ-11": (
        ("Kokshetau", "Кокшетауский", "Кокшетау", "Көкшетау"),
        (("Stepnogorsk", "Степногорский", "Степногорска", "Степногор"),
         ("Kosshy", "Косшинский", "Косшы", "Қосшы")),
        (("Burabay", "Бурабайский", "Бурабай"), ("Zerendi", "Зерендинский", "Зеренді"),
         ("Tselinograd", "Целиноградский", "Целиноград"),
         ("Shortandy", "Шортандинский", "Шортанды"), ("Arshaly", "Аршалынский", "Аршалы"),
         ("Akkol", "Аккольский", "Ақкөл"), ("Atbasar", "Атбасарский", "Атбасар"),
         ("Yesil", "Есильский", "Есіл"), ("Zharkain", "Жаркаинский", "Жарқайың"),
         ("Bulandy", "Буландынский", "Буланды"), ("Sandyktau", "Сандыктауский", "Сандықтау"),
         ("Yereymentau", "Ерейментауский", "Ерейментау")),
    ),
    "KZ-15": (
        ("Aktobe", "Актюбинский", "Актобе", "Ақтөбе"),
        (),
        (("Mugalzhar", "Мугалжарский", "Мұғалжар"), ("Khromtau", "Хромтауский", "Хромтау"),
         ("Kargaly", "Каргалинский", "Қарғалы"), ("Martuk", "Мартукский", "Мәртөк"),
         ("Alga", "Алгинский", "Алға"), ("Temir", "Темирский", "Темір"),
         ("Shalkar", "Шалкарский", "Шалқар"), ("Yrgyz", "Иргизский", "Ырғыз"),
         ("Oiyl", "Уилский", "Ойыл"), ("Baiganin", "Байганинский", "Байғанин"),
         ("Khobda", "Хобдинский", "Қобда"), ("Aitekebi", "Айтекебийский", "Әйтеке би")),
    ),
    "KZ-19": (
        ("Konaev", "Конаевский", "Конаева", "Қонаев"),
        (),
        (("Karasai", "Карасайский", "Қарасай"), ("Talgar", "Талгарский", "Талғар"),
         ("Ili", "Илийский", "Іле"), ("Enbekshikazakh", "Енбекшиказахский", "Еңбекшіқазақ"),
         ("Zhambyl", "Жамбылский", "Жамбыл"), ("Balkhash", "Балхашский", "Балқаш"),
         ("Uigur", "Уйгурский", "Ұйғыр"), ("Raiymbek", "Райымбекский", "Райымбек"),
         ("Kegen", "Кегенский", "Кеген")),
    ),
    "KZ-23": (
        ("Atyrau", "Атырауский", "Атырау", "Атырау"),
        (),
        (("Zhylyoi", "Жылыойский", "Жылыой"), ("Makhambet", "Махамбетский", "Махамбет"),
         ("Isatai", "Исатайский", "Исатай"), ("Kurmangazy", "Курмангазинский", "Құрманғазы"),
         ("Inder", "Индерский", "Индер"), ("Makat", "Макатский", "Мақат"),
         ("Kyzylkoga", "Кызылкогинский", "Қызылқоға")),
    ),
    "KZ-27": (
        ("Oral", "Уральский", "Уральска", "Орал"),
        (),
        (("Burli", "Бурлинский", "Бөрлі"), ("Baiterek", "Байтерекский", "Бәйтерек"),
         ("Terekti", "Теректинский", "Теректі"), ("Akzhaik", "Акжаикский", "Ақжайық"),
         ("Syrym", "Сырымский", "Сырым"), ("Zhanibek", "Жанибекский", "Жәнібек"),
         ("Kaztalov", "Казталовский", "Казталов"),
         ("Bokeiorda", "Бокейординский", "Бөкей ордасы"),
         ("Shyngyrlau", "Чингирлауский", "Шыңғырлау"), ("Taskala", "Таскалинский", "Тасқала"),
         ("Karatobe", "Каратобинский", "Қаратөбе"), ("Zhangala", "Жангалинский", "Жаңақала")),
    ),
    "KZ-31": (
        ("Taraz", "Таразский", "Тараза", "Тараз"),
        (("Karatau", "Каратауский", "Каратау", "Қаратау"),
         ("Zhanatas", "Жанатасский", "Жанатаса", "Жаңатас")),
        (("Baizak", "Байзакский", "Байзақ"), ("Zhambyl", "Жамбылский", "Жамбыл"),
         ("Zhualy", "Жуалынский", "Жуалы"), ("Kordai", "Кордайский", "Қордай"),
         ("Merki", "Меркенский", "Меркі"), ("Moiynkum", "Мойынкумский", "Мойынқұм"),
         ("Sarysu", "Сарысуский", "Сарысу"), ("Talas", "Таласский", "Талас"),
         ("Shu", "Шуский", "Шу")),
    ),
    "KZ-33": (
        ("Taldykorgan", "Талдыкорганский", "Талдыкоргана", "Талдықорған"),
        (("Tekeli", "Текелийский", "Текели", "Текелі"),),
        (("Aksu", "Аксуский", "Ақсу"), ("Alakol", "Алакольский", "Алакөл"),
         ("Eskeldi", "Ескельдинский", "Ескелді"), ("Karatal", "Каратальский", "Қаратал"),
         ("Kerbulak", "Кербулакский", "Кербұлақ"), ("Koksu", "Коксуский", "Көксу"),
         ("Sarkand", "Саркандский", "Сарқан")),
    ),
    "KZ-35": (
        ("Karaganda", "Карагандинский", "Караганды", "Қарағанды"),
        (("Temirtau", "Темиртауский", "Темиртау", "Теміртау"),
         ("Balkhash", "Балхашский", "Балхаша", "Балқаш"),
         ("Saran", "Саранский", "Сарани", "Саран"),
         ("Shakhtinsk", "Шахтинский", "Шахтинска", "Шахтинск"),
         ("Priozersk", "Приозерский", "Приозерска", "Приозер")),
        (("Bukhar-Zhyrau", "Бухар-Жырауский", "Бұқар жырау"),
         ("Osakarov", "Осакаровский", "Осакаров"), ("Nura", "Нуринский", "Нұра"),
         ("Karkaraly", "Каркаралинский", "Қарқаралы"), ("Aktogai", "Актогайский", "Ақтоғай"),
         ("Shet", "Шетский", "Шет"), ("Abai", "Абайский", "Абай")),
    ),
    "KZ-39": (
        ("Kostanay", "Костанайский", "Костаная", "Қостанай"),
        (("Rudny", "Рудненский", "Рудного", "Рудный"),
         ("Lisakovsk", "Лисаковский", "Лисаковска", "Лисаков"),
         ("Arkalyk", "Аркалыкский", "Аркалыка", "Арқалық")),
        (("Kostanay", "Костанайский", "Қостанай"), ("Zhitikara", "Житикаринский", "Жітіқара"),
         ("Karabalyk", "Карабалыкский", "Қарабалық"),
         ("Mendykara", "Мендыкаринский", "Меңдіқара"), ("Sarykol", "Сарыкольский", "Сарыкөл"),
         ("Auliekol", "Аулиекольский", "Әулиекөл"), ("Fyodorov", "Федоровский", "Федоров"),
         ("Denisov", "Денисовский", "Денисов"), ("Kamysty", "Камыстинский", "Қамысты"),
         ("Uzunkol", "Узункольский", "Ұзынкөл")),
    ),
    "KZ-43": (
        ("Kyzylorda", "Кызылординский", "Кызылорды", "Қызылорда"),
        (),
        (("Aral", "Аральский", "Арал"), ("Kazaly", "Казалинский", "Қазалы"),
         ("Karmakshy", "Кармакшинский", "Қармақшы"), ("Zhalagash", "Жалагашский", "Жалағаш"),
         ("Syrdarya", "Сырдарьинский", "Сырдария"), ("Shieli", "Шиелийский", "Шиелі"),
         ("Zhanakorgan", "Жанакорганский", "Жаңақорған")),
    ),
    "KZ-47": (
        ("Aktau", "Актауский", "Актау", "Ақтау"),
        (("Zhanaozen", "Жанаозенский", "Жанаозена", "Жаңаөзен"),),
        (("Munaily", "Мунайлинский", "Мұнайлы"), ("Karakiya", "Каракиянский", "Қарақия"),
         ("Beineu", "Бейнеуский", "Бейнеу"), ("Mangystau", "Мангистауский", "Маңғыстау"),
         ("Tupkaragan", "Тупкараганский", "Түпқараған")),
    ),
    "KZ-55": (
        ("Pavlodar", "Павлодарский", "Павлодара", "Павлодар"),
        (("Ekibastuz", "Экибастузский", "Экибастуза", "Екібастұз"),
         ("Aksu", "Аксуский", "Аксу", "Ақсу")),
        (("Pavlodar", "Павлодарский", "Павлодар"), ("Bayanaul", "Баянаульский", "Баянауыл"),
         ("Irtysh", "Иртышский", "Ертіс"), ("Zhelezin", "Железинский", "Железин"),
         ("Uspen", "Успенский", "Успен"), ("Shcherbakty", "Щербактинский", "Шарбақты"),
         ("Akkuly", "Аккулинский", "Аққулы"), ("Terenkol", "Теренкольский", "Тереңкөл"),
         ("May", "Майский", "Май")),
    ),
    "KZ-59": (
        ("Petropavl", "Петропавловский", "Петропавловска", "Петропавл"),
        (),
        (("Kyzylzhar", "Кызылжарский", "Қызылжар"), ("Aiyrtau", "Айыртауский", "Айыртау"),
         ("Akkayin", "Аккайынский", "Аққайың"), ("Esil", "Есильский", "Есіл"),
         ("Zhambyl", "Жамбылский", "Жамбыл"), ("Mamlyut", "Мамлютский", "Мамлют"),
         ("Taiynsha", "Тайыншинский", "Тайынша"),
         ("Timiryazev", "Тимирязевский", "Тимирязев"),
         ("Ualikhanov", "Уалихановский", "Уәлиханов"), ("Akzhar", "Акжарский", "Ақжар")),
    ),
    "KZ-61": (
        ("Turkistan", "Туркестанский", "Туркестана", "Түркістан"),
        (("Kentau", "Кентауский", "Кентау", "Кентау"), ("Arys", "Арысский", "Арыси", "Арыс")),
        (("Sairam", "Сайрамский", "Сайрам"), ("Tolebi", "Толебийский", "Төлеби"),
         ("Kazygurt", "Казыгуртский", "Қазығұрт"), ("Maktaaral", "Мактааральский", "Мақтаарал"),
         ("Saryagash", "Сарыагашский", "Сарыағаш"), ("Ordabasy", "Ордабасинский", "Ордабасы"),
         ("Tulkibas", "Тюлькубасский", "Түлкібас"), ("Baidibek", "Байдибекский", "Бәйдібек"),
         ("Otyrar", "Отрарский", "Отырар"), ("Sozak", "Сузакский", "Созақ"),
         ("Zhetisai", "Жетысайский", "Жетісай"), ("Keles", "Келесский", "Келес"),
         ("Shardara", "Шардаринский", "Шардара")),
    ),
    "KZ-62": (
        ("Zhezkazgan", "Жезказганский", "Жезказгана", "Жезқазған"),
        (("Satpayev", "Сатпаевский", "Сатпаева", "Сәтбаев"),
         ("Karazhal", "Каражальский", "Каражала", "Қаражал")),
        (("Ulytau", "Улытауский", "Ұлытау"), ("Zhanaarka", "Жанааркинский", "Жаңаарқа")),
    ),
    "KZ-63": (
        ("Oskemen", "Усть-Каменогорский", "Усть-Каменогорска", "Өскемен"),
        (("Ridder", "Риддерский", "Риддера", "Риддер"), ("Altai", "Алтайский", "Алтая", "Алтай")),
        (("Glubokoye", "Глубоковский", "Глубокое"),
         ("Shemonaikha", "Шемонаихинский", "Шемонаиха"), ("Ulan", "Уланский", "Ұлан"),
         ("Zaisan", "Зайсанский", "Зайсан"),
         ("Katon-Karagai", "Катон-Карагайский", "Катонқарағай"),
         ("Kurchum", "Курчумский", "Күршім"), ("Tarbagatai", "Тарбагатайский", "Тарбағатай"),
         ("Samar", "Самарский", "Самар")),
    ),
    # The three cities of republican significance: their districts.
    "KZ-71": (
        ("Astana", "Астанинский", "Астаны", "Астана"),
        (),
        (("Almaty", "Алматинский", "Алматы"), ("Baikonyr", "Байконурский", "Байқоңыр"),
         ("Yesil", "Есильский", "Есіл"), ("Saryarka", "Сарыаркинский", "Сарыарқа"),
         ("Nura", "Нуринский", "Нұра")),
    ),
    "KZ-75": (
        ("Almaty", "Алматинский", "Алматы", "Алматы"),
        (),
        (("Almaly", "Алмалинский", "Алмалы"), ("Bostandyk", "Бостандыкский", "Бостандық"),
         ("Auezov", "Ауэзовский", "Әуезов"), ("Medeu", "Медеуский", "Медеу"),
         ("Alatau", "Алатауский", "Алатау"), ("Zhetysu", "Жетысуский", "Жетісу"),
         ("Turksib", "Турксибский", "Түрксіб"), ("Nauryzbay", "Наурызбайский", "Наурызбай")),
    ),
    "KZ-79": (
        ("Shymkent", "Шымкентский", "Шымкента", "Шымкент"),
        (),
        (("Al-Farabi", "Аль-Фарабийский", "Әл-Фараби"), ("Abay", "Абайский", "Абай"),
         ("Enbekshi", "Енбекшинский", "Еңбекші"), ("Karatau", "Каратауский", "Қаратау"),
         ("Turan", "Туранский", "Тұран")),
    ),
}

# Specialised interdistrict courts: kind -> (code suffix, specialization, en, ru, kk)
_SPECIALISED: dict[str, tuple[str, str, str, str, str]] = {
    "eco": ("ECO", "economic", "Specialised Interdistrict Economic Court of {en}",
            "Специализированный межрайонный экономический суд {ru}",
            "{kk} мамандандырылған ауданаралық экономикалық соты"),
    "adm": ("ADM", "administrative", "Specialised Interdistrict Administrative Court of {en}",
            "Специализированный межрайонный административный суд {ru}",
            "{kk} мамандандырылған ауданаралық әкімшілік соты"),
    "juv": ("JUV", "juvenile", "Specialised Interdistrict Juvenile Court of {en}",
            "Специализированный межрайонный суд по делам несовершеннолетних {ru}",
            "{kk} кәмелетке толмағандардың істері жөніндегі мамандандырылған "
            "ауданаралық соты"),
    "crm": ("CRM", "criminal", "Specialised Interdistrict Criminal Court of {en}",
            "Специализированный межрайонный суд по уголовным делам {ru}",
            "{kk} мамандандырылған ауданаралық қылмыстық соты"),
}
_ALL = tuple(r[0] for r in _REGIONS)
_DISTRICT_HEAVY = ("KZ-19", "KZ-61")  # regions whose people live mostly outside the centre
_BIG = ("KZ-71", "KZ-75", "KZ-79", "KZ-35", "KZ-61")
# Which regions have which specialised court, per scale.
_SPECIALISED_IN: dict[str, dict[str, tuple[str, ...]]] = {
    "small": {
        "eco": _BIG + ("KZ-19", "KZ-15", "KZ-63"),
        "adm": ("KZ-71", "KZ-75", "KZ-79", "KZ-35"),
        "juv": ("KZ-75",),
        "crm": ("KZ-71",),
    },
    "national": {
        "eco": _ALL,
        "adm": tuple(r for r in _ALL if r not in ("KZ-10", "KZ-33", "KZ-62")),
        "juv": _BIG + ("KZ-19", "KZ-31", "KZ-63", "KZ-55", "KZ-15", "KZ-39"),
        "crm": _BIG + ("KZ-15", "KZ-23", "KZ-47"),
    },
}
# Share of a region's incoming cases handled by its regional and specialised courts.
_KIND_SHARE = {"regional": 0.04, "eco": 0.07, "adm": 0.025, "juv": 0.02, "crm": 0.035}
# Relative size of general district courts by kind.
_UNIT_WEIGHT = {"capital": 2.6, "town": 1.3, "district": 0.7, "city": 1.0}

# Yearly incoming per scale (all courts, all categories) and number of
# general district courts of the national network.
_TOTAL_INCOMING = {"small": 11_000, "national": 1_600_000}
_NATIONAL_GENERAL_COURTS = 305

# ---------------------------------------------------------------------------
# Case model parameters (index = position in schema.CATEGORIES:
# civil, criminal, administrative, admin_offence)
# ---------------------------------------------------------------------------

_CIV, _CRI, _ADM, _AOF = range(4)
_NC = len(CATEGORIES)
# Case-number prefix of each category ("2-1234/2023" is a civil case).
_PREFIX = ("2", "1", "3", "5")
# Category mix by court kind.
_MIX = {
    "general": np.array([0.45, 0.12, 0.08, 0.35]),
    "regional": np.array([0.55, 0.30, 0.15, 0.0]),
    "economic": np.array([1.0, 0.0, 0.0, 0.0]),
    "administrative": np.array([0.0, 0.0, 1.0, 0.0]),
    "juvenile": np.array([0.45, 0.25, 0.0, 0.30]),
    "criminal": np.array([0.0, 1.0, 0.0, 0.0]),
}
_MEDIAN_DAYS = np.array([32.0, 42.0, 35.0, 10.0])
_SIGMA = np.array([0.42, 0.42, 0.42, 0.42])
_SPEED_BY_KIND = {"regional": 0.85, "economic": 1.15, "administrative": 1.0,
                  "juvenile": 0.9, "criminal": 1.2, "general": 1.0}
_STATUTORY = np.array([DEFAULT_STATUTORY_DAYS[c] for c in CATEGORIES])
_EXTENDED = np.array([90, 90, 90, 30])  # explicit limit after an extension
_P_EXTENDED = np.array([0.8, 0.85, 0.8, 0.8])
_SHORTENED = np.array([30, 30, 30, 30])  # explicit limit of a simplified procedure
_STUCK_BY_CAT = np.array([1.0, 1.5, 1.0, 0.3])
_E_CAT = np.array([0.03, -0.10, 0.05, 0.0])
_HEARINGS_EXTRA = np.array([1.3, 2.2, 1.0, 0.25])
_NO_HEARING = np.array([0.06, 0.02, 0.12, 0.05])
_P_APPEAL = np.array([0.16, 0.18, 0.20, 0.05])


# ---------------------------------------------------------------------------
# Courts
# ---------------------------------------------------------------------------


@dataclass(frozen=True)
class _Court:
    code: str
    name_en: str
    name_ru: str
    name_kk: str
    region: str
    level: str
    specialization: str
    kind: str  # supreme, regional, capital, town, district, city, eco, adm, juv, crm


def _region_forms(code: str, en: str, ru: str, kk: str) -> tuple[str, str, str, str]:
    """(en for "of ...", ru genitive, kk nominative, kk genitive) of a region."""
    if code in _CITIES:
        return en, _CITIES[code][1], f"{kk} қаласы", f"{kk} қаласының"
    return en, ru.replace("ская область", "ской области"), kk, kk + "ның"


def _general_units(region: str, n: int) -> list[tuple[str, str, str, str]]:
    """Names (en, ru, kk, kind) of the ``n`` general district courts of a region."""
    capital, towns, districts = _GEO[region]
    en_c, ru_adj_c, ru_gen_c, kk_c = capital
    if region in _CITIES:
        # City district courts; extra courts are numbered within a district.
        per = [n // len(districts) + (i < n % len(districts)) for i in range(len(districts))]
        out = []
        for (en, adj, kk), k in zip(districts, per, strict=True):
            for j in range(1, k + 1):
                if j == 1:
                    out.append((f"{en} District Court of {en_c}",
                                f"{adj} районный суд города {ru_gen_c}",
                                f"{kk_c} қаласы {kk} аудандық соты", "city"))
                else:
                    out.append((f"{en} District Court No. {j} of {en_c}",
                                f"Районный суд №{j} {adj[:-2]}ого района города {ru_gen_c}",
                                f"{kk_c} қаласы {kk} ауданының №{j} аудандық соты", "city"))
        return out
    if n <= 3:  # small scale: the centre, then towns, then districts
        n_capital, per_district = 1, [1] * len(districts)
    else:
        # Extra courts go to the centre and to the most populous districts (listed first);
        # in Almaty and Turkistan regions most people live in the districts.
        extra = n - 2 - len(towns) - len(districts)
        to_capital = 0 if region in _DISTRICT_HEAVY else (2 * extra + 2) // 3
        hubs = 4 if region in _DISTRICT_HEAVY else 2
        n_capital = 2 + to_capital
        per_district = [1] * len(districts)
        for k in range(extra - to_capital):
            per_district[k % hubs] += 1
    out = []
    if n_capital == 1:
        out.append((f"{en_c} City Court", f"{ru_adj_c} городской суд", f"{kk_c} қалалық соты",
                    "capital"))
    else:
        for j in range(1, n_capital + 1):
            out.append((f"Court No. {j} of {en_c}", f"Суд №{j} города {ru_gen_c}",
                        f"{kk_c} қаласының №{j} соты", "capital"))
    for en, adj, _gen, kk in towns:
        out.append((f"{en} City Court", f"{adj} городской суд", f"{kk} қалалық соты", "town"))
    for (en, adj, kk), k in zip(districts, per_district, strict=True):
        out.append((f"{en} District Court", f"{adj} районный суд", f"{kk} аудандық соты",
                     "district"))
        for j in range(2, k + 1):
            out.append((f"{en} District Court No. {j}", f"Районный суд №{j} {adj[:-2]}ого района",
                        f"{kk} ауданының №{j} аудандық соты", "district"))
    return out[:n]


def _general_counts(scale: str) -> dict[str, int]:
    """Number of general district courts per region."""
    if scale == "small":
        return {c: 3 if pop >= 2000 else 2 if pop >= 800 else 1 for c, *_, pop in _REGIONS}
    total_pop = sum(r[4] for r in _REGIONS)
    out = {}
    for code, *_, pop in _REGIONS:
        _capital, towns, districts = _GEO[code]
        base = len(districts) if code in _CITIES else 2 + len(towns) + len(districts)
        out[code] = max(base, round(_NATIONAL_GENERAL_COURTS * pop / total_pop))
    return out


def _build_courts(scale: str) -> list[_Court]:
    courts = [_Court("KZ-SC", "Supreme Court of the Republic of Kazakhstan",
                     "Верховный Суд Республики Казахстан",
                     "Қазақстан Республикасының Жоғарғы Соты", "KZ-71", "supreme", "general",
                     "supreme")]
    counts = _general_counts(scale)
    for code, en, ru, kk, _pop in _REGIONS:
        prefix = "KZ" + code[3:]
        of_en, of_ru, _, of_kk = _region_forms(code, en, ru, kk)
        if code in _CITIES:
            rc = (f"{en} City Court", _CITIES[code][0], f"{kk} қалалық соты")
        else:
            rc = (en.replace(" Region", " Regional Court"),
                  ru.replace("ская область", "ский областной суд"),
                  kk.replace(" облысы", " облыстық соты"))
        courts.append(_Court(f"{prefix}-RC", *rc, code, "regional", "general", "regional"))
        units = _general_units(code, counts[code])
        for i, (u_en, u_ru, u_kk, kind) in enumerate(units, start=1):
            courts.append(_Court(f"{prefix}-D{i:02d}", u_en, u_ru, u_kk, code, "district",
                                 "general", kind))
        for kind, (suffix, spec, t_en, t_ru, t_kk) in _SPECIALISED.items():
            if code in _SPECIALISED_IN[scale][kind]:
                courts.append(_Court(f"{prefix}-{suffix}", t_en.format(en=of_en),
                                     t_ru.format(ru=of_ru), t_kk.format(kk=of_kk), code,
                                     "district", spec, kind))
    return _disambiguate(courts)


def _disambiguate(courts: list[_Court]) -> list[_Court]:
    """Add the region to district court names that occur in more than one region."""
    regions = {r[0]: r for r in _REGIONS}
    seen: dict[str, int] = {}
    for c in courts:
        for name in (c.name_en, c.name_ru, c.name_kk):
            seen[name] = seen.get(name, 0) + 1
    out = []
    for c in courts:
        if max(seen[c.name_en], seen[c.name_ru], seen[c.name_kk]) > 1:
            code, en, ru, kk, _pop = regions[c.region]
            of_en, of_ru, kk_nom, _ = _region_forms(code, en, ru, kk)
            c = _Court(c.code, f"{c.name_en} of {of_en}", f"{c.name_ru} {of_ru}",
                       f"{kk_nom} {c.name_kk}", c.region, c.level, c.specialization, c.kind)
        out.append(c)
    return out


# ---------------------------------------------------------------------------
# Plan: every seed-dependent court attribute, drawn once
# ---------------------------------------------------------------------------


@dataclass
class _Plan:
    scale: str
    seed: int
    cal: _Calendar
    courts: list[_Court]
    volume: np.ndarray  # expected incoming in 2021 (all categories)
    mix: np.ndarray  # (n, 4) category shares
    speed: np.ndarray
    slow: np.ndarray  # bool: a slow court that is falling behind
    stuck: np.ndarray  # probability that a case is stuck (still pending at the end)
    e_off: np.ndarray
    video_off: np.ndarray
    appeal_mult: np.ndarray
    reversal: np.ndarray  # share of appealed decisions modified or reversed
    publish_p: np.ndarray
    hearings: np.ndarray  # bool: reports hearings columns
    published: np.ndarray  # bool: reports the published column
    aggregate: np.ndarray  # bool: reports caseload aggregates only

    @property
    def case_courts(self) -> np.ndarray:
        """Indices of the courts that report case rows, in output order."""
        return np.flatnonzero((self.volume > 0) & ~self.aggregate)


def _seed(seed: int) -> int:
    return int(seed) % (2**63)


def _make_plan(scale: str, seed: int, as_of: date | None = None) -> _Plan:
    if scale not in _TOTAL_INCOMING:
        raise ValueError(f"unknown scale {scale!r}: use 'small' or 'national'")
    cal = _calendar(_resolve_end(as_of))
    courts = _build_courts(scale)
    n = len(courts)
    rng = np.random.default_rng([_seed(seed), 0])
    kinds = np.array([c.kind for c in courts])
    regions = np.array([c.region for c in courts])
    general = np.isin(kinds, ("capital", "town", "district", "city"))

    # Size: region's incoming (population x litigation) split among its courts.
    total_pop = sum(r[4] * _LITIGATION.get(r[0], 1.0) for r in _REGIONS)
    weight = np.zeros(n)
    for kind, w in _UNIT_WEIGHT.items():
        m = kinds == kind
        weight[m] = w * rng.lognormal(0.0, 0.3, m.sum())
    volume = np.zeros(n)
    for code, *_, pop in _REGIONS:
        region_total = _TOTAL_INCOMING[scale] * pop * _LITIGATION.get(code, 1.0) / total_pop
        in_region = regions == code
        left = 1.0
        for kind, share in _KIND_SHARE.items():
            m = in_region & (kinds == kind)
            volume[m] = region_total * share * rng.lognormal(0.0, 0.1, m.sum())
            left -= share if m.any() else 0.0
        g = in_region & general
        volume[g] = region_total * left * weight[g] / weight[g].sum()

    mix = np.zeros((n, _NC))
    adm_regions = set(regions[kinds == "adm"])
    for i, c in enumerate(courts):
        if c.kind == "supreme":
            continue
        base = _MIX[c.specialization if c.kind != "regional" else "regional"].copy()
        if c.specialization == "general" and c.kind != "regional" and c.region in adm_regions:
            base[_ADM] = 0.0
        live = base > 0
        base[live] = rng.dirichlet(base[live] * 150)
        mix[i] = base

    speed = rng.lognormal(0.0, 0.15, n) * np.array(
        [_SPEED_BY_KIND[c.specialization if c.kind != "regional" else "regional"]
         for c in courts])
    has_volume = volume > 0
    # Smaller general district courts are the ones that report aggregates only.
    n_agg = max(1, round(0.10 * n))
    p = np.where(general, 1.0 / np.maximum(weight, 1e-9) ** 2, 0.0)
    aggregate = np.zeros(n, dtype=bool)
    aggregate[rng.choice(n, n_agg, replace=False, p=p / p.sum())] = True
    cases = np.flatnonzero(has_volume & ~aggregate)
    slow = np.zeros(n, dtype=bool)
    slow[rng.choice(cases, max(2, round(0.08 * len(cases))), replace=False)] = True
    speed[slow] *= rng.uniform(1.4, 1.7, slow.sum())
    hearings = np.ones(n, dtype=bool)
    hearings[rng.choice(cases, max(1, round(0.10 * len(cases))), replace=False)] = False
    published = np.ones(n, dtype=bool)
    published[rng.choice(cases, max(1, round(0.05 * len(cases))), replace=False)] = False
    publish_p = rng.uniform(0.90, 0.995, n) - 0.06 * (kinds == "juv")
    return _Plan(
        scale=scale, seed=seed, cal=cal, courts=courts, volume=volume, mix=mix, speed=speed,
        slow=slow,
        stuck=rng.uniform(0.001, 0.006, n) * np.where(slow, 4.0, 1.0),
        e_off=rng.normal(0.0, 0.04, n), video_off=rng.normal(0.0, 0.07, n),
        appeal_mult=rng.lognormal(0.0, 0.2, n) * np.where(kinds == "regional", 0.45, 1.0),
        reversal=np.clip(0.10 * rng.lognormal(0.0, 0.3, n), 0.02, 0.3),
        publish_p=publish_p, hearings=hearings, published=published, aggregate=aggregate,
    )


# ---------------------------------------------------------------------------
# Cases of one court
# ---------------------------------------------------------------------------


def _simulate_court(plan: _Plan, i: int) -> dict[str, np.ndarray]:
    """All cases of court ``i`` as numpy arrays (its own generator: chunking-independent)."""
    rng = np.random.default_rng([_seed(plan.seed), 1, i])
    cal = plan.cal
    ny = cal.n
    lam = plan.volume[i] * plan.mix[i][:, None] * cal.factor
    lam = lam * rng.lognormal(0.0, 0.05, lam.shape) * cal.share
    counts = rng.poisson(lam).ravel()  # group g = category * years + year index
    n = int(counts.sum())
    group = np.repeat(np.arange(_NC * ny), counts)
    cat = (group // ny).astype(np.int8)
    yi = (group % ny).astype(np.int8)
    filed = np.empty(n, dtype=np.int32)
    seq = np.empty(n, dtype=np.int32)
    ends = np.cumsum(counts)
    for g, cnt in enumerate(counts):
        if cnt == 0:
            continue
        c, y = divmod(g, ny)
        doy = np.searchsorted(cal.cdf[c][y], rng.random(cnt), side="right")
        sl = slice(ends[g] - cnt, ends[g])
        filed[sl] = np.sort(doy) + cal.start[y]
        seq[sl] = np.arange(1, cnt + 1)

    # Time to disposition: lognormal by category and court, with a long tail.
    speed = plan.speed[i] * cal.speed[yi]
    if plan.slow[i]:
        speed = speed * cal.slow_drift[yi]
    dur = np.exp(np.log(_MEDIAN_DAYS[cat] * speed) + _SIGMA[cat] * rng.standard_normal(n))
    tail = rng.random(n) < 0.02
    dur[tail] *= rng.uniform(2.0, 5.0, tail.sum())
    # Decisions are signed on working days: count the duration in working days.
    workdays = np.rint(dur * (5.0 / 7.0)).astype(np.int64)
    workdays[rng.random(n) < np.where(cat == _AOF, 0.03, 0.012)] = 0  # same-day decisions
    resolved = np.busday_offset(filed.astype("datetime64[D]"), workdays, roll="forward",
                                holidays=cal.holidays).astype(np.int64)
    resolved = _seasonal_resolutions(rng, filed, resolved, cal.holidays)
    resolved = resolved.astype(np.int32)
    dur = resolved - filed
    stuck = rng.random(n) < plan.stuck[i] * _STUCK_BY_CAT[cat]
    pending = stuck | (resolved > cal.end)
    done = ~pending

    # Time limit: empty (category default) unless extended or shortened.
    default = _STATUTORY[cat]
    statutory = np.full(n, -1, dtype=np.int16)
    late = dur > default
    ext = late & (rng.random(n) < _P_EXTENDED[cat])
    statutory[ext] = _EXTENDED[cat[ext]]
    short = ~late & (rng.random(n) < np.where(dur <= _SHORTENED[cat], 0.06, 0.005))
    statutory[short] = _SHORTENED[cat[short]]

    p_e = np.clip(cal.e_year[yi] + _E_CAT[cat] + plan.e_off[i], 0.2, 0.995)
    e_filed = rng.random(n) < p_e

    hearings = np.minimum(1 + rng.poisson(_HEARINGS_EXTRA[cat]), 6)
    hearings[rng.random(n) < _NO_HEARING[cat]] = 0
    hearings = np.where(pending, rng.binomial(hearings, 0.5), hearings)
    p_v = np.clip(cal.video_year[yi] + plan.video_off[i] + 0.05 * (cat == _AOF), 0.01, 0.85)
    video = rng.binomial(hearings, p_v)

    appealed = done & (rng.random(n) < _P_APPEAL[cat] * plan.appeal_mult[i])
    u = rng.random(n)
    result = np.where(u < plan.reversal[i] * 0.6, 1,
                      np.where(u < plan.reversal[i], 2, 0)).astype(np.int8)
    since = cal.end - resolved
    p_none = np.where(since < 60, 0.85, np.where(since < 150, 0.3, 0.01))
    result[~appealed | (rng.random(n) < p_none)] = -1
    published = done & (rng.random(n) < plan.publish_p[i])
    return {
        "court": np.full(n, i, dtype=np.int32), "cat": cat, "seq": seq,
        "year": (yi.astype(np.int16) + FIRST_YEAR), "filed": filed,
        "resolved": resolved, "pending": pending, "statutory": statutory,
        "e_filed": e_filed, "hearings": hearings.astype(np.int8),
        "video": video.astype(np.int8), "appealed": appealed, "result": result,
        "published": published,
    }


def _seasonal_resolutions(rng: np.random.Generator, filed: np.ndarray, resolved: np.ndarray,
                          holidays: np.ndarray) -> np.ndarray:
    """Decision days (days since 1970-01-01) with the courts' seasons: put off during
    the summer judicial vacation, pushed into December before the year's end."""
    n = len(resolved)
    u_summer, u_push = rng.random(n), rng.random(n)
    put_off = rng.integers(15, 61, n)
    back = rng.integers(0, 10, n)
    days = resolved.astype("datetime64[D]")
    month = days.astype("datetime64[M]").astype(np.int64) % 12
    summer = ((month == 6) | (month == 7)) & (u_summer < _P_SUMMER_DELAY)
    out = resolved.copy()
    out[summer] = np.busday_offset(days[summer], put_off[summer], roll="forward",
                                   holidays=holidays).astype(np.int64)
    days = out.astype("datetime64[D]")
    month = days.astype("datetime64[M]").astype(np.int64) % 12
    january = (month == 0) & (u_push < _P_YEAR_END_PUSH)
    # The last working day of December, then up to 9 working days before it.
    dec31 = days.astype("datetime64[Y]").astype("datetime64[D]") - np.timedelta64(1, "D")
    pushed = np.busday_offset(dec31[january], -back[january], roll="backward",
                              holidays=holidays).astype(np.int64)
    ok = pushed >= filed[january]
    idx = np.flatnonzero(january)[ok]
    out[idx] = pushed[ok]
    return out


def _concat(parts: list[dict[str, np.ndarray]]) -> dict[str, np.ndarray]:
    return {k: np.concatenate([p[k] for p in parts]) for k in parts[0]}


def _strings(arr: pa.Array | pa.ChunkedArray) -> pd.api.extensions.ExtensionArray:
    return pd.array(arr, dtype="string")


def _dates(days: np.ndarray, missing: np.ndarray | None = None) -> np.ndarray:
    secs = days.astype(np.int64) * 86400
    if missing is not None:
        secs[missing] = _NAT
    return secs.view("datetime64[s]")


def _ints(values: np.ndarray, missing: np.ndarray | None = None) -> pd.arrays.IntegerArray:
    if missing is None:
        missing = np.zeros(len(values), dtype=bool)
    return pd.arrays.IntegerArray(values.astype(np.int64), missing)


def _bools(values: np.ndarray, missing: np.ndarray | bool = False) -> pd.arrays.BooleanArray:
    mask = np.broadcast_to(np.asarray(missing, dtype=bool), values.shape).copy()
    return pd.arrays.BooleanArray(values.astype(bool), mask)


def _sep(text: str) -> pa.Scalar:
    return pa.scalar(text, pa.large_string())


def _cases_frame(plan: _Plan, a: dict[str, np.ndarray], start: int = 0) -> pd.DataFrame:
    n = len(a["court"])
    codes = pa.array([c.code for c in plan.courts], pa.large_string())
    court = pa.array(a["court"])
    prefix = pc.take(pa.array(_PREFIX, pa.large_string()), pa.array(a["cat"]))
    number = pc.cast(pa.array(a["seq"]), pa.large_string())
    year = pc.cast(pa.array(a["year"]), pa.large_string())
    case_id = pc.binary_join_element_wise(
        pc.binary_join_element_wise(prefix, number, _sep("-")), year, _sep("/"),
    )
    result = pa.array(a["result"], mask=a["result"] < 0)
    no_hearings = ~plan.hearings[a["court"]]
    no_published = ~plan.published[a["court"]]
    cols = {
        "case_id": _strings(case_id),
        "court_code": _strings(pc.take(codes, court)),
        "category": _strings(
            pc.take(pa.array(CATEGORIES, pa.large_string()), pa.array(a["cat"]))),
        "filed_date": _dates(a["filed"]),
        "resolved_date": _dates(a["resolved"], a["pending"]),
        "statutory_days": _ints(a["statutory"], a["statutory"] < 0),
        "e_filed": _bools(a["e_filed"]),
        "hearings_total": _ints(a["hearings"], no_hearings),
        "hearings_video": _ints(a["video"], no_hearings),
        "appealed": _bools(a["appealed"]),
        "appeal_result": _strings(
            pc.take(pa.array(("upheld", "modified", "reversed"), pa.large_string()), result)),
        "published": _bools(a["published"], no_published),
    }
    assert tuple(cols) == KINDS["cases"].column_names
    return pd.DataFrame(cols, index=pd.RangeIndex(start, start + n), copy=False)


def iter_case_chunks(
    scale: Scale = "small", seed: int = 0, chunk_courts: int = 50,
    as_of: date | None = None,
) -> Iterator[pd.DataFrame]:
    """The ``cases`` frame of ``generate(scale, seed, as_of=as_of)``, ``chunk_courts``
    courts at a time.

    Concatenating the chunks (``pd.concat``) gives exactly ``generate(...)["cases"]``,
    index included, whatever ``chunk_courts`` is. ``as_of`` None is today: pass the
    same date to ``generate`` (a run over midnight could otherwise see two days).
    """
    if chunk_courts < 1:
        raise ValueError("chunk_courts must be at least 1")
    return _chunks(_make_plan(scale, seed, as_of), chunk_courts)


def _chunks(plan: _Plan, chunk_courts: int) -> Iterator[pd.DataFrame]:
    idx = plan.case_courts
    start = 0
    for k in range(0, len(idx), chunk_courts):
        df = _cases_frame(plan, _concat([_simulate_court(plan, int(i))
                                         for i in idx[k:k + chunk_courts]]), start)
        start += len(df)
        yield df


# ---------------------------------------------------------------------------
# Aggregates, resources, surveys, targets
# ---------------------------------------------------------------------------


def _facts(cal: _Calendar, a: dict[str, np.ndarray]) -> np.ndarray:
    """Yearly facts (years x categories x FACT_COLUMNS) of one court's cases (contract rules)."""
    f = a["filed"].astype(np.int64)
    r = np.where(a["pending"], np.iinfo(np.int64).max, a["resolved"].astype(np.int64))
    s = np.where(a["statutory"] < 0, _STATUTORY[a["cat"]], a["statutory"]).astype(np.int64)
    cat = a["cat"].astype(np.int64)
    out = np.zeros((cal.n, _NC, 12), dtype=np.int64)
    for y in range(cal.n):
        y0, y1 = cal.start[y], cal.year_end[y]
        inc = (f >= y0) & (f <= y1)
        res = (r >= y0) & (r <= y1)
        p_end = (f <= y1) & (r > y1)
        cells = (
            (f < y0) & (r >= y0), inc, res, p_end,
            res & (r - f <= s), p_end & (y1 - f > s),
            res & a["appealed"], res & (a["result"] > 0), inc & a["e_filed"],
        )
        for j, m in enumerate(cells):
            out[y, :, j] = np.bincount(cat[m], minlength=_NC)
        out[y, :, 9] = np.bincount(cat[res], weights=a["hearings"][res], minlength=_NC)
        out[y, :, 10] = np.bincount(cat[res], weights=a["video"][res], minlength=_NC)
        out[y, :, 11] = np.bincount(cat[res & a["published"]], minlength=_NC)
    return out


# Share of aggregate-only courts that report an optional column at all.
_P_REPORTED = {"resolved_on_time": 0.9, "pending_over_limit": 0.7, "appealed": 0.85,
               "reversed_or_modified": 0.8, "e_filed": 0.85, "hearings_total": 0.6,
               "published": 0.7}


def _caseload(plan: _Plan) -> pd.DataFrame:
    """Yearly reports of the courts that report aggregates only: complete years only.

    They start the warm-up year ``FIRST_YEAR`` with no pending case like the case
    courts (no carry-over: a national pending_start mixing 0 and a carry would make
    the nation's pending_change meaningless). A partial last year has no row (its
    quarters could be reported once ``caseload`` has a ``period`` column).
    """
    rng = np.random.default_rng([_seed(plan.seed), 2])
    cal = plan.cal
    rows = []
    for i in np.flatnonzero(plan.aggregate):
        facts = _facts(cal, _simulate_court(plan, int(i)))
        # Which optional columns this court reports at all.
        reports = {k: rng.random() < p for k, p in _P_REPORTED.items()}
        reports["hearings_video"] = reports["hearings_total"]
        for c in np.flatnonzero(plan.mix[i] > 0):
            for y in np.flatnonzero(cal.complete):
                if cal.factor[c, y] == 0:  # no such case yet (administrative: APPC 2021)
                    continue
                row: list[object] = [plan.courts[i].code, cal.years[y], CATEGORIES[c], None]
                row += [int(v) for v in facts[y, c, :4]]
                for j, name in enumerate(OPTIONAL_FACTS, start=4):
                    ok = reports[name] and rng.random() > 0.03
                    row.append(int(facts[y, c, j]) if ok else None)
                rows.append(row)
    cols = list(KINDS["caseload"].column_names)
    df = pd.DataFrame(rows, columns=cols)
    # A few reports carry transfers and corrections: pending_end off by a few cases.
    if len(df):
        n_fix = min(len(df), max(2, round(0.004 * len(df))))
        for k in rng.choice(len(df), n_fix, replace=False):
            old = int(df.at[k, "pending_end"])
            delta = int(rng.choice([-5, -4, -3, -2, -1, 1, 2, 3, 4, 5]))
            df.at[k, "pending_end"] = old + delta if old + delta >= 0 else old + abs(delta)
    return _typed("caseload", df)


def _reference_incoming(plan: _Plan) -> np.ndarray:
    """Expected incoming cases per court in ``_REF_YEAR`` (2021)."""
    return plan.volume * (plan.mix @ _YEAR_FACTOR[:, _REF_YEAR - FIRST_YEAR])


# Incoming cases a year per judge's post by court kind (general district courts: the
# rest). The small demo has about 1/145 of the nation's cases in a sixth of its
# courts: its judges are counted at a tenth of these workloads so that its courts
# keep a few posts each, as real ones do (and a vacancy is not all of a court).
_PER_JUDGE = {"regional": (120, 250), "eco": (350, 650), "adm": (300, 550),
              "juv": (400, 800), "crm": (250, 450), "general": (600, 1200)}
_PER_JUDGE_SCALE = {"small": 0.1, "national": 1.0}
# The designed example of a plausibility flag: in the last complete year a judge is
# seconded to this court from the biggest other court of its region (more judges in
# post than posts there; the region's and nation's vacancies are unchanged).
_SECONDED = "KZ35-D01"


def _resources(plan: _Plan) -> pd.DataFrame:
    """Judges, staff and budget per court and complete year.

    Vacancies: each court has its own vacancy propensity; no more than a third of a
    court's posts are vacant (beyond that judges are seconded in), so every court,
    region and the nation has between 0 and ~33 % of its posts vacant, apart from
    the one seconded judge of ``_SECONDED`` (its region's vacancies are unchanged).
    """
    rng = np.random.default_rng([_seed(plan.seed), 3])
    cal = plan.cal
    incoming = _reference_incoming(plan)
    complete = [int(y) for y in np.flatnonzero(cal.complete)]
    seconded_year = complete[-1] if complete else -1
    rows: list[list[Any]] = []
    where: dict[tuple[str, int], int] = {}
    for i, c in enumerate(plan.courts):
        if c.kind == "supreme":
            continue
        lo, hi = _PER_JUDGE.get(c.kind, _PER_JUDGE["general"])
        workload = rng.uniform(lo, hi) * _PER_JUDGE_SCALE[plan.scale]
        posts = max(2, round(incoming[i] / workload))
        vacancy = rng.beta(2, 18)
        staff_ratio = rng.uniform(3.0, 4.0)
        reports_staff = rng.random() > 0.03
        for y in complete:
            if y > 0 and rng.random() < 0.08:  # a post added (or cut) now and then
                posts = max(2, posts + int(rng.choice([-1, 1, 1])))
            missing = rng.random() < 0.03  # this year's report is missing
            vacant = min(int(rng.binomial(posts, vacancy)), posts // 3)
            staff = round(posts * staff_ratio)
            staff_in = staff - rng.binomial(staff, 0.08)
            budget = (posts * 22e6 + staff * 5.5e6 + 30e6) * cal.inflation[y]
            budget = round(budget * rng.lognormal(0.0, 0.05) / 1000) * 1000.0
            has_budget = rng.random() > 0.04
            example = y == seconded_year and c.code == _SECONDED
            if (missing and not example) or (c.kind == "adm" and cal.years[y] < _REF_YEAR):
                continue  # no report (administrative courts exist since July 2021)
            where[c.code, y] = len(rows)
            rows.append([c.code, cal.years[y], posts, posts - vacant,
                         staff if reports_staff else None, staff_in if reports_staff else None,
                         budget if has_budget else None])
    into = where.get((_SECONDED, seconded_year))
    if into is not None:
        region = next(c.region for c in plan.courts if c.code == _SECONDED)
        # A donor keeps at least two thirds of its posts filled after the move.
        donors = [k for (code, y), k in where.items()
                  if y == seconded_year and code != _SECONDED
                  and code.startswith(region.replace("-", ""))
                  and 3 * (rows[k][3] - 1) >= 2 * rows[k][2]]
        if donors:
            out_of = max(donors, key=lambda k: (rows[k][2], rows[k][0]))
            rows[into][3] = rows[into][2] + 1
            rows[out_of][3] -= 1
    return _typed("resources", pd.DataFrame(rows, columns=list(KINDS["resources"].column_names)))


def _surveys(plan: _Plan) -> pd.DataFrame:
    """Court user surveys since 2022, complete years only."""
    rng = np.random.default_rng([_seed(plan.seed), 4])
    cal = plan.cal
    incoming = _reference_incoming(plan)
    rows = []
    for i, c in enumerate(plan.courts):
        if c.kind == "supreme" or rng.random() < 0.1:
            continue
        p_sat = rng.uniform(0.65, 0.85)
        p_trust = rng.uniform(0.55, 0.75)
        size = min(1.0, incoming[i] / 20_000)
        for y in np.flatnonzero(cal.complete):
            year = cal.years[y]
            if year < 2022:  # surveys since 2022
                continue
            if rng.random() < 0.05:
                continue
            t = year - _REF_YEAR
            n = int(np.clip(rng.uniform(50, 150) + 250 * size, 50, 400))
            sat = rng.binomial(n, np.clip(p_sat + 0.01 * t + rng.normal(0, 0.02), 0.3, 0.97))
            trust = rng.binomial(n, np.clip(p_trust + 0.01 * t + rng.normal(0, 0.02), 0.3, 0.95))
            rows.append([c.code, year, n, sat,
                         trust if rng.random() > 0.03 else None])
    return _typed("surveys", pd.DataFrame(rows, columns=list(KINDS["surveys"].column_names)))


def _targets(plan: _Plan) -> pd.DataFrame:
    """Court-specific 2025 targets for the slow courts and the weakest e-filer."""
    cases = plan.case_courts
    slow = cases[np.argsort(-plan.speed[cases], kind="stable")][: 2 if plan.scale == "small"
                                                                 else 5]
    rows = []
    for i in slow:
        code = plan.courts[i].code
        rows.append(["clearance_rate", 2025, 100.0, code, None])
        rows.append(["disposition_time", 2025, 120.0, code, None])
    weakest = cases[np.argmin(plan.e_off[cases])]
    rows.append(["e_filing_rate", 2025, 80.0, plan.courts[weakest].code, None])
    return _typed("targets", pd.DataFrame(rows, columns=list(KINDS["targets"].column_names)))


# ---------------------------------------------------------------------------
# Frames
# ---------------------------------------------------------------------------

_DTYPES = {"text": "string", "int": "Int64", "decimal": "Float64", "date": "datetime64[s]",
           "bool": "boolean"}


def _typed(kind: str, df: pd.DataFrame) -> pd.DataFrame:
    """``df`` with the schema's columns (in order) and the demo's dtype for each type."""
    k = KINDS[kind]
    out = pd.DataFrame(index=pd.RangeIndex(len(df)))
    for col in k.columns:
        values = df[col.name] if col.name in df else pd.Series([None] * len(df))
        out[col.name] = pd.array(
            values.to_numpy(dtype=object), dtype=_DTYPES[col.type]
        ) if col.type != "date" else pd.to_datetime(values).astype("datetime64[s]")
    return out


def _empty(kind: str) -> pd.DataFrame:
    return _typed(kind, pd.DataFrame(columns=list(KINDS[kind].column_names)))


def _regions_frame() -> pd.DataFrame:
    rows = [r[:4] for r in _REGIONS]
    return _typed("regions", pd.DataFrame(rows, columns=list(KINDS["regions"].column_names)))


def _courts_frame(plan: _Plan) -> pd.DataFrame:
    rows = [(c.code, c.name_en, c.name_ru, c.name_kk, c.region, c.level, c.specialization)
            for c in plan.courts]
    return _typed("courts", pd.DataFrame(rows, columns=list(KINDS["courts"].column_names)))


def generate(
    scale: Scale = "small", seed: int = 0, progress: Progress | None = None,
    include_cases: bool = True, as_of: date | None = None,
) -> dict[str, pd.DataFrame]:
    """A full synthetic data set: one frame per upload kind (keys as in ``schema.LOAD_ORDER``).

    The data are as extracted on ``as_of`` (None: today): nothing happens after
    ``data_end(as_of)``, the last day of the last complete month before it. Cases
    are filed up to that day, later decisions are still pending, appeal results are
    as known that day; ``caseload``, ``resources`` and ``surveys`` have rows for
    complete years only (none for a partial last year).

    Columns are exactly ``KINDS[kind].column_names``; dtypes: text "string",
    int "Int64", decimal "Float64", date "datetime64[s]", bool "boolean".
    Deterministic for a given ``(scale, seed, as_of)``. With ``include_cases=False``
    the "cases" frame is empty (stream it with ``iter_case_chunks``); the other
    frames are the same.
    """

    def report(message: str, fraction: float) -> None:
        if progress is not None:
            progress(message, fraction)

    report("Planning regions and courts", 0.0)
    plan = _make_plan(scale, seed, as_of)
    out = {"regions": _regions_frame(), "courts": _courts_frame(plan)}
    idx = plan.case_courts if include_cases else plan.case_courts[:0]
    parts: list[pd.DataFrame] = []
    step = max(1, len(idx) // 20)
    for k in range(0, len(idx), step):
        parts.extend(_simulate_court(plan, int(i)) for i in idx[k:k + step])
        done = min(k + step, len(idx))
        report(f"Cases: {done} of {len(idx)} courts", 0.02 + 0.68 * done / len(idx))
    report("Building the cases table", 0.72)
    arrays = _concat(parts) if parts else None
    del parts
    out["cases"] = _cases_frame(plan, arrays) if arrays is not None else _empty("cases")
    del arrays
    report("Yearly reports of aggregate-only courts", 0.9)
    out["caseload"] = _caseload(plan)
    report("Resources, surveys and targets", 0.95)
    out["resources"] = _resources(plan)
    out["surveys"] = _surveys(plan)
    out["targets"] = _targets(plan)
    kinds = ["regions", "courts", "cases", "caseload", "resources", "surveys", "targets"]
    if _PER_JUDGE_SCALE[scale] != 1.0:
        out["case_weights"] = _case_weights(scale)
        kinds.append("case_weights")
    report("Done", 1.0)
    return {k: out[k] for k in kinds}


def _case_weights(scale: Scale) -> pd.DataFrame:
    """The small demo counts its judges at a tenth of real workloads (``_PER_JUDGE_SCALE``),
    so its weights are the shipped ones ten times over: the judges it needs then read as
    a real court's would (the national demo keeps the shipped weights)."""
    from data.store.workload_inputs import illustrative_weights

    w = illustrative_weights()
    w["minutes"] = w["minutes"] / _PER_JUDGE_SCALE[scale]
    return _typed("case_weights", w[list(KINDS["case_weights"].column_names)])
