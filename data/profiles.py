"""Import profiles: a saved mapping of a court's own column names and words to the
contract's fields and codes, for what data.names does not know.

A profile says "'Рег. номер' is case_id; in category, 'ГПК' is civil". Applied to a
file as it is read, before validation, so everything after (detection of the kind,
checks, messages, writing) is the same as for a file with the contract's names.
Stored in the database as JSON, audited; exported and imported as JSON files.
"""

from __future__ import annotations

import json
import time
from dataclasses import dataclass, field, replace

from sqlalchemy import Connection, delete, insert, select

from data import audit
from data.models import ImportProfile
from data.names import fold
from data.readers import RawTable
from data.schema import KINDS

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


def check(profile: Profile) -> Profile:
    """The profile when it is usable, else ProfileError naming every problem."""
    problems = []
    name = profile.name.strip()
    if not name or len(name) > MAX_NAME:
        problems.append(f"a profile name is 1-{MAX_NAME} characters")
    targets: dict[str, list[str]] = {}
    for header, target in profile.columns.items():
        if target not in FIELDS:
            problems.append(f"'{header}' is mapped to '{target}', which is no column of the "
                            "data contract")
        targets.setdefault(target, []).append(header)
    for target, headers in targets.items():
        if len(headers) > 1:
            problems.append(f"two columns are mapped to '{target}': "
                            + ", ".join(f"'{h}'" for h in headers))
    for column, words in profile.values.items():
        if column not in CHOICES:
            problems.append(f"'{column}' has no codes to map words to")
            continue
        for word, code in words.items():
            if code not in CHOICES[column]:
                problems.append(f"'{word}' is mapped to '{code}', which is not a code of "
                                f"'{column}' ({', '.join(CHOICES[column])})")
    if problems:
        raise ProfileError("; ".join(problems) + ".")
    return replace(profile, name=name)


def to_json(profile: Profile) -> str:
    return json.dumps({"name": profile.name, "columns": profile.columns,
                       "values": profile.values}, ensure_ascii=False, indent=1)


def from_json(text: str) -> Profile:
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
    return check(Profile(data["name"], columns, values))


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
