from rasa.shared.nlu.training_data.message import Message

from bot.nlp.reference_intent import ReportReferenceClassifier
from bot.outbox import new_reference
from bot.references import find_reference


def test_find_reference():
    assert find_reference("what's happening with brk-1234?") == "BRK-1234"
    assert find_reference("any news on WEB-7F3K9Q") == "WEB-7F3K9Q"
    assert find_reference(f"ref {new_reference().lower()} please").startswith("WEB-")
    assert find_reference("pothole on the A4712") is None
    assert find_reference("my postcode is BK1 9RZ, call 07700 900123") is None


def test_classifier_makes_a_reference_a_status_question():
    classifier = ReportReferenceClassifier(ReportReferenceClassifier.get_default_config())
    message = Message.build(text="any update on WEB-7F3K9Q")
    message.set("intent", {"name": "faq", "confidence": 0.7})
    message.set("intent_ranking", [{"name": "faq", "confidence": 0.7}, {"name": "ask_report_status", "confidence": 0.2}])
    plain = Message.build(text="how do i pay council tax")
    plain.set("intent", {"name": "faq", "confidence": 0.9})
    button = Message.build(text='/inform{"contact":"WEB-7F3K9Q"}')
    button.set("intent", {"name": "inform", "confidence": 1.0})
    classifier.process([message, plain, button])
    assert message.get("intent") == {"name": "ask_report_status", "confidence": 1.0}
    assert [r["name"] for r in message.get("intent_ranking")] == ["ask_report_status", "faq"]
    assert plain.get("intent")["name"] == "faq" and button.get("intent")["name"] == "inform"
