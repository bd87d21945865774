"""`python -m bot.backoffice serve|list|status`: run the demo back office, or work its cases.

    python -m bot.backoffice serve                   # :8080 (BACKOFFICE_PORT)
    python -m bot.backoffice list                    # newest cases first
    python -m bot.backoffice status BRK-1001 fixed --notes "Filled in on 3 March"
"""
from __future__ import annotations

import argparse
import os
import sys

from bot.backoffice.store import CaseStore, status_codes


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bot.backoffice", description="Demo Open311 back office")
    commands = parser.add_subparsers(dest="command", required=True)
    commands.add_parser("serve", help="run the Open311 server")
    commands.add_parser("list", help="list cases, newest first")
    status = commands.add_parser("status", help="move a case to another status")
    status.add_argument("reference")
    status.add_argument("status", choices=status_codes())
    status.add_argument("--notes", default=None, help="what the resident will be told")
    args = parser.parse_args(argv)

    if args.command == "serve":
        from bot.backoffice.app import create_app
        from bot.logs import configure_logging
        app = create_app()
        configure_logging()   # after the app: Sanic gives its loggers handlers when it is made
        app.run(host=os.environ.get("BACKOFFICE_HOST", "127.0.0.1"),
                port=int(os.environ.get("BACKOFFICE_PORT", "8080")), access_log=False)
        return 0
    store = CaseStore()
    if args.command == "list":
        for case in store.search():
            print(f"{case['service_request_id']}\t{case['status']}\t{case['service_code']}\t"
                  f"{case['address_string'] or case['address_id'] or ''}")
        return 0
    if not store.set_status(args.reference, args.status, args.notes):
        print(f"No case {args.reference}", file=sys.stderr)
        return 1
    print(f"{args.reference} is now {args.status}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
