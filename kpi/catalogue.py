"""The KPI catalogue of the 2025-2029 strategy, as data (../shared/spec/kpi-catalogue.md).

Adding a KPI is adding a record here. Every ratio KPI is
``scale * sum(numerator terms) / sum(denominator)`` over the cells in scope where
all inputs are reported; the median KPI is computed from case-level durations.

The records are checked when this module is imported (``check_registry``): a record
that breaks a rule stops the import with a ValueError naming the record and the rule.
"""

from __future__ import annotations

import math
import re
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Literal, get_args

Direction = Literal["higher", "lower", "none"]
# "cell": inputs are yearly facts per (court, year, category);
# "court": at least one input is per (court, year) only (resources, surveys), so the
# KPI exists for category "all" only and its coverage counts courts.
Grain = Literal["cell", "court"]
Kind = Literal["ratio", "median"]


class Pillar(StrEnum):
    """The strategy's pillars, in the order the scorecard shows them. A StrEnum: each
    member equals, hashes, formats and JSON-encodes as its plain string."""

    EFFICIENCY = "efficiency"
    QUALITY = "quality"
    ACCESSIBILITY = "accessibility"
    TRANSPARENCY = "transparency"
    TRUST = "trust"
    RESOURCES = "resources"


class Unit(StrEnum):
    """The units KPI values are in (layouts/format.py formats each)."""

    PERCENT = "%"
    DAYS = "days"
    RATIO = "ratio"
    CASES = "cases"
    KZT = "KZT"


PILLARS: tuple[str, ...] = tuple(p.value for p in Pillar)
TARGET_YEARS: tuple[int, ...] = (2025, 2026, 2027, 2028, 2029)
# The languages every KPI is named in.
LANGUAGES: frozenset[str] = frozenset({"en", "ru", "kk"})
# (code, language) pairs whose name is legitimately the English one (none today).
SAME_NAME_AS_EN: frozenset[tuple[str, str]] = frozenset()


