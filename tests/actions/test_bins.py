
from actions.bins import ActionAskAddressUprn, ActionBinDay, ValidateBinDayForm, MAX_ADDRESS_BUTTONS
from bot.council_data import gazetteer
from tests.conftest import make_tracker, run

FORM = ValidateBinDayForm()


def responses(dispatcher):
    return [m.get("response") for m in dispatcher.messages]


def test_valid_postcode_is_normalised(dispatcher, domain):
    result = FORM.validate_postcode("bk19rz", dispatcher, make_tracker(), domain)
    assert result == {"postcode": "BK1 9RZ"}
    assert dispatcher.messages == []


def test_postcode_in_a_sentence(dispatcher, domain):
    result = FORM.validate_postcode("it's BK2 9XD thanks", dispatcher, make_tracker(), domain)
    assert result == {"postcode": "BK2 9XD"}


def test_invalid_postcode_is_asked_again_with_an_example(dispatcher, domain):
    result = FORM.validate_postcode("my house", dispatcher, make_tracker(), domain)
    assert result == {"postcode": None}
    assert responses(dispatcher) == ["utter_postcode_invalid"]
    assert dispatcher.messages[0]["example"] in gazetteer().postcodes


def test_postcode_of_another_council(dispatcher, domain):
    result = FORM.validate_postcode("SW1A 1AA", dispatcher, make_tracker(), domain)
    assert result == {"postcode": None}
    assert responses(dispatcher) == ["utter_postcode_other_council"]
    assert dispatcher.messages[0]["find_council_url"].startswith("https://www.gov.uk/")


def test_unknown_postcode_in_our_area(dispatcher, domain):
    result = FORM.validate_postcode("BK1 1AA", dispatcher, make_tracker(), domain)
    assert result == {"postcode": None}
    assert responses(dispatcher) == ["utter_postcode_not_found"]


def test_new_postcode_forgets_the_old_address(dispatcher, domain):
    tracker = make_tracker(slots={"address_uprn": "100100000001"})
    assert FORM.validate_postcode("BK2 9XD", dispatcher, tracker, domain) == {
        "postcode": "BK2 9XD", "address_uprn": None}
    assert FORM.validate_postcode("BK1 9RZ", dispatcher, tracker, domain) == {"postcode": "BK1 9RZ"}


def test_address_chosen_by_button(dispatcher, domain):
    tracker = make_tracker(slots={"postcode": "BK1 9RZ"})
    assert FORM.validate_address_uprn("100100000033", dispatcher, tracker, domain) == {
        "address_uprn": "100100000033"}


def test_address_typed_as_house_number(dispatcher, domain):
    tracker = make_tracker(slots={"postcode": "BK1 9RZ"})
    assert FORM.validate_address_uprn("number 2", dispatcher, tracker, domain) == {
        "address_uprn": "100100000033"}


def test_address_not_at_postcode(dispatcher, domain):
    tracker = make_tracker(slots={"postcode": "BK1 9RZ"})
    # A UPRN from another postcode is not accepted, nor is an unknown number.
    other = gazetteer().addresses_at("BK2 9XD")[0].uprn
    assert FORM.validate_address_uprn(other, dispatcher, tracker, domain) == {"address_uprn": None}
    assert FORM.validate_address_uprn("99", dispatcher, tracker, domain) == {"address_uprn": None}
    assert responses(dispatcher) == ["utter_address_not_found", "utter_address_not_found"]


def test_form_validation_runs_through_rasa_sdk(dispatcher, domain):
    """The whole FormValidationAction, as the action server calls it."""
    tracker = make_tracker(
        slots={"postcode": "bk1 9rz", "requested_slot": "postcode"},
        events=[{"event": "user", "text": "bk1 9rz"}, {"event": "slot", "name": "postcode", "value": "bk1 9rz"}],
        active_loop="bin_day_form",
    )
    events = run(FORM.run(dispatcher, tracker, domain))
    assert {"event": "slot", "timestamp": None, "name": "postcode", "value": "BK1 9RZ"} in events


def test_few_addresses_are_offered_as_buttons(dispatcher, domain):
    postcode = next(pc for pc in gazetteer().postcodes if len(gazetteer().addresses_at(pc)) <= MAX_ADDRESS_BUTTONS)
    run(ActionAskAddressUprn().run(dispatcher, make_tracker(slots={"postcode": postcode}), domain))
    message = dispatcher.messages[0]
    assert message["response"] == "utter_choose_address"
    assert len(message["buttons"]) == len(gazetteer().addresses_at(postcode))
    assert message["buttons"][0]["payload"].startswith('/inform{"address_uprn":"')


def test_many_addresses_ask_for_the_house(dispatcher, domain):
    run(ActionAskAddressUprn().run(dispatcher, make_tracker(slots={"postcode": "BK1 4RF"}), domain))
    message = dispatcher.messages[0]
    assert message["response"] == "utter_ask_house"
    assert message["count"] == 18 and not message.get("buttons")


def test_bin_days_in_words(dispatcher, domain, monkeypatch):
    monkeypatch.setenv("BOT_TODAY", "2026-12-24")
    address = gazetteer().addresses_at("BK1 9RZ")[0]  # 1 High Street: Monday, week A, no garden
    run(ActionBinDay().run(dispatcher, make_tracker(slots={"address_uprn": address.uprn}), domain))
    first, second = dispatcher.messages
    assert first["response"] == "utter_bin_days"
    assert first["address"] == "1 High Street, Brackenford BK1 9RZ"
    # Monday 28 December is a bank holiday: the festive table moves it to Tuesday 29.
    assert "- **Recycling (blue bin and boxes)**: Tuesday 29 December (moved from Monday 28 December" \
        in first["collections"]
    assert "Garden" not in first["collections"]
    assert second["response"] == "utter_no_garden_subscription"


def test_bin_days_without_address_asks_for_postcode(dispatcher, domain):
    run(ActionBinDay().run(dispatcher, make_tracker(), domain))
    assert responses(dispatcher) == ["utter_ask_postcode"]
