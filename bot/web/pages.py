"""Server-rendered pages: string templates with every value HTML-escaped."""
from __future__ import annotations

from functools import lru_cache
from html import escape
from pathlib import Path
from string import Template
from typing import Dict, Iterable, Optional, Sequence

from bot.settings import council

TEMPLATES = Path(__file__).resolve().parent / "templates"


@lru_cache(maxsize=None)
def template(name: str) -> Template:
    """Templates are read once per process, not on every request."""
    return Template((TEMPLATES / name).read_text(encoding="utf-8"))


def fill(name: str, values: dict, trusted: Sequence[str] = ()) -> str:
    """A template with every value HTML-escaped, except `trusted` ones this code built from escaped parts."""
    return template(name).substitute({key: value if key in trusted else escape(str(value), quote=True)
                                      for key, value in values.items()})


def page(name: str, title: str, after: str = "", layout: str = "layout.html",
         trusted: Sequence[str] = (), layout_html: Optional[Dict[str, str]] = None, **values) -> str:
    """A page: its own template inside a layout. `layout_html`: extra layout parts,
    already HTML, built by this code from escaped values."""
    values["council"] = council().name
    return template(layout).substitute(
        title=escape(title), council=escape(values["council"]), content=fill(name, values, trusted),
        after=fill(after, values) if after else "", **(layout_html or {}))


def tag(element: str, text: str = "", /, **attrs) -> str:
    """One HTML element with escaped text and attributes (`class_` for class, `True` for a bare attribute)."""
    rendered = "".join(
        f' {key.rstrip("_").replace("_", "-")}' + ("" if value is True else f'="{escape(str(value), quote=True)}"')
        for key, value in attrs.items() if value is not None and value is not False)
    return f"<{element}{rendered}>{escape(text)}</{element}>"


def rows(cells: Iterable[Iterable[str]]) -> str:
    """Table rows from already-escaped cells."""
    return "\n".join("<tr>" + "".join(f"<td>{cell}</td>" for cell in row) + "</tr>" for row in cells)
