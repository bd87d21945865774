"""The report forms' actions, called as the action server calls them."""
import io

import pytest
from PIL import Image

from actions.report_status import ActionReportStatus, ValidateReportStatusForm
from actions.reports import (ActionAskReportConfirmed, ActionCancelReport, ActionSubmitReport, AskAttrBinType,
                             AskAttrSize, ValidateGraffitiForm, ValidateMissedBinForm, ValidatePotholeForm,
                             build_report)
from bot import reporting
from bot.outbox import default_outbox
from bot.photos import PhotoStore, photo_url
from tests.conftest import make_tracker, run

POTHOLE = ValidatePotholeForm()


def responses(dispatcher):
    return [m.get("response") for m in dispatcher.messages]


def pothole_tracker(**slots):
    events = [{"event": "active_loop", "name": "pothole_form"}]
    return make_tracker(slots=slots, events=events, active_loop="pothole_form")


def test_street_is_resolved(dispatcher, domain):
    assert POTHOLE.validate_street("station rd", dispatcher, pothole_tracker(), domain) == {"street": "Station Road"}


def test_unknown_street_is_asked_again(dispatcher, domain):
    assert POTHOLE.validate_street("Nowhere Avenue", dispatcher, pothole_tracker(), domain) == {"street": None}
    assert responses(dispatcher) == ["utter_street_not_found"]


def test_private_road_is_refused(dispatcher, domain):
    result = POTHOLE.validate_street("Heather Close", dispatcher, pothole_tracker(), domain)
    assert result["report_refused"] and responses(dispatcher) == ["utter_street_private"]


def test_trunk_road_is_sent_to_national_highways(dispatcher, domain):
    result = POTHOLE.validate_street("Brackenford Bypass", dispatcher, pothole_tracker(), domain)
    assert result["report_refused"] == "National Highways"
    assert dispatcher.messages[0]["authority_url"].startswith("https://nationalhighways.co.uk")


def test_refused_report_ends_the_form(dispatcher, domain):
    slots = run(POTHOLE.required_slots(["street", "contact"], dispatcher,
                                       pothole_tracker(report_refused="private road"), domain))
    assert slots == []


def entity(name, value):
    return {"entity": name, "value": value}


def test_a_described_problem_is_asked_only_what_the_back_office_requires(dispatcher, domain):
    slots = ["street", "location_detail", "attr_size", "attr_hazard", "description", "contact", "report_confirmed"]
    described = pothole_tracker(description="deep hole by the school", attr_size="large")
    assert run(POTHOLE.required_slots(slots, dispatcher, described, domain)) == [
        "street", "location_detail", "attr_size", "description", "contact", "report_confirmed"]
    # Told step by step, the optional questions are asked.
    assert run(POTHOLE.required_slots(slots, dispatcher, pothole_tracker(), domain)) == slots


def test_the_opening_message_is_the_description(dispatcher, domain):
    text = "massive pothole outside 14 station road, cars swerving"
    tracker = make_tracker(text=text, intent="report_pothole", active_loop="pothole_form")
    assert run(POTHOLE.extract_description(dispatcher, tracker, domain)) == {"description": text}
    short = make_tracker(text="pothole please", intent="report_pothole", active_loop="pothole_form")
    assert run(POTHOLE.extract_description(dispatcher, short, domain)) == {}


def test_facts_taken_from_any_message(dispatcher, domain):
    tracker = make_tracker(text="huge pothole outside 14 station road", intent="report_pothole",
                           active_loop="pothole_form",
                           entities=[entity("street", "station road"), entity("location_detail", "outside 14"),
                                     entity("attr_size", "large"), entity("attr_size", "small")])
    assert run(POTHOLE.extract_street(dispatcher, tracker, domain)) == {"street": "station road"}
    assert run(POTHOLE.extract_location_detail(dispatcher, tracker, domain)) == {"location_detail": "outside 14"}
    # Two sizes named: the first in the back office's own order.
    assert POTHOLE.extract_attr_size(dispatcher, tracker, domain) == {"attr_size": "small"}


def test_contact_and_name_in_one_answer(dispatcher, domain):
    tracker = make_tracker(slots={"requested_slot": "contact"}, text="jo@example.com Jo Bloggs",
                           active_loop="pothole_form", entities=[entity("contact", "jo@example.com")])
    assert run(POTHOLE.extract_contact(dispatcher, tracker, domain)) == {"contact": "jo@example.com",
                                                                         "contact_name": "Jo Bloggs"}


