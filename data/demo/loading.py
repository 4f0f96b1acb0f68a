"""Load the synthetic demo data set through the real loader.

``small`` goes file by file through ``load_file`` (reader, validation, loader), like
an analyst's uploads; ``national`` streams typed frames court-chunk by court-chunk
into ``write_upload`` so 7.5 M cases never sit twice in memory.
"""

from __future__ import annotations

import datetime
import functools
import hashlib
import tempfile
from pathlib import Path

import pandas as pd
from sqlalchemy import Engine, text

from data.accounts.access import MACHINE_ROLES, ROLES
from data.ingest.load import LoadReport, load_file, write_upload
from data.ingest.writers import write_csv
from data.store.schema import KINDS, LOAD_ORDER

DEMO_USER = "demo"
CASE_OPTIONAL = ("statutory_days", "e_filed", "hearings_total", "hearings_video", "appealed",
                 "appeal_result", "published")


def _carried_groups(cases: pd.DataFrame) -> list[tuple[tuple[str, ...], pd.DataFrame]]:
    """Split cases by the optional columns each court reports: one export file each.

    An empty yes/no cell means "no", so a court that does not report a column must
    come in a file without that column, as its real export would.
    """
    carried = cases.groupby("court_code")[list(CASE_OPTIONAL)].agg(lambda s: s.notna().any())
    groups = []
    for cols, courts in carried.groupby(list(CASE_OPTIONAL)).groups.items():
        present = tuple(c for c, on in zip(CASE_OPTIONAL, cols) if on)
        drop = [c for c in CASE_OPTIONAL if c not in present]
        groups.append((present, cases[cases["court_code"].isin(courts)].drop(columns=drop)))
    return groups


def as_exported(cases: pd.DataFrame) -> pd.DataFrame:
    """Cases as each court's own export file would load them.

    A court that reports a yes/no column sends empty cells as "no", and an appeal
    result column with empty cells as "no result yet" (""): the same values the
    reader and validation give the file, so a later re-upload finds them unchanged.
    """
    out = cases.copy()
    carried = out.groupby("court_code")[list(CASE_OPTIONAL)].transform(
        lambda s: s.notna().any())
    for col in ("e_filed", "appealed", "published"):
        out[col] = out[col].mask(carried[col].to_numpy(dtype=bool) & out[col].isna(), False)
    result_carried = carried["appeal_result"].to_numpy(dtype=bool)
    out["appeal_result"] = out["appeal_result"].mask(
        result_carried & out["appeal_result"].isna().to_numpy(), "")
    return out


def load_demo(engine: Engine, scale: str = "small", seed: int = 0,
              verbose: bool = False, as_of: datetime.date | None = None) -> str:
    """Generate and load the demo data as extracted on ``as_of`` (None: today; the data
    run through ``synthetic.data_end(as_of)``); returns a one-paragraph summary."""
    from data.demo import synthetic

    say = _printer(verbose)
    as_of = as_of if as_of is not None else datetime.date.today()
    if scale == "small":
        reports = load_frames(engine, synthetic.generate("small", seed, as_of=as_of), say,
                              as_of=synthetic.data_end(as_of))
    else:
        reports = _load_national(engine, seed, say, as_of)
    bad = [r for r in reports if r.status == "rejected"]
    if bad:
        details = "; ".join(f"{r.filename}: {r.errors[0].message if r.errors else ''}"
                            for r in bad)
        raise RuntimeError(f"demo data was rejected by validation: {details}")
    _mark_synthetic(engine, scale, seed, as_of)
    loaded = sum(r.rows for r in reports if r.status == "loaded")
    skipped = sum(1 for r in reports if r.status == "already_loaded")
    end = synthetic.data_end(as_of)
    return (f"Demo data ({scale}, seed {seed}, data to {end.isoformat()}, SYNTHETIC): "
            f"{loaded} rows loaded in "
            f"{sum(r.status == 'loaded' for r in reports)} uploads"
            + (f", {skipped} already loaded" if skipped else "") + ".")


def load_frames(engine: Engine, frames: dict[str, pd.DataFrame],
                say=None, as_of: datetime.date | None = None) -> list[LoadReport]:
    """Load frames of upload kinds (as ``synthetic.generate`` gives them) through the real
    loader, file by file like an analyst's uploads, in the order the references need;
    cases in one file per set of optional columns the courts report (``_carried_groups``).
    ``say`` is told each file's outcome; ``as_of``: the case files' as-of date (None:
    each file's default). Returns each file's report."""
    reports = []
    with tempfile.TemporaryDirectory() as tmp:
        for kind in (k for k in LOAD_ORDER if k in frames):
            frame = frames[kind]
            parts = _carried_groups(frame) if kind == "cases" else [((), frame)]
            for i, (_, part) in enumerate(parts):
                path = Path(tmp) / f"demo_{kind}_{i + 1}.csv"
                write_csv(part, kind, path)
                reports.append(load_file(engine, path, kind=kind, user=DEMO_USER,
                                         source="demo", max_bytes=None,
                                         as_of=as_of if kind == "cases" else None))
                if say is not None:
                    say(f"{path.name}: {reports[-1].status}")
    return reports


