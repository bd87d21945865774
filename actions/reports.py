"""Reporting a problem: one form per back-office service, a summary to confirm, then filing.

The questions come from the service definitions (bot.catalogue); the checks
from bot.reporting; filing goes through the outbox, so a report is stored
before the back office is called and is never lost.
"""
from __future__ import annotations

import asyncio
import logging
import threading
from typing import Any, Dict, List, Optional, Text

from rasa_sdk import Action, FormValidationAction, Tracker
from rasa_sdk.events import EventType, SlotSet
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from actions.bins import AddressValidation, current_address, said
from bot import answer_checks, catalogue, clock, dates, duplicates, reporting
from bot.connectors.base import TOKEN_PREFIX, Report
from bot.connectors.config import backoffice_config, connector
from bot.council_data import calendar, gazetteer
from bot.outbox import default_outbox
from bot.photos import default_photo_store
from bot.references import find_reference
from bot.report_updates import report_updates
from bot.settings import council

logger = logging.getLogger(__name__)

SERVICES = catalogue.service_codes()
# Read the back office's definitions when the action server starts, without holding it up.
threading.Thread(target=catalogue.warm, name="catalogue-warm", daemon=True).start()
FORMS = {f"{code}_form": code for code in SERVICES}
# Slot names are fixed in the domain, so they come from the local copy of the catalogue.
ATTRIBUTE_CODES = sorted({a["code"] for code in SERVICES for a in catalogue.asked_attributes(code, local=True)})
ATTRIBUTE_SLOTS = [f"attr_{code}" for code in ATTRIBUTE_CODES]
# What "Change …" on the summary asks again.
CHANGES = {
    "where": ["street", "location_detail", "postcode", "address_uprn"],
    "details": ATTRIBUTE_SLOTS + ["description"],
    "contact": ["contact", "contact_name"],
}
# Forgotten once a report is filed or cancelled (the address and contact are kept).
REPORT_SLOTS = ["street", "location_detail", "description", "report_confirmed", "report_refused",
                "report_lat", "report_long", "media_url", "answer_failures"] + ATTRIBUTE_SLOTS
# Messages that are never an answer to a question of the form (as the domain's `not_intent`).
_NOT_ANSWERS = {"stop", "request_human", "report_problem", "resume_report"}
# Questions a resident may ask in the middle of a report (the rules answer them).
_OTHER_QUESTIONS = {"faq", "ask_bin_day"}
# Begins the summary's answer "follow this nearby report instead" (then its reference).
FOLLOW = "follow "
# After this many answers in a row the form cannot use, it offers a way on.
FAILURES_BEFORE_HELP = 2


def service_of(tracker: Tracker) -> Optional[str]:
    """The report form active now, or the last one that was."""
    if tracker.active_loop.get("name") in FORMS:
        return FORMS[tracker.active_loop["name"]]
    for event in reversed(tracker.events):
        if event.get("event") == "active_loop" and event.get("name") in FORMS:
            return FORMS[event["name"]]
    return None


def latest_intent(tracker: Tracker) -> Optional[str]:
    return ((tracker.latest_message or {}).get("intent") or {}).get("name")


def latest_text(tracker: Tracker) -> str:
    return (tracker.latest_message or {}).get("text") or ""


def typed_answer(tracker: Tracker) -> Optional[str]:
    """What the resident typed, unless it was a button or a question of their own: an answer to the
    form's question, whatever the classifier made of it."""
    text = latest_text(tracker)
    return text if text and not text.startswith("/") and not reporting.looks_like_question(text) else None


def opening_message(tracker: Tracker) -> bool:
    """The form is starting on the resident's first message about the problem."""
    intent = latest_intent(tracker) or ""
    return tracker.get_slot("requested_slot") is None and intent.startswith("report_") and intent != "report_problem"


def current_street(tracker: Tracker):
    name = tracker.get_slot("street")
    return gazetteer().find_street(name) if name else None


def answered_attributes(tracker: Tracker, service_code: str) -> List[tuple]:
    """The service's attributes the resident answered (not skipped), with their answers."""
    answered = [(a, tracker.get_slot(f"attr_{a['code']}")) for a in catalogue.asked_attributes(service_code)]
    return [(a, value) for a, value in answered if value and value != reporting.SKIPPED]