def test_two_unusable_answers_offer_a_way_on(dispatcher, domain):
    events = [{"event": "slot", "name": "attr_size", "value": None}]
    tracker = pothole_tracker(requested_slot="attr_size", answer_failures=1.0)
    result = POTHOLE._count_failures("attr_size", events, dispatcher, tracker)
    assert result[0]["value"] == 2.0 and responses(dispatcher) == ["utter_stuck"]
    assert [b["title"] for b in dispatcher.messages[0]["buttons"]] == [
        "Skip this question", "Start again", "Speak to someone"]
    # A usable answer starts the count again; a message that was not an answer does not count.
    assert POTHOLE._count_failures("attr_size", [{"event": "slot", "name": "attr_size", "value": "large"}],
                                   dispatcher, tracker)[0]["value"] is None
    assert POTHOLE._count_failures("attr_size", [], dispatcher, tracker) == []


def test_a_required_question_offers_no_skip(dispatcher, domain):
    buttons = ValidateGraffitiForm()._ways_on("attr_offensive")
    assert [b["title"] for b in buttons] == ["Start again", "Speak to someone"]


def test_house_and_street_name_the_property(dispatcher, domain):
    tracker = make_tracker(text="my black bin wasnt collected at 11 high street", intent="report_missed_bin",
                           active_loop="missed_bin_form",
                           entities=[entity("house_number", "11"), entity("street", "High Street")])
    expected = {"postcode": "BK1 9RZ", "address_uprn": "100100000273"}
    assert run(ValidateMissedBinForm().extract_postcode(dispatcher, tracker, domain)) == expected
    # A house number alone on a street with several of it is not enough.
    tracker.latest_message["entities"] = [entity("house_number", "11")]
    assert run(ValidateMissedBinForm().extract_address_uprn(dispatcher, tracker, domain)) == {}


def test_attribute_answers(dispatcher, domain):
    tracker = pothole_tracker()
    assert POTHOLE.validate_attr_size("Large", dispatcher, tracker, domain) == {"attr_size": "large"}
    assert POTHOLE.validate_attr_hazard("skip", dispatcher, tracker, domain) == {"attr_hazard": reporting.SKIPPED}
    assert POTHOLE.validate_attr_size("gigantic", dispatcher, tracker, domain) == {"attr_size": None}
    assert responses(dispatcher) == ["utter_choose_an_option"]


def test_required_attribute_cannot_be_skipped(dispatcher, domain):
    graffiti = ValidateGraffitiForm()
    assert graffiti.validate_attr_offensive("skip", dispatcher, pothole_tracker(), domain) == {"attr_offensive": None}


def test_description_limit(dispatcher, domain):
    assert POTHOLE.validate_description("x" * 4000, dispatcher, pothole_tracker(), domain) == {"description": "x" * 4000}
    assert POTHOLE.validate_description("x" * 10000, dispatcher, pothole_tracker(), domain) == {"description": None}
    assert dispatcher.messages[0]["length"] == "10,000"


def test_contact_checked(dispatcher, domain):
    assert POTHOLE.validate_contact("jo@example", dispatcher, pothole_tracker(), domain) == {"contact": None}
    assert responses(dispatcher) == ["utter_contact_invalid"]
    assert POTHOLE.validate_contact("07700 900123", dispatcher, pothole_tracker(), domain) == {"contact": "07700900123"}


def test_change_clears_only_that_part(dispatcher, domain):
    result = POTHOLE.validate_report_confirmed("where", dispatcher, pothole_tracker(), domain)
    assert result["street"] is None and result["location_detail"] is None and result["report_confirmed"] is None
    assert "contact" not in result
    assert POTHOLE.validate_report_confirmed("yes", dispatcher, pothole_tracker(), domain) == {"report_confirmed": "yes"}


def test_ask_attribute_uses_the_definition(dispatcher, domain):
    run(AskAttrSize().run(dispatcher, pothole_tracker(), domain))
    message = dispatcher.messages[0]
    assert message["text"] == "Roughly how big is it?"
    assert [b["title"] for b in message["buttons"]] == ["Smaller than a dinner plate", "Up to a car tyre",
                                                      "Bigger than a car tyre", "Skip this question"]


