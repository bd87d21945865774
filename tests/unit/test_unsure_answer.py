"""A council answer the response selector is unsure of becomes "Did you mean …?"."""
from rasa.shared.nlu.training_data.message import Message

from bot.nlp.unsure_answer import UnsureAnswerFallback


def parsed(text, intent, answer_confidence):
    message = Message(data={"text": text})
    message.set("intent", {"name": intent, "confidence": 1.0})
    message.set("intent_ranking", [{"name": intent, "confidence": 1.0}])
    message.set("response_selector", {"faq": {"response": {"confidence": answer_confidence,
                                                           "intent_response_key": "faq/bulky_waste"}}})
    return message


def test_unsure_answer_is_not_given():
    gate = UnsureAnswerFallback({"threshold": 0.2, "retrieval_intent": "faq"})
    unsure, sure, report = (parsed("how old is the king", "faq", 0.09), parsed("book a bulky collection", "faq", 0.9),
                            parsed("pothole on mill lane", "report_pothole", 0.05))
    gate.process([unsure, sure, report])
    assert unsure.get("intent")["name"] == "nlu_fallback"
    # The guess stays in the ranking for "Did you mean …?".
    assert [r["name"] for r in unsure.get("intent_ranking")][:2] == ["nlu_fallback", "faq"]
    assert sure.get("intent")["name"] == "faq" and report.get("intent")["name"] == "report_pothole"
