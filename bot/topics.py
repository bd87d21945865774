"""The FAQ topics: short titles and the question a button sends, from `topics.yml`."""
from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from typing import Dict, Optional, Tuple

import yaml

from bot.settings import council_dir


@dataclass(frozen=True)
class Topic:
    key: str
    title: str
    group: str
    question: str
    urgent: bool = False


@lru_cache(maxsize=None)
def topics() -> Dict[str, Topic]:
    with open(council_dir() / "topics.yml", encoding="utf-8") as handle:
        raw = (yaml.safe_load(handle) or {}).get("topics") or {}
    return {
        key: Topic(key=key, title=str(spec["title"]), group=str(spec.get("group", "")),
                   question=str(spec.get("question") or spec["title"]), urgent=bool(spec.get("urgent", False)))
        for key, spec in raw.items()
    }


def suggestion_for(key: str) -> Optional[Tuple[str, str]]:
    """Label and payload for "Did you mean …?": the payload is the topic's question,
    so the answer comes through the normal understanding of a message."""
    topic = topics().get(key)
    return (topic.title, topic.question) if topic else None