def summary(tracker: Tracker, service_code: str) -> str:
    rows: List[tuple] = [("Problem", catalogue.service_name(service_code))]
    address = current_address(tracker)
    street = current_street(tracker)
    if service_code == "missed_bin" and address:
        rows.append(("Address", address.full))
    elif street:
        rows.append(("Where", reporting.locate(gazetteer(), street, tracker.get_slot("location_detail")).address_string))
    for attribute, value in answered_attributes(tracker, service_code):
        label = attribute.get("description") or attribute["code"]
        rows.append((label.rstrip("?"), reporting.choice_name(attribute, value)))
    description = tracker.get_slot("description")
    if description and description != reporting.SKIPPED:
        rows.append(("Description", description))
    if tracker.get_slot("media_url"):
        rows.append(("Photo", "added"))
    contact = reporting.parse_contact(tracker.get_slot("contact"))
    if not contact or contact.anonymous:
        rows.append(("Updates", "none (anonymous)"))
    else:
        name = tracker.get_slot("contact_name")
        rows += [("Name", None if name == reporting.SKIPPED else name), ("Updates to", str(contact))]
    return reporting.summary_lines(rows)


def reset_events() -> List[EventType]:
    return [SlotSet(name, None) for name in REPORT_SLOTS]


class ReportFormValidation(AddressValidation, FormValidationAction):
    service_code = ""

    def name(self) -> Text:
        return f"validate_{self.service_code}_form"

    # Slots the extraction sets that the form never asks for: rasa-sdk returns only
    # the asked-for ones, so these are added to what the form gets back.
    KEPT_SLOTS = ("media_url", "report_lat", "report_long", "contact_name")

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> List[EventType]:
        asked = tracker.get_slot("requested_slot")
        events = await super().run(dispatcher, tracker, domain)
        returned = {event.get("name") for event in events}
        changed = tracker.slots_to_validate()
        events += [SlotSet(name, changed[name]) for name in self.KEPT_SLOTS if name in changed and name not in returned]
        return events + self._count_failures(asked, events, dispatcher, tracker)

    def _count_failures(self, asked: Optional[str], events: List[EventType], dispatcher: CollectingDispatcher,
                        tracker: Tracker) -> List[EventType]:
        """Two answers in a row the question cannot use: offer a way on, never the same question for ever."""
        answers = [e.get("value") for e in events if e.get("event") == "slot" and e.get("name") == asked]
        if not asked or not answers:
            return []   # not an answer to the question (a FAQ, a location): nothing to count
        if answers[-1] is not None:
            return [SlotSet("answer_failures", None)]
        failures = int(tracker.get_slot("answer_failures") or 0) + 1
        if failures >= FAILURES_BEFORE_HELP:
            dispatcher.utter_message(response="utter_stuck", buttons=self._ways_on(asked))
        return [SlotSet("answer_failures", float(failures))]

    def _ways_on(self, slot: str) -> List[Dict[str, str]]:
        buttons = []
        if slot in ("location_detail", "description"):
            buttons.append({"title": "Skip this question", "payload": "skip"})
        elif slot.startswith("attr_"):
            attribute = catalogue.attribute(self.service_code, slot[len("attr_"):]) or {}
            if not attribute.get("required"):
                buttons.append({"title": "Skip this question", "payload": f'/inform{{"{slot}":"{reporting.SKIPPED}"}}'})
        elif slot == "contact":
            buttons.append({"title": "Stay anonymous", "payload": '/inform{"contact":"anonymous"}'})
        return buttons + [{"title": "Start again", "payload": "/report_problem"},
                          {"title": "Speak to someone", "payload": "/request_human"}]

    async def required_slots(self, domain_slots: List[Text], dispatcher: CollectingDispatcher,
                             tracker: Tracker, domain: DomainDict) -> List[Text]:
        if tracker.get_slot("report_refused"):
            return []   # ends the form; action_submit_report files nothing
        if tracker.get_slot("description"):
            # The resident described the problem in their own words: ask only what the back office requires.
            return [slot for slot in domain_slots if not self._optional_and_unanswered(slot, tracker)]
        return domain_slots

    def _optional_and_unanswered(self, slot: str, tracker: Tracker) -> bool:
        if not slot.startswith("attr_") or tracker.get_slot(slot):
            return False
        return not (catalogue.attribute(self.service_code, slot[len("attr_"):]) or {}).get("required")

    # Where ----------------------------------------------------------------------

    async def extract_location_detail(self, dispatcher: CollectingDispatcher, tracker: Tracker,
                                      domain: DomainDict) -> Dict[Text, Any]:
        """Where on the street: the whole answer when asked, else a place named in passing ("by the school")."""
        if latest_intent(tracker) in _NOT_ANSWERS:
            return {}
        text, places = latest_text(tracker), said(tracker, "location_detail")
        if tracker.get_slot("requested_slot") == "location_detail" and not text.startswith("/"):
            if latest_intent(tracker) in _OTHER_QUESTIONS and reporting.looks_like_question(text):
                return {}   # "how do I pay my council tax?": answered, then the resident chooses to carry on
            return {"location_detail": text}
        if places and not tracker.get_slot("location_detail"):
            return {"location_detail": places[0]}
        return {}

    async def extract_street(self, dispatcher: CollectingDispatcher, tracker: Tracker,
                             domain: DomainDict) -> Dict[Text, Any]:
        """The street named in any message, or "Use my location": the nearest street, said back in words."""
        if latest_intent(tracker) in _NOT_ANSWERS:
            return {}
        if latest_intent(tracker) != "share_location":
            streets, asked = said(tracker, "street"), tracker.get_slot("requested_slot") == "street"
            if streets and (not tracker.get_slot("street") or asked):
                return {"street": streets[0]}
            if asked and typed_answer(tracker):
                return {"street": typed_answer(tracker)}   # checked in validate_street
            return {}
        try:
            lat = float(next(tracker.get_latest_entity_values("latitude")))
            lon = float(next(tracker.get_latest_entity_values("longitude")))
        except (StopIteration, TypeError, ValueError):
            return {}
        address = reporting.address_in_area(gazetteer(), lat, lon)
        if address is None:
            dispatcher.utter_message(response="utter_location_outside")
            return {}
        street = gazetteer().street(address.usrn)
        dispatcher.utter_message(response="utter_location_found", street=street.name, near=address.line)
        house = address.line[:-len(street.name)].strip(" ,") if address.line.endswith(street.name) else address.line
        return {"street": street.name, "location_detail": f"near {house or address.line}",
                "report_lat": lat, "report_long": lon}

    async def extract_description(self, dispatcher: CollectingDispatcher, tracker: Tracker,
                                  domain: DomainDict) -> Dict[Text, Any]:
        """The opening message when it describes the problem; or "Add a photo": the widget uploads it
        to the web app and sends its address."""
        if latest_intent(tracker) != "add_photo":
            text = latest_text(tracker)
            # A described problem becomes the report's description, and only what the back office
            # requires is asked (required_slots).
            if (opening_message(tracker) and not tracker.get_slot("description") and not text.startswith("/")
                    and reporting.describes_problem(text)):
                return {"description": " ".join(text.split())}
            return {}
        # Only a link to a photo our web app stored: a resident can type any entity value.
        url = default_photo_store().ours(next(tracker.get_latest_entity_values("photo_url"), None))
        if url is None:
            return {}
        dispatcher.utter_message(response="utter_photo_added")
        return {"media_url": url}

    def validate_street(self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker,
                        domain: DomainDict) -> Dict[Text, Any]:
        street = gazetteer().find_street(str(value or ""))
        if street is None:
            dispatcher.utter_message(response="utter_street_not_found")
            return {"street": None}
        if street.road_status == "private":
            dispatcher.utter_message(response="utter_street_private", street=street.name)
            return {"street": street.name, "report_refused": "private road"}
        if not street.council_maintained:
            link = council().highway_authority_urls.get(street.highway_authority, council().find_your_council_url)
            dispatcher.utter_message(response="utter_street_other_authority", street=street.name,
                                     authority=street.highway_authority, authority_url=link)
            return {"street": street.name, "report_refused": street.highway_authority}
        return {"street": street.name}

    def validate_location_detail(self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker,
                                 domain: DomainDict) -> Dict[Text, Any]:
        return {"location_detail": self._short_answer(value, dispatcher)}

    # What -----------------------------------------------------------------------

    def __getattr__(self, name: str):
        # validate_attr_<code> and extract_attr_<code>: one of each for every attribute of the catalogue.
        if name.startswith("validate_attr_"):
            code = name[len("validate_attr_"):]
            return lambda value, dispatcher, tracker, domain: self._validate_attribute(code, value, dispatcher, tracker)
        if name.startswith("extract_attr_"):
            code = name[len("extract_attr_"):]
            return lambda dispatcher, tracker, domain: self._extract_attribute(code, tracker)
        raise AttributeError(name)

    def _extract_attribute(self, code: str, tracker: Tracker) -> Dict[Text, Any]:
        """An answer named in any message ("my black bin…", "size of a car tyre"), so it is not asked again."""
        slot = f"attr_{code}"
        asked = tracker.get_slot("requested_slot") == slot
        if (tracker.get_slot(slot) and not asked) or latest_intent(tracker) in _NOT_ANSWERS:
            return {}
        named = said(tracker, slot)
        attribute = catalogue.attribute(self.service_code, code) or {}
        if attribute.get("datatype") == "singlevaluelist":
            # Several named ("racist tags"): the first in the back office's own order.
            key = next((v["key"] for v in attribute.get("values") or [] if v["key"] in named), None)
            answer = typed_answer(tracker) if key is None and asked else None
            if answer:
                # Checked (and counted if unusable) in validation.
                key = reporting.match_choice(attribute, answer) or answer
            return {slot: key} if key else {}
        return {slot: named[0]} if named and not asked else {}   # asked: the whole answer is kept

    def _validate_attribute(self, code: str, value: Any, dispatcher: CollectingDispatcher,
                            tracker: Tracker) -> Dict[Text, Any]:
        slot = f"attr_{code}"
        attribute = catalogue.attribute(self.service_code, code) or {}
        optional = not attribute.get("required")
        if optional and value == reporting.SKIPPED:
            return {slot: reporting.SKIPPED}
        if attribute.get("datatype") == "singlevaluelist":
            # An answer before a skip: "no" answers "Is it an immediate danger?".
            key = reporting.match_choice(attribute, value)
            if key is None and optional and reporting.is_skip(value):
                return {slot: reporting.SKIPPED}
            if key is None:
                dispatcher.utter_message(response="utter_choose_an_option")
                return {slot: None}
            return {slot: key, **self.check_choice(code, key, dispatcher, tracker)}
        answer = self._short_answer(value, dispatcher)
        return {slot: answer.upper() if answer and code == "registration" else answer}

    def check_choice(self, code: str, key: str, dispatcher: CollectingDispatcher, tracker: Tracker) -> Dict[Text, Any]:
        """Extra checks of one service's answers (see the missed-bin form)."""
        return {}

    def validate_description(self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker,
                             domain: DomainDict) -> Dict[Text, Any]:
        text = str(value or "").strip()
        if reporting.is_skip(text):
            return {"description": reporting.SKIPPED}
        if len(text) > reporting.MAX_DESCRIPTION:
            dispatcher.utter_message(response="utter_description_too_long", length=f"{len(text):,}",
                                     limit=f"{reporting.MAX_DESCRIPTION:,}")
            return {"description": None}
        return {"description": text or None}

    # Who ------------------------------------------------------------------------

    async def extract_contact(self, dispatcher: CollectingDispatcher, tracker: Tracker,
                              domain: DomainDict) -> Dict[Text, Any]:
        """An email address, phone number or "stay anonymous" in any message, and a name given with it."""
        asked = tracker.get_slot("requested_slot") == "contact"
        if (tracker.get_slot("contact") and not asked) or latest_intent(tracker) in _NOT_ANSWERS:
            return {}
        contacts, names = said(tracker, "contact"), said(tracker, "contact_name")
        found: Dict[Text, Any] = {"contact": contacts[0]} if contacts else {}
        if contacts and not names and asked:
            names = [n for n in [reporting.name_beside_contact(latest_text(tracker), contacts[0])] if n]
        if names and not tracker.get_slot("contact_name"):
            found["contact_name"] = names[0]
        return found

    def validate_contact(self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker,
                         domain: DomainDict) -> Dict[Text, Any]:
        contact = reporting.parse_contact(value)
        if contact is None:
            dispatcher.utter_message(response="utter_contact_invalid")
            return {"contact": None}
        return {"contact": str(contact)}

    # Check and send ---------------------------------------------------------------

    def validate_report_confirmed(self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker,
                                  domain: DomainDict) -> Dict[Text, Any]:
        answer = str(value or "").strip().lower()
        if answer in ("yes", "send", "send report", "send it"):
            return {"report_confirmed": "yes"}
        if answer.startswith(FOLLOW):
            # "Get updates on BRK-1042 instead": the nearby report offered on the summary.
            reference = find_reference(answer)
            return {"report_confirmed": f"{FOLLOW}{reference}" if reference else None}
        change = answer if answer in CHANGES else next(
            (key for key, words in CHANGE_WORDS.items() if any(w in answer for w in words)), None)
        if change:
            cleared = {slot: None for slot in CHANGES[change]}
            return {**cleared, "report_confirmed": None}
        return {"report_confirmed": None}

    @staticmethod
    def _short_answer(value: Any, dispatcher: CollectingDispatcher,
                      limit: int = reporting.MAX_SHORT_ANSWER) -> Optional[str]:
        text = " ".join(str(value or "").split())
        if reporting.is_skip(text):
            return reporting.SKIPPED
        if len(text) > limit:
            dispatcher.utter_message(response="utter_answer_too_long", limit=limit)
            return None
        return text or None


