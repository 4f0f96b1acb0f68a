"""Validation of an uploaded table against the data contract.

Turns a RawTable (strings) into a typed frame and the full list of errors and
warnings: every rule is checked on every row (vectorised), so one report shows all
that is wrong. Any error rejects the whole file; the loader never sees such a file.
Each issue has a stable ``code`` and ``params`` so pages can translate the sentence.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from data.ingest.names import ambiguous_choices, code_of, suggestions
from data.ingest.parsing import parse_bool, parse_date, parse_decimal, parse_int, parse_text
from data.ingest.readers import RawTable
from data.store.schema import (
    CASELOAD_GRAINS,
    DEFAULT_STATUTORY_DAYS,
    DEFAULT_TEXT_LIMIT,
    KINDS,
    TEXT_LIMITS,
    Kind,
    PartWhole,
)
from kpi.periods import PeriodError
from kpi.periods import parse as parse_period

MAX_ISSUES_KEPT = 5000
DID_YOU_MEAN = "Did you mean '{suggestion}'?"

# English sentences; the pages show them from layouts/locales/<lang>/validation.json
# (keys "validate.<code>"), which a test keeps in step with this table.
MESSAGES: dict[str, str] = {
    "empty_file": "The file has a header but no data rows.",
    "unknown_kind": "The header fits no kind of data. {detail}",
    "ambiguous_kind": "The header fits more than one kind ({kinds}); choose the kind.",
    "missing_column": "The required column '{column}' is missing from the header.",
    "missing_one_of": "The file needs at least one of the columns: {columns}.",
    "duplicate_column": "The column '{column}' appears more than once in the header.",
    "extra_column": "The column '{column}' is not used by '{kind}' files and was ignored.",
    "ragged_row": "This line has a different number of fields than the header.",
    "required": "A value is required in '{column}'.",
    "bad_int": "'{value}' is not a whole number.",
    "bad_decimal": "'{value}' is not a number (use '.' as decimal point).",
    "bad_date": "'{value}' is not a valid date; use YYYY-MM-DD or DD.MM.YYYY.",
    "bad_bool": "'{value}' is not yes/no; use 1/0, yes/no, да/нет or иә/жоқ.",
    "bad_choice": "'{value}' is not allowed in '{column}'; use one of: {choices}.",
    "ambiguous_choice": "'{value}' in '{column}' could mean more than one thing; write "
                        "{choices}.",
    "too_long": "'{column}' is longer than {limit} characters.",
    "negative": "'{column}' cannot be negative ({value}).",
    "not_positive": "'{column}' must be greater than 0 ({value}).",
    "bad_year": "{value} is not a plausible year.",
    "future_date": "{value} is in the future.",
    "resolved_before_filed": "The case was resolved ({value}) before it was filed ({filed}).",
    "part_gt_whole": "'{part}' ({value}) is greater than '{whole}' ({whole_value}).",
    "duplicate_key": "The key {key} appears twice in the file: lines {first} and {line}.",
    "unknown_court": "Court '{value}' is not known; load it in a courts file first.",
    "unknown_region": "Region '{value}' is not known; load it in a regions file first.",
    "unknown_kpi": "'{value}' is not a KPI code of the catalogue.",
    # No longer raised (see data.derive.flags); kept so the warnings stored with earlier
    # uploads still read as a sentence.
    "balance": "pending_end ({value}) differs from pending_start + incoming - resolved "
               "({expected}).",
    "appeal_result_without_appeal": "An appeal result is given but the case is not "
                                    "marked as appealed.",
    "case_level_conflict": "Court '{court}' has case-level data for {year} {category}; "
                           "a caseload row for the same cell is not allowed.",
    "caseload_conflict": "Court '{court}' reported {year} {category} as a caseload "
                         "(aggregate) row; cases of that year cannot be loaded too.",
    "bad_period": "'{value}' is not a period of a caseload row; use YYYY (the year), "
                  "YYYY-Q1 to YYYY-Q4 (a quarter) or YYYY-01 to YYYY-12 (a month).",
    "period_year": "The period {value} is not in the row's year {year}.",
    "mixed_grain": "Court '{court}' {year} {category} is sent as {grains} in this file; "
                   "a court's year and category has one grain: a year row, quarters or "
                   "months.",
    "grain_conflict": "Court '{court}' {year} {category} is held as {held} rows from "
                      "upload #{upload}; this file sends {grain} rows. Undo that upload "
                      "first to change the grain.",
    "as_of_before_data": "The data are said to be as of {value}, but the file has a date "
                         "after it ({latest}).",
    "as_of_future": "The as-of date {value} is in the future.",
    "unreadable": "{detail}",
}


@dataclass
class Issue:
    line: int | None
    column: str | None
    value: str | None
    code: str
    params: dict = field(default_factory=dict)

    @property
    def message(self) -> str:
        text = MESSAGES[self.code].format(**self.params)
        if self.params.get("suggestion"):
            text += " " + DID_YOU_MEAN.format(suggestion=self.params["suggestion"])
        return text

    def as_dict(self) -> dict:
        # code + params let a page say the sentence in the reader's language.
        params = {k: v for k, v in self.params.items()
                  if isinstance(v, (str, int, float, dict, list)) or v is None}
        return {"line": self.line, "column": self.column, "value": self.value,
                "message": self.message, "code": self.code, "params": params}


@dataclass
class Context:
    """What validation needs to know about the database, handed in by the loader."""

    region_codes: frozenset[str] = frozenset()
    court_codes: frozenset[str] = frozenset()
    kpi_codes: frozenset[str] = frozenset()
    today: dt.date = field(default_factory=dt.date.today)
    statutory_days: dict[str, int] = field(default_factory=lambda: dict(DEFAULT_STATUTORY_DAYS))


@dataclass
class Result:
    kind: str | None
    frame: pd.DataFrame
    lines: np.ndarray
    errors: list[Issue]
    warnings: list[Issue]
    error_count: int = 0
    warning_count: int = 0
    detected: dict = field(default_factory=dict)
    # Columns of the kind that the file carries (a missing optional column is "not reported").
    present: tuple[str, ...] = ()

    @property
    def ok(self) -> bool:
        return self.error_count == 0


class _Collector:
    def __init__(self, lines: np.ndarray):
        self.lines = lines
        self.errors: list[Issue] = []
        self.warnings: list[Issue] = []
        self.error_count = 0
        self.warning_count = 0

    def add(self, code: str, *, line=None, column=None, value=None, warn=False,
            params: dict | None = None) -> None:
        params = {"column": column, "value": value, **(params or {})}
        if warn:
            self.warning_count += 1
            bucket = self.warnings
        else:
            self.error_count += 1
            bucket = self.errors
        if len(bucket) < MAX_ISSUES_KEPT:
            bucket.append(Issue(line, column, value, code, params))

    def rows(self, mask: np.ndarray, code: str, column: str | None,
             values: pd.Series | None, warn: bool = False, **extra: Iterable) -> None:
        """One issue per row where ``mask``; ``extra`` are per-row parameter arrays."""
        idx = np.flatnonzero(mask)
        if idx.size == 0:
            return
        room = MAX_ISSUES_KEPT - len(self.warnings if warn else self.errors)
        shown = idx[: max(room, 0)]
        vals = None if values is None else np.asarray(values, dtype=object)
        extra_arrays = {k: np.asarray(a, dtype=object) for k, a in extra.items()}
        for i in shown:
            v = None if vals is None else _show(vals[i])
            params = {k: _show(a[i]) for k, a in extra_arrays.items()}
            self.add(code, line=int(self.lines[i]), column=column, value=v, warn=warn,
                     params=params)
        hidden = idx.size - shown.size
        if warn:
            self.warning_count += hidden
        else:
            self.error_count += hidden


def _show(v) -> str | None:
    if v is None or (isinstance(v, float) and np.isnan(v)) or v is pd.NA or v is pd.NaT:
        return ""
    if isinstance(v, (pd.Timestamp, dt.date)):
        return pd.Timestamp(v).strftime("%Y-%m-%d")
    if isinstance(v, (float, np.floating)) and float(v).is_integer():
        return str(int(v))
    return str(v)


ALL_COLUMNS = frozenset(c for kind in KINDS.values() for c in kind.column_names)


def detect_kind(header: Iterable[str]) -> tuple[str | None, Issue | None]:
    """The kind whose columns the header fits best, or an issue explaining why none."""
    cols = set(header)
    fits = []
    for kind in KINDS.values():
        if set(kind.required) <= cols and (not kind.one_of or cols & set(kind.one_of)):
            fits.append((len(cols & set(kind.column_names)), kind.name))
    if not fits:
        missing = {k.name: [c for c in k.required if c not in cols]
                   for k in KINDS.values() if set(k.required) - cols}
        detail = " ".join(f"{name}: missing {', '.join(cs)}." for name, cs in missing.items())
        # ``missing`` lets the pages say the same in the reader's language.
        params: dict = {"detail": detail, "missing": missing}
        lacking = tuple(dict.fromkeys(c for cs in missing.values() for c in cs))
        close = [hit for col in header if col not in ALL_COLUMNS
                 for hit in suggestions(col, lacking, limit=1)]
        if close:  # a misspelt name of a column the file lacks
            params["suggestion"] = close[0]
        return None, Issue(1, None, None, "unknown_kind", params)
    fits.sort(reverse=True)
    if len(fits) > 1 and fits[0][0] == fits[1][0]:
        kinds = ", ".join(n for s, n in fits if s == fits[0][0])
        return None, Issue(1, None, None, "ambiguous_kind", {"kinds": kinds})
    return fits[0][1], None


def validate(raw: RawTable, kind_name: str | None, ctx: Context) -> Result:
    """Check ``raw`` as ``kind_name`` (detected from the header when None)."""
    c = _Collector(raw.lines)
    detected = {"format": raw.container, "encoding": raw.encoding,
                "delimiter": raw.delimiter, "rows": int(len(raw.frame)),
                "read_as": dict(getattr(raw, "read_as", None) or {})}
    empty = Result(None, pd.DataFrame(), raw.lines, c.errors, c.warnings, detected=detected)

    if kind_name is None:
        kind_name, issue = detect_kind(raw.header)
        if issue is not None:
            c.add(issue.code, line=1, params=issue.params)
            empty.error_count = c.error_count
            return empty
    assert kind_name is not None  # detect_kind gives a kind or an issue
    kind = KINDS[kind_name]
    detected["kind"] = kind.name
    empty.kind = kind.name

    for col in raw.duplicate_columns:
        c.add("duplicate_column", line=1, column=col)
    missing = [col for col in kind.required if col not in raw.header]
    for col in missing:
        c.add("missing_column", line=1, column=col)
    if kind.one_of and not set(kind.one_of) & set(raw.header):
        c.add("missing_one_of", line=1, params={"columns": ", ".join(kind.one_of)})
    for col in raw.header:
        if col not in kind.column_names and col:
            # The closest accepted name of a column the file lacks: a typo, most likely.
            close = suggestions(col, tuple(k for k in kind.column_names
                                           if k not in raw.header), limit=1)
            c.add("extra_column", line=1, column=col, warn=True,
                  params={"kind": kind.name, **({"suggestion": close[0]} if close else {})})
    if len(raw.frame) == 0:
        c.add("empty_file", line=1)
    if missing or len(raw.frame) == 0:
        empty.error_count, empty.warning_count = c.error_count, c.warning_count
        return empty
    ragged = getattr(raw, "ragged_lines", None) or []
    for line in ragged[:MAX_ISSUES_KEPT]:
        c.add("ragged_row", line=int(line))
    c.error_count += max(0, len(ragged) - MAX_ISSUES_KEPT)

    present = tuple(col for col in kind.column_names if col in raw.header)
    frame, date_format = _typed(raw, kind, present, c)
    if date_format:
        detected["date_format"] = date_format
    _check_rules(kind, frame, present, c, ctx)
    for spec in kind.columns:
        if spec.empty_as is not None and spec.name in present:
            frame[spec.name] = frame[spec.name].fillna(spec.empty_as)
    return Result(kind.name, frame, raw.lines, c.errors, c.warnings, c.error_count,
                  c.warning_count, detected, present)


def _typed(raw: RawTable, kind: Kind, present: tuple[str, ...], c: _Collector):
    """Parse every column of the kind; absent optional columns become all-NA."""
    n = len(raw.frame)
    out: dict[str, pd.Series] = {}
    date_formats = set()
    for col in kind.columns:
        if col.name not in present:
            out[col.name] = _na_column(col.type, n)
            continue
        s = raw.frame[col.name].astype(str)
        if col.type == "text":
            values = parse_text(s)
            bad = np.zeros(n, dtype=bool)
        elif col.type == "int":
            values, bad = parse_int(s)
            code = "bad_int"
        elif col.type == "decimal":
            values, bad = parse_decimal(s, raw.decimal_comma)
            code = "bad_decimal"
        elif col.type == "date":
            values, bad, fmt = parse_date(s)
            code = "bad_date"
            if fmt:
                date_formats.add(fmt)
        else:
            values, bad = parse_bool(s)
            code = "bad_bool"
        if bad.any():
            c.rows(bad, code, col.name, s)
        if col.required:
            c.rows((s.str.len() == 0).to_numpy(), "required", col.name, None)
        if col.type == "text":
            limit = TEXT_LIMITS.get(col.name, DEFAULT_TEXT_LIMIT)
            c.rows((s.str.len() > limit).to_numpy(), "too_long", col.name, None, limit=[limit] * n)
            if col.choices:
                norm, ambiguous, phrases = _codes(col.name, values)
                if ambiguous.any():
                    c.rows(ambiguous.to_numpy(), "ambiguous_choice", col.name, s,
                           choices=values.map(phrases).fillna("").tolist())
                bad_choice = (values.notna() & norm.isna() & ~ambiguous).to_numpy()
                c.rows(bad_choice, "bad_choice", col.name, s,
                       choices=[", ".join(col.choices)] * n)
                values = norm
        out[col.name] = values
    frame = pd.DataFrame(out)
    fmt = None
    if date_formats:
        fmt = date_formats.pop() if len(date_formats) == 1 else "mixed"
    return frame, fmt


def _codes(column: str, values: pd.Series) -> tuple[pd.Series, pd.Series, dict[str, str]]:
    """(the code of each cell, English, Russian or Kazakh; which cells are ambiguous;
    the phrases to choose from for each ambiguous cell).

    Worked out once per distinct cell: a column of a million cases has a handful.
    """
    # By position in the distinct cells (-1 = empty): Series.map with a dict took 1.2 s
    # for a million cells with empty ones among them, this 0.02 s.
    where, uniques = pd.factorize(values)
    codes = {v: code_of(column, v) for v in uniques}
    phrases = {v: " / ".join(f"'{p}'" for p in choices) for v in uniques
               if codes[v] is None and (choices := ambiguous_choices(column, v))}
    code_of_unique = np.array([*(codes[v] for v in uniques), None], dtype=object)
    ambiguous_unique = np.array([*(v in phrases for v in uniques), False], dtype=bool)
    return (pd.Series(pd.array(code_of_unique[where], dtype="string"), index=values.index),
            pd.Series(ambiguous_unique[where], index=values.index), phrases)


def _na_column(type_: str, n: int) -> pd.Series:
    dtype = {"text": "string", "int": "Int64", "decimal": "Float64",
             "date": "datetime64[s]", "bool": "boolean"}[type_]
    return pd.Series(pd.array([None] * n, dtype=dtype)) if type_ != "date" else pd.Series(
        np.full(n, np.datetime64("NaT"), dtype="datetime64[s]"))


def _np(s: pd.Series) -> np.ndarray:
    return s.to_numpy(dtype="float64", na_value=np.nan)


# A reference to codes not loaded yet: (what validation knows, the issue's code).
UNKNOWN = {"regions": ("region_codes", "unknown_region"),
           "courts": ("court_codes", "unknown_court"),
           "kpis": ("kpi_codes", "unknown_kpi")}


def _check_rules(kind: Kind, f: pd.DataFrame, present, c: _Collector, ctx: Context) -> None:
    for col in kind.columns:
        if col.type in ("int", "decimal") and col.name in present:
            v = _np(f[col.name])
            with np.errstate(invalid="ignore"):
                c.rows(v < 0, "negative", col.name, f[col.name])
    if "year" in f.columns:
        y = _np(f["year"])
        with np.errstate(invalid="ignore"):
            implausible = (y < 1990) | (y > 2100)
            c.rows(implausible, "bad_year", "year", f["year"])
            if not kind.future_years:
                c.rows(~implausible & (y > ctx.today.year), "future_date", "year", f["year"])
    for ref in kind.references:
        known, code = UNKNOWN[ref.to]
        v = f[ref.column]
        c.rows((v.notna() & ~v.isin(getattr(ctx, known))).to_numpy(), code, ref.column, v)
    # Rules may complete the key (a caseload row's period), so they run first.
    for rule in kind.rules:
        RULES[rule](f, present, c, ctx)
    _check_duplicates(kind, f, c)
    for pw in kind.parts:
        _part_whole(f, pw, c)
    # A caseload row whose pending cases do not balance is no longer a warning per row
    # (real reports carry a few transferred or reopened cases): data.derive.flags ranks the
    # flow identity, with a tolerance, among the plausibility checks of the upload.


def _part_whole(f: pd.DataFrame, pw: PartWhole, c: _Collector) -> None:
    part, whole, warn = pw.part, pw.whole, pw.warn
    p, w = _np(f[part]), _np(f[whole])
    with np.errstate(invalid="ignore"):
        bad = p > w
    if not bad.any():
        return
    c.rows(bad, "part_gt_whole", part, f[part], warn=warn, part=[part] * len(f),
           whole=[whole] * len(f), whole_value=f[whole])


def _check_duplicates(kind: Kind, f: pd.DataFrame, c: _Collector) -> None:
    key = list(kind.key)
    k = f[key].copy()
    for col in kind.blank_key:
        k[col] = k[col].fillna("")
    dup = k.duplicated(keep=False).to_numpy()
    if not dup.any():
        return
    idx = np.flatnonzero(dup)
    sub = k.iloc[idx].astype(str)
    first_pos = sub.groupby(key, sort=False).ngroup()
    first_line = pd.Series(c.lines[idx]).groupby(first_pos.to_numpy()).transform("min")
    later = c.lines[idx] != first_line.to_numpy()
    mask = np.zeros(len(f), dtype=bool)
    mask[idx[later]] = True
    key_text = sub.apply(lambda r: "(" + ", ".join(r) + ")", axis=1).to_numpy()
    full_key = np.empty(len(f), dtype=object)
    full_first = np.zeros(len(f), dtype=object)
    full_key[idx] = key_text
    full_first[idx] = first_line.to_numpy()
    line_col = np.asarray(c.lines, dtype=object)
    c.rows(mask, "duplicate_key", ", ".join(key), None, key=full_key, first=full_first,
           line=line_col)


def _case_dates(f: pd.DataFrame, present, c: _Collector, ctx: Context) -> None:
    filed, resolved = f["filed_date"], f["resolved_date"]
    today = pd.Timestamp(ctx.today)
    before = (resolved.notna() & filed.notna() & (resolved < filed)).to_numpy()
    c.rows(before, "resolved_before_filed", "resolved_date", resolved, filed=filed)
    for col in ("filed_date", "resolved_date"):
        c.rows((f[col] > today).fillna(False).to_numpy(), "future_date", col, f[col])


def _appeal_result(f: pd.DataFrame, present, c: _Collector, ctx: Context) -> None:
    if "appeal_result" in present and "appealed" in present:
        odd = (f["appeal_result"].notna() & ~f["appealed"].fillna(False).astype(bool)).to_numpy()
        c.rows(odd, "appeal_result_without_appeal", "appeal_result", f["appeal_result"],
               warn=True)


def grain_of(code: str) -> str:
    """The grain of a stored caseload period code: year, quarter or month."""
    return "year" if len(code) == 4 else "quarter" if "Q" in code else "month"


def _caseload_period(f: pd.DataFrame, present, c: _Collector, ctx: Context) -> None:
    """Complete and check the period of caseload rows (periods.md, "Aggregate reports"):
    empty = the row's year; the period must lie in the year, not ahead of today, and a
    (court, year, category) of the file has one grain."""
    year = f["year"].astype("Int64")
    raw = f["period"].astype("string")
    given = raw.notna() & (raw.str.strip() != "")
    code = np.where(given.to_numpy(), raw.fillna("").str.strip().to_numpy(dtype=object),
                    year.astype("string").fillna("").to_numpy(dtype=object)).astype(object)
    bad = np.zeros(len(f), dtype=bool)
    in_year = np.ones(len(f), dtype=bool)
    ahead = np.zeros(len(f), dtype=bool)
    for text in pd.unique(code[code != ""]):
        rows = code == text
        try:
            period = parse_period(str(text))
        except PeriodError:
            bad |= rows
            continue
        if period.kind not in CASELOAD_GRAINS:
            bad |= rows
            continue
        code[rows] = period.code
        in_year &= ~rows | (year.to_numpy(dtype="float64", na_value=np.nan) == period.year)
        ahead |= rows & (period.end > ctx.today)
    c.rows(bad, "bad_period", "period", raw)
    c.rows(~bad & ~in_year & year.notna().to_numpy(), "period_year", "period", raw,
           year=year)
    c.rows(~bad & in_year & ahead, "future_date", "period", raw)
    f["period"] = pd.array(code, dtype="string")
    ok = ~bad & in_year & year.notna().to_numpy()
    if not ok.any():
        return
    grains = pd.Series([grain_of(str(v)) for v in code], index=f.index)
    cell = [f["court_code"], f["year"], f["category"]]
    n_grains = grains[ok].groupby([s[ok] for s in cell], dropna=False).transform("nunique")
    mixed = np.zeros(len(f), dtype=bool)
    mixed[np.flatnonzero(ok)] = n_grains.to_numpy() > 1
    if mixed.any():
        listed = grains[ok].groupby([s[ok] for s in cell], dropna=False).transform(
            lambda g: ", ".join(sorted(set(g))))
        names = np.full(len(f), "", dtype=object)
        names[np.flatnonzero(ok)] = listed.to_numpy(dtype=object)
        c.rows(mixed, "mixed_grain", "period", raw, court=f["court_code"], year=f["year"],
               category=f["category"], grains=names)


def _positive_minutes(f: pd.DataFrame, present, c: _Collector, ctx: Context) -> None:
    """A weight of 0 minutes would make a category cost no judge time at all (negative
    ones are refused already): such a weight is a mistake, not a measurement."""
    v = _np(f["minutes"])
    with np.errstate(invalid="ignore"):
        c.rows(v == 0, "not_positive", "minutes", f["minutes"])


# The extra checks a kind names in ``Kind.rules``.
RULES = {"case_dates": _case_dates, "appeal_result": _appeal_result,
         "caseload_period": _caseload_period, "positive_minutes": _positive_minutes}
