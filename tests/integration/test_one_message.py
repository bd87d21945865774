"""Residents who say it all in one message, over REST into the demo back office (issue 12).

The openings are the issue's own examples: the assistant must take every fact
it was given, ask only for what is missing, and never trap anyone.
"""
import uuid

import sqlalchemy as sa

from bot.outbox import Outbox
from tests.integration.test_conversations import texts
from tests.integration.test_reports import buttons, press


def new_sender():
    return f"resident-{uuid.uuid4().hex[:8]}"


def filed(stack, replies):
    """The record the back office was sent for the reference in the replies."""
    reference = texts(replies).split("**")[1]
    outbox = Outbox(sa.create_engine(f"sqlite:///{stack.database}", future=True))
    return (outbox.find_by_backoffice_reference(reference) or outbox.get(reference)).report


def test_missed_bin_with_the_address_in_the_message_is_filed_in_two_turns(stack):
    sender = new_sender()
    replies = stack.say(sender, "my black bin wasn't collected this week at 11 High Street BK1 9RZ, "
                                "my email is jo@example.com")
    summary = texts(replies)
    assert "Check your report" in summary and "11 High Street, Brackenford BK1 9RZ" in summary
    assert "General waste (black bin)" in summary and "jo@example.com" in summary
    report = filed(stack, press(stack, sender, replies, "Send report"))
    assert (report.service_code, report.address_id, report.email) == ("missed_bin", "100100000273", "jo@example.com")
    assert report.attributes["bin_type"] == "general"


def test_house_number_and_street_need_no_postcode(stack):
    sender = new_sender()
    replies = stack.say(sender, "recycling not picked up today, 12 Church Lane")
    answer = texts(replies)
    assert "postcode" not in answer.lower()
    assert "Do you want updates" in answer     # the one thing not said
    replies = press(stack, sender, replies, "Stay anonymous")
    assert "12 Church Lane" in texts(replies)
    report = filed(stack, press(stack, sender, replies, "Send report"))
    assert report.attributes["bin_type"] == "recycling" and report.email is None


def test_pothole_said_all_at_once_is_filed_in_two_turns(stack):
    sender = new_sender()
    opening = ("There's a massive pothole on Station Road outside number 14, about the size of a car tyre, "
               "cars are swerving round it. I'm happy to stay anonymous")
    replies = stack.say(sender, opening)
    summary = texts(replies)
    assert "Check your report" in summary and "outside number 14, Station Road" in summary
    assert "Up to a car tyre" in summary and "none (anonymous)" in summary
    report = filed(stack, press(stack, sender, replies, "Send report"))
    assert report.attributes == {"size": "medium", "hazard": "yes", "usrn": "40500008"}
    assert report.description == opening


def test_street_light_fault_and_house_taken_from_the_message(stack):
    sender = new_sender()
    replies = stack.say(sender, "street lamp outside my house at 7 Victoria Terrace is on all day")
    answer = texts(replies)
    assert "What is wrong with the light" not in answer and "Where on the street" not in answer
    replies = stack.say(sender, "07700 900123 Sam Jones")
    summary = texts(replies)
    assert "outside 7, Victoria Terrace" in summary and "It is on during the day" in summary
    assert "Sam Jones" in summary and "07700900123" in summary
    report = filed(stack, press(stack, sender, replies, "Send report"))
    assert (report.attributes["fault"], report.phone, report.first_name) == ("day_burning", "07700900123", "Sam")


def test_what_was_dumped_is_not_asked_again(stack):
    sender = new_sender()
    replies = stack.say(sender, "can you send someone to collect the mattress dumped outside 4 Albert Road")
    assert "What has been dumped" not in texts(replies)
    replies = press(stack, sender, replies, "Stay anonymous")
    summary = texts(replies)
    assert "Furniture or mattresses" in summary and "outside 4, Albert Road" in summary


def test_a_question_mid_report_is_answered_then_the_resident_chooses(stack):
    sender = new_sender()
    replies = stack.say(sender, "graffiti on the wall in Chapel Row")
    assert "Where on the street" in texts(replies)
    replies = stack.say(sender, "how do I pay my council tax")
    answer = texts(replies)
    assert "council tax" in answer.lower() and "carry on with your report" in answer
    replies = press(stack, sender, replies, "Carry on with my report")
    assert "Where on the street" in texts(replies)
    replies = stack.say(sender, "something else")
    assert "cancelled" in texts(replies)


def test_two_unusable_answers_offer_a_way_on(stack):
    sender = new_sender()
    replies = stack.say(sender, "I want to report graffiti")
    for answer in ("Westgate", "by the bus stop"):
        if "Which street" in texts(replies) or "Where on the street" in texts(replies):
            replies = stack.say(sender, answer)
    assert "offensive" in texts(replies)
    replies = stack.say(sender, "purple")
    assert "Choose one of the options" in texts(replies)
    replies = stack.say(sender, "kind of")
    titles = [b["title"] for b in buttons(replies)]
    assert "Start again" in titles and "Speak to someone" in titles
    replies = press(stack, sender, replies, "Start again")
    assert "What do you want to report?" in texts(replies)


def test_every_way_of_asking_for_a_person_is_a_handover(stack):
    for text in ("is there an actual human being I could chat to instead", "can I chat to someone at the council"):
        answer = texts(stack.say(new_sender(), text))
        assert "automated assistant" not in answer
        assert "adviser" in answer.lower() or "01632 960 000" in answer


def test_off_topic_is_never_the_start_of_a_report(stack):
    for text in ("book me a flight to spain", "what's the weather like in Brackenford tomorrow"):
        answer = texts(stack.say(new_sender(), text))
        assert "Which street" not in answer and "What do you want to report" not in answer
        assert "Check your report" not in answer


def test_abandoned_vehicle_said_all_at_once(stack):
    sender = new_sender()
    replies = stack.say(sender, "theres been a silver ford fiesta reg AB12 CDE dumped at the end of Colliery Road "
                                "for three weeks now, no tax, call me on 07700 900123")
    summary = texts(replies)
    assert "Check your report" in summary and "at the end, Colliery Road" in summary
    report = filed(stack, press(stack, sender, replies, "Send report"))
    assert report.attributes["make_colour"] == "silver ford fiesta" and report.attributes["registration"] == "AB12 CDE"
    assert report.phone == "07700900123"


def test_bus_stop_is_a_place_not_a_request_to_stop(stack):
    sender = new_sender()
    replies = stack.say(sender, "there's graffiti on Fernlea Gardens, not offensive")
    assert "Where on the street" in texts(replies)
    answer = texts(stack.say(sender, "bus stop"))
    assert "cancelled" not in answer and "Where on the street" not in answer
