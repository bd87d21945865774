"""The three routes every HTTP process of the project has: live, ready and metrics.

One definition for the web app, the action server and the Rasa server's ops
channel; each says where they go, what "ready" checks and which metrics it has.
"""
from __future__ import annotations

import asyncio
from typing import Any, Callable, Dict, Tuple, Union

from sanic import Blueprint, Sanic, response
from sanic.request import Request

from bot import metrics


def add_probes(target: Union[Sanic, Blueprint], readiness: Callable[[Request], Tuple[Dict[str, Any], int]],
               registry: str, live: str = "/health/live", ready: str = "/health/ready",
               scrape: str = "/metrics") -> None:
    """`readiness(request)` runs in a worker thread (checks block), and gives the body and status."""

    @target.get(live)
    async def live_probe(request: Request):
        return response.json({"status": "live"})

    @target.get(ready)
    async def ready_probe(request: Request):
        body, status = await asyncio.get_running_loop().run_in_executor(None, readiness, request)
        return response.json(body, status=status)

    @target.get(scrape)
    async def metrics_probe(request: Request):
        body, content_type = await asyncio.get_running_loop().run_in_executor(
            None, metrics.exposition, metrics.registry(registry))
        return response.raw(body, content_type=content_type)
