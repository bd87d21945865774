"""Rasa servers load a newly published model without stopping to answer.

Rasa 3.6 pulls a new model from the model server on its event loop and loads it
there too, so for the 10–40 seconds a load takes on a small box that server
answers nobody (and a load balancer takes it out of service). This runs the
same load, Rasa's own `_load_and_set_updated_model`, in a worker thread: the
server goes on answering with the old model, and `Agent.load_model` swaps the
new one in when it is ready. Only Rasa's pull step is replaced, and only on the
Rasa version it was written against.
"""
from __future__ import annotations

import asyncio
import logging

import aiohttp
import rasa
from rasa.core import agent as rasa_agent
from rasa.nlu.utils import is_url
from rasa.utils.common import TempDirectoryPath, get_temp_dir_name

logger = logging.getLogger(__name__)

WRITTEN_FOR = "3.6.21"


async def update_model_from_server(model_server, agent) -> None:
    """Rasa's `_update_model_from_server`, with the load off the event loop."""
    if not is_url(model_server.url):
        raise aiohttp.InvalidURL(model_server.url)
    with TempDirectoryPath(get_temp_dir_name()) as directory:
        try:
            fingerprint = await rasa_agent._pull_model_and_fingerprint(model_server, agent.fingerprint, directory)
            if fingerprint:
                await asyncio.get_running_loop().run_in_executor(
                    None, rasa_agent._load_and_set_updated_model, agent, directory, fingerprint)
                logger.info("Loaded the published model %s", fingerprint[:12])
        except Exception:   # as Rasa does: the previous model stays loaded
            logger.exception("Failed to update model. The previous model will stay loaded instead.")


def install() -> bool:
    """Use the threaded load in this Rasa server; False (and Rasa's own) on another Rasa version."""
    if rasa.__version__ != WRITTEN_FOR:
        logger.warning("Rasa %s: models load on the event loop (written for %s)", rasa.__version__, WRITTEN_FOR)
        return False
    rasa_agent._update_model_from_server = update_model_from_server
    return True