@dataclass(frozen=True)
class KpiDef:
    code: str
    pillar: Pillar
    # Linear combination of inputs: ((input, coefficient), ...).
    numerator: tuple[tuple[str, float], ...]
    denominator: str
    scale: float
    unit: Unit
    direction: Direction
    # (2025 value, 2029 value); None when the catalogue sets no target.
    target_range: tuple[float, float] | None
    tolerance: float | None
    source: str
    names: dict[str, str] = field(default_factory=dict)
    grain: Grain = "cell"
    kind: Kind = "ratio"
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
        code="clearance_rate", pillar=Pillar.EFFICIENCY, unit=Unit.PERCENT, direction="higher",
        numerator=(("resolved", 1),), denominator="incoming", scale=100,
        target_range=(100, 100), tolerance=5,
        source="CEPEJ CR, CourTools 2, IFCE 3",
        formula="100 × resolved / incoming",
        names={"en": "Clearance rate", "ru": "Коэффициент рассмотрения дел",
               "kk": "Істерді қарау коэффициенті"},
    ),
    KpiDef(
        code="disposition_time", pillar=Pillar.EFFICIENCY, unit=Unit.DAYS, direction="lower",
        numerator=(("pending_end", 1),), denominator="resolved", scale=365,
        target_range=(90, 60), tolerance=15,
        source="CEPEJ DT",
        formula="365 × pending_end / resolved",
        names={"en": "Disposition time", "ru": "Расчётный срок рассмотрения",
               "kk": "Қараудың есептік мерзімі"},
    ),
    KpiDef(
        code="case_turnover", pillar=Pillar.EFFICIENCY, unit=Unit.RATIO, direction="higher",
        numerator=(("resolved", 1),), denominator="pending_end", scale=1,
        target_range=None, tolerance=None,
        source="CEPEJ",
        formula="resolved / pending_end",
        names={"en": "Case turnover ratio", "ru": "Оборачиваемость дел",
               "kk": "Істердің айналымдылығы"},
    ),
    KpiDef(
        code="on_time_rate", pillar=Pillar.EFFICIENCY, unit=Unit.PERCENT, direction="higher",
        numerator=(("resolved_on_time", 1),), denominator="resolved", scale=100,
        target_range=(95, 98), tolerance=3, share=True,
        source="CourTools 3, IFCE 4, CPC art. 183 terms",
        formula="100 × resolved_on_time / resolved",
        names={"en": "Resolved on time", "ru": "Рассмотрено в установленные сроки",
               "kk": "Белгіленген мерзімде қаралғандар"},
    ),
    KpiDef(
        code="backlog_rate", pillar=Pillar.EFFICIENCY, unit=Unit.PERCENT, direction="lower",
        numerator=(("pending_over_limit", 1),), denominator="pending_end", scale=100,
        target_range=(5, 2), tolerance=3, share=True,
        source="CourTools 4, IFCE 7",
        formula="100 × pending_over_limit / pending_end",
        names={"en": "Pending over time limit", "ru": "Остаток дел с нарушением сроков",
               "kk": "Мерзімі өткен қаралмаған істер"},
    ),
    KpiDef(
        code="median_disposition_days", pillar=Pillar.EFFICIENCY, unit=Unit.DAYS, direction="lower",
        numerator=(), denominator="", scale=1,
        target_range=(45, 30), tolerance=10, kind="median",
        source="CourTools 3",
        formula="median of (resolved − filed) days over cases resolved in the year",
        names={"en": "Median time to disposition", "ru": "Медианный срок рассмотрения",
               "kk": "Қараудың медианалық мерзімі"},
    ),
    KpiDef(
        code="pending_change", pillar=Pillar.EFFICIENCY, unit=Unit.PERCENT, direction="lower",
        numerator=(("pending_end", 1), ("pending_start", -1)),
        denominator="pending_start", scale=100,
        target_range=(0, 0), tolerance=5,
        source="CEPEJ",
        formula="100 × (pending_end − pending_start) / pending_start",
        names={"en": "Change in pending cases", "ru": "Изменение остатка дел",
               "kk": "Қаралмаған істер санының өзгеруі"},
    ),
    KpiDef(
        code="stability_rate", pillar=Pillar.QUALITY, unit=Unit.PERCENT, direction="higher",
        numerator=(("resolved", 1), ("reversed_or_modified", -1)),
        denominator="resolved", scale=100,
        target_range=(98.5, 99), tolerance=0.5, share=True,
        source="Supreme Court's \"stability of judicial acts\"",
        formula="100 × (resolved − reversed_or_modified) / resolved",
        names={"en": "Stability of judicial acts", "ru": "Стабильность судебных актов",
               "kk": "Сот актілерінің тұрақтылығы"},
    ),
    KpiDef(
        code="appeal_reversal_rate", pillar=Pillar.QUALITY, unit=Unit.PERCENT, direction="lower",
        numerator=(("reversed_or_modified", 1),), denominator="appealed", scale=100,
        target_range=(12, 8), tolerance=3, share=True,
        source="appeal outcome statistics",
        formula="100 × reversed_or_modified / appealed",
        names={"en": "Amended on appeal", "ru": "Отменено и изменено из обжалованных",
               "kk": "Шағымданғандардың ішінен бұзылғаны мен өзгертілгені"},
    ),
    KpiDef(
        code="appeal_rate", pillar=Pillar.QUALITY, unit=Unit.PERCENT, direction="lower",
        numerator=(("appealed", 1),), denominator="resolved", scale=100,
        target_range=None, tolerance=None, share=True,
        source="—",
        formula="100 × appealed / resolved",
        names={"en": "Appeal rate", "ru": "Доля обжалованных актов",
               "kk": "Шағымданған актілердің үлесі"},
    ),
    KpiDef(
        code="e_filing_rate", pillar=Pillar.ACCESSIBILITY, unit=Unit.PERCENT, direction="higher",
        numerator=(("e_filed", 1),), denominator="incoming", scale=100,
        target_range=(90, 97), tolerance=5, share=True,
        source="\"Sud kabinet\" share",
        formula="100 × e_filed / incoming",
        names={"en": "E-filed cases", "ru": "Поступило в электронном виде",
               "kk": "Электрондық түрде түскендер"},
    ),
    KpiDef(
        code="video_hearing_rate", pillar=Pillar.ACCESSIBILITY, unit=Unit.PERCENT,
        direction="higher",
        numerator=(("hearings_video", 1),), denominator="hearings_total", scale=100,
        target_range=(20, 40), tolerance=5, share=True,
        source="remote participation",
        formula="100 × hearings_video / hearings_total",
        names={"en": "Hearings by video link", "ru": "Заседания по видеосвязи",
               "kk": "Бейнебайланыс арқылы отырыстар"},
    ),
    KpiDef(
        code="publication_rate", pillar=Pillar.TRANSPARENCY, unit=Unit.PERCENT, direction="higher",
        numerator=(("published", 1),), denominator="resolved", scale=100,
        target_range=(95, 99), tolerance=3, share=True,
        source="open justice",
        formula="100 × published / resolved",
        names={"en": "Decisions published", "ru": "Опубликовано судебных актов",
               "kk": "Жарияланған сот актілері"},
    ),
    KpiDef(
        code="satisfaction_rate", pillar=Pillar.TRUST, unit=Unit.PERCENT, direction="higher",
        numerator=(("satisfied", 1),), denominator="respondents", scale=100,
        target_range=(72, 80), tolerance=4, grain="court", share=True,
        source="CourTools 1, IFCE 1",
        formula="100 × satisfied / respondents",
        names={"en": "Court user satisfaction", "ru": "Удовлетворённость посетителей суда",
               "kk": "Сотқа келушілердің қанағаттануы"},
    ),
    KpiDef(
        code="trust_rate", pillar=Pillar.TRUST, unit=Unit.PERCENT, direction="higher",
        numerator=(("trusting", 1),), denominator="respondents", scale=100,
        target_range=(63, 70), tolerance=4, grain="court", share=True,
        source="national trust survey",
        formula="100 × trusting / respondents",
        names={"en": "Public trust", "ru": "Доверие к суду",
               "kk": "Сотқа деген сенім"},
    ),
    KpiDef(
        code="judge_vacancy_rate", pillar=Pillar.RESOURCES, unit=Unit.PERCENT, direction="lower",
        numerator=(("judge_posts", 1), ("judges_in_post", -1)),
        denominator="judge_posts", scale=100,
        target_range=(10, 5), tolerance=3, grain="court", share=True,
        source="HR policy",
        formula="100 × (judge_posts − judges_in_post) / judge_posts",
        names={"en": "Judge vacancy rate", "ru": "Вакантные должности судей",
               "kk": "Судьялардың бос лауазымдары"},
    ),
    KpiDef(
        code="caseload_per_judge", pillar=Pillar.RESOURCES, unit=Unit.CASES, direction="none",
        numerator=(("incoming_all", 1),), denominator="judges_in_post", scale=1,
        target_range=None, tolerance=None, grain="court",
        source="CEPEJ",
        formula="incoming (all categories) / judges_in_post",
        names={"en": "Caseload per judge", "ru": "Нагрузка на судью",
               "kk": "Бір судьяға жүктеме"},
    ),
    KpiDef(
        # judges_needed: weighted caseload over the judge year (kpi.workload,
        # where-to-act.md section 2). Above 100 a court has more judges than its work
        # needs; the target is illustrative.
        code="judge_need_ratio", pillar=Pillar.RESOURCES, unit=Unit.PERCENT,
        direction="higher",
        numerator=(("judges_in_post", 1),), denominator="judges_needed", scale=100,
        target_range=(95, 95), tolerance=5, grain="court",
        source="NCSC weighted caseload method",
        formula="100 × judges_in_post / judges_needed",
        names={"en": "Judges against workload", "ru": "Обеспеченность судьями по нагрузке",
               "kk": "Жүктемеге сай судьялармен қамтылу"},
    ),
    KpiDef(
        code="cost_per_case", pillar=Pillar.RESOURCES, unit=Unit.KZT, direction="lower",
        numerator=(("budget_kzt", 1),), denominator="resolved_all", scale=1,
        target_range=None, tolerance=None, grain="court",
        source="CourTools 10, IFCE 11",
        formula="budget_kzt / resolved (all categories)",
        names={"en": "Cost per case", "ru": "Стоимость одного дела",
               "kk": "Бір істің құны"},
    ),
)