def test_missed_bin_offers_only_the_propertys_bins(dispatcher, domain):
    tracker = make_tracker(slots={"address_uprn": "100100000001"}, active_loop="missed_bin_form",
                           events=[{"event": "active_loop", "name": "missed_bin_form"}])
    run(AskAttrBinType().run(dispatcher, tracker, domain))
    assert "Garden waste (brown bin)" not in [b["title"] for b in dispatcher.messages[0]["buttons"]]


def test_missed_bin_not_due(dispatcher, domain, monkeypatch):
    monkeypatch.setenv("BOT_TODAY", "2026-11-27")   # Friday; 1 High Street is collected on Mondays
    tracker = make_tracker(slots={"address_uprn": "100100000001"}, active_loop="missed_bin_form")
    result = ValidateMissedBinForm().validate_attr_bin_type("recycling", dispatcher, tracker, domain)
    assert result["report_refused"] == "not due"
    assert dispatcher.messages[0]["next"] == "Monday 30 November"


def test_summary_shows_the_residents_words_safely(dispatcher, domain):
    tracker = pothole_tracker(street="Station Road", location_detail="outside 14", attr_size="large",
                              attr_hazard=reporting.SKIPPED, description="[x](javascript:alert(1))",
                              contact="anonymous")
    run(ActionAskReportConfirmed().run(dispatcher, tracker, domain))
    summary = dispatcher.messages[0]["summary"]
    assert "- **Where**: outside 14, Station Road, Brackenford" in summary
    assert "- **Roughly how big is it**: Bigger than a car tyre" in summary
    assert "- **Description**: \\[x\\](javascript:alert(1))" in summary
    assert "- **Updates**: none (anonymous)" in summary
    assert "immediate danger" not in summary


def test_build_report_for_a_street(domain):
    tracker = pothole_tracker(street="Station Road", location_detail="outside 14", attr_size="large",
                              attr_hazard=reporting.SKIPPED, description=reporting.SKIPPED,
                              contact="jo@example.com", contact_name="Jo Bloggs")
    report = build_report(tracker, "pothole")
    assert report.attributes == {"size": "large", "usrn": "40500008"}
    assert (report.email, report.first_name, report.last_name, report.description) == \
        ("jo@example.com", "Jo", "Bloggs", "")
    assert report.address_string == "outside 14, Station Road, Brackenford" and report.address_id is None


def test_submit_while_back_office_is_down_keeps_the_report(dispatcher, domain):
    tracker = pothole_tracker(street="Station Road", location_detail="outside 14", attr_size="large",
                              attr_hazard="no", description="deep", contact="anonymous", report_confirmed="yes")
    events = run(ActionSubmitReport().run(dispatcher, tracker, domain))
    assert responses(dispatcher) == ["utter_report_queued"]
    reference = dispatcher.messages[0]["reference"]
    assert default_outbox().get(reference).state == "queued"
    slots = {e["name"]: e["value"] for e in events}
    assert slots["last_report_reference"] == reference and slots["street"] is None and "contact" not in slots


def test_refused_or_unconfirmed_report_is_not_filed(dispatcher, domain):
    before = len(default_outbox().entries())
    run(ActionSubmitReport().run(dispatcher, pothole_tracker(street="Heather Close", report_refused="private"), domain))
    assert len(default_outbox().entries()) == before and dispatcher.messages == []


def test_cancel(dispatcher, domain):
    tracker = make_tracker(slots={"street": "Station Road"}, intent="stop", active_loop="pothole_form")
    events = run(ActionCancelReport().run(dispatcher, tracker, domain))
    assert responses(dispatcher) == ["utter_report_cancelled"]
    assert {"event": "slot", "timestamp": None, "name": "street", "value": None} in events


def test_status_reference_from_the_message_or_memory(dispatcher, domain):
    form = ValidateReportStatusForm()
    said = make_tracker(text="what's happening with brk-1234?", intent="ask_report_status")
    assert run(form.extract_report_reference(dispatcher, said, domain)) == {"report_reference": "BRK-1234"}
    remembered = make_tracker(slots={"last_report_reference": "WEB-ABC234"}, text="any news on my report",
                              intent="ask_report_status")
    assert run(form.extract_report_reference(dispatcher, remembered, domain)) == {"report_reference": "WEB-ABC234"}
    assert form.validate_report_reference("my pothole", dispatcher, said, domain) == {"report_reference": None}