CHANGE_WORDS = {
    "where": ("where", "location", "street", "address", "place"),
    "details": ("detail", "description", "problem", "what"),
    "contact": ("contact", "email", "phone", "name", "update"),
}


class ValidateMissedBinForm(ReportFormValidation):
    service_code = "missed_bin"

    def check_choice(self, code: str, key: str, dispatcher: CollectingDispatcher, tracker: Tracker) -> Dict[Text, Any]:
        address = current_address(tracker)
        return self._check_bin(key, address, dispatcher) if code == "bin_type" and address else {}

    def validate_address_uprn(self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker,
                              domain: DomainDict) -> Dict[Text, Any]:
        # A bin named in the first message ("my black bin…") is checked once the address is known.
        result = super().validate_address_uprn(value, dispatcher, tracker, domain)
        address = gazetteer().address(result.get("address_uprn") or "")
        bin_type = tracker.get_slot("attr_bin_type")
        if address and bin_type and bin_type != reporting.SKIPPED:
            result.update(self._check_bin(bin_type, address, dispatcher))
        return result

    @staticmethod
    def _check_bin(key: str, address, dispatcher: CollectingDispatcher) -> Dict[Text, Any]:
        now = clock.now()
        check = reporting.check_missed_bin(calendar(), address, key, now, council().missed_bin_report_days)
        stream = calendar().stream(key).name if key in {s.key for s in calendar().streams} else key
        if check.outcome == "not_available":
            dispatcher.utter_message(response="utter_bin_not_at_address", stream=stream)
            return {"attr_bin_type": None}
        when = dates.relative(check.next_collection.date, now.date()) if check.next_collection else "soon"
        if check.outcome == "due_today":
            dispatcher.utter_message(response="utter_bin_due_today", stream=stream)
            return {"report_refused": "due today"}
        if check.outcome == "not_due":
            dispatcher.utter_message(response="utter_bin_not_due", stream=stream, next=when)
            return {"report_refused": "not due"}
        return {}


