"""Staff pages take the same route from a plain form (no JavaScript: redirect back)
and from a page script or API client (JSON in, JSON out)."""
from __future__ import annotations

from typing import Any, Dict

from sanic import response
from sanic.request import Request


def is_json(request: Request) -> bool:
    return (request.content_type or "").startswith("application/json")


def wants_json(request: Request) -> bool:
    return "application/json" in (request.headers.get("accept") or "") or is_json(request)


def body(request: Request) -> Dict[str, Any]:
    """A form post or a JSON object, as one dict (a list value for a repeated form field is its first)."""
    if is_json(request):
        try:
            return request.json if isinstance(request.json, dict) else {}
        except Exception:  # Sanic's own error for a body that is not JSON
            return {}
    return {key: request.form.get(key) for key in (request.form or {})}


def done(request: Request, target: str, payload: Dict[str, Any], status: int = 200):
    """JSON for scripts; for forms, back to `target` (303, so a reload does not post again)."""
    if wants_json(request):
        return response.json(payload, status=status)
    if status >= 400:
        return response.html(_problem_page(payload.get("error") or "That did not work.", target), status=status)
    return response.redirect(target, status=303)


def _problem_page(message: str, back: str) -> str:
    from bot.web.pages import page, tag
    return page("staff_message.html", "There is a problem", layout="staff_layout.html",
                layout_html={"signed_in": ""}, trusted=("back",), message=message, title_text="There is a problem",
                back=tag("a", "Go back", href=back))
