"""A Rasa NLU component: "bus stop" is a place, not a request to stop.

Asked "Where on the street is it?", a resident who answers "bus stop" means
the place. The classifier can take the word for the `stop` intent, and the
forms' rules would then cancel the report. When every command word in the
message lies inside a place or street the council's patterns found, the
message, or a landmark of data/council/phrases.yml ("bus stop"), the message
is an answer (`inform`), not a command.
"""
from __future__ import annotations

import re
from typing import Any, Dict, List, Text

from rasa.engine.graph import ExecutionContext, GraphComponent
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage
from rasa.shared.nlu.constants import ENTITIES, INTENT, INTENT_RANKING_KEY, TEXT
from rasa.shared.nlu.training_data.message import Message

from bot.nlp.pipeline import load_phrases

_WORD = re.compile(r"[a-z']+")


def outside_spans(text: str, spans: List[tuple]) -> str:
    """The text with the given (start, end) spans blanked out."""
    kept = list(text)
    for start, end in spans:
        kept[start:end] = " " * (end - start)
    return "".join(kept)


@DefaultV1Recipe.register([DefaultV1Recipe.ComponentType.INTENT_CLASSIFIER], is_trainable=False)
class PlaceNotCommand(GraphComponent):
    @staticmethod
    def get_default_config() -> Dict[Text, Any]:
        return {"intents": ["stop"], "answer_intent": "inform", "places": ["location_detail", "street"],
                "command_words": ["stop", "cancel", "quit", "exit", "abort", "restart", "reset", "forget",
                                  "never", "nevermind", "scrap", "else", "over", "again"]}

    def __init__(self, config: Dict[Text, Any], landmarks: List[str]) -> None:
        self.intents = set(config["intents"])
        self.answer_intent = config["answer_intent"]
        self.places = set(config["places"])
        self.command_words = set(config["command_words"])
        # Only landmarks with a command word in them matter ("bus stop").
        self.landmarks = [re.compile(rf"\b{re.escape(landmark.lower())}\b") for landmark in landmarks
                          if self.command_words & set(_WORD.findall(landmark.lower()))]

    @classmethod
    def create(cls, config: Dict[Text, Any], model_storage: ModelStorage, resource: Resource,
               execution_context: ExecutionContext) -> "PlaceNotCommand":
        return cls(config, load_phrases().get("landmarks") or [])

    def is_place_only(self, message: Message) -> bool:
        text = (message.get(TEXT) or "").lower()
        spans = [(e["start"], e["end"]) for e in message.get(ENTITIES) or []
                 if e.get("entity") in self.places and e.get("start") is not None]
        spans += [found.span() for landmark in self.landmarks for found in landmark.finditer(text)]
        if text.startswith("/") or not spans:
            return False
        inside = " ".join(text[start:end] for start, end in spans)
        rest = outside_spans(text, spans)
        return (any(word in self.command_words for word in _WORD.findall(inside))
                and not any(word in self.command_words for word in _WORD.findall(rest)))

    def process(self, messages: List[Message]) -> List[Message]:
        for message in messages:
            intent = message.get(INTENT) or {}
            if intent.get("name") not in self.intents or not self.is_place_only(message):
                continue
            top = {"name": self.answer_intent, "confidence": intent.get("confidence")}
            # The command it was taken for leaves the ranking: it was the place's word.
            ranking = [r for r in message.get(INTENT_RANKING_KEY) or []
                       if r.get("name") not in (self.answer_intent, intent.get("name"))]
            message.set(INTENT, top, add_to_output=True)
            message.set(INTENT_RANKING_KEY, [top] + ranking, add_to_output=True)
        return messages
