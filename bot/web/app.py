"""Sanic web app on :8000: a page that explains how to chat, and a health check."""
from __future__ import annotations

import asyncio
import os
from html import escape
from string import Template

import requests
from sanic import Sanic, response

from bot.settings import council

RASA_URL = os.environ.get("RASA_URL", "http://localhost:5005")

_PAGE = Template("""<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>$assistant - $council</title>
<style>
 body { font-family: Arial, sans-serif; line-height: 1.5; margin: 0; color: #0b0c0c; }
 header { background: #0b0c0c; color: #fff; padding: 1rem; }
 main { max-width: 40rem; padding: 1rem; margin: 0 auto; }
 pre { background: #f3f2f1; padding: 1rem; overflow-x: auto; }
 a { color: #1d70b8; }
 a:focus { outline: 3px solid #ffdd00; background: #ffdd00; color: #0b0c0c; }
</style>
</head>
<body>
<header><p>$council</p></header>
<main>
<h1>$assistant</h1>
<p>The assistant answers questions about council services and checks bin days.</p>
<h2>Chat from the command line</h2>
<pre>.venv/bin/rasa shell --endpoints endpoints.yml</pre>
<h2>Chat over the REST channel</h2>
<pre>curl -s $rasa/webhooks/rest/webhook \\
  -H 'Content-Type: application/json' \\
  -d '{"sender": "me", "message": "When is my bin day?"}'</pre>
<p>Health check: <a href="/health">/health</a>.</p>
<p><a href="$website">Go to the $council website</a></p>
</main>
</body>
</html>
""")


def _rasa_up() -> bool:
    try:
        return requests.get(f"{RASA_URL}/", timeout=2).ok
    except requests.RequestException:
        return False


def create_app(name: str = "council_web") -> Sanic:
    app = Sanic(name)
    settings = council()

    @app.get("/")
    async def home(request):
        page = _PAGE.substitute(
            assistant=escape(settings.assistant_name), council=escape(settings.name),
            website=escape(settings.website, quote=True), rasa=escape(RASA_URL),
        )
        return response.html(page)

    @app.get("/health")
    async def health(request):
        rasa_ok = await asyncio.get_running_loop().run_in_executor(None, _rasa_up)
        return response.json({"status": "ok", "rasa": "up" if rasa_ok else "down"})

    return app