def _form(code: str) -> type:
    return type(f"Validate{code.title().replace('_', '')}Form", (ReportFormValidation,), {"service_code": code})


ValidatePotholeForm = _form("pothole")
ValidateFlyTippingForm = _form("fly_tipping")
ValidateStreetLightForm = _form("street_light")
ValidateGraffitiForm = _form("graffiti")
ValidateAbandonedVehicleForm = _form("abandoned_vehicle")


class AskAttribute(Action):
    """Ask for one attribute with the back office's own wording, as buttons when it is a list."""
    code = ""

    def name(self) -> Text:
        return f"action_ask_attr_{self.code}"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> List[EventType]:
        service_code = service_of(tracker) or ""
        attribute = catalogue.attribute(service_code, self.code) or catalogue.attribute_by_code(self.code) or {}
        values = attribute.get("values") or []
        if self.code == "bin_type" and current_address(tracker):
            offered = {s.key for s in calendar().streams_for(current_address(tracker))}
            values = [v for v in values if v["key"] in offered]
        buttons = [{"title": v["name"], "payload": f'/inform{{"attr_{self.code}":"{v["key"]}"}}'} for v in values]
        if not attribute.get("required"):
            buttons.append({"title": "Skip this question", "payload": f'/inform{{"attr_{self.code}":"{reporting.SKIPPED}"}}'})
        question = attribute.get("description") or "Tell me more."
        if buttons:
            dispatcher.utter_message(text=question, buttons=buttons)
        else:
            dispatcher.utter_message(text=question)
        return []


