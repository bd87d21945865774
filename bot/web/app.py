"""Sanic web app on :8000: the demo council page with the chat widget, the widget's
files, its small API (feedback, photos), and a health check."""
from __future__ import annotations

import hmac
import json
import logging
import os
from pathlib import Path

import requests
from sanic import Sanic, response
from sanic.request import Request

from bot.feedback import default_store
from bot.handoff.escalations import default_escalations
from bot.health import check_database, run_checks
from bot.filestore import etag_of
from bot.model_store import BUILT_MODEL, Rollout, built_understanding, default_model_store
from bot.outbox import default_outbox
from bot.probes import add_probes
from bot.photos import PhotoRejected, default_photo_store, photo_url
from bot.rate_limit import default_rate_limit
from bot.report_updates import report_updates
from bot.settings import council, photo_uploads_per_minute, proxy_settings
from bot.staff import web as staff_web
from bot.staff.accounts import default_staff
from bot.staff.sessions import default_sessions
from bot.staff.throttle import default_throttle
from bot.studio.audit import default_audit
from bot.studio.content import Content
from bot.studio.inbox import default_inbox
from bot.studio.publish import default_publisher
from bot.insights.facts import default_facts
from bot.update_poller import assistant_url, conversation_news
from bot.web import console, insights, studio
from bot.web.blocking import blocking
from bot.web.client_address import client_address
from bot.web.pages import page as _page
from bot.web.security_headers import add_security_headers

logger = logging.getLogger(__name__)
STATIC = Path(__file__).resolve().parent / "static"
RASA_URL = os.environ.get("RASA_URL", "http://localhost:5005")


def _rasa_up() -> bool:
    try:
        return requests.get(f"{RASA_URL}/", timeout=2).ok
    except requests.RequestException:
        return False


