"""``python -m data``: init, load, uploads, undo, demo, refresh, user, profile, flags,
backup, restore, judge-year.

Exit codes: 0 done (or already loaded), 1 rejected or refused, 2 usage errors.
Errors are sentences, never tracebacks.
"""

from __future__ import annotations

import argparse
import datetime
import sys
from collections.abc import Sequence

from sqlalchemy.exc import ArgumentError, OperationalError

from data.accounts.access import ROLES
from data.derive.refresh import ready
from data.store.db import database_url, make_engine
from data.store.schema import KINDS
from kpi.plausibility import RULES
from layouts.export import csv_text


def _iso_date(text: str) -> datetime.date:
    """An argparse type: a YYYY-MM-DD date (a usage error otherwise)."""
    try:
        return datetime.date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a date (YYYY-MM-DD): {text!r}") from None


def _parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="python -m data", description="Court KPI data tools.")
    sub = p.add_subparsers(dest="command", required=True)

    def with_db(sp: argparse.ArgumentParser) -> argparse.ArgumentParser:
        sp.add_argument("--db", help="database URL (default: $DATABASE_URL, else SQLite file)")
        return sp

    with_db(sub.add_parser("init", help="create or upgrade the database"))
    load = with_db(sub.add_parser("load", help="validate and load one file"))
    load.add_argument("file")
    load.add_argument("--kind", choices=list(KINDS), help="kind of data (default: detected)")
    load.add_argument("--user", default="cli", help="who loads (kept in the upload record)")
    load.add_argument("--profile", help="an import profile mapping the file's own names")
    load.add_argument("--as-of", type=_date, metavar="YYYY-MM-DD",
                      help="case files: the day the data were extracted (default: the last "
                           "day of the month of the file's latest date)")
    with_db(sub.add_parser("uploads", help="list uploads"))
    undo = with_db(sub.add_parser("undo", help="undo an upload"))
    undo.add_argument("upload_id", type=int)
    undo.add_argument("--user", default="cli")
    demo = with_db(sub.add_parser("demo", help="load synthetic demo data"))
    demo.add_argument("--scale", choices=["small", "national"], default="small")
    demo.add_argument("--seed", type=int, default=0)
    demo.add_argument("--as-of", type=_iso_date, default=None, metavar="YYYY-MM-DD",
                      help="the day the demo data are extracted (default today): they run "
                           "through the last day of the month before")
    with_db(sub.add_parser("refresh", help="recompute all facts and KPI cells"))
    user = sub.add_parser("user", help="manage accounts")
    user_sub = user.add_subparsers(dest="user_command", required=True)
    add = with_db(user_sub.add_parser("add", help="add an account"))
    add.add_argument("name")
    add.add_argument("--role", required=True, choices=list(ROLES))
    add.add_argument("--court", help="the judge's court code")
    add.add_argument("--password-stdin", action="store_true",
                     help="read the password from standard input (else one is generated)")
    passwd = with_db(user_sub.add_parser("passwd", help="set a new password"))
    passwd.add_argument("name")
    passwd.add_argument("--password-stdin", action="store_true")
    with_db(user_sub.add_parser("list", help="list accounts"))
    token = with_db(user_sub.add_parser("token", help="issue an API token (replaces the old)"))
    token.add_argument("name")
    imp_users = with_db(user_sub.add_parser(
        "import", help="add local accounts from a CSV (name, role, court, email); all or none"))
    imp_users.add_argument("file")
    imp_users.add_argument("--passwords", metavar="OUT.csv",
                           help="write the new passwords to this new file (else print them)")
    exp_users = with_db(user_sub.add_parser(
        "export", help="write every account as CSV (name, role, court, email, source)"))
    exp_users.add_argument("--output", metavar="FILE", help="a file (default: standard output)")
    with_db(user_sub.add_parser(
        "directory-check", help="end the sessions and tokens of directory accounts the "
                                "directory disabled or removed (run it periodically)"))
    profile = sub.add_parser("profile", help="import profiles: a court's own names mapped")
    profile_sub = profile.add_subparsers(dest="profile_command", required=True)
    with_db(profile_sub.add_parser("list", help="list profiles"))
    show = with_db(profile_sub.add_parser("show", help="print a profile as JSON"))
    show.add_argument("name")
    export = with_db(profile_sub.add_parser("export", help="write a profile to a JSON file"))
    export.add_argument("name")
    export.add_argument("file")
    imp = with_db(profile_sub.add_parser("import", help="store a profile from a JSON file"))
    imp.add_argument("file")
    imp.add_argument("--user", default="cli", help="who imports (kept in the audit log)")
    release = sub.add_parser("release", help="releases: a year's figures published, frozen")
    release_sub = release.add_subparsers(dest="release_command", required=True)
    with_db(release_sub.add_parser("list", help="list releases, newest first"))
    publish = with_db(release_sub.add_parser(
        "publish", help="freeze a year (and the years before) as the next release"))
    publish.add_argument("--year", type=int, required=True)
    publish.add_argument("--note", default="", help="plain text shown with the release")
    publish.add_argument("--user", default="cli", help="who publishes (kept in the audit log)")
    bk = with_db(sub.add_parser(
        "backup", help="write a backup of the whole database to FILE (safe while the app runs)"))
    bk.add_argument("file")
    rs = sub.add_parser("restore", help="restore a backup FILE into an EMPTY database")
    rs.add_argument("file")
    rs.add_argument("--db", required=True, help="URL of the empty database to restore into")
    flags = with_db(sub.add_parser(
        "flags", help="implausible figures in the loaded data, most implausible first"))
    flags.add_argument("--year", type=int, help="flags of one year")
    flags.add_argument("--court", help="flags of one court (its code)")
    flags.add_argument("--rule", choices=list(RULES), help="flags of one rule")
    flags.add_argument("--format", choices=["csv", "json"], default="csv")
    flags.add_argument("--lang", choices=["kk", "ru", "en"], default="en",
                       help="language of the message column (default en)")
    jy = with_db(sub.add_parser(
        "judge-year", help="the judge year of the judges-needed measure: show it, set it "
                           "(--days and --hours) or undo the latest change (--undo)"))
    jy.add_argument("--days", type=float, help="working days a year (0 < D <= 366)")
    jy.add_argument("--hours", type=float, help="case-related hours a day (0 < H <= 24)")
    jy.add_argument("--undo", action="store_true", help="put back the value before the "
                                                        "latest change")
    jy.add_argument("--user", default="cli", help="who is changing it (for the audit log)")
    return p