for _code in ATTRIBUTE_CODES:
    globals()[f"AskAttr{_code.title().replace('_', '')}"] = type(
        f"AskAttr{_code.title().replace('_', '')}", (AskAttribute,), {"code": _code})


class ActionAskReportConfirmed(Action):
    def name(self) -> Text:
        return "action_ask_report_confirmed"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> List[EventType]:
        service_code = service_of(tracker) or ""
        where = "address" if service_code == "missed_bin" else "location"
        buttons = [
            {"title": "Send report", "payload": '/inform{"report_change":"yes"}'},
            {"title": f"Change the {where}", "payload": '/inform{"report_change":"where"}'},
            {"title": "Change the details", "payload": '/inform{"report_change":"details"}'},
            {"title": "Change contact details", "payload": '/inform{"report_change":"contact"}'},
            {"title": "Cancel report", "payload": "/stop"},
        ]
        nearby = None
        if service_code and service_code not in duplicates.NOT_CHECKED:
            report = build_report(tracker, service_code)
            nearby = await asyncio.get_running_loop().run_in_executor(
                None, duplicates.nearest_open, service_code, report.lat, report.long, connector(), default_outbox(),
                duplicates.within_metres(backoffice_config()))
        if nearby is None:
            dispatcher.utter_message(response="utter_check_report", summary=summary(tracker, service_code),
                                     buttons=buttons)
            return []
        # The same problem is already reported close by: offer to follow it, above the summary's own buttons.
        dispatcher.utter_message(response="utter_check_report", summary=summary(tracker, service_code))
        follow = {"title": f"Get updates on {nearby.reference} instead",
                  "payload": f'/inform{{"report_change":"{FOLLOW}{nearby.reference}"}}'}
        dispatcher.utter_message(response="utter_duplicate_nearby", buttons=[follow] + buttons,
                                 service=catalogue.service_name(service_code).lower(),
                                 where="at the same place" if nearby.metres < 10 else f"{nearby.metres} m from there",
                                 day=dates.in_words(nearby.reported_on, clock.today()), reference=nearby.reference)
        return []


