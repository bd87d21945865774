"""Command line: `python -m bot.cli COMMAND` (also installed as `brackenford`)."""
from __future__ import annotations

import argparse
import getpass
import os
import secrets
import sys
from pathlib import Path
from typing import Dict, Mapping, Optional

from bot.serve import ROLES
from bot.settings import PROJECT_ROOT, council

ENV_FILE = PROJECT_ROOT / ".env"


# Secrets `make run` creates once, at random, for the embedded default.
GENERATED_SECRETS = ("RASA_API_TOKEN", "BACKOFFICE_API_KEY")


def init_env(path: Path = ENV_FILE) -> list:
    """Add a random value to `.env` for each generated secret it lacks; the names added."""
    existing = path.read_text(encoding="utf-8") if path.exists() else ""
    missing = [name for name in GENERATED_SECRETS if f"{name}=" not in existing]
    if missing:
        with open(path, "a", encoding="utf-8") as handle:
            handle.writelines(f"{name}={secrets.token_urlsafe(32)}\n" for name in missing)
        path.chmod(0o600)
    return missing


def with_generated_secrets(env: Optional[Mapping[str, str]] = None, path: Path = ENV_FILE) -> Dict[str, str]:
    """The environment, with `.env`'s generated secrets filling only what it lacks: what the
    operator exported always wins (honcho on its own would let `.env` override it)."""
    from honcho.environ import parse
    generated = parse(path.read_text(encoding="utf-8")) if path.exists() else {}
    return {**generated, **(os.environ if env is None else env)}


def run_locally() -> None:
    """`make run`: every process under honcho, on this machine."""
    if any(not os.environ.get(name) for name in GENERATED_SECRETS):
        init_env()
    print_urls()
    honcho = str(Path(sys.executable).with_name("honcho"))
    # honcho is given no env file: the environment above is already complete.
    os.chdir(PROJECT_ROOT)
    os.execve(honcho, [honcho, "start", "-f", "Procfile", "--env", os.devnull], with_generated_secrets())


def print_urls(cluster: bool = False) -> None:
    name = council().assistant_name
    print(f"{name} is starting{' as a cluster' if cluster else ''}:")
    print("  Web app:        http://localhost:8000")
    print("  Staff pages:    http://localhost:8000/staff  (console, content studio, insights)")
    if cluster:
        print("  Load balancer:  http://localhost:5005  (REST: POST /webhooks/rest/webhook, socket.io)")
        print("  Rasa servers:   http://localhost:5006, http://localhost:5007")
        print("  Action servers: http://localhost:5056, http://localhost:5057 (balanced at :5055)")
        print("  PostgreSQL :5433, Redis :6380, state in var/cluster/")
    else:
        print("  Rasa server:    http://localhost:5005  (REST: POST /webhooks/rest/webhook)")
        print("  Action server:  http://localhost:5055")
    print("  Back office:    http://localhost:8080/open311/v2  (demo Open311 server)")
    database = "DATABASE_URL=postgresql://postgres@127.0.0.1:5433/assistant " if cluster else ""
    print(f"First time? Make a staff login: {database}.venv/bin/brackenford staff add yourname --role admin")
    print("Press Ctrl-C to stop everything.")


def _new_password(from_stdin: bool) -> str:
    if from_stdin:
        return sys.stdin.readline().rstrip("\n")
    first = getpass.getpass("Password (at least 12 characters): ")
    if getpass.getpass("Type it again: ") != first:
        raise SystemExit("The passwords do not match. Nothing was changed.")
    return first