def create_app(name: str = "council_web") -> Sanic:
    app = Sanic(name)
    app.config.REQUEST_MAX_SIZE = 12 * 1024 * 1024   # photos up to 10 MB, with room for the form
    # Which proxy headers to believe for the client's address and scheme (bot/web/client_address.py).
    app.config.update(proxy_settings())
    settings = council()
    public_rasa = os.environ.get("RASA_PUBLIC_URL", RASA_URL)
    allowed_origins = os.environ.get("WIDGET_ALLOWED_ORIGINS", "*")

    rollout = Rollout()
    app.static("/widget", str(STATIC / "widget"), name="widget")
    app.static("/vendor", str(STATIC / "vendor"), name="vendor")
    app.static("/staff-assets", str(STATIC / "staff"), name="staff_assets")
    app.blueprint(staff_web.blueprint())
    app.blueprint(console.blueprint())
    app.blueprint(studio.blueprint())
    app.blueprint(insights.blueprint())

    @app.listener("before_server_start")
    async def create_tables(app_, _loop):
        # Every table exists before the first request.
        for store in (default_store, default_escalations, default_staff, default_sessions, default_throttle,
                      default_audit, default_inbox, default_publisher, default_facts, default_rate_limit):
            store()
        # Editors' changes kept in a cluster's shared store come back onto this web app's disk.
        kept = Content().kept
        if kept is not None:
            restored = await blocking(kept.restore)
            if restored:
                logger.info("Put back the studio's changes to %s", ", ".join(restored))
        # The model `make train` built goes live when none is, or when it is newer than the live one.
        await blocking(default_model_store().seed, BUILT_MODEL, built_understanding())

    @app.middleware("response")
    async def security_headers(request: Request, reply):
        add_security_headers(request, reply)
        if request.path.startswith("/api/"):
            # The widget runs on the council's own site and calls this API from there.
            reply.headers["Access-Control-Allow-Origin"] = allowed_origins
            reply.headers["Access-Control-Allow-Methods"] = "POST, OPTIONS"
            reply.headers["Access-Control-Allow-Headers"] = "Content-Type"

    @app.get("/")
    async def home(request: Request):
        page = _page("home.html", "Home", after="home_after.html", assistant=settings.assistant_name,
                     website=settings.website, rasa=public_rasa, privacy=settings.privacy_notice_url,
                     phone=settings.phone, hours=settings.opening_hours_text)
        return response.html(page, headers={"Content-Security-Policy": (
            "default-src 'self'; img-src 'self' data: blob:; style-src 'self'; script-src 'self'; "
            f"connect-src 'self' {_ws(public_rasa)} {public_rasa}; frame-ancestors 'none'")})

    @app.get("/favicon.ico")
    async def favicon(request: Request):
        return response.empty()

    @app.get("/developers")
    async def developers(request: Request):
        return response.html(_page("developers.html", f"Chatting with {settings.assistant_name} from code",
                                   assistant=settings.assistant_name, rasa=public_rasa))

    @app.get("/health")
    async def health(request: Request):
        rasa_ok = await blocking(_rasa_up)
        return response.json({"status": "ok", "rasa": "up" if rasa_ok else "down"})

    # Liveness, readiness and metrics (README: Health and metrics). Ready needs only the
    # database: the web app must not leave the load balancer because Rasa is down.
    # The only process that exposes the database's figures (bot/metrics.py says why).
    add_probes(app, lambda request: run_checks({"database": check_database}), "web")

    @app.route("/api/feedback", methods=["POST", "OPTIONS"])
    async def feedback(request: Request):
        if request.method == "OPTIONS":
            return response.empty()
        body = request.json if isinstance(request.json, dict) else {}
        conversation, helpful = body.get("conversation_id"), body.get("helpful")
        if not isinstance(conversation, str) or not conversation.strip() or not isinstance(helpful, bool):
            return response.json({"error": "Send conversation_id (text) and helpful (true or false)."}, status=400)
        message = body.get("message") if isinstance(body.get("message"), str) else ""
        await blocking(default_store().add, conversation.strip(), message, helpful)
        return response.json({"status": "saved"}, status=201)

    @app.route("/api/handoff/presence", methods=["POST", "OPTIONS"])
    async def presence(request: Request):
        """The widget says the resident is still there (or has gone) while an adviser is involved.

        Sent as text/plain (navigator.sendBeacon as the page closes), so the body is read as JSON here.
        """
        if request.method == "OPTIONS":
            return response.empty()
        try:
            body = json.loads(request.body or b"{}")
        except ValueError:
            body = None
        conversation = body.get("conversation_id") if isinstance(body, dict) else None
        if not isinstance(conversation, str) or not conversation.strip():
            return response.json({"error": "Send conversation_id (text)."}, status=400)
        await blocking(default_escalations().seen, conversation.strip()[:255], left=bool(body.get("left")))
        # The answer says nothing about the conversation, so nobody learns anything from guessing ids.
        return response.empty(status=204)

    @app.route("/api/news", methods=["POST", "OPTIONS"])
    async def news(request: Request):
        """News of the reports made (or followed) in a conversation, for a widget that was closed when
        the worker told it: the conversation's id is the widget's secret, as for its socket."""
        if request.method == "OPTIONS":
            return response.empty()
        body = request.json if isinstance(request.json, dict) else {}
        conversation = body.get("conversation_id")
        if not isinstance(conversation, str) or not conversation.strip():
            return response.json({"error": "Send conversation_id (text)."}, status=400)
        told = await blocking(conversation_news, conversation.strip()[:255], default_outbox(), report_updates(),
                              assistant_url())
        return response.json({"news": told})

    @app.route("/api/photos", methods=["POST", "OPTIONS"])
    async def upload_photo(request: Request):
        if request.method == "OPTIONS":
            return response.empty()
        upload = request.files.get("photo") if request.files else None
        if upload is None:
            return response.json({"error": "Choose a photo to upload."}, status=400)
        # Anyone may upload: a few a minute from each client address, counted across web processes.
        if not await blocking(default_rate_limit().allow, "photo", client_address(request), photo_uploads_per_minute()):
            return response.json({"error": "You have sent too many photos. Wait a minute, then try again."},
                                 status=429, headers={"Retry-After": "60"})
        try:
            name = await blocking(default_photo_store().save, upload.body)
        except PhotoRejected as error:
            return response.json({"error": str(error)}, status=400)
        return response.json({"url": photo_url(name)}, status=201)

    @app.get("/photos/<name>")
    async def photo(request: Request, name: str):
        data = await blocking(default_photo_store().get, name)
        if data is None:
            return response.json({"error": "No such photo."}, status=404)
        return response.raw(data, content_type="image/jpeg", headers={"Cache-Control": "private, max-age=86400"})

    @app.get("/models/live.tar.gz")
    async def live_model(request: Request):
        """Rasa's model server protocol: every Rasa server pulls the published model from here."""
        if not _api_token_ok(request.args.get("token", "")):
            return response.json({"error": "Send the Rasa API token."}, status=401)
        models = default_model_store()
        live = await blocking(models.live)
        if live is None:
            return response.json({"error": "No model has been published yet."}, status=404)
        held = request.headers.get("If-None-Match", "")
        if held == live.etag:
            return response.empty(status=304, headers={"ETag": live.etag})
        # A Rasa server with no model yet sends a random uuid, not one of our sha256 tags.
        if not rollout.may_send(has_model=len(held) == 64):
            return response.empty(status=304, headers={"ETag": held})   # its turn comes on a later pull
        data = await blocking(models.live_bytes)
        # The tag of the bytes sent, even if a publish lands between the two reads.
        return response.raw(data, content_type="application/gzip",
                            headers={"ETag": await blocking(etag_of, data), "filename": "model.tar.gz"})

    return app


def _api_token_ok(given: str) -> bool:
    expected = os.environ.get("RASA_API_TOKEN", "")
    return bool(expected) and hmac.compare_digest(given.encode(), expected.encode())


def _ws(url: str) -> str:
    return url.replace("https://", "wss://", 1).replace("http://", "ws://", 1)
