"""Held-out residents filing reports through the running assistant, for `make bench`.

Each case of tests/nlu/held_out_reports.yml is a resident with a problem in
mind. They send their message, then answer whatever the assistant asks from
what they know, as a person would: the street when asked for the street, a
button when offered the one they mean, "skip" for a detail they do not know.
The record the back office receives is then checked against what they meant.
"""
from __future__ import annotations

import re
import statistics
import uuid
from pathlib import Path
from typing import Any, Dict, List, Optional

import sqlalchemy as sa
import yaml

from bot import catalogue, reporting
from bot.council_data import gazetteer
from bot.outbox import Outbox
from bot.settings import PROJECT_ROOT

HELD_OUT = PROJECT_ROOT / "tests" / "nlu" / "held_out_reports.yml"
OFF_TOPIC = PROJECT_ROOT / "tests" / "nlu" / "held_out_off_topic.yml"
MAX_TURNS = 8
SERVICE_WORDS = {"missed_bin": "a missed bin", "pothole": "a pothole", "fly_tipping": "fly-tipping",
                 "street_light": "a street light fault", "graffiti": "graffiti",
                 "abandoned_vehicle": "an abandoned vehicle"}


def cases(path: Path = HELD_OUT) -> List[Dict[str, Any]]:
    with open(path, encoding="utf-8") as handle:
        return yaml.safe_load(handle)["reports"]


def _questions() -> Dict[str, tuple]:
    """Each attribute question as the assistant words it, with its service and code."""
    found = {}
    for service in catalogue.service_codes():
        for attribute in catalogue.asked_attributes(service, local=True):
            found[attribute["description"]] = (service, attribute)
    return found


class Resident:
    def __init__(self, case: Dict[str, Any]):
        self.case = case
        self.said_service = False

    def answer(self, replies: List[dict]) -> str:
        """What this resident says next, given the assistant's last replies."""
        text = " ".join(r.get("text", "") for r in replies)
        buttons = [b for r in replies for b in r.get("buttons", [])]
        case = self.case

        def press(title: str) -> Optional[str]:
            return next((b["payload"] for b in buttons if b["title"] == title), None)

        if "I cannot use that answer" in text and press("Start again"):
            return press("Start again")   # the assistant took it for another kind of report
        if "Did you mean" in text and SERVICE_WORDS[case["service"]].split(" ", 1)[-1] in text.lower():
            return press("Yes") or "yes"   # the assistant's guess names this resident's problem
        if "Check your report" in text:
            return press("Send report") or "yes"
        if "What do you want to report" in text:
            wanted = SERVICE_WORDS[case["service"]]
            return next((b["payload"] for b in buttons if b["title"].lower() == wanted), wanted)
        if "Do you want to carry on" in text:
            return press("Carry on with my report") or "carry on"
        if "Which street" in text:
            return case.get("street") or case.get("address", "")
        if "Where on the street" in text:
            return str(case.get("near") or "skip")
        if "postcode" in text.lower() and "?" in text:
            return case.get("postcode") or "skip"
        if "Which address is yours" in text or "house number or name" in text:
            return press(case.get("address", "")) or str(case.get("address", "")).split(" ")[0]
        if "Do you want updates" in text or "Enter an email address" in text:
            contact = str(case.get("contact") or "anonymous")
            if contact == "anonymous":
                return press("Stay anonymous") or "stay anonymous"
            return f"{contact} {case['name']}" if case.get("name") else contact
        if "Describe the problem" in text:
            return "skip"
        for question, (service, attribute) in _questions().items():
            if question in text:
                value = (case.get("attributes") or {}).get(attribute["code"])
                if value is None:
                    return press("Skip this question") or "skip"
                value = str(value)
                for button in buttons:
                    if f'"{value}"' in button["payload"]:
                        return button["payload"]
                return value
        if not self.said_service:   # not understood: say plainly what it is about
            self.said_service = True
            return f"I want to report {SERVICE_WORDS[case['service']]}"
        return press("Speak to someone") or "I want to speak to a person"