_CODE = re.compile(r"[a-z][a-z0-9]*(?:_[a-z0-9]+)*")
_NAME = r"[A-Za-z0-9_]"
# An identifier-like word with an underscore in a formula: it names an input.
_INPUT_WORD = re.compile(rf"(?<!{_NAME})[a-z][a-z0-9]*(?:_[a-z0-9]+)+(?!{_NAME})")
# The leading scale of a formula: "100 × ...".
_SCALE = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*×")
_MINUS = ("−", "-")


def _mentions(text: str, name: str) -> bool:
    """``name`` appears in ``text`` as a whole word; an input ``x_all`` (summed over all
    categories) may also be written ``x (all categories)``, as the records do."""
    if re.search(rf"(?<!{_NAME}){re.escape(name)}(?!{_NAME})", text):
        return True
    base = name.removesuffix("_all")
    return base != name and bool(
        re.search(rf"(?<!{_NAME}){re.escape(base)}\s*\(all categories\)", text))


def _preceded_by_minus(text: str, name: str) -> bool:
    """Some mention of ``name`` in ``text`` has a minus sign just before it."""
    for m in re.finditer(rf"(?<!{_NAME}){re.escape(name)}(?!{_NAME})", text):
        if text[: m.start()].rstrip().endswith(_MINUS):
            return True
    return False