# The example rows of the upload page come from a fixed extraction day, so they do
# not change with the date.
EXAMPLE_AS_OF = datetime.date(2026, 1, 1)


@functools.cache
def _small() -> dict[str, pd.DataFrame]:
    from data.demo import synthetic

    return synthetic.generate("small", seed=0, as_of=EXAMPLE_AS_OF)


def example_frame(kind: str, rows: int = 5) -> pd.DataFrame:
    """A few rows of ``kind`` from the small demo data, to show what a file looks like;
    only the header for a kind the demo does not generate. A kind with
    ``example_mix`` shows one court's rows with and without that column."""
    spec = KINDS[kind]
    frame = _small().get(kind)
    if frame is None:
        return pd.DataFrame(columns=list(spec.column_names))
    if spec.example_mix and len(frame):
        mix, group = spec.example_mix, spec.key[0]
        # The first court (say) with rows of both kinds: one whose cases are all
        # resolved would show no pending case.
        both = frame[mix].isna().groupby(frame[group], sort=False).agg(["any", "all"])
        mixed = both.index[both["any"] & ~both["all"]]
        first = mixed[0] if len(mixed) else frame[group].iloc[0]
        frame = frame[frame[group] == first]
        frame = pd.concat([frame[frame[mix].notna()].head(rows - 1),
                           frame[frame[mix].isna()].head(1)])
    return frame.head(rows)


def _load_national(engine: Engine, seed: int, say, as_of: datetime.date) -> list[LoadReport]:
    from tqdm import tqdm

    from data.demo import synthetic

    frames = synthetic.generate("national", seed, include_cases=False, as_of=as_of)
    reports = []

    def put(kind: str, frame: pd.DataFrame, name: str) -> None:
        digest = hashlib.sha256(
            pd.util.hash_pandas_object(frame, index=False).to_numpy().tobytes()
            + f"{name}:{seed}".encode()).hexdigest()
        report = LoadReport("rejected", name, kind, sha256=digest, size_bytes=0,
                            as_of=synthetic.data_end(as_of).isoformat()
                            if kind == "cases" else None)
        with engine.connect() as conn:
            row = conn.execute(text("SELECT id FROM uploads WHERE sha256 = :s AND "
                                    "status = 'loaded'"), {"s": digest}).first()
        if row is not None:
            report.status, report.upload_id = "already_loaded", row[0]
        else:
            report = write_upload(engine, kind, frame, report, user=DEMO_USER, source="demo")
        reports.append(report)

    for kind in ("regions", "courts"):
        put(kind, frames[kind], f"demo_national_{kind}")
        say(f"{kind}: {len(frames[kind])} rows")
    chunks = synthetic.iter_case_chunks("national", seed, as_of=as_of)
    with tqdm(desc="cases", unit=" cases", disable=not say.enabled) as bar:
        for i, chunk in enumerate(chunks):
            put("cases", as_exported(chunk), f"demo_national_cases_{i + 1:03d}")
            bar.update(len(chunk))
    for kind in ("caseload", "resources", "surveys", "targets"):
        put(kind, frames[kind], f"demo_national_{kind}")
        say(f"{kind}: {len(frames[kind])} rows")
    return reports


def _mark_synthetic(engine: Engine, scale: str, seed: int, as_of: datetime.date) -> None:
    with engine.begin() as conn:
        conn.execute(text("DELETE FROM meta WHERE key IN ('synthetic', 'demo')"))
        conn.execute(text("INSERT INTO meta (key, value) VALUES ('synthetic', 'true'), "
                          "('demo', :v)"),
                     {"v": f"{scale} seed {seed} as of {as_of.isoformat()}"})


class _printer:
    """Prints progress lines when ``enabled`` (the demo's --verbose); the progress bar
    of the cases asks it too."""

    def __init__(self, enabled: bool):
        self.enabled = enabled

    def __call__(self, message: str) -> None:
        if self.enabled:
            print(message, flush=True)



# One account per role a person signs in with; the metrics scraper (a machine) has none.
DEMO_ROLES = tuple(role for role in ROLES if role not in MACHINE_ROLES)


def create_demo_users(engine: Engine) -> list[tuple[str, str, str | None, str]]:
    """One account per role (the judge bound to the first court), random passwords.

    Returns (name, role, court, password) for the accounts created now; existing
    ones are left alone, so running the demo twice changes no password.
    """
    from data.accounts import audit, users

    created = []
    with engine.begin() as conn:
        court = conn.execute(text("SELECT MIN(court_code) FROM courts WHERE level = 'district'"))\
            .scalar()
        for role in DEMO_ROLES:
            name = f"demo-{role}"
            if users.get(conn, name) is not None or (role == "judge" and court is None):
                continue
            password = users.new_password()
            users.add_user(conn, name, role, password, court if role == "judge" else None)
            audit.record(conn, DEMO_USER, "user_add", f"{name} as {role}")
            created.append((name, role, court if role == "judge" else None, password))
    return created


def credentials_text(created: list[tuple[str, str, str | None, str]]) -> str:
    lines = ["Demo accounts (synthetic data only; change or disable them for real use):"]
    for name, role, court, password in created:
        lines.append(f"  {name:<14} {password:<18} {role}" + (f" of court {court}" if court
                                                                else ""))
    return "\n".join(lines)
