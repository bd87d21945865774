"""`python -m bot.web`: serve the web app (`WEB_HOST`, `WEB_PORT`, default 127.0.0.1:8000)."""
import os

from bot.logs import configure_logging
from bot.web.app import create_app

if __name__ == "__main__":
    app = create_app()
    configure_logging()   # after the app: Sanic gives its loggers handlers when it is made
    app.run(host=os.environ.get("WEB_HOST", "127.0.0.1"), port=int(os.environ.get("WEB_PORT", "8000")),
            access_log=False)