def _formula_problems(k: KpiDef) -> list[str]:
    """How ``k.formula`` disagrees with the record: a ratio's text is
    ``[scale ×] numerator / denominator`` (e.g. "100 × (resolved − appealed) / resolved"),
    naming every numerator input left of the last "/" (subtracted ones after a minus), the
    denominator right of it, and the scale in front when it is not 1."""
    text = k.formula
    if not text.strip():
        return ["formula is empty"]
    if k.kind == "median":
        return [] if text.lstrip().startswith("median") else [
            f"formula {text!r} of a median KPI does not start with 'median'"]
    problems = []
    if "/" not in text:
        return [f"formula {text!r} has no '/' between numerator and denominator"]
    left, right = text.rsplit("/", 1)
    for name, coef in k.numerator:
        if not _mentions(left, name):
            problems.append(f"formula {text!r} does not mention numerator input {name!r}")
        elif coef < 0 and not _preceded_by_minus(left, name):
            problems.append(f"formula {text!r} does not subtract numerator input {name!r}")
        if abs(coef) != 1 and f"{abs(coef):g} ×" not in left:
            problems.append(f"formula {text!r} does not show the coefficient {coef:g} "
                            f"of {name!r}")
    if k.denominator and not _mentions(right, k.denominator):
        problems.append(f"formula {text!r} does not mention the denominator "
                        f"{k.denominator!r} after '/'")
    m = _SCALE.match(text)
    written = float(m.group(1)) if m else 1.0
    if not math.isclose(written, k.scale):
        problems.append(f"formula {text!r} shows scale {written:g}, the record has "
                        f"{k.scale:g}")
    stray = [w for w in _INPUT_WORD.findall(text) if w not in k.inputs]
    if stray:
        problems.append(f"formula {text!r} names {', '.join(stray)}, not inputs of the KPI")
    return problems