def staff_command(args) -> None:
    """Staff accounts from the command line: how the first administrator is made."""
    from bot.staff.accounts import AccountError, default_staff
    from bot.staff.sessions import default_sessions
    store = default_staff()
    try:
        if args.action == "add":
            member = store.add(args.username, args.name or args.username, args.role,
                               _new_password(args.password_stdin))
            print(f"Added {member.username} ({member.role}). They can sign in at /staff/login.")
        elif args.action == "password":
            default_sessions().change_password(args.username, _new_password(args.password_stdin))
            print(f"Changed the password of {args.username} and signed them out everywhere.")
        elif args.action in ("disable", "enable"):
            store.set_active(args.username, args.action == "enable")
            member = store.get(args.username)
            if args.action == "disable" and member:
                default_sessions().end_all(member.id)
            print(f"{args.username} is now {'enabled' if args.action == 'enable' else 'disabled'}.")
        else:
            for member in store.all():
                print(f"{member.username:24} {member.role:8} {'active' if member.active else 'disabled':9} "
                      f"{member.display_name}")
    except AccountError as error:
        raise SystemExit(str(error))


def unlock_command(args) -> None:
    """Lift a sign-in lock (README: Staff sign-in): the username's everywhere, or from one address."""
    from bot.staff.throttle import default_throttle
    if not args.username and not args.address:
        raise SystemExit("Give the username, the address (--address), or both.")
    cleared = default_throttle().unlock(args.username, args.address)
    who = " from ".join(part for part in (args.username, args.address) if part)
    print(f"Cleared {cleared} failed sign-in{'' if cleared == 1 else 's'} for {who}. They can sign in again now.")


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(prog="brackenford", description="Council assistant commands")
    commands = parser.add_subparsers(dest="command", required=True)
    commands.add_parser("init-env", help="create .env with a random RASA_API_TOKEN if missing")
    commands.add_parser("run", help="start every process on this machine (make run)")
    urls = commands.add_parser("urls", help="print where the processes listen")
    urls.add_argument("--cluster", action="store_true", help="for make run-cluster")
    commands.add_parser("retention", help="delete or anonymise conversations older than RETENTION_DAYS now")
    commands.add_parser("fingerprint", help="print what the model learns from, for the studio to compare")
    serve = commands.add_parser("serve", help="start one process: rasa, actions, web, worker or backoffice")
    serve.add_argument("role", choices=ROLES)
    staff = commands.add_parser("staff", help="staff accounts: add, list, password, disable, enable")
    staff.add_argument("action", choices=["add", "list", "password", "disable", "enable"])
    staff.add_argument("username", nargs="?")
    staff.add_argument("--name", help="the name residents see, e.g. 'Sam' (default: the username)")
    staff.add_argument("--role", choices=["agent", "editor", "admin"], default="agent")
    staff.add_argument("--password-stdin", action="store_true", help="read the password from standard input")
    unlock = commands.add_parser("unlock-sign-in", help="let a username (or an address) try to sign in again")
    unlock.add_argument("username", nargs="?", help="the username whose failed sign-ins to forget")
    unlock.add_argument("--address", help="only from this IP address (alone: every username from it)")
    db = commands.add_parser("db", help="the database: upgrade it, show its revision, or start a migration")
    db.add_argument("action", choices=["upgrade", "current", "revision"])
    db.add_argument("-m", "--message", help="revision: what the new migration does")
    db.add_argument("--autogenerate", action="store_true",
                    help="revision: write the changes the tables in the code need (check them!)")
    args = parser.parse_args(argv)
    if args.command == "init-env":
        for name in init_env():
            print(f"Wrote a new {name} to {ENV_FILE.name}")
    elif args.command == "run":
        run_locally()
    elif args.command == "urls":
        print_urls(args.cluster)
    elif args.command == "retention":
        from bot.db import engine
        from bot.insights.retention import apply_retention, retention_days
        print(f"Older than {retention_days()} days: {apply_retention(engine())}")
    elif args.command == "fingerprint":
        from bot.studio.publish import understanding_hash
        print(understanding_hash(PROJECT_ROOT))
    elif args.command == "serve":
        from bot.serve import serve
        serve(args.role)
    elif args.command == "staff":
        if args.action != "list" and not args.username:
            parser.error("give the username, e.g. brackenford staff add sam --role agent")
        staff_command(args)
    elif args.command == "unlock-sign-in":
        unlock_command(args)
    elif args.command == "db":
        from bot.schema import db_command
        db_command(args)


if __name__ == "__main__":
    main()
