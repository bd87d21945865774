"""How every process of the project logs: text by default, one JSON object per line with `LOG_FORMAT=json`.

`configure_logging()` is called by bot.web, bot.worker, bot.action_server and
bot.backoffice, after any Sanic app is made (Sanic gives its own loggers
handlers of their own; they are sent through the root logger here instead, so
each line is written once, in one format). The Rasa server gets the same
format from `deploy/logging-json.yml` (its `--logging-config-file`, passed by
bot/serve.py when `LOG_FORMAT=json`), which uses the classes below.

A JSON line has `time` (UTC, ISO 8601), `level`, `logger`, `message`, and
`exception` (the traceback as text) when there is one; fields given with
`extra={...}` are added as they are.
"""
from __future__ import annotations

import logging
import os
import sys
from typing import Any, Optional

from pythonjsonlogger.json import JsonFormatter as _JsonFormatter

TEXT_FORMAT = "%(asctime)s %(name)s %(levelname)s %(message)s"
SANIC_LOGGERS = ("sanic.root", "sanic.error", "sanic.access")


def json_logs() -> bool:
    return os.environ.get("LOG_FORMAT", "").strip().lower() == "json"


class JsonFormatter(_JsonFormatter):
    """python-json-logger's formatter with the project's field names.

    It takes `logging.Formatter`'s arguments, so `logging.config.dictConfig` can
    name it as a formatter `class` (deploy/logging-json.yml does).
    """

    def __init__(self, fmt: Optional[str] = None, datefmt: Optional[str] = None, style: str = "%",
                 validate: bool = True, **options: Any) -> None:
        options.setdefault("timestamp", "time")
        options.setdefault("defaults", {"time": None})   # only so that `time` comes first in each line
        options.setdefault("rename_fields", {"levelname": "level", "name": "logger", "exc_info": "exception"})
        super().__init__(fmt or "%(levelname)s %(name)s %(message)s", datefmt, style, validate, **options)


class StderrHandler(logging.Handler):
    """Writes each record, formatted, to the current `sys.stderr`.

    Deliberately not a `logging.StreamHandler`: Rasa's command line calls
    `coloredlogs.install()` after applying its logging config file, and that
    removes a StreamHandler on stdout or stderr from the root logger and puts
    its own coloured text handler in its place. This one it leaves alone.
    """

    terminator = "\n"

    def emit(self, record: logging.LogRecord) -> None:
        try:
            stream = sys.stderr
            stream.write(self.format(record) + self.terminator)
            stream.flush()
        except Exception:  # noqa: BLE001 - logging must never raise
            self.handleError(record)


def warnings_handler() -> StderrHandler:
    """A `StderrHandler`, with Python's warnings sent through logging (logger `py.warnings`) from now on,
    so that they too come out in the log format (deploy/logging-json.yml makes its handler with this)."""
    logging.captureWarnings(True)
    return StderrHandler()


class DropAll(logging.Filter):
    """Lets nothing through (see deploy/logging-json.yml: what silences coloredlogs' handler)."""

    def filter(self, record: logging.LogRecord) -> bool:
        return False


def configure_logging(level: int = logging.INFO) -> None:
    """Send every logger's records, once, to stderr in the configured format."""
    handler = warnings_handler()
    handler.setFormatter(JsonFormatter() if json_logs() else logging.Formatter(TEXT_FORMAT))
    root = logging.getLogger()
    for old in list(root.handlers):
        root.removeHandler(old)
    root.addHandler(handler)
    root.setLevel(level)
    for name in SANIC_LOGGERS:
        sanic_logger = logging.getLogger(name)
        for old in list(sanic_logger.handlers):
            sanic_logger.removeHandler(old)
        sanic_logger.propagate = True
