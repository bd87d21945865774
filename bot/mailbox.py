"""`python -m bot.mailbox`: a local SMTP server for `make run` that keeps each message in `var/mail/`.

It stands in for the council's mail server, so a demo (and the tests) can read
what residents would be sent. Not for production: it accepts mail for anyone.
Listens on `MAILBOX_HOST`:`SMTP_PORT` (127.0.0.1:8025); `MAIL_DIR` moves the folder.
"""
from __future__ import annotations

import os
import signal
import threading
import time
import uuid
from email import message_from_bytes, policy
from pathlib import Path

from aiosmtpd.controller import Controller

from bot.settings import PROJECT_ROOT


def mail_dir() -> Path:
    folder = Path(os.environ.get("MAIL_DIR") or PROJECT_ROOT / "var" / "mail")
    folder.mkdir(parents=True, exist_ok=True)
    return folder


class KeepInFolder:
    def __init__(self, folder: Path) -> None:
        self.folder = folder

    async def handle_DATA(self, server, session, envelope):
        # Sortable by arrival: second, then nanoseconds (several arrive in one second).
        name = f"{time.strftime('%Y%m%dT%H%M%S')}-{time.time_ns()}-{uuid.uuid4().hex[:4]}.eml"
        temporary = self.folder / f".{name}"
        temporary.write_bytes(envelope.original_content or envelope.content)
        temporary.rename(self.folder / name)   # readers never see half a message
        return "250 Message accepted for delivery"


def read_all(folder: Path):
    """Every kept message, oldest first, as email.message.EmailMessage."""
    return [message_from_bytes(path.read_bytes(), policy=policy.default)
            for path in sorted(folder.glob("*.eml"))]


def main() -> None:
    controller = Controller(KeepInFolder(mail_dir()), hostname=os.environ.get("MAILBOX_HOST", "127.0.0.1"),
                            port=int(os.environ.get("SMTP_PORT", "8025")))
    controller.start()
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    signal.signal(signal.SIGINT, lambda *_: stop.set())
    print(f"Mailbox on {controller.hostname}:{controller.port}, writing to {mail_dir()}", flush=True)
    stop.wait()
    controller.stop()


if __name__ == "__main__":
    main()
