"""Command line: `python -m bot.cli COMMAND` (also installed as `brackenford`)."""
from __future__ import annotations

import argparse
import secrets
from pathlib import Path

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


def print_urls() -> None:
    name = council().assistant_name
    print(f"{name} is starting:")
    print("  Web app:        http://localhost:8000")
    print("  Rasa server:    http://localhost:5005  (REST: POST /webhooks/rest/webhook)")
    print("  Action server:  http://localhost:5055")
    print("  Back office:    http://localhost:8080/open311/v2  (demo Open311 server)")
    print("Press Ctrl-C to stop everything.")


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(prog="brackenford", description="Council assistant commands")
    commands = parser.add_subparsers(dest="command", required=True)
    commands.add_parser("init-env", help="create .env with a random RASA_API_TOKEN if missing")
    commands.add_parser("urls", help="print where the processes listen")
    args = parser.parse_args(argv)
    if args.command == "init-env":
        for name in init_env():
            print(f"Wrote a new {name} to {ENV_FILE.name}")
    elif args.command == "urls":
        print_urls()


if __name__ == "__main__":
    main()
