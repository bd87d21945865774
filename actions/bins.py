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


def said(tracker: Tracker, entity: str) -> List[str]:
    """Values of one entity in the resident's latest message, in the order said."""
    return [str(v) for v in tracker.get_latest_entity_values(entity) if v not in (None, "")]


def address_said(tracker: Tracker) -> Optional[Address]:
    """The property the latest message names, when only one fits: "11 High Street" (house and street),
    "11, BK1 9RZ" (house and postcode), or a postcode with one property."""
    values = {name: said(tracker, name) for name in ("house_number", "street", "postcode")}
    postcode = postcodes.normalise(values["postcode"][0]) if values["postcode"] else None
    street = gazetteer().find_street(values["street"][0]) if values["street"] else None
    if values["house_number"]:
        return gazetteer().find_address(values["house_number"][0], street, postcode or "")
    return gazetteer().only_address_at(postcode) if postcode and not street else None


class AddressValidation:
    """Postcode then address, for every form that needs a property."""

    async def extract_postcode(self, dispatcher: CollectingDispatcher, tracker: Tracker,
                               domain: DomainDict) -> Dict[Text, Any]:
        return self._extract_address(tracker)

    async def extract_address_uprn(self, dispatcher: CollectingDispatcher, tracker: Tracker,
                                   domain: DomainDict) -> Dict[Text, Any]:
        return self._extract_address(tracker)

    @staticmethod
    def _extract_address(tracker: Tracker) -> Dict[Text, Any]:
        """A property named in full needs no postcode question: both slots at once (and it replaces
        one from earlier in the conversation)."""
        address = address_said(tracker)
        return {"postcode": address.postcode, "address_uprn": address.uprn} if address else {}

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
        if address is None and tracker.active_loop.get("name"):
            # Asked in the middle of a report: the report's questions come first.
            dispatcher.utter_message(response="utter_bin_day_after_report")
            return []
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
