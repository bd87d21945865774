"""What the web app knows about the client at the other end of a request: its IP address and
whether it came over HTTPS. Behind a proxy both come from the proxy's headers, which Sanic
reads only as far as `bot.settings.proxy_settings()` says the proxies are trusted, so a
client cannot make them up."""
from __future__ import annotations

from sanic.request import Request


def client_address(request: Request) -> str:
    """The client's IP address: the trusted proxy's word for it, else the connection's own."""
    return request.remote_addr or request.ip or "unknown"


def over_https(request: Request) -> bool:
    """True when the client used HTTPS, to this app or to the trusted proxy (X-Forwarded-Proto)."""
    return request.scheme in ("https", "wss")