def test_status_of_a_report_still_in_the_outbox(dispatcher, domain):
    from bot.connectors.base import Report
    entry = default_outbox().add(Report(reference="", service_code="graffiti", address_string="Westgate"))
    run(ActionReportStatus().run(dispatcher, make_tracker(slots={"report_reference": entry.reference}), domain))
    assert responses(dispatcher) == ["utter_report_status_waiting"]
    assert dispatcher.messages[0]["service"] == "graffiti"


def test_status_when_back_office_is_down(dispatcher, domain):
    run(ActionReportStatus().run(dispatcher, make_tracker(slots={"report_reference": "BRK-1001"}), domain))
    assert responses(dispatcher) == ["utter_report_status_unavailable"]


def test_bin_named_first_is_checked_once_the_address_is_known(dispatcher, domain, monkeypatch):
    monkeypatch.setenv("BOT_TODAY", "2026-11-27")
    form = ValidateMissedBinForm()
    first = make_tracker(text="my black bin wasn't emptied", intent="report_missed_bin", active_loop="missed_bin_form",
                         entities=[entity("attr_bin_type", "general")])
    assert form.extract_attr_bin_type(dispatcher, first, domain) == {"attr_bin_type": "general"}
    later = make_tracker(slots={"postcode": "BK1 9RZ", "attr_bin_type": "garden"}, active_loop="missed_bin_form")
    result = form.validate_address_uprn("100100000001", dispatcher, later, domain)   # no garden subscription
    assert result == {"address_uprn": "100100000001", "attr_bin_type": None}
    assert responses(dispatcher) == ["utter_bin_not_at_address"]


def test_use_my_location_finds_the_nearest_street(dispatcher, domain):
    from bot.council_data import gazetteer
    target = next(a for a in gazetteer().addresses_at("BK1 9RZ") if a.line == "5 High Street")
    tracker = make_tracker(intent="share_location", active_loop="pothole_form", text="/share_location",
                           entities=[{"entity": "latitude", "value": target.lat + 0.00002},
                                     {"entity": "longitude", "value": target.lon}])
    result = run(POTHOLE.extract_street(dispatcher, tracker, domain))
    assert result == {"street": "High Street", "location_detail": "near 5",
                      "report_lat": target.lat + 0.00002, "report_long": target.lon}
    assert dispatcher.messages[0]["response"] == "utter_location_found"


def test_location_outside_the_area(dispatcher, domain):
    tracker = make_tracker(intent="share_location", active_loop="pothole_form",
                           entities=[{"entity": "latitude", "value": 51.5}, {"entity": "longitude", "value": -0.12}])
    assert run(POTHOLE.extract_street(dispatcher, tracker, domain)) == {}
    assert responses(dispatcher) == ["utter_location_outside"]


@pytest.fixture
def photos(tmp_path, monkeypatch):
    """The actions' photo store, in tmp_path, with the web app at a known public address."""
    monkeypatch.setenv("WEB_PUBLIC_URL", "http://127.0.0.1:8000")
    store = PhotoStore(tmp_path)
    monkeypatch.setattr("actions.reports.default_photo_store", lambda: store)
    return store


def stored_photo(store: PhotoStore) -> str:
    """The link the web app gives for a photo it stored."""
    out = io.BytesIO()
    Image.new("RGB", (8, 8), "grey").save(out, format="PNG")
    return photo_url(store.save(out.getvalue()))


def test_photo_goes_with_the_report(dispatcher, domain, photos):
    url = stored_photo(photos)
    tracker = make_tracker(intent="add_photo", active_loop="pothole_form",
                           entities=[{"entity": "photo_url", "value": url}])
    assert run(POTHOLE.extract_description(dispatcher, tracker, domain)) == {"media_url": url}
    evil = make_tracker(intent="add_photo", entities=[{"entity": "photo_url", "value": "javascript:alert(1)"}])
    assert run(POTHOLE.extract_description(dispatcher, evil, domain)) == {}
    report = build_report(pothole_tracker(street="High Street", location_detail="near 5 High Street", media_url=url,
                                          report_lat=51.6, report_long=-3.4, contact="anonymous"), "pothole")
    assert (report.media_url, report.lat, report.long) == (url, 51.6, -3.4)


