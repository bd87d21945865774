"""Reading a Rasa tracker for an adviser."""
from bot.council_data import gazetteer
from bot.handoff import transcript
from bot.web.console import _describe


def user(text, intent, key=None, ts=1_800_000_000):
    parse = {"intent": {"name": intent}}
    if key:
        parse["response_selector"] = {"faq": {"response": {"intent_response_key": f"faq/{key}"}}}
    return {"event": "user", "text": text, "parse_data": parse, "timestamp": ts}


EVENTS = [
    user("how do i pay council tax", "faq", "pay_council_tax"),
    {"event": "bot", "text": "You can pay online.", "timestamp": 1_800_000_001},
    {"event": "slot", "name": "street", "value": "Station Road"},
    {"event": "slot", "name": "attr_size", "value": "large"},
    {"event": "slot", "name": "council_name", "value": "Brackenford Borough Council"},
    {"event": "slot", "name": "attr_size", "value": None},       # cleared after filing: still shown
    user("/request_human", "request_human"),
    {"event": "pause", "timestamp": 1_800_000_002},
    {"event": "bot", "text": "<b>Hi</b>, I'm Sam", "metadata": {"agent": "Sam"}, "timestamp": 1_800_000_003},
    {"event": "resume"},
]


def test_lines_mark_who_spoke_and_the_handover():
    lines = transcript.lines(EVENTS)
    assert [line.who for line in lines] == ["resident", "assistant", "resident", "event", "adviser", "event"]
    assert lines[2].text == "(chose request human)"
    assert lines[4].name == "Sam" and lines[4].text == "<b>Hi</b>, I'm Sam"   # escaped when shown, not here
    assert lines[0].at == "2027-01-15T08:00:00Z"


def test_collected_reads_the_slot_history_and_skips_bookkeeping():
    assert transcript.collected(EVENTS) == [("Street", "Station Road"), ("Size", "large")]


def test_topic_is_the_latest_message_with_a_subject():
    assert transcript.topic(EVENTS) == "Pay your council tax"
    assert transcript.topic([user("hi", "greet")]) == "General enquiry"
    assert transcript.topic([user("pothole", "report_pothole")]) == "Report pothole"
    assert transcript.topic([user("bins", "ask_bin_day")]) == "Bin collection day"


def test_uprn_is_described_as_the_address():
    address = next(iter(gazetteer().addresses_at(gazetteer().postcodes[0])))
    rows = transcript.collected([{"event": "slot", "name": "address_uprn", "value": address.uprn}], _describe)
    assert rows == [("Address", f"{address.full} (UPRN {address.uprn})")]
