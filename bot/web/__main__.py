"""`python -m bot.web`: serve the web app (`WEB_HOST`, `WEB_PORT`, default 127.0.0.1:8000)."""
import os

from bot.web.app import create_app

if __name__ == "__main__":
    create_app().run(host=os.environ.get("WEB_HOST", "127.0.0.1"),
                     port=int(os.environ.get("WEB_PORT", "8000")), access_log=False)
