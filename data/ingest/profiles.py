"""Import profiles: a saved mapping of a court's own column names and words to the
contract's fields and codes, for what data.ingest.names does not know.

A profile says "'Рег. номер' is case_id; in category, 'ГПК' is civil". Applied to a
file as it is read, before validation, so everything after (detection of the kind,
checks, messages, writing) is the same as for a file with the contract's names.
Stored in the database as JSON, audited; exported and imported as JSON files.
"""

from __future__ import annotations

import json
import logging
import os
import time
from dataclasses import dataclass, field, replace

import pandas as pd
from sqlalchemy import Connection, Engine, delete, insert, select

from data.accounts import audit
from data.ingest.names import code_of, field_of, fold
from data.ingest.readers import RawTable
from data.store.models import ImportProfile
from data.store.schema import KINDS

MAX_NAME = 80
# Limits of what a profile may hold: it is read from files and pages anyone with the
# upload permission sends, and every upload page reads every stored one.
MAX_TEXT = 200  # characters of a header, a field, a word or a code
MAX_COLUMNS = 500  # column entries
MAX_COLUMN_WORDS = 1000  # words of one enumerated column
MAX_ALL_WORDS = 2000  # words in all
MAX_JSON_BYTES = 256 * 1024  # a profile's JSON (an export, a stored row), in UTF-8
FIELDS = frozenset(c.name for kind in KINDS.values() for c in kind.columns)
CHOICES = {c.name: c.choices for kind in KINDS.values() for c in kind.columns if c.choices}
_FOLDED_FIELDS = {fold(f): f for f in FIELDS}
_SHAPE = ("a profile is an object with a name (text), columns ({\"header\": \"field\"}) "
          "and values ({\"column\": {\"word\": \"code\"}}), all of them text and "
          "nothing else")
LOG = logging.getLogger(__name__)


class ProfileError(ValueError):
    """A profile that cannot be saved or used; the message says why.

    ``problems`` are the reasons as (code, params) when they are PROBLEMS (a page says
    them in its language); empty when the text is not a profile at all.
    """

    def __init__(self, message: str, problems: list[tuple[str, dict]] | None = None):
        super().__init__(message)
        self.problems = list(problems or [])


@dataclass(frozen=True)
class Profile:
    name: str
    # A file's header (as written) -> the contract field it holds.
    columns: dict[str, str] = field(default_factory=dict)
    # Field -> {a word as written: the code it means}.
    values: dict[str, dict[str, str]] = field(default_factory=dict)


# Why a profile is refused, as codes with parameters (a page says them in its language).
PROBLEMS: dict[str, str] = {
    "name": "a profile name is 1-{limit} characters",
    "not_a_field": "'{header}' is mapped to '{target}', which is no column of the data contract",
    "two_columns": "two columns are mapped to '{target}': {headers}",
    "no_codes": "'{column}' has no codes to map words to",
    "not_a_code": "'{word}' is mapped to '{code}', which is not a code of '{column}' "
                  "({choices})",
    "known_header": "'{header}' is already read as the column '{field}'; a profile maps "
                    "only names the product does not know",
    "known_code": "'{word}' is already a code of '{column}'; a profile maps only words the "
                  "product does not know",
    "known_word": "'{word}' is already read as '{code}' in '{column}'; a profile maps only "
                  "words the product does not know",
    "not_text": "a profile's columns, fields, words and codes are all text",
    "too_long": "'{text}' is longer than {limit} characters",
    "too_many_columns": "a profile maps at most {limit} columns",
    "too_many_words": "a profile maps at most {limit} words of '{column}'",
    "too_many_all_words": "a profile maps at most {limit} words in all",
    "too_big": "a profile is at most {limit} KB as JSON",
}


def _cut(text: str) -> str:
    """A long text as a message shows it: its beginning."""
    return text if len(text) <= 40 else text[:40] + "…"


def _is_text_map(value: object) -> bool:
    return isinstance(value, dict) and all(isinstance(k, str) and isinstance(v, str)
                                           for k, v in value.items())