def build_report(tracker: Tracker, service_code: str) -> Report:
    attributes = {}
    for attribute, value in answered_attributes(tracker, service_code):
        attributes[attribute["code"]] = value
    description = tracker.get_slot("description")
    description = "" if description in (None, reporting.SKIPPED) else description
    contact = reporting.parse_contact(tracker.get_slot("contact") or "") or reporting.Contact()
    names = {} if contact.anonymous else reporting.split_name(tracker.get_slot("contact_name"))
    report = Report(reference="", service_code=service_code, description=description, email=contact.email,
                    phone=contact.phone, media_url=default_photo_store().ours(tracker.get_slot("media_url")),
                    **names)
    if service_code == "missed_bin":
        address = current_address(tracker)
        attributes["uprn"] = address.uprn
        report.address_id, report.address_string = address.uprn, address.full
        report.lat, report.long = address.lat, address.lon
        stream = calendar().stream(attributes["bin_type"])
        check = reporting.check_missed_bin(calendar(), address, stream.key, clock.now(), council().missed_bin_report_days)
        if check.missed:
            missed = f"{stream.name} not collected on {dates.in_words(check.missed.date, clock.today())}."
            report.description = f"{missed} {description}".strip()
    else:
        location = reporting.locate(gazetteer(), current_street(tracker), tracker.get_slot("location_detail"))
        attributes["usrn"] = location.usrn
        report.lat, report.long, report.address_string = location.lat, location.lon, location.address_string
        if tracker.get_slot("report_lat") is not None and tracker.get_slot("report_long") is not None:
            # The resident's own position is more exact than the house we named it by.
            report.lat, report.long = float(tracker.get_slot("report_lat")), float(tracker.get_slot("report_long"))
    report.attributes = attributes
    return report


