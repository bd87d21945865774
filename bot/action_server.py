"""`python -m bot.action_server`: rasa-sdk's action server for `actions/`.

rasa-sdk's own app, run here rather than by `rasa run actions` so the project
decides where it listens (`ACTIONS_HOST`, loopback by default: only Rasa calls
it) and can add its own routes beside `/webhook`.
"""
from __future__ import annotations

import logging
import os

from rasa_sdk.endpoint import create_app


def main() -> None:
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s %(levelname)s %(message)s")
    app = create_app("actions", cors_origins=None)
    app.run(host=os.environ.get("ACTIONS_HOST", "127.0.0.1"), port=int(os.environ.get("ACTIONS_PORT", "5055")),
            access_log=False, workers=1)


if __name__ == "__main__":
    main()
