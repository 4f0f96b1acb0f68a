"""The KPI catalogue of the 2025-2029 strategy, as data (../shared/spec/kpi-catalogue.md).

Adding a KPI is adding a record here. Every ratio KPI is
``scale * sum(numerator terms) / sum(denominator)`` over the cells in scope where
all inputs are reported; the median KPI is computed from case-level durations.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

Direction = Literal["higher", "lower", "none"]
# "cell": inputs are yearly facts per (court, year, category);
# "court": at least one input is per (court, year) only (resources, surveys), so the
# KPI exists for category "all" only and its coverage counts courts.
Grain = Literal["cell", "court"]

PILLARS: tuple[str, ...] = (
    "efficiency", "quality", "accessibility", "transparency", "trust", "resources",
)
TARGET_YEARS: tuple[int, ...] = (2025, 2026, 2027, 2028, 2029)


@dataclass(frozen=True)
class KpiDef:
    code: str
    pillar: str
    # Linear combination of inputs: ((input, coefficient), ...).
    numerator: tuple[tuple[str, float], ...]
    denominator: str
    scale: float
    unit: str
    direction: Direction
    # (2025 value, 2029 value); None when the catalogue sets no target.
    target_range: tuple[float, float] | None
    tolerance: float | None
    source: str
    names: dict[str, str] = field(default_factory=dict)
    grain: Grain = "cell"
    kind: Literal["ratio", "median"] = "ratio"
    formula: str = ""
    # True when the value is a share of its denominator (0-100 %): counted events out
    # of a volume, the case where funnel-plot control limits apply. Clearance rate and
    # the change in pending cases are percentages but not shares.
    share: bool = False

    @property
    def inputs(self) -> tuple[str, ...]:
        terms = tuple(name for name, _ in self.numerator)
        if self.kind == "median":
            return ()
        return tuple(dict.fromkeys(terms + (self.denominator,)))

    def default_targets(self) -> dict[int, float]:
        """Illustrative targets 2025-2029: linear from the 2025 to the 2029 value.

        The catalogue gives only the end points ("≤ 90 → ≤ 60"); a straight path
        between them is the plainest trajectory and is labelled illustrative.
        """
        if self.target_range is None:
            return {}
        start, end = self.target_range
        span = TARGET_YEARS[-1] - TARGET_YEARS[0]
        return {
            y: round(start + (end - start) * (y - TARGET_YEARS[0]) / span, 4)
            for y in TARGET_YEARS
        }


def _k(code, pillar, num, den, scale, unit, direction, target, tol, source, en, ru, kk,
       formula, grain="cell", kind="ratio") -> KpiDef:
    return KpiDef(
        code=code, pillar=pillar, numerator=num, denominator=den, scale=scale, unit=unit,
        direction=direction, target_range=target, tolerance=tol, source=source,
        names={"en": en, "ru": ru, "kk": kk}, grain=grain, kind=kind, formula=formula,
        share=code in SHARES,
    )


SHARES = frozenset({
    "on_time_rate", "backlog_rate", "stability_rate", "appeal_reversal_rate", "appeal_rate",
    "e_filing_rate", "video_hearing_rate", "publication_rate", "satisfaction_rate",
    "trust_rate", "judge_vacancy_rate",
})


CATALOGUE: tuple[KpiDef, ...] = (
    _k("clearance_rate", "efficiency", (("resolved", 1),), "incoming", 100, "%", "higher",
       (100, 100), 5, "CEPEJ CR, CourTools 2, IFCE 3",
       "Clearance rate", "Коэффициент рассмотрения дел", "Істерді қарау коэффициенті",
       "100 × resolved / incoming"),
    _k("disposition_time", "efficiency", (("pending_end", 1),), "resolved", 365, "days",
       "lower", (90, 60), 15, "CEPEJ DT",
       "Disposition time", "Расчётный срок рассмотрения", "Қараудың есептік мерзімі",
       "365 × pending_end / resolved"),
    _k("case_turnover", "efficiency", (("resolved", 1),), "pending_end", 1, "ratio",
       "higher", None, None, "CEPEJ",
       "Case turnover ratio", "Оборачиваемость дел", "Істердің айналымдылығы",
       "resolved / pending_end"),
    _k("on_time_rate", "efficiency", (("resolved_on_time", 1),), "resolved", 100, "%",
       "higher", (95, 98), 3, "CourTools 3, IFCE 4, CPC art. 183 terms",
       "Resolved on time", "Рассмотрено в установленные сроки",
       "Белгіленген мерзімде қаралғандар",
       "100 × resolved_on_time / resolved"),
    _k("backlog_rate", "efficiency", (("pending_over_limit", 1),), "pending_end", 100, "%",
       "lower", (5, 2), 3, "CourTools 4, IFCE 7",
       "Pending over time limit", "Остаток дел с нарушением сроков",
       "Мерзімі өткен қаралмаған істер",
       "100 × pending_over_limit / pending_end"),
    _k("median_disposition_days", "efficiency", (), "", 1, "days", "lower", (45, 30), 10,
       "CourTools 3",
       "Median time to disposition", "Медианный срок рассмотрения",
       "Қараудың медианалық мерзімі",
       "median of (resolved − filed) days over cases resolved in the year", kind="median"),
    _k("pending_change", "efficiency", (("pending_end", 1), ("pending_start", -1)),
       "pending_start", 100, "%", "lower", (0, 0), 5, "CEPEJ",
       "Change in pending cases", "Изменение остатка дел", "Қаралмаған істер санының өзгеруі",
       "100 × (pending_end − pending_start) / pending_start"),
    _k("stability_rate", "quality", (("resolved", 1), ("reversed_or_modified", -1)),
       "resolved", 100, "%", "higher", (98.5, 99), 0.5,
       "Supreme Court's \"stability of judicial acts\"",
       "Stability of judicial acts", "Стабильность судебных актов",
       "Сот актілерінің тұрақтылығы",
       "100 × (resolved − reversed_or_modified) / resolved"),
    _k("appeal_reversal_rate", "quality", (("reversed_or_modified", 1),), "appealed", 100,
       "%", "lower", (12, 8), 3, "appeal outcome statistics",
       "Amended on appeal", "Отменено и изменено из обжалованных",
       "Шағымданғандардың ішінен бұзылғаны мен өзгертілгені",
       "100 × reversed_or_modified / appealed"),
    _k("appeal_rate", "quality", (("appealed", 1),), "resolved", 100, "%", "lower", None,
       None, "—",
       "Appeal rate", "Доля обжалованных актов", "Шағымданған актілердің үлесі",
       "100 × appealed / resolved"),
    _k("e_filing_rate", "accessibility", (("e_filed", 1),), "incoming", 100, "%", "higher",
       (90, 97), 5, "\"Sud kabinet\" share",
       "E-filed cases", "Поступило в электронном виде", "Электрондық түрде түскендер",
       "100 × e_filed / incoming"),
    _k("video_hearing_rate", "accessibility", (("hearings_video", 1),), "hearings_total",
       100, "%", "higher", (20, 40), 5, "remote participation",
       "Hearings by video link", "Заседания по видеосвязи",
       "Бейнебайланыс арқылы отырыстар",
       "100 × hearings_video / hearings_total"),
    _k("publication_rate", "transparency", (("published", 1),), "resolved", 100, "%",
       "higher", (95, 99), 3, "open justice",
       "Decisions published", "Опубликовано судебных актов", "Жарияланған сот актілері",
       "100 × published / resolved"),
    _k("satisfaction_rate", "trust", (("satisfied", 1),), "respondents", 100, "%",
       "higher", (72, 80), 4, "CourTools 1, IFCE 1",
       "Court user satisfaction", "Удовлетворённость посетителей суда",
       "Сотқа келушілердің қанағаттануы",
       "100 × satisfied / respondents", grain="court"),
    _k("trust_rate", "trust", (("trusting", 1),), "respondents", 100, "%", "higher",
       (63, 70), 4, "national trust survey",
       "Public trust", "Доверие к суду", "Сотқа деген сенім",
       "100 × trusting / respondents", grain="court"),
    _k("judge_vacancy_rate", "resources", (("judge_posts", 1), ("judges_in_post", -1)),
       "judge_posts", 100, "%", "lower", (10, 5), 3, "HR policy",
       "Judge vacancy rate", "Вакантные должности судей", "Судьялардың бос лауазымдары",
       "100 × (judge_posts − judges_in_post) / judge_posts", grain="court"),
    _k("caseload_per_judge", "resources", (("incoming_all", 1),), "judges_in_post", 1,
       "cases", "none", None, None, "CEPEJ",
       "Caseload per judge", "Нагрузка на судью", "Бір судьяға жүктеме",
       "incoming (all categories) / judges_in_post", grain="court"),
    _k("cost_per_case", "resources", (("budget_kzt", 1),), "resolved_all", 1, "KZT", "lower",
       None, None, "CourTools 10, IFCE 11",
       "Cost per case", "Стоимость одного дела", "Бір істің құны",
       "budget_kzt / resolved (all categories)", grain="court"),
)

KPIS: dict[str, KpiDef] = {k.code: k for k in CATALOGUE}


def get(code: str) -> KpiDef:
    """The catalogue entry for ``code``; KeyError names the valid codes."""
    try:
        return KPIS[code]
    except KeyError:
        raise KeyError(f"unknown KPI {code!r}; known: {', '.join(KPIS)}") from None
