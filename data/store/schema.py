"""The upload kinds of the data contract, as data.

One record per kind: its columns with their types, which are required, the key, what
its codes refer to, its extra rules and what its rows feed. Readers, validation, the
tables (data.store.models), the loader, undo and the demo all read this module and
dispatch on these fields, never on a kind's name: a kind is declared once here (see
../shared/spec/data-contract.md; adding one is this entry, a migration, its
translations and its docs).
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


# Longest text a cell may hold (validation's "too_long" and the tables' column sizes).
TEXT_LIMITS: dict[str, int] = {"case_id": 120, "name_en": 300, "name_ru": 300, "name_kk": 300}
DEFAULT_TEXT_LIMIT = 64
CHOICE_LIMIT = 20

# What a kind's rows feed once loaded or undone (data.derive.refresh.after_change):
#   nothing      read as they are (names, targets: status is judged when values are read)
#   every_kpi    which court is in which region (every KPI cell's roll-up), or the case
#                weights (every court's judges needed)
#   case_facts   each row a case: the yearly facts of its court, then its KPI cells
#   facts        each row a fact cell of a year or part of one, then its KPI cells
#   kpi_cells    the KPI cells of its (court, year)
Feeds = Literal["nothing", "every_kpi", "case_facts", "facts", "kpi_cells"]


@dataclass(frozen=True)
class Column:
    name: str
    type: ColumnType
    required: bool = False
    # Allowed values of a text column (None: any text).
    choices: tuple[str, ...] | None = None
    # A present column's empty cell is stored as this (None: as missing). An absent
    # column stays missing: "not reported" is not the same as "none yet".
    empty_as: str | None = None
    # Counts that can pass 2^31 in national sums (BIGINT on PostgreSQL).
    big: bool = False

    @property
    def sql_length(self) -> int:
        # A choice is stored as its code; the cell in the file may be a longer phrase.
        if self.choices:
            return CHOICE_LIMIT
        return TEXT_LIMITS.get(self.name, DEFAULT_TEXT_LIMIT)


@dataclass(frozen=True)
class Reference:
    """A column naming a row of another kind ("regions", "courts") or a KPI ("kpis")."""

    column: str
    to: str
    # The rows it names cannot be undone away while it points at them. A court's own
    # target does not hold its court: without the court it is simply never read.
    holds: bool = True


@dataclass(frozen=True)
class PartWhole:
    """``part`` may not exceed ``whole`` in a row: an error, or only a warning."""

    part: str
    whole: str
    warn: bool = False


@dataclass(frozen=True)
class Kind:
    name: str
    table: str
    key: tuple[str, ...]
    columns: tuple[Column, ...]
    # At least one of these optional columns must be present in the header.
    one_of: tuple[str, ...] = ()
    references: tuple[Reference, ...] = ()
    parts: tuple[PartWhole, ...] = ()
    # Named extra checks: data.ingest.validate.RULES (on the file alone) and
    # data.ingest.load.DB_RULES (against what is loaded).
    rules: tuple[str, ...] = ()
    db_rules: tuple[str, ...] = ()
    feeds: Feeds = "kpi_cells"
    # A year may lie ahead (targets); otherwise a future year is an error.
    future_years: bool = False
    # Key columns whose empty cell is stored as "" (a national target has no court).
    blank_key: tuple[str, ...] = ()
    # Columns the table holds beyond the file's, with the value an upload writes.
    written: tuple[tuple[str, bool], ...] = ()
    # Rows also changed on a page (the targets page): an undo never overwrites an edit.
    editable: bool = False
    # Millions of rows: stored in key order (SQLite WITHOUT ROWID), read per court.
    clustered: bool = False
    # The upload page's example shows one court's rows, with and without this column.
    example_mix: str | None = None

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


    def holders(self) -> list[tuple[str, str]]:
        """(table, column) of every kind whose rows hold rows of this kind (see undo)."""
        return [(k.table, r.column) for k in KINDS.values() for r in k.references
                if r.to == self.name and r.holds]


def _cols(spec: str, type_: ColumnType, required: bool = False,
          big: bool = False) -> tuple[Column, ...]:
    return tuple(Column(n, type_, required, big=big) for n in spec.split())


# The periods a caseload row may report (kpi.periods kinds).
CASELOAD_GRAINS: tuple[str, ...] = ("year", "quarter", "month")

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

COURT = Reference("court_code", "courts")

KINDS: dict[str, Kind] = {
    k.name: k
    for k in (
        Kind(
            "regions", "regions", ("region_code",),
            _cols("region_code name_en name_ru name_kk", "text", True),
            feeds="nothing",
        ),
        Kind(
            "courts", "courts", ("court_code",),
            _cols("court_code name_en name_ru name_kk region_code", "text", True)
            + (
                Column("level", "text", True, COURT_LEVELS),
                Column("specialization", "text", True, SPECIALIZATIONS),
            ),
            references=(Reference("region_code", "regions"),),
            feeds="every_kpi",
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
                # "" = no result yet; missing = the file does not carry the column.
                Column("appeal_result", "text", False, APPEAL_RESULTS, empty_as=""),
                Column("published", "bool"),
            ),
            references=(COURT,),
            parts=(PartWhole("hearings_video", "hearings_total"),),
            rules=("case_dates", "appeal_result"),
            db_rules=("no_caseload_rows",),
            feeds="case_facts",
            clustered=True,
            example_mix="resolved_date",
        ),
        Kind(
            "caseload", "caseload", ("court_code", "year", "category", "period"),
            (
                Column("court_code", "text", True),
                Column("year", "int", True),
                Column("category", "text", True, CATEGORIES),
                # YYYY (or empty): the year; YYYY-Qn a quarter; YYYY-MM a month. Stored
                # as its code, the year's included (data.ingest.validate).
                Column("period", "text"),
            )
            + _cols(" ".join(REQUIRED_FACTS), "int", True, big=True)
            + _cols(" ".join(OPTIONAL_FACTS), "int", big=True),
            references=(COURT,),
            parts=tuple(PartWhole(p, w) for p, w in (
                ("resolved_on_time", "resolved"), ("pending_over_limit", "pending_end"),
                ("reversed_or_modified", "appealed"), ("appealed", "resolved"),
                ("published", "resolved"), ("e_filed", "incoming"),
                ("hearings_video", "hearings_total"))),
            rules=("caseload_period",),
            db_rules=("no_case_rows", "one_grain"),
            feeds="facts",
        ),
        Kind(
            "resources", "resources", ("court_code", "year"),
            (Column("court_code", "text", True), Column("year", "int", True))
            + _cols("judge_posts judges_in_post staff_posts staff_in_post", "int")
            + (Column("budget_kzt", "decimal"),),
            one_of=RESOURCE_COLUMNS,
            references=(COURT,),
            parts=(PartWhole("judges_in_post", "judge_posts", warn=True),
                   PartWhole("staff_in_post", "staff_posts", warn=True)),
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
            references=(COURT,),
            parts=(PartWhole("satisfied", "respondents"), PartWhole("trusting", "respondents")),
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
            references=(Reference("court_code", "courts", holds=False), Reference("kpi", "kpis")),
            feeds="nothing",
            future_years=True,
            blank_key=("court_code",),
            editable=True,
            # An approved value equal to the shipped one still replaces "illustrative".
            written=(("illustrative", False),),
        ),
        Kind(
            # Judge time per case (where-to-act.md section 2).
            "case_weights", "case_weights", ("category", "court_level"),
            (
                Column("category", "text", True, CATEGORIES),
                Column("court_level", "text", True, COURT_LEVELS),
                Column("minutes", "decimal", True),
            ),
            rules=("positive_minutes",),
            # Every court's judges needed (judge_need_ratio) rests on them.
            feeds="every_kpi",
            editable=True,
            # A value set by an upload or the page replaces the shipped illustrative one.
            written=(("illustrative", False),),
        ),
    )
}


# KINDS is in the order a full data set must be loaded: a kind after those it refers to.
LOAD_ORDER: tuple[str, ...] = tuple(KINDS)
