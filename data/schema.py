"""The upload kinds of the data contract, as data.

One record per kind: its columns with their types, which are required, and the key.
Readers, validators, the loader and the demo generator all read this module, so a
column is declared once (see ../shared/spec/data-contract.md).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

ColumnType = Literal["text", "int", "decimal", "date", "bool"]

CATEGORIES: tuple[str, ...] = ("civil", "criminal", "administrative", "admin_offence")
COURT_LEVELS: tuple[str, ...] = ("district", "regional", "supreme")
SPECIALIZATIONS: tuple[str, ...] = (
    "general", "economic", "administrative", "juvenile", "criminal", "military", "other",
)
APPEAL_RESULTS: tuple[str, ...] = ("upheld", "modified", "reversed")

# Shipped defaults for an empty statutory_days cell (configurable through
# COURT_KPI_STATUTORY_DAYS, e.g. "civil=60,criminal=60,administrative=60,admin_offence=15").
DEFAULT_STATUTORY_DAYS: dict[str, int] = {
    "civil": 60, "administrative": 60, "criminal": 60, "admin_offence": 15,
}


@dataclass(frozen=True)
class Column:
    name: str
    type: ColumnType
    required: bool = False
    # Allowed values of a text column (None: any text).
    choices: tuple[str, ...] | None = None


@dataclass(frozen=True)
class Kind:
    name: str
    table: str
    key: tuple[str, ...]
    columns: tuple[Column, ...]
    # At least one of these optional columns must be present in the header.
    one_of: tuple[str, ...] = ()

    @property
    def column_names(self) -> tuple[str, ...]:
        return tuple(c.name for c in self.columns)

    @property
    def required(self) -> tuple[str, ...]:
        return tuple(c.name for c in self.columns if c.required)

    def column(self, name: str) -> Column:
        for c in self.columns:
            if c.name == name:
                return c
        raise KeyError(name)


def _cols(spec: str, type_: ColumnType, required: bool = False) -> tuple[Column, ...]:
    return tuple(Column(n, type_, required) for n in spec.split())


FACT_COLUMNS: tuple[str, ...] = (
    "pending_start", "incoming", "resolved", "pending_end",
    "resolved_on_time", "pending_over_limit", "appealed", "reversed_or_modified",
    "e_filed", "hearings_total", "hearings_video", "published",
)
REQUIRED_FACTS: tuple[str, ...] = FACT_COLUMNS[:4]
OPTIONAL_FACTS: tuple[str, ...] = FACT_COLUMNS[4:]

RESOURCE_COLUMNS: tuple[str, ...] = (
    "judge_posts", "judges_in_post", "staff_posts", "staff_in_post", "budget_kzt",
)
SURVEY_COLUMNS: tuple[str, ...] = ("respondents", "satisfied", "trusting")

KINDS: dict[str, Kind] = {
    k.name: k
    for k in (
        Kind(
            "regions", "regions", ("region_code",),
            _cols("region_code name_en name_ru name_kk", "text", True),
        ),
        Kind(
            "courts", "courts", ("court_code",),
            _cols("court_code name_en name_ru name_kk region_code", "text", True)
            + (
                Column("level", "text", True, COURT_LEVELS),
                Column("specialization", "text", True, SPECIALIZATIONS),
            ),
        ),
        Kind(
            "cases", "cases", ("court_code", "case_id"),
            (
                Column("case_id", "text", True),
                Column("court_code", "text", True),
                Column("category", "text", True, CATEGORIES),
                Column("filed_date", "date", True),
                Column("resolved_date", "date"),
                Column("statutory_days", "int"),
                Column("e_filed", "bool"),
                Column("hearings_total", "int"),
                Column("hearings_video", "int"),
                Column("appealed", "bool"),
                Column("appeal_result", "text", False, APPEAL_RESULTS),
                Column("published", "bool"),
            ),
        ),
        Kind(
            "caseload", "caseload", ("court_code", "year", "category"),
            (
                Column("court_code", "text", True),
                Column("year", "int", True),
                Column("category", "text", True, CATEGORIES),
            )
            + _cols(" ".join(REQUIRED_FACTS), "int", True)
            + _cols(" ".join(OPTIONAL_FACTS), "int"),
        ),
        Kind(
            "resources", "resources", ("court_code", "year"),
            (Column("court_code", "text", True), Column("year", "int", True))
            + _cols("judge_posts judges_in_post staff_posts staff_in_post", "int")
            + (Column("budget_kzt", "decimal"),),
            one_of=RESOURCE_COLUMNS,
        ),
        Kind(
            "surveys", "surveys", ("court_code", "year"),
            (
                Column("court_code", "text", True),
                Column("year", "int", True),
                Column("respondents", "int", True),
                Column("satisfied", "int"),
                Column("trusting", "int"),
            ),
            one_of=("satisfied", "trusting"),
        ),
        Kind(
            "targets", "targets", ("kpi", "year", "court_code"),
            (
                Column("kpi", "text", True),
                Column("year", "int", True),
                Column("target", "decimal", True),
                Column("court_code", "text"),
                Column("tolerance", "decimal"),
            ),
        ),
    )
}

# Kinds in the order a full data set must be loaded (later kinds reference earlier ones).
LOAD_ORDER: tuple[str, ...] = (
    "regions", "courts", "cases", "caseload", "resources", "surveys", "targets",
)
