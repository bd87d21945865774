"""Staff sign-in for the web app, and the guards every staff page and API sits behind.

Pages without a session redirect to the sign-in page; APIs answer 401. Every
POST needs the session's CSRF token (a form field or the `X-CSRF-Token`
header). Cookies are HttpOnly and SameSite=Strict, and Secure over HTTPS (to this app, or
to a trusted proxy that says so in X-Forwarded-Proto; or always, with `STAFF_COOKIE_SECURE=true`).
Security headers are set for every page in one place (bot/web/security_headers.py).
"""
from __future__ import annotations

import asyncio
import hmac
import math
import os
import secrets
from functools import wraps
from typing import Callable, Optional
from urllib.parse import quote

from sanic import Blueprint, response
from sanic.request import Request

from bot.db import utcnow
from bot.staff.accounts import default_staff
from bot.staff.sessions import StaffSession, default_sessions, idle_limit
from bot.staff.throttle import default_throttle
from bot.web.blocking import blocking
from bot.web.client_address import client_address, over_https
from bot.web.pages import page, tag

COOKIE = "brk_staff"
LOGIN_COOKIE = "brk_login"   # double-submit token protecting the sign-in form itself
LOGIN_PATH = "/staff/login"


def _secure(request: Request) -> bool:
    forced = os.environ.get("STAFF_COOKIE_SECURE", "auto").lower()
    return forced in ("1", "true", "yes") or (forced == "auto" and over_https(request))


def _set_cookie(request: Request, reply, name: str, value: str, max_age: int) -> None:
    reply.cookies[name] = value
    cookie = reply.cookies[name]
    cookie["httponly"] = True
    cookie["samesite"] = "Strict"
    cookie["path"] = "/"
    cookie["max-age"] = max_age
    if _secure(request):
        cookie["secure"] = True



async def current(request: Request) -> Optional[StaffSession]:
    """The signed-in staff member's session, if any (looked up once per request)."""
    if not hasattr(request.ctx, "staff"):
        request.ctx.staff = await blocking(default_sessions().get, request.cookies.get(COOKIE))
    return request.ctx.staff


def csrf_ok(request: Request, session: StaffSession) -> bool:
    sent = request.headers.get("x-csrf-token") or (request.form.get("csrf_token") if request.form else None) or ""
    return hmac.compare_digest(str(sent), session.csrf_token)


def staff_only(*roles: str, api: bool = False) -> Callable:
    """Guard a route: a signed-in member with one of `roles`, and a CSRF token on changes."""
    def decorate(handler):
        @wraps(handler)
        async def guarded(request: Request, *args, **kwargs):
            session = await current(request)
            if session is None:
                if api:
                    return response.json({"error": "Sign in first."}, status=401)
                return response.redirect(f"{LOGIN_PATH}?next={quote(request.path)}")
            if not session.member.may(*roles):
                if api:
                    return response.json({"error": "Your account cannot do this."}, status=403)
                return response.html(page("staff_message.html", "Not allowed", layout="staff_layout.html",
                                          layout_html=staff_header(session), trusted=("back",),
                                          title_text="Not allowed", back=tag("a", "Staff pages", href="/staff"),
                                          message="Your account cannot open this page. Ask an administrator "
                                                  "if you need access."), status=403)
            if request.method not in ("GET", "HEAD") and not csrf_ok(request, session):
                message = "This form has expired. Go back, reload the page and try again."
                if api:
                    return response.json({"error": message}, status=403)
                return response.html(message, status=403)
            reply = await handler(request, session, *args, **kwargs)
            reply.headers.setdefault("Cache-Control", "no-store")
            return reply
        return guarded
    return decorate


def staff_header(session: Optional[StaffSession]) -> dict:
    """The signed-in line and sign-out button of the staff layout."""
    if session is None:
        return {"signed_in": ""}
    member = session.member
    return {"signed_in": (
        '<form class="staff-signout" method="post" action="/staff/logout">'
        f'<span>Signed in as {tag("strong", member.display_name)} ({tag("span", member.role)})</span> '
        f'<input type="hidden" name="csrf_token" value="{session.csrf_token}">'
        '<button type="submit" class="button-link">Sign out</button></form>')}