def _record_problems(k: KpiDef) -> list[str]:
    problems = []
    if not isinstance(k.code, str) or not _CODE.fullmatch(k.code):
        problems.append("code is not snake_case")
    if not isinstance(k.pillar, Pillar):
        problems.append(f"pillar {k.pillar!r} is not a Pillar "
                        f"({', '.join(p.name for p in Pillar)})")
    if not isinstance(k.unit, Unit):
        problems.append(f"unit {k.unit!r} is not a Unit ({', '.join(u.name for u in Unit)})")
    if k.direction not in get_args(Direction):
        problems.append(f"direction {k.direction!r} is not one of {get_args(Direction)}")
    if k.grain not in get_args(Grain):
        problems.append(f"grain {k.grain!r} is not one of {get_args(Grain)}")
    if k.kind not in get_args(Kind):
        problems.append(f"kind {k.kind!r} is not one of {get_args(Kind)}")
    if (k.target_range is None) != (k.tolerance is None):
        problems.append("target_range and tolerance must be both set or both None")
    if k.tolerance is not None and not k.tolerance > 0:
        problems.append(f"tolerance {k.tolerance!r} is not positive")
    if k.target_range is not None and k.direction == "none":
        problems.append("a target needs a direction, and direction is 'none'")
    if k.kind == "ratio":
        if not k.numerator:
            problems.append("a ratio KPI needs a numerator")
        if not k.denominator:
            problems.append("a ratio KPI needs a denominator")
        if not k.scale > 0:
            problems.append(f"scale {k.scale!r} is not positive")
    elif k.kind == "median" and (k.numerator or k.denominator):
        problems.append("a median KPI has no numerator or denominator")
    if k.share and (k.unit != Unit.PERCENT or k.scale != 100):
        problems.append("a share is a percentage: unit '%' and scale 100")
    problems += _formula_problems(k)
    if set(k.names) != LANGUAGES:
        missing, extra = LANGUAGES - set(k.names), set(k.names) - LANGUAGES
        problems.append("names must be in exactly en, ru, kk"
                        + (f"; missing {', '.join(sorted(missing))}" if missing else "")
                        + (f"; extra {', '.join(sorted(extra))}" if extra else ""))
    for lang, text in sorted(k.names.items()):
        if not isinstance(text, str) or not text.strip():
            problems.append(f"name in {lang!r} is empty")
        elif (lang != "en" and text == k.names.get("en")
              and (k.code, lang) not in SAME_NAME_AS_EN):
            problems.append(f"name in {lang!r} is the English one, {text!r}")
    return problems


def check_registry(catalogue: Iterable[KpiDef]) -> list[str]:
    """The problems of a catalogue, one line each ("<code>: <rule broken>"); [] when none.

    Codes unique and snake_case; pillar a Pillar and unit a Unit (members, not strings);
    direction, grain and kind from their closed sets; target and tolerance both set or
    both absent; a ratio has a numerator and a denominator; the formula text agrees with
    the numerator, the denominator and the scale; names in exactly en, ru and kk, none
    empty, ru and kk not just the English text.
    """
    records = list(catalogue)
    problems = [f"{code}: code is used by {n} records"
                for code, n in Counter(k.code for k in records).items() if n > 1]
    for k in records:
        problems += [f"{k.code}: {p}" for p in _record_problems(k)]
    return problems


def _validate(catalogue: Iterable[KpiDef]) -> None:
    problems = check_registry(catalogue)
    if problems:
        raise ValueError("the KPI catalogue is inconsistent:\n  " + "\n  ".join(problems))


_validate(CATALOGUE)
KPIS: dict[str, KpiDef] = {k.code: k for k in CATALOGUE}