def main(argv: Sequence[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    try:
        engine = make_engine(database_url(args.db))
    except (ArgumentError, ImportError) as exc:
        # A mistyped URL or one for a database without its driver installed.
        print(f"error: not a usable database URL: {exc}", file=sys.stderr)
        return 2
    try:
        return COMMANDS[args.command](engine, args)
    except OperationalError as exc:
        print(f"error: cannot use the database: {exc.orig}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print("interrupted: nothing was written by the unfinished step.", file=sys.stderr)
        return 1


def cmd_init(engine, args) -> int:
    from data.store.db import MigrationRefused

    try:
        ready(engine)
    except MigrationRefused as exc:
        print(f"error: the upgrade was refused, nothing changed: {exc}", file=sys.stderr)
        return 1
    print(f"Database ready: {engine.url.render_as_string(hide_password=True)}")
    return 0


def cmd_load(engine, args) -> int:
    from pathlib import Path

    from data.ingest.load import load_file

    path = Path(args.file)
    if not path.is_file():
        print(f"error: no such file: {path}", file=sys.stderr)
        return 2
    ready(engine)
    profile = None
    if args.profile:
        from data.ingest import profiles

        with engine.connect() as conn:
            profile = profiles.get(conn, args.profile)
        if profile is None:
            print(f"error: no import profile named {args.profile!r} "
                  "(see `python -m data profile list`)", file=sys.stderr)
            return 2
    report = load_file(engine, path, kind=args.kind, user=args.user, source="cli",
                       progress=_progress_printer(), profile=profile, as_of=args.as_of)
    return print_report(report)


def _date(text: str):
    import datetime as dt

    try:
        if len(text) != 10 or not text.isascii():
            raise ValueError
        return dt.date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(
            f"{text[:40]!r} is not a date: write YYYY-MM-DD, e.g. 2026-09-30") from None


def _progress_printer():
    if not sys.stderr.isatty():
        return None

    def say(message: str, fraction: float) -> None:
        print(f"\r{message:<20} {fraction:4.0%}", end="" if fraction < 1 else "\n",
              file=sys.stderr, flush=True)

    return say


def print_report(report) -> int:
    if report.status == "already_loaded":
        print(f"Already loaded: {report.filename} is upload #{report.upload_id} "
              f"(same SHA-256); nothing changed.")
        return 0
    if report.status == "rejected":
        print(f"Rejected {report.filename}"
              + (f" ({report.kind})" if report.kind else "")
              + f": {report.error_count} error(s); nothing was written.")
        for issue in report.errors:
            print("  " + _issue_line(issue))
        if report.error_count > len(report.errors):
            print(f"  ... and {report.error_count - len(report.errors)} more.")
        _print_warnings(report)
        return 1
    print(f"Loaded upload #{report.upload_id}: {report.filename} ({report.kind}), "
          f"{report.rows} rows: {report.inserted} inserted, {report.replaced} replaced, "
          f"{report.unchanged} unchanged; {report.kpi_cells} KPI cells refreshed.")
    if report.as_of:
        print(f"Data as of {report.as_of}" + (
            " (no --as-of given: the end of the month of the file's latest date)."
            if report.as_of_default else "."))
    _print_warnings(report)
    return 0


def _print_warnings(report) -> None:
    if report.warning_count:
        print(f"{report.warning_count} warning(s):")
        for issue in report.warnings[:50]:
            print("  " + _issue_line(issue))
        if report.warning_count > 50:
            print(f"  ... and {report.warning_count - 50} more (kept with the upload).")


def _issue_line(issue) -> str:
    where = []
    if issue.line is not None:
        where.append(f"line {issue.line}")
    if issue.column:
        where.append(f"column {issue.column}")
    return (", ".join(where) + ": " if where else "") + issue.message


def cmd_uploads(engine, args) -> int:
    from data.store.upload_records import uploads

    ready(engine)
    with engine.connect() as conn:
        df = uploads(conn)
    if df.empty:
        print("No uploads yet.")
        return 0
    cols = ["id", "created_at", "user", "kind", "filename", "rows", "inserted", "replaced",
            "unchanged", "warning_count", "status", *(["as_of"] if "as_of" in df else [])]
    df = df[cols].assign(created_at=df["created_at"].astype(str).str[:19])
    print(df.to_string(index=False))
    return 0


def cmd_undo(engine, args) -> int:
    from data.ingest.undo import UndoRefused, undo

    ready(engine)
    try:
        report = undo(engine, args.upload_id, user=args.user)
    except UndoRefused as exc:
        print(f"Refused: {exc}")
        return 1
    print(f"Undone upload #{report.upload_id} ({report.filename}, {report.kind}): "
          f"{report.inserted} added rows removed, {report.replaced} replaced rows restored; "
          f"{report.kpi_cells} KPI cells refreshed.")
    return 0


def cmd_demo(engine, args) -> int:
    from data.demo.loading import create_demo_users, credentials_text, load_demo
    from data.demo.synthetic import FIRST_YEAR

    if args.as_of is not None and args.as_of < datetime.date(FIRST_YEAR, 2, 1):
        print(f"--as-of must be {FIRST_YEAR}-02-01 or later: the demo data start on "
              f"1 January {FIRST_YEAR}.", file=sys.stderr)
        return 2
    ready(engine)
    summary = load_demo(engine, scale=args.scale, seed=args.seed, verbose=True,
                        as_of=args.as_of)
    print(summary)
    created = create_demo_users(engine)
    if created:
        print(credentials_text(created))
    return 0


def cmd_refresh(engine, args) -> int:
    from data.derive.refresh import refresh_all
    from data.ingest.load import statutory_days

    ready(engine)
    with engine.begin() as conn:
        n = refresh_all(conn, statutory_days())
    print(f"Recomputed facts and {n} KPI cells.")
    return 0


def _password(args) -> tuple[str, bool]:
    """The password from stdin, or a generated one (to be shown once)."""
    from data.accounts.users import new_password

    if args.password_stdin:
        return sys.stdin.readline().rstrip("\r\n"), False
    if sys.stdin.isatty():
        import getpass

        first = getpass.getpass("New password (empty: generate one): ")
        if first:
            if getpass.getpass("Repeat it: ") != first:
                raise ValueError("The two passwords differ.")
            return first, False
    return new_password(), True


def _user_import(engine, args) -> int:
    import os
    from pathlib import Path

    from data.accounts import bulk
    from data.accounts.access import Viewer
    from layouts.accounts_bulk import problem_text

    out = Path(args.passwords) if args.passwords else None
    if out is not None and out.exists():
        print(f"error: {out} exists; the new passwords go to a new file.", file=sys.stderr)
        return 2
    try:
        raw = Path(args.file).read_bytes()
    except OSError as exc:
        print(f"error: cannot read {args.file}: {exc.strerror}", file=sys.stderr)
        return 2
    try:
        issued = bulk.import_accounts(engine, Viewer("cli", "admin"), raw)
    except bulk.BulkRefused as exc:
        for problem in exc.problems:
            print(f"{args.file}: {problem_text(problem, 'en')}", file=sys.stderr)
        print(f"error: {exc}.", file=sys.stderr)
        return 1
    text = csv_text(bulk.passwords_frame(issued), lineterminator="\n")
    if out is None:
        print(f"Added {len(issued)} accounts. Their passwords (shown once):")
        sys.stdout.write(text)
        return 0
    # Only the owner may read the file of passwords.
    fd = os.open(out, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as f:
        f.write(text)
    print(f"Added {len(issued)} accounts; their passwords are in {out} (hand them out, "
          "then delete it).")
    return 0


def _user_export(engine, args) -> int:
    from data.accounts import bulk

    text = csv_text(bulk.export(engine), lineterminator="\n")
    if args.output:
        with open(args.output, "w", encoding="utf-8") as f:
            f.write(text)
    else:
        sys.stdout.write(text)
    return 0


def _directory_check(engine, args) -> int:
    from data.accounts import directory, directory_accounts

    try:
        settings = directory.settings_from()
    except directory.DirectoryConfigError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    if settings is None:
        print("No directory is set (COURT_KPI_LDAP_URL): nothing to check.")
        return 0
    try:
        done = directory_accounts.check_open(engine, settings)
    except directory.DirectoryDown as exc:
        print(f"error: the directory cannot be reached: {exc}", file=sys.stderr)
        return 1
    for name, what in done:
        print(f"{name}: {what}")
    print(f"Directory checked: {len(done)} account(s) changed.")
    return 0


def cmd_user(engine, args) -> int:
    from data.accounts import audit, users

    ready(engine)
    extra = {"import": _user_import, "export": _user_export,
             "directory-check": _directory_check}
    if args.user_command in extra:
        return extra[args.user_command](engine, args)
    try:
        if args.user_command == "list":
            with engine.connect() as conn:
                df = users.listing(conn)
            print("No users yet." if df.empty else df.drop(columns=["id"]).to_string(
                index=False))
            return 0
        if args.user_command == "token":
            with engine.begin() as conn:
                token = users.issue_token(conn, args.name)
                audit.record(conn, "cli", "token_issued", args.name)
            print(f"API token for {args.name} (shown once; it replaces any earlier one):")
            print(token)
            return 0
        password, generated = _password(args)
        with engine.begin() as conn:
            if args.user_command == "passwd" and users.source_of(conn, args.name) \
                    == users.DIRECTORY:
                raise users.AccountError(f"{args.name} comes from the directory: its "
                                         "password is changed there, not here.")
            if args.user_command == "add":
                users.add_user(conn, args.name, args.role, password, args.court)
                audit.record(conn, "cli", "user_add", f"{args.name} as {args.role}"
                             + (f" of {args.court}" if args.court else ""))
                print(f"Added {args.name} ({args.role}"
                      + (f", court {args.court})" if args.court else ")"))
            else:
                users.set_password(conn, args.name, password)
                audit.record(conn, "cli", "password_change", args.name)
                print(f"New password set for {args.name}; their sessions are signed out.")
        if generated:
            print(f"Password (shown once): {password}")
        return 0
    except (users.AccountError, ValueError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1


def cmd_release(engine, args) -> int:
    from data.accounts.access import Viewer
    from data.publish import releases

    ready(engine)
    if args.release_command == "list":
        with engine.connect() as conn:
            rows = releases.listing(conn)
        if rows.empty:
            print("No releases yet.")
            return 0
        for r in rows.itertuples(index=False):
            print(f"#{r.id}\t{r.year}\t{str(r.published_at)[:16]}\t{r.published_by}\t"
                  f"{r.revised} revised\t{r.note}")
        return 0
    # The operator of the machine publishes as staff would, named for the audit log.
    try:
        done = releases.publish(engine, args.year, args.note,
                                Viewer(args.user[:120] or "cli", "staff"))
    except releases.ReleaseError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2 if exc.code in ("too_long", "markup", "bidi", "not_text", "not_year") else 1
    print(f"Published release #{done['id']} ({done['year']}): {done['values']} values, "
          f"{done['revised']} revised since the previous release.")
    return 0


def cmd_profile(engine, args) -> int:
    import datetime as dt
    from pathlib import Path

    from data.ingest import profiles

    ready(engine)
    try:
        if args.profile_command == "list":
            with engine.connect() as conn:
                rows = profiles.listing(conn)
                unusable = {name: profiles.refusal(conn, name) for name, _by, _at in rows}
            for name, by, at in rows:
                when = dt.datetime.fromtimestamp(at, dt.UTC).strftime("%Y-%m-%d %H:%M UTC")
                print(f"{name}\tsaved by {by}, {when}"
                      + (f"\tcannot be used: {unusable[name]}" if unusable[name] else ""))
            if not rows:
                print("No import profiles yet.")
            return 0
        if args.profile_command == "import":
            try:
                imported = profiles.from_file(args.file)
            except OSError as exc:
                print(f"error: cannot read {args.file}: {exc.strerror}", file=sys.stderr)
                return 2
            with engine.begin() as conn:
                profiles.save(conn, imported, args.user)
            print(f"Imported profile {imported.name!r}: {len(imported.columns)} column(s), "
                  f"{sum(len(v) for v in imported.values.values())} word(s).")
            return 0
        with engine.connect() as conn:
            profile = profiles.get(conn, args.name)
            refused = None if profile is not None else profiles.refusal(conn, args.name)
        if refused is not None:  # stored before today's rules, which refuse it
            raise refused
        if profile is None:
            print(f"error: no import profile named {args.name!r}", file=sys.stderr)
            return 1
        if args.profile_command == "show":
            print(profiles.to_json(profile))
            return 0
        Path(args.file).write_text(profiles.to_json(profile) + "\n", encoding="utf-8")
        print(f"Wrote profile {profile.name!r} to {args.file}")
        return 0
    except profiles.ProfileError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1


def _say(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def cmd_backup(engine, args) -> int:
    import time
    from pathlib import Path

    from data.store.backup import BackupError, backup

    start = time.perf_counter()
    try:
        done = backup(engine, Path(args.file), _say)
    except BackupError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return exc.code
    _say(f"backup written to {args.file} in {time.perf_counter() - start:.1f} s")
    print(f"Backup of {engine.url.render_as_string(hide_password=True)} in {args.file}:")
    print(done.table())
    return 0


def cmd_restore(engine, args) -> int:
    import time
    from pathlib import Path

    from data.store.backup import BackupError, known_revisions, restore

    start = time.perf_counter()
    try:
        done = restore(Path(args.file), engine, _say)
    except BackupError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return exc.code
    _say(f"restored {args.file} in {time.perf_counter() - start:.1f} s")
    print(f"Restored {args.file} into {engine.url.render_as_string(hide_password=True)}:")
    print(done.table())
    if done.revision != known_revisions()[-1]:
        print("The backup is of an older schema version: run `python -m data init` "
              "with the same --db to upgrade it.")
    return 0


FLAG_COLUMNS = ["court_code", "year", "category", "field", "rule", "value", "expected", "score",
                "message"]


def cmd_flags(engine, args) -> int:
    import json

    from data.derive.flags import FlagsError, flags
    from kpi.plausibility import messages
    from layouts.i18n import t

    ready(engine)
    try:
        with engine.connect() as conn:
            df = flags(conn, year=args.year, court=args.court, rule=args.rule)
    except FlagsError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    out = df.assign(message=messages(df, t, args.lang), score=df["score"].round(2))
    # Counts print as counts (1234, not 1234.0); a budget with kopecks keeps them.
    out["value"] = [int(v) if float(v).is_integer() else float(v) for v in out["value"]]
    out = out[FLAG_COLUMNS]
    if args.format == "json":
        json.dump(out.to_dict("records"), sys.stdout, ensure_ascii=False, indent=1)
        sys.stdout.write("\n")
    else:
        sys.stdout.write(csv_text(out, lineterminator="\n"))  # formula cells neutralised
    return 0


def cmd_judge_year(engine, args) -> int:
    """Show, set or undo the judge year; 2 for a value of 0 or beyond a year or a day,
    or --days without --hours; 1 when there is nothing to undo."""
    from data.edits import workload
    from kpi.workload import WorkloadError

    if args.undo and (args.days is not None or args.hours is not None):
        print("error: give --undo, or --days and --hours, not both", file=sys.stderr)
        return 2
    if (args.days is None) != (args.hours is None):
        print("error: give both --days and --hours", file=sys.stderr)
        return 2
    ready(engine)
    if args.undo:
        done = workload.undo_judge_year(engine, args.user)
        if done is None:
            print("error: no change of the judge year to undo", file=sys.stderr)
            return 1
    elif args.days is not None:
        try:
            workload.set_judge_year(engine, args.days, args.hours, args.user)
        except WorkloadError as exc:
            print(f"error: {exc}", file=sys.stderr)
            return 2
    with engine.connect() as conn:
        now = workload.judge_year(conn)
    jy = now.judge_year
    print(f"Judge year: {jy.days:g} days x {jy.hours:g} hours = {jy.minutes:g} minutes"
          + (" (illustrative)" if now.illustrative else ""))
    return 0


COMMANDS = {"init": cmd_init, "load": cmd_load, "uploads": cmd_uploads, "undo": cmd_undo,
            "demo": cmd_demo, "refresh": cmd_refresh, "user": cmd_user,
            "profile": cmd_profile, "flags": cmd_flags, "release": cmd_release,
            "backup": cmd_backup, "restore": cmd_restore,
            "judge-year": cmd_judge_year}
