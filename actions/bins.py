"""Bin days: the postcode and address form, and the next collections."""
from __future__ import annotations

from typing import Any, Dict, List, Optional, Text

from rasa_sdk import Action, FormValidationAction, Tracker
from rasa_sdk.events import EventType
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from actions.responses import response_text
from bot import clock, dates, postcodes
from bot.council_data import calendar, gazetteer
from bot.gazetteer import Address
from bot.settings import council

# Up to this many addresses are offered as buttons; beyond it we ask for the house.
MAX_ADDRESS_BUTTONS = 10


def address_buttons(addresses: List[Address]) -> List[Dict[str, str]]:
    return [{"title": a.line, "payload": f'/inform{{"address_uprn":"{a.uprn}"}}'} for a in addresses]


def current_address(tracker: Tracker) -> Optional[Address]:
    uprn = tracker.get_slot("address_uprn")
    return gazetteer().address(uprn) if uprn else None


class AddressValidation:
    """Postcode then address, for every form that needs a property."""

    def validate_postcode(self, value: Any, dispatcher: CollectingDispatcher,
                          tracker: Tracker, domain: DomainDict) -> Dict[Text, Any]:
        text = str(value or "")
        postcode = postcodes.normalise(text) or postcodes.find(text)
        if not postcode:
            dispatcher.utter_message(response="utter_postcode_invalid", example=self._example())
            return {"postcode": None}
        settings = council()
        if not gazetteer().covers(postcode, settings.postcode_districts):
            dispatcher.utter_message(response="utter_postcode_other_council", postcode=postcode,
                                     find_council_url=settings.find_your_council_url)
            return {"postcode": None}
        if not gazetteer().addresses_at(postcode):
            dispatcher.utter_message(response="utter_postcode_not_found", postcode=postcode)
            return {"postcode": None}
        chosen = current_address(tracker)
        if chosen and chosen.postcode != postcode:
            # A new postcode means a new address: ask again.
            return {"postcode": postcode, "address_uprn": None}
        return {"postcode": postcode}

    def validate_address_uprn(self, value: Any, dispatcher: CollectingDispatcher,
                              tracker: Tracker, domain: DomainDict) -> Dict[Text, Any]:
        postcode = tracker.get_slot("postcode")
        candidates = gazetteer().addresses_at(postcode or "")
        text = str(value or "").strip()
        for address in candidates:
            if address.uprn == text:
                return {"address_uprn": address.uprn}
        matches = gazetteer().match(candidates, text)
        if len(matches) == 1:
            return {"address_uprn": matches[0].uprn}
        if matches:
            dispatcher.utter_message(response="utter_address_several", postcode=postcode)
        else:
            dispatcher.utter_message(response="utter_address_not_found", postcode=postcode)
        return {"address_uprn": None}

    @staticmethod
    def _example() -> str:
        return next(iter(gazetteer().postcodes), postcodes.EXAMPLE)


class ValidateBinDayForm(AddressValidation, FormValidationAction):
    def name(self) -> Text:
        return "validate_bin_day_form"


class ActionAskAddressUprn(Action):
    """Offer the addresses at the postcode as buttons, or ask for the house if there are many."""

    def name(self) -> Text:
        return "action_ask_address_uprn"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker,
                  domain: DomainDict) -> List[EventType]:
        postcode = tracker.get_slot("postcode")
        candidates = gazetteer().addresses_at(postcode or "")
        if len(candidates) > MAX_ADDRESS_BUTTONS:
            dispatcher.utter_message(response="utter_ask_house", count=len(candidates), postcode=postcode)
        else:
            dispatcher.utter_message(response="utter_choose_address", buttons=address_buttons(candidates))
        return []


class ActionBinDay(Action):
    """Tell the resident the next collection of each of their bins."""

    def name(self) -> Text:
        return "action_bin_day"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker,
                  domain: DomainDict) -> List[EventType]:
        address = current_address(tracker)
        if address is None:
            dispatcher.utter_message(response="utter_ask_postcode")
            return []
        today = clock.today()
        lines = []
        for collection in calendar().next_collections(address, today):
            when = dates.relative(collection.date, today)
            if collection.moved:
                when += " (" + response_text(domain, "utter_bin_day_moved",
                                             usual=dates.in_words(collection.usual_date, today)) + ")"
            lines.append(f"- **{collection.stream.name}**: {when}")
        dispatcher.utter_message(response="utter_bin_days", address=address.full, collections="\n".join(lines))
        if not address.garden_waste_subscriber:
            dispatcher.utter_message(response="utter_no_garden_subscription")
        return []