def problems(profile: Profile, named: bool = True) -> list[tuple[str, dict]]:
    """Every reason ``profile`` cannot be used, as (code, params); empty when it can.

    ``named=False`` checks a mapping made on the upload page before it has a name.
    Safe for anything a page or a file sends: the shape and the sizes are checked
    before the entries, and a message quotes at most the beginning of a long text.
    A profile maps only what data.ingest.names does not know: a header it already reads
    as a field, or a word it already reads as a code, is refused (else a profile, picked
    by itself for a file, could turn one valid code into another).
    """
    found: list[tuple[str, dict]] = []
    name = profile.name.strip() if isinstance(profile.name, str) else ""
    if named and (not name or len(name) > MAX_NAME):
        found.append(("name", {"limit": MAX_NAME}))
    if not _is_text_map(profile.columns) or not isinstance(profile.values, dict) or not all(
            isinstance(c, str) and _is_text_map(w) for c, w in profile.values.items()):
        return [*found, ("not_text", {})]
    n_words = sum(len(words) for words in profile.values.values())
    sizes: list[tuple[str, dict]] = [("too_many_columns", {"limit": MAX_COLUMNS})] * (
        len(profile.columns) > MAX_COLUMNS)
    sizes += [("too_many_words", {"column": _cut(c), "limit": MAX_COLUMN_WORDS})
              for c, words in profile.values.items() if len(words) > MAX_COLUMN_WORDS]
    sizes += [("too_many_all_words", {"limit": MAX_ALL_WORDS})] * (n_words > MAX_ALL_WORDS)
    sizes += [("too_long", {"text": _cut(text), "limit": MAX_TEXT}) for text in (
        *profile.columns, *profile.columns.values(), *profile.values,
        *(t for words in profile.values.values() for pair in words.items() for t in pair))
        if len(text) > MAX_TEXT]
    if sizes:  # the entries are not looked at: a message per entry could be huge
        return found + sizes[:20]
    targets: dict[str, list[str]] = {}
    for header, target in profile.columns.items():
        known = field_of(header) or _FOLDED_FIELDS.get(fold(header))
        if known:
            found.append(("known_header", {"header": header, "field": known}))
        if target not in FIELDS:
            found.append(("not_a_field", {"header": header, "target": target}))
        targets.setdefault(target, []).append(header)
    for target, headers in targets.items():
        if len(headers) > 1:
            found.append(("two_columns", {"target": target,
                                          "headers": ", ".join(f"'{h}'" for h in headers)}))
    for column, words in profile.values.items():
        if column not in CHOICES:
            found.append(("no_codes", {"column": column}))
            continue
        codes = {fold(c): c for c in CHOICES[column]}
        for word, code in words.items():
            if fold(word) in codes:
                found.append(("known_code", {"word": word, "column": column}))
            elif (means := code_of(column, word)) is not None:
                found.append(("known_word", {"word": word, "code": means, "column": column}))
            if code not in CHOICES[column]:
                found.append(("not_a_code", {"word": word, "code": code, "column": column,
                                             "choices": ", ".join(CHOICES[column])}))
    if not found and len(to_json(profile).encode("utf-8")) > MAX_JSON_BYTES:
        found.append(("too_big", {"limit": MAX_JSON_BYTES // 1024}))
    return found


def say(found: list[tuple[str, dict]]) -> str:
    """The problems as one English sentence."""
    return "; ".join(PROBLEMS[code].format(**params) for code, params in found) + "."


def check(profile: Profile, named: bool = True) -> Profile:
    """The profile when it is usable, else ProfileError naming every problem."""
    found = problems(profile, named)
    if found:
        raise ProfileError(say(found), found)
    return replace(profile, name=profile.name.strip())


def to_json(profile: Profile) -> str:
    return json.dumps({"name": profile.name, "columns": profile.columns,
                       "values": profile.values}, ensure_ascii=False, indent=1)


def from_json(text: str, named: bool = True) -> Profile:
    """A profile from its JSON (an export); ProfileError when it is not one.

    The size is checked before the text is parsed, and a nesting too deep for the
    parser is refused like any other text that is no profile.
    """
    too_big = [("too_big", {"limit": MAX_JSON_BYTES // 1024})]
    if len(text) > MAX_JSON_BYTES or len(text.encode("utf-8")) > MAX_JSON_BYTES:
        raise ProfileError(say(too_big), too_big)
    try:
        data = json.loads(text)
    except RecursionError:
        raise ProfileError(_SHAPE) from None
    except ValueError as exc:
        raise ProfileError(f"not a JSON profile: {exc}") from None
    return from_data(data, named)


def from_file(path: str | os.PathLike, named: bool = True) -> Profile:
    """A profile from a JSON file (UTF-8, a BOM allowed): no more than MAX_JSON_BYTES of it
    is read. OSError when it cannot be read; ProfileError when it is no profile."""
    with open(path, "rb") as f:
        data = f.read(MAX_JSON_BYTES + 4)
    if len(data.removeprefix(b"\xef\xbb\xbf")) > MAX_JSON_BYTES:
        too_big = [("too_big", {"limit": MAX_JSON_BYTES // 1024})]
        raise ProfileError(say(too_big), too_big)
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise ProfileError("not a JSON profile: the file is not UTF-8 text") from None
    return from_json(text, named)


def from_data(data: object, named: bool = True) -> Profile:
    """A profile from its parsed JSON (or a page's store); ProfileError when it is not one:
    exactly an object of name, columns {header: field} and values {column: {word: code}},
    every one of them text."""
    if not isinstance(data, dict) or not set(data) <= {"name", "columns", "values"} \
            or not isinstance(data.get("name"), str) \
            or not _is_text_map(data.get("columns", {})) \
            or not isinstance(data.get("values", {}), dict) \
            or not all(isinstance(c, str) and _is_text_map(w)
                       for c, w in data.get("values", {}).items()):
        raise ProfileError(_SHAPE)
    columns = dict(data.get("columns", {}))
    values = {c: dict(words) for c, words in data.get("values", {}).items()}
    return check(Profile(data["name"], columns, values), named)


def apply(raw: RawTable, profile: Profile) -> RawTable:
    """``raw`` with the profile's columns renamed and its words replaced by codes (pure).

    A header renamed to a field the file already has (a 'case_id' column and 'Рег. номер'
    mapped to case_id) makes that field a duplicate column, as two names of one field in
    a file do without a profile: validation refuses the file and says which column.
    """
    by_header = {fold(h): target for h, target in profile.columns.items()}
    renames = {name: by_header[fold(name)] for name in raw.header if fold(name) in by_header}
    frame = raw.frame.rename(columns=renames)
    header = [renames.get(name, name) for name in raw.header]
    duplicates = list(raw.duplicate_columns)
    seen: set[str] = set()
    for name in header:
        if name in seen and name not in duplicates:
            duplicates.append(name)
        seen.add(name)
    if frame.columns.duplicated().any():  # the first of them kept, as the reader does
        frame = frame.loc[:, ~frame.columns.duplicated()].copy()
    for column, words in profile.values.items():
        if column in frame.columns:
            codes = {fold(w): code for w, code in words.items()}
            cells = frame[column]
            frame[column] = cells.map(lambda v, c=codes: c.get(fold(v), v)
                                      if isinstance(v, str) else v)
    read_as = {**raw.read_as, **{h: t for h, t in renames.items()}}
    return replace(raw, frame=frame, header=header, read_as=read_as,
                   duplicate_columns=duplicates)


def mapped(profile: Profile | None, columns: dict[str, str],
           values: dict[str, dict[str, str]], name: str | None = None) -> Profile:
    """``profile`` (or an empty one) with a person's mapping added on top of it (pure).

    An empty choice ("") in ``columns`` or ``values`` means "leave as it is".
    """
    base = profile or Profile(name or "")
    merged_values = {c: dict(w) for c, w in base.values.items()}
    for column, words in values.items():
        for word, code in words.items():
            if code:
                merged_values.setdefault(column, {})[word] = code
    return Profile(base.name if name is None else name,
                   {**base.columns, **{h: f for h, f in columns.items() if f}},
                   {c: w for c, w in merged_values.items() if w})


@dataclass(frozen=True)
class Unmapped:
    """What a read file says that neither the contract nor data.ingest.names knows."""

    columns: tuple[str, ...] = ()
    # enumerated field -> its words that are no code (the first MAX_WORDS of them)
    values: dict[str, tuple[str, ...]] = field(default_factory=dict)

    def __bool__(self) -> bool:
        return bool(self.columns or self.values)


MAX_WORDS = 30


def unmapped(raw: RawTable) -> Unmapped:
    """The file's header cells that name no field, and the words of its enumerated
    columns that are no code (pure; after names and any profile were applied)."""
    columns = tuple(h for h in raw.header if h not in FIELDS)
    values: dict[str, tuple[str, ...]] = {}
    for column, choices in CHOICES.items():
        if column not in raw.frame.columns:
            continue
        known = {fold(c) for c in choices}
        cells = raw.frame[column]
        words = [w for w in pd.unique(cells[cells.notna() & (cells != "")].astype(str))
                 if fold(w) not in known and code_of(column, w) is None]
        if words:
            values[column] = tuple(sorted(words)[:MAX_WORDS])
    return Unmapped(columns, values)


def chooser(saved: list[Profile], choice: str | None, columns: dict[str, str],
            values: dict[str, dict[str, str]]):
    """What reads a file on the upload page: a function of the file as read giving the
    profile to apply (or None), for ``data.ingest.load.check_file``.

    ``choice`` is "auto" (the saved profile that maps most of the file's names), "none"
    or a saved profile's name; the person's own mapping is added on top of it.
    """
    by_name = {p.name: p for p in saved}

    def pick(raw: RawTable) -> Profile | None:
        base = best_match(saved, raw) if choice == "auto" else by_name.get(choice or "")
        if not columns and not any(values.values()):
            return base
        return mapped(base, columns, values)

    return pick


def best_match(candidates: list[Profile], raw: RawTable) -> Profile | None:
    """The saved profile that maps the most of this file's own names, if any maps one.

    Ties go to the first by name, so the choice does not depend on when it was saved.
    A profile today's rules refuse (stored before they were) is never picked.
    """
    gap = unmapped(raw)
    headers = {fold(h) for h in gap.columns}
    words = {(c, fold(w)) for c, ws in gap.values.items() for w in ws}
    best, best_score = None, 0
    for profile in sorted(candidates, key=lambda p: p.name):
        if problems(profile):
            continue
        score = sum(fold(h) in headers for h in profile.columns) + sum(
            (c, fold(w)) in words for c, ws in profile.values.items() for w in ws)
        if score > best_score:
            best, best_score = profile, score
    return best


# --- storage -------------------------------------------------------------------------------


def save(conn: Connection, profile: Profile, user: str, address: str | None = None) -> None:
    """Store (or replace) a profile, audited in the same transaction."""
    profile = check(profile)
    existed = get(conn, profile.name) is not None
    conn.execute(delete(ImportProfile).where(ImportProfile.name == profile.name))
    conn.execute(insert(ImportProfile).values(name=profile.name, body=to_json(profile),
                                              saved_by=user[:120], saved_at=time.time()))
    audit.record(conn, user, "profile_replaced" if existed else "profile_saved",
                 profile.name, address)


def _stored(name: str, body: str) -> Profile | ProfileError:
    """A stored row read with today's rules: the profile, or why it is refused now
    (it was saved before a rule it breaks)."""
    try:
        return from_json(body)
    except ProfileError as exc:
        return ProfileError(f"the stored profile '{_cut(name)}' cannot be used any more: "
                            f"{exc} Delete it and save a corrected one.", exc.problems)


def get(conn: Connection, name: str) -> Profile | None:
    """The stored profile of that name; None when there is none, or when today's rules
    refuse it (``refusal`` says why)."""
    row = conn.execute(select(ImportProfile.body).where(ImportProfile.name == name)).first()
    found = None if row is None else _stored(name, row.body)
    return found if isinstance(found, Profile) else None


def refusal(conn: Connection, name: str) -> ProfileError | None:
    """Why the stored profile ``name`` cannot be used, if it is stored and cannot."""
    row = conn.execute(select(ImportProfile.body).where(ImportProfile.name == name)).first()
    found = None if row is None else _stored(name, row.body)
    return found if isinstance(found, ProfileError) else None


def listing(conn: Connection) -> list[tuple[str, str, float]]:
    """(name, saved by, saved at) of every profile, by name (usable or not: see
    ``refusal``)."""
    rows = conn.execute(select(ImportProfile.name, ImportProfile.saved_by,
                               ImportProfile.saved_at).order_by(ImportProfile.name)).all()
    return [(r.name, r.saved_by, r.saved_at) for r in rows]


def every(conn: Connection) -> list[Profile]:
    """Every usable stored profile, by name. One today's rules refuse (saved before
    them) is left out, and the reason logged: it is neither picked nor applied."""
    rows = conn.execute(select(ImportProfile.name, ImportProfile.body)
                        .order_by(ImportProfile.name)).all()
    usable = []
    for row in rows:
        found = _stored(row.name, row.body)
        if isinstance(found, Profile):
            usable.append(found)
        else:
            LOG.warning("import profile skipped: %s", found)
    return usable


def save_now(engine: Engine, profile: Profile, user: str, address: str | None = None) -> None:
    """``save`` in its own transaction (the page's Save button)."""
    with engine.begin() as conn:
        save(conn, profile, user, address)


def delete_now(engine: Engine, name: str, user: str, address: str | None = None) -> bool:
    """Delete a profile, audited; False when there was none of that name."""
    with engine.begin() as conn:
        gone = conn.execute(delete(ImportProfile).where(ImportProfile.name == name)).rowcount
        if gone:
            audit.record(conn, user, "profile_deleted", name, address)
    return bool(gone)