class ActionSubmitReport(Action):
    def name(self) -> Text:
        return "action_submit_report"

    @staticmethod
    def refuse(dispatcher: CollectingDispatcher, tracker: Tracker, problems: List[str]) -> List[EventType]:
        # The slot names only: their values may be personal details.
        logger.warning("Report not filed for conversation %s: the form would not accept %s",
                       tracker.sender_id, ", ".join(problems))
        dispatcher.utter_message(response="utter_report_not_filed")
        return reset_events()

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> List[EventType]:
        service_code = service_of(tracker)
        confirmed = tracker.get_slot("report_confirmed") or ""
        if service_code and confirmed.startswith(FOLLOW) and not tracker.get_slot("report_refused"):
            reference = confirmed[len(FOLLOW):]
            if find_reference(reference) != reference:   # as validate_report_confirmed would have read it
                return self.refuse(dispatcher, tracker, ["report_confirmed"])
            return self.follow(dispatcher, tracker, service_code, reference)
        if not service_code or tracker.get_slot("report_refused") or confirmed != "yes":
            return reset_events()
        # The slots may not have come through the form (a forged call): check them as it would.
        problems = answer_checks.report_problems(service_code, tracker.current_slot_values(), clock.now(),
                                                 council().missed_bin_report_days)
        if problems:
            return self.refuse(dispatcher, tracker, problems)
        report = build_report(tracker, service_code)
        outbox = default_outbox()
        entry = outbox.add(report, conversation_id=tracker.sender_id)
        # Try at once so the resident gets the council's reference; the worker retries if this fails.
        entry = await asyncio.get_running_loop().run_in_executor(None, outbox.deliver, entry.reference, connector())
        if entry.state == "delivered":
            # A back office that answered with a token gives its reference later: ours serves till then.
            token = entry.backoffice_reference.startswith(TOKEN_PREFIX)
            reference = entry.reference if token else entry.backoffice_reference
            dispatcher.utter_message(response="utter_report_sent", reference=reference)
        elif entry.state == "rejected":
            reference = entry.reference
            dispatcher.utter_message(response="utter_report_held", reference=reference)
        else:
            reference = entry.reference
            dispatcher.utter_message(response="utter_report_queued", reference=reference)
        outbox.set_told_reference(entry.reference, reference)
        return reset_events() + [SlotSet("last_report_reference", reference)]

    @staticmethod
    def follow(dispatcher: CollectingDispatcher, tracker: Tracker, service_code: str,
               reference: str) -> List[EventType]:
        """The resident chose the nearby report: nothing new is filed; they hear when it changes."""
        report = build_report(tracker, service_code)
        report_updates().subscribe(reference, service_code, report.email, report.phone, tracker.sender_id)
        told = "utter_following_report" if (report.email or report.phone) else "utter_following_report_anonymous"
        dispatcher.utter_message(response=told, reference=reference)
        return reset_events() + [SlotSet("last_report_reference", reference)]


class ActionCancelReport(Action):
    def name(self) -> Text:
        return "action_cancel_report"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> List[EventType]:
        if latest_intent(tracker) == "stop":
            dispatcher.utter_message(response="utter_report_cancelled")
        return reset_events()
