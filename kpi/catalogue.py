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


# One KpiDef per KPI, every field named.
CATALOGUE: tuple[KpiDef, ...] = (
    KpiDef(
        code="clearance_rate", pillar="efficiency", unit="%", direction="higher",
        numerator=(("resolved", 1),), denominator="incoming", scale=100,
        target_range=(100, 100), tolerance=5,
        source="CEPEJ CR, CourTools 2, IFCE 3",
        formula="100 × resolved / incoming",
        names={"en": "Clearance rate", "ru": "Коэффициент рассмотрения дел",
               "kk": "Істерді қарау коэффициенті"},
    ),
    KpiDef(
        code="disposition_time", pillar="efficiency", unit="days", direction="lower",
        numerator=(("pending_end", 1),), denominator="resolved", scale=365,
        target_range=(90, 60), tolerance=15,
        source="CEPEJ DT",
        formula="365 × pending_end / resolved",
        names={"en": "Disposition time", "ru": "Расчётный срок рассмотрения",
               "kk": "Қараудың есептік мерзімі"},
    ),
    KpiDef(
        code="case_turnover", pillar="efficiency", unit="ratio", direction="higher",
        numerator=(("resolved", 1),), denominator="pending_end", scale=1,
        target_range=None, tolerance=None,
        source="CEPEJ",
        formula="resolved / pending_end",
        names={"en": "Case turnover ratio", "ru": "Оборачиваемость дел",
               "kk": "Істердің айналымдылығы"},
    ),
    KpiDef(
        code="on_time_rate", pillar="efficiency", unit="%", direction="higher",
        numerator=(("resolved_on_time", 1),), denominator="resolved", scale=100,
        target_range=(95, 98), tolerance=3, share=True,
        source="CourTools 3, IFCE 4, CPC art. 183 terms",
        formula="100 × resolved_on_time / resolved",
        names={"en": "Resolved on time", "ru": "Рассмотрено в установленные сроки",
               "kk": "Белгіленген мерзімде қаралғандар"},
    ),
    KpiDef(
        code="backlog_rate", pillar="efficiency", unit="%", direction="lower",
        numerator=(("pending_over_limit", 1),), denominator="pending_end", scale=100,
        target_range=(5, 2), tolerance=3, share=True,
        source="CourTools 4, IFCE 7",
        formula="100 × pending_over_limit / pending_end",
        names={"en": "Pending over time limit", "ru": "Остаток дел с нарушением сроков",
               "kk": "Мерзімі өткен қаралмаған істер"},
    ),
    KpiDef(
        code="median_disposition_days", pillar="efficiency", unit="days", direction="lower",
        numerator=(), denominator="", scale=1,
        target_range=(45, 30), tolerance=10, kind="median",
        source="CourTools 3",
        formula="median of (resolved − filed) days over cases resolved in the year",
        names={"en": "Median time to disposition", "ru": "Медианный срок рассмотрения",
               "kk": "Қараудың медианалық мерзімі"},
    ),
    KpiDef(
        code="pending_change", pillar="efficiency", unit="%", direction="lower",
        numerator=(("pending_end", 1), ("pending_start", -1)),
        denominator="pending_start", scale=100,
        target_range=(0, 0), tolerance=5,
        source="CEPEJ",
        formula="100 × (pending_end − pending_start) / pending_start",
        names={"en": "Change in pending cases", "ru": "Изменение остатка дел",
               "kk": "Қаралмаған істер санының өзгеруі"},
    ),
    KpiDef(
        code="stability_rate", pillar="quality", unit="%", direction="higher",
        numerator=(("resolved", 1), ("reversed_or_modified", -1)),
        denominator="resolved", scale=100,
        target_range=(98.5, 99), tolerance=0.5, share=True,
        source="Supreme Court's \"stability of judicial acts\"",
        formula="100 × (resolved − reversed_or_modified) / resolved",
        names={"en": "Stability of judicial acts", "ru": "Стабильность судебных актов",
               "kk": "Сот актілерінің тұрақтылығы"},
    ),
    KpiDef(
        code="appeal_reversal_rate", pillar="quality", unit="%", direction="lower",
        numerator=(("reversed_or_modified", 1),), denominator="appealed", scale=100,
        target_range=(12, 8), tolerance=3, share=True,
        source="appeal outcome statistics",
        formula="100 × reversed_or_modified / appealed",
        names={"en": "Amended on appeal", "ru": "Отменено и изменено из обжалованных",
               "kk": "Шағымданғандардың ішінен бұзылғаны мен өзгертілгені"},
    ),
    KpiDef(
        code="appeal_rate", pillar="quality", unit="%", direction="lower",
        numerator=(("appealed", 1),), denominator="resolved", scale=100,
        target_range=None, tolerance=None, share=True,
        source="—",
        formula="100 × appealed / resolved",
        names={"en": "Appeal rate", "ru": "Доля обжалованных актов",
               "kk": "Шағымданған актілердің үлесі"},
    ),
    KpiDef(
        code="e_filing_rate", pillar="accessibility", unit="%", direction="higher",
        numerator=(("e_filed", 1),), denominator="incoming", scale=100,
        target_range=(90, 97), tolerance=5, share=True,
        source="\"Sud kabinet\" share",
        formula="100 × e_filed / incoming",
        names={"en": "E-filed cases", "ru": "Поступило в электронном виде",
               "kk": "Электрондық түрде түскендер"},
    ),
    KpiDef(
        code="video_hearing_rate", pillar="accessibility", unit="%", direction="higher",
        numerator=(("hearings_video", 1),), denominator="hearings_total", scale=100,
        target_range=(20, 40), tolerance=5, share=True,
        source="remote participation",
        formula="100 × hearings_video / hearings_total",
        names={"en": "Hearings by video link", "ru": "Заседания по видеосвязи",
               "kk": "Бейнебайланыс арқылы отырыстар"},
    ),
    KpiDef(
        code="publication_rate", pillar="transparency", unit="%", direction="higher",
        numerator=(("published", 1),), denominator="resolved", scale=100,
        target_range=(95, 99), tolerance=3, share=True,
        source="open justice",
        formula="100 × published / resolved",
        names={"en": "Decisions published", "ru": "Опубликовано судебных актов",
               "kk": "Жарияланған сот актілері"},
    ),
    KpiDef(
        code="satisfaction_rate", pillar="trust", unit="%", direction="higher",
        numerator=(("satisfied", 1),), denominator="respondents", scale=100,
        target_range=(72, 80), tolerance=4, grain="court", share=True,
        source="CourTools 1, IFCE 1",
        formula="100 × satisfied / respondents",
        names={"en": "Court user satisfaction", "ru": "Удовлетворённость посетителей суда",
               "kk": "Сотқа келушілердің қанағаттануы"},
    ),
    KpiDef(
        code="trust_rate", pillar="trust", unit="%", direction="higher",
        numerator=(("trusting", 1),), denominator="respondents", scale=100,
        target_range=(63, 70), tolerance=4, grain="court", share=True,
        source="national trust survey",
        formula="100 × trusting / respondents",
        names={"en": "Public trust", "ru": "Доверие к суду",
               "kk": "Сотқа деген сенім"},
    ),
    KpiDef(
        code="judge_vacancy_rate", pillar="resources", unit="%", direction="lower",
        numerator=(("judge_posts", 1), ("judges_in_post", -1)),
        denominator="judge_posts", scale=100,
        target_range=(10, 5), tolerance=3, grain="court", share=True,
        source="HR policy",
        formula="100 × (judge_posts − judges_in_post) / judge_posts",
        names={"en": "Judge vacancy rate", "ru": "Вакантные должности судей",
               "kk": "Судьялардың бос лауазымдары"},
    ),
    KpiDef(
        code="caseload_per_judge", pillar="resources", unit="cases", direction="none",
        numerator=(("incoming_all", 1),), denominator="judges_in_post", scale=1,
        target_range=None, tolerance=None, grain="court",
        source="CEPEJ",
        formula="incoming (all categories) / judges_in_post",
        names={"en": "Caseload per judge", "ru": "Нагрузка на судью",
               "kk": "Бір судьяға жүктеме"},
    ),
    KpiDef(
        code="cost_per_case", pillar="resources", unit="KZT", direction="lower",
        numerator=(("budget_kzt", 1),), denominator="resolved_all", scale=1,
        target_range=None, tolerance=None, grain="court",
        source="CourTools 10, IFCE 11",
        formula="budget_kzt / resolved (all categories)",
        names={"en": "Cost per case", "ru": "Стоимость одного дела",
               "kk": "Бір істің құны"},
    ),
)

KPIS: dict[str, KpiDef] = {k.code: k for k in CATALOGUE}


def get(code: str) -> KpiDef:
    """The catalogue entry for ``code``; KeyError names the valid codes."""
    try:
        return KPIS[code]
    except KeyError:
        raise KeyError(f"unknown KPI {code!r}; known: {', '.join(KPIS)}") from None
