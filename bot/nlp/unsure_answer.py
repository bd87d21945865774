"""A Rasa NLU component: a FAQ answer the response selector is unsure of is not given.

The `faq` intent holds every council topic, so the intent classifier is sure of
it for almost any question ("how old is …", "can you get me tickets …"); the
response selector, choosing among the topics, is not. Below `threshold` the
message becomes `nlu_fallback`, so the assistant asks "Did you mean …?"
instead of answering with a council page that does not fit.
"""
from __future__ import annotations

from typing import Any, Dict, List, Text

from rasa.engine.graph import ExecutionContext, GraphComponent
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage
from rasa.shared.nlu.constants import INTENT, INTENT_RANKING_KEY, TEXT
from rasa.shared.nlu.training_data.message import Message


@DefaultV1Recipe.register([DefaultV1Recipe.ComponentType.INTENT_CLASSIFIER], is_trainable=False)
class UnsureAnswerFallback(GraphComponent):
    @staticmethod
    def get_default_config() -> Dict[Text, Any]:
        return {"threshold": 0.2, "retrieval_intent": "faq"}

    def __init__(self, config: Dict[Text, Any]) -> None:
        self.threshold = float(config["threshold"])
        self.retrieval_intent = config["retrieval_intent"]

    @classmethod
    def create(cls, config: Dict[Text, Any], model_storage: ModelStorage, resource: Resource,
               execution_context: ExecutionContext) -> "UnsureAnswerFallback":
        return cls(config)

    def process(self, messages: List[Message]) -> List[Message]:
        for message in messages:
            intent = message.get(INTENT) or {}
            if intent.get("name") != self.retrieval_intent or (message.get(TEXT) or "").startswith("/"):
                continue
            selected = ((message.get("response_selector") or {}).get(self.retrieval_intent) or {}).get("response") or {}
            confidence = selected.get("confidence")
            if confidence is None or confidence >= self.threshold:
                continue
            # Rasa's own fallback intent; the ranking is kept, so "Did you mean …?" can offer the topic.
            fallback = {"name": "nlu_fallback", "confidence": 1.0 - confidence}
            message.set(INTENT, fallback, add_to_output=True)
            message.set(INTENT_RANKING_KEY, [fallback] + (message.get(INTENT_RANKING_KEY) or []), add_to_output=True)
        return messages
