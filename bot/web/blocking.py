"""Database and HTTP calls are blocking: the web app runs them in a thread, so one
slow call never holds up other requests or the console's live stream."""
from __future__ import annotations

import asyncio
from functools import partial
from typing import Any, Callable


async def blocking(function: Callable[..., Any], *args: Any, **kwargs: Any) -> Any:
    return await asyncio.get_running_loop().run_in_executor(None, partial(function, *args, **kwargs))
