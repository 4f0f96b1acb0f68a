"""Import profiles: a saved mapping of a court's own column names and words to the
contract's fields and codes, for what data.ingest.names does not know.

A profile says "'Рег. номер' is case_id; in category, 'ГПК' is civil". Applied to a
file as it is read, before validation, so everything after (detection of the kind,
checks, messages, writing) is the same as for a file with the contract's names.
Stored in the database as JSON, audited; exported and imported as JSON files.
"""

from __future__ import annotations

import json
import time
from dataclasses import dataclass, field, replace

import pandas as pd
from sqlalchemy import Connection, Engine, delete, insert, select

from data.accounts import audit
from data.ingest.names import code_of, fold
from data.ingest.readers import RawTable
from data.store.models import ImportProfile
from data.store.schema import KINDS

MAX_NAME = 80
FIELDS = frozenset(c.name for kind in KINDS.values() for c in kind.columns)
CHOICES = {c.name: c.choices for kind in KINDS.values() for c in kind.columns if c.choices}


class ProfileError(ValueError):
    """A profile that cannot be saved or used; the message says why."""


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
}


def problems(profile: Profile, named: bool = True) -> list[tuple[str, dict]]:
    """Every reason ``profile`` cannot be used, as (code, params); empty when it can.

    ``named=False`` checks a mapping made on the upload page before it has a name.
    """
    found: list[tuple[str, dict]] = []
    name = profile.name.strip()
    if named and (not name or len(name) > MAX_NAME):
        found.append(("name", {"limit": MAX_NAME}))
    targets: dict[str, list[str]] = {}
    for header, target in profile.columns.items():
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
        for word, code in words.items():
            if code not in CHOICES[column]:
                found.append(("not_a_code", {"word": word, "code": code, "column": column,
                                             "choices": ", ".join(CHOICES[column])}))
    return found


def check(profile: Profile, named: bool = True) -> Profile:
    """The profile when it is usable, else ProfileError naming every problem."""
    found = problems(profile, named)
    if found:
        raise ProfileError("; ".join(PROBLEMS[code].format(**params)
                                     for code, params in found) + ".")
    return replace(profile, name=profile.name.strip())


def to_json(profile: Profile) -> str:
    return json.dumps({"name": profile.name, "columns": profile.columns,
                       "values": profile.values}, ensure_ascii=False, indent=1)


def from_json(text: str, named: bool = True) -> Profile:
    """A profile from its JSON (an export); ProfileError when it is not one."""
    try:
        data = json.loads(text)
    except ValueError as exc:
        raise ProfileError(f"not a JSON profile: {exc}") from None
    if not isinstance(data, dict) or not isinstance(data.get("name"), str) \
            or not isinstance(data.get("columns", {}), dict) \
            or not isinstance(data.get("values", {}), dict) \
            or not all(isinstance(v, dict) for v in data.get("values", {}).values()):
        raise ProfileError("a profile is an object with a name, columns and values")
    columns = {str(k): str(v) for k, v in data.get("columns", {}).items()}
    values = {str(c): {str(w): str(code) for w, code in words.items()}
              for c, words in data.get("values", {}).items()}
    return check(Profile(data["name"], columns, values), named)


def apply(raw: RawTable, profile: Profile) -> RawTable:
    """``raw`` with the profile's columns renamed and its words replaced by codes (pure)."""
    by_header = {fold(h): target for h, target in profile.columns.items()}
    renames = {name: by_header[fold(name)] for name in raw.header if fold(name) in by_header}
    frame = raw.frame.rename(columns=renames)
    header = [renames.get(name, name) for name in raw.header]
    for column, words in profile.values.items():
        if column in frame.columns:
            codes = {fold(w): code for w, code in words.items()}
            cells = frame[column]
            frame[column] = cells.map(lambda v, c=codes: c.get(fold(v), v)
                                      if isinstance(v, str) else v)
    read_as = {**raw.read_as, **{h: t for h, t in renames.items()}}
    return replace(raw, frame=frame, header=header, read_as=read_as)


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
    """
    gap = unmapped(raw)
    headers = {fold(h) for h in gap.columns}
    words = {(c, fold(w)) for c, ws in gap.values.items() for w in ws}
    best, best_score = None, 0
    for profile in sorted(candidates, key=lambda p: p.name):
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


def get(conn: Connection, name: str) -> Profile | None:
    row = conn.execute(select(ImportProfile.body).where(ImportProfile.name == name)).first()
    return None if row is None else from_json(row.body)


def listing(conn: Connection) -> list[tuple[str, str, float]]:
    """(name, saved by, saved at) of every profile, by name."""
    rows = conn.execute(select(ImportProfile.name, ImportProfile.saved_by,
                               ImportProfile.saved_at).order_by(ImportProfile.name)).all()
    return [(r.name, r.saved_by, r.saved_at) for r in rows]


def every(conn: Connection) -> list[Profile]:
    """Every stored profile, by name."""
    rows = conn.execute(select(ImportProfile.body).order_by(ImportProfile.name)).all()
    return [from_json(r.body) for r in rows]


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
