"""The security headers of every response, set in one place (the web app's response middleware).

Every page gets a strict Content-Security-Policy unless its route set its own (the demo page
allows the chat server); HTTPS responses also get HSTS, so browsers never fall back to HTTP.
"""
from __future__ import annotations

from sanic.request import Request

from bot.web.client_address import over_https

DEFAULT_CSP = ("default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; "
               "connect-src 'self'; frame-ancestors 'none'; form-action 'self'; base-uri 'none'")
HSTS = "max-age=31536000"   # a year: sent over HTTPS only, as browsers ignore it over HTTP


def add_security_headers(request: Request, reply) -> None:
    reply.headers.setdefault("Content-Security-Policy", DEFAULT_CSP)
    reply.headers.setdefault("X-Content-Type-Options", "nosniff")
    reply.headers.setdefault("Referrer-Policy", "strict-origin-when-cross-origin")
    if over_https(request):
        reply.headers.setdefault("Strict-Transport-Security", HSTS)