def test_photo_and_position_reach_the_form_through_rasa_sdk(dispatcher, domain, photos):
    url = stored_photo(photos)
    tracker = make_tracker(slots={"street": "High Street", "location_detail": "near 5", "attr_size": "large",
                                  "attr_hazard": "no", "requested_slot": "description"},
                           intent="add_photo", text=f'/add_photo{{"photo_url":"{url}"}}',
                           entities=[{"entity": "photo_url", "value": url}],
                           events=[{"event": "user", "text": "/add_photo"}], active_loop="pothole_form")
    events = run(POTHOLE.run(dispatcher, tracker, domain))
    assert {"event": "slot", "timestamp": None, "name": "media_url", "value": url} in events
    assert responses(dispatcher) == ["utter_photo_added"]


def test_an_open_report_nearby_is_offered_before_filing(dispatcher, domain):
    from bot.connectors.base import Report
    from bot.duplicates import NOT_CHECKED
    near = build_report(pothole_tracker(street="Station Road", location_detail="outside 14"), "pothole")
    waiting = default_outbox().add(Report(reference="", service_code="pothole", lat=near.lat, long=near.long,
                                          address_string="Station Road"))
    tracker = pothole_tracker(street="Station Road", location_detail="outside 14", attr_size="large",
                              attr_hazard="no", description="deep", contact="jo@example.com")
    run(ActionAskReportConfirmed().run(dispatcher, tracker, domain))
    assert responses(dispatcher) == ["utter_check_report", "utter_duplicate_nearby"]
    offer = dispatcher.messages[1]
    # The one just added, or an earlier test's pothole waiting at the same house.
    offered = default_outbox().get(offer["reference"])
    assert waiting.state == offered.state == "queued" and offered.report.service_code == "pothole"
    assert (offer["where"], offer["service"]) == ("at the same place", "pothole")
    assert offer["buttons"][0]["title"] == f"Get updates on {offered.reference} instead"
    assert offer["buttons"][1]["title"] == "Send report"
    assert "missed_bin" in NOT_CHECKED


def test_following_a_nearby_report_files_nothing(dispatcher, domain):
    from bot.report_updates import report_updates
    assert POTHOLE.validate_report_confirmed("follow brk-1042", dispatcher, pothole_tracker(), domain) == {
        "report_confirmed": "follow BRK-1042"}
    before = len(default_outbox().entries())
    tracker = pothole_tracker(street="Station Road", location_detail="outside 14", attr_size="large",
                              attr_hazard="no", description="deep", contact="jo@example.com",
                              report_confirmed="follow BRK-1042")
    events = run(ActionSubmitReport().run(dispatcher, tracker, domain))
    assert responses(dispatcher) == ["utter_following_report"]
    assert len(default_outbox().entries()) == before
    assert [(s.service_code, s.email) for s in report_updates().subscribers("BRK-1042")] == [("pothole", "jo@example.com")]
    assert {"event": "slot", "timestamp": None, "name": "last_report_reference", "value": "BRK-1042"} in events
    dispatcher.messages.clear()
    run(ActionSubmitReport().run(dispatcher, pothole_tracker(street="Station Road", contact="anonymous",
                                                             report_confirmed="follow BRK-1042"), domain))
    assert responses(dispatcher) == ["utter_following_report_anonymous"]
    # Kept for the insights (a duplicate avoided), with nobody to send news to.
    assert [(s.email, s.phone) for s in report_updates().subscribers("BRK-1042")] == [
        ("jo@example.com", None), (None, None)]


def test_news_asked_for_by_email_goes_to_that_email_not_the_chat(dispatcher, domain):
    from bot.connectors.base import Report
    from bot.db import engine
    from bot.notifications import Notifications
    entry = default_outbox().add(Report(reference="", service_code="graffiti", address_string="Westgate",
                                        email="news@example.com"))
    form = ValidateReportStatusForm()
    assert form.validate_report_reference("news@example.com", dispatcher, make_tracker(), domain) == {
        "report_reference": "news@example.com"}
    run(ActionReportStatus().run(dispatcher, make_tracker(slots={"report_reference": "news@example.com"}), domain))
    assert responses(dispatcher) == ["utter_report_news_sent"]
    (message,) = Notifications(engine()).messages(entry.reference)
    assert (message.channel, message.recipient, message.fields["reference"]) == ("email", "news@example.com",
                                                                                 entry.reference)
    assert "Westgate" not in str(dispatcher.messages)      # nothing about the report is shown in the chat
    run(ActionReportStatus().run(dispatcher, make_tracker(slots={"report_reference": "nobody@example.com"}), domain))
    assert responses(dispatcher)[-1] == "utter_report_news_sent"
    assert not [m for m in Notifications(engine()).messages() if m.recipient == "nobody@example.com"]