def reference_in(replies: List[dict]) -> Optional[str]:
    for reply in replies:
        text = reply.get("text", "")
        if "Your reference is" in text:
            return text.split("**")[1]
    return None


def file(stack, case: Dict[str, Any]) -> Dict[str, Any]:
    """One resident's conversation: turns taken, and the record the back office was sent."""
    sender, resident = f"held-out-{uuid.uuid4().hex[:8]}", Resident(case)
    replies = stack.say(sender, case["message"])
    for turn in range(1, MAX_TURNS + 1):
        reference = reference_in(replies)
        if reference:
            return {"turns": turn, "reference": reference}
        if turn == MAX_TURNS:
            break
        replies = stack.say(sender, resident.answer(replies))
    return {"turns": None, "reference": None}


def problems(case: Dict[str, Any], report) -> List[str]:
    """What the back office's record lacks of what the resident meant."""
    found = []
    if report.service_code != case["service"]:
        return [f"service {report.service_code}, not {case['service']}"]
    for code, value in (case.get("attributes") or {}).items():
        got = (report.attributes or {}).get(code)
        if str(got or "").lower() != str(value).lower():
            found.append(f"{code} {got!r}, not {value!r}")
    if case["service"] == "missed_bin":
        address = next((a for a in gazetteer().addresses_at(case["postcode"]) if a.line == case["address"]), None)
        if address is None or report.address_id != address.uprn:
            found.append(f"address {report.address_string!r}, not {case['address']}")
    else:
        where = (report.address_string or "").lower()
        if case["street"].lower() not in where or not re.search(rf"\b{re.escape(str(case['near']).lower())}\b", where):
            found.append(f"location {report.address_string!r}, not {case['near']}, {case['street']}")
    contact = str(case.get("contact") or "anonymous")
    if contact != "anonymous":
        wanted = reporting.parse_contact(contact)
        if (wanted.email or wanted.phone) not in (report.email, report.phone):
            found.append(f"contact {report.email or report.phone!r}, not {contact}")
    return found


def figures(stack) -> None:
    """Print the held-out report figures against a running stack."""
    outbox = Outbox(sa.create_engine(f"sqlite:///{stack.database}", future=True))
    rows = []
    for case in cases():
        result = file(stack, case)
        entry = None
        if result["reference"]:
            entry = outbox.get(result["reference"]) or outbox.find_by_backoffice_reference(result["reference"])
        result["problems"] = problems(case, entry.report) if entry else ["not filed"]
        result["case"] = case
        rows.append(result)

    filed = [r for r in rows if r["turns"]]
    right_service = [r for r in filed if not any(p.startswith("service") for p in r["problems"])]
    complete = [r for r in rows if not r["problems"]]
    print(f"Held-out reports ({len(rows)} residents, tests/nlu/held_out_reports.yml):")
    print(f"  filed within {MAX_TURNS} turns:      {len(filed)}/{len(rows)}")
    print(f"  right service:              {len(right_service) / len(rows):.1%} (target 97%)")
    print(f"  every fact in the record:   {len(complete)}/{len(rows)}")
    if filed:
        turns = [r["turns"] for r in filed]
        everything = [r["turns"] for r in filed if r["case"].get("complete")]
        print(f"  median turns to a report:   {statistics.median(turns):g} (target 3); "
              f"longest {max(turns)} (limit {MAX_TURNS})")
        if everything:
            print(f"  median turns, all facts in the first message: {statistics.median(everything):g} "
                  f"({len(everything)} residents; target 2)")
    by_service: Dict[str, List[int]] = {}
    for r in rows:
        by_service.setdefault(r["case"]["service"], []).append(0 if r["problems"] else 1)
    print("  every fact right, by service: " + ", ".join(
        f"{service} {sum(ok)}/{len(ok)}" for service, ok in sorted(by_service.items())))
    for r in [r for r in rows if r["problems"]][:15]:
        print(f"    - {r['case']['message'][:70]!r}: {'; '.join(r['problems'])}")