def _safe_next(target: Optional[str]) -> str:
    """Only a path on this site, so the sign-in page cannot send anyone elsewhere."""
    if not target or not target.startswith("/") or target.startswith("//") or "\\" in target:
        return "/console"
    return target


def _login_page(request: Request, error: str = "", status: int = 200, username: str = ""):
    token = secrets.token_urlsafe(24)
    error_html = ""
    if error:
        error_html = ('<div class="error-summary" role="alert" tabindex="-1" id="error-summary">'
                      f'<h2>There is a problem</h2>{tag("p", error)}</div>')
    reply = response.html(page(
        "staff_login.html", "Sign in", layout="staff_layout.html", layout_html={"signed_in": ""},
        trusted=("error",), error=error_html, csrf=token, username=username,
        next=_safe_next(request.args.get("next") or (request.form.get("next") if request.form else None))),
        status=status, headers={"Cache-Control": "no-store"})
    _set_cookie(request, reply, LOGIN_COOKIE, token, max_age=3600)
    return reply


def blueprint() -> Blueprint:
    staff = Blueprint("staff")

    @staff.get(LOGIN_PATH)
    async def login_form(request: Request):
        return _login_page(request)

    @staff.post(LOGIN_PATH)
    async def login(request: Request):
        form = request.form or {}
        username = str(form.get("username") or "").strip()[:64]
        password = str(form.get("password") or "")
        address = client_address(request)
        if not hmac.compare_digest(str(form.get("csrf_token") or ""), request.cookies.get(LOGIN_COOKIE) or "-"):
            return _login_page(request, "The sign-in form expired. Try again.", 400, username)
        if not username or not password:
            return _login_page(request, "Enter your username and password.", 400, username)
        throttle = default_throttle()
        until = await blocking(throttle.locked_until, username, address)
        if until is not None:
            minutes = max(1, math.ceil((until - utcnow()).total_seconds() / 60))
            wait = "1 minute" if minutes == 1 else f"{minutes} minutes"
            return _login_page(request, f"Too many failed attempts to sign in. Wait {wait}, then try "
                                        "again, or ask an administrator to unlock your account.", 429, username)
        member = await blocking(default_staff().authenticate, username, password)
        if member is None:
            await asyncio.sleep(await blocking(throttle.failed, username, address))
            return _login_page(request, "The username or password is wrong.", 401, username)
        await blocking(throttle.succeeded, username, address)
        token = await blocking(default_sessions().start, member)
        target = _safe_next(form.get("next"))
        if target == "/console" and not member.may("agent"):
            target = "/studio" if member.may("editor") else "/staff"
        reply = response.redirect(target, status=303)
        _set_cookie(request, reply, COOKIE, token, max_age=int(idle_limit().total_seconds()))
        del reply.cookies[LOGIN_COOKIE]
        return reply

    @staff.post("/staff/logout")
    @staff_only("agent", "editor")
    async def logout(request: Request, session: StaffSession):
        await blocking(default_sessions().end, request.cookies.get(COOKIE))
        reply = response.redirect(LOGIN_PATH, status=303)
        del reply.cookies[COOKIE]
        return reply

    @staff.get("/staff")
    @staff_only("agent", "editor")
    async def home(request: Request, session: StaffSession):
        links = [("/console", "Contact-centre console", "agent"), ("/studio", "Content studio", "editor"),
                 ("/insights", "Insights", "")]
        items = "".join(f'<li>{tag("a", text, href=href)}</li>' for href, text, role in links
                        if not role or session.member.may(role))
        return response.html(page("staff_home.html", "Staff pages", layout="staff_layout.html",
                                  layout_html=staff_header(session), trusted=("links",),
                                  links=items or "<li>No staff pages for your role yet.</li>"))

    return staff
