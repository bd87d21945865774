"""When the contact centre is open: the council's opening hours, closed on bank holidays."""
from __future__ import annotations

from datetime import datetime, time, timedelta
from typing import Dict, Optional, Set, Tuple

from bot import clock
from bot.council_data import calendar
from bot.dates import relative
from bot.settings import council

DAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")


class ContactCentreHours:
    def __init__(self, hours: Dict[str, Tuple[str, str]], bank_holidays: Set):
        self.hours = {day: (time.fromisoformat(span[0]), time.fromisoformat(span[1]))
                      for day, span in hours.items()}
        self.bank_holidays = bank_holidays

    def _span(self, day) -> Optional[Tuple[time, time]]:
        if day in self.bank_holidays:
            return None
        return self.hours.get(DAYS[day.weekday()])

    def is_open(self, moment: datetime) -> bool:
        span = self._span(moment.date())
        return bool(span) and span[0] <= moment.time() < span[1]

    def next_opening(self, moment: datetime) -> Optional[datetime]:
        """The next time the contact centre opens after `moment` (None if it never does)."""
        for offset in range(0, 15):
            day = moment.date() + timedelta(days=offset)
            span = self._span(day)
            if span and (offset > 0 or moment.time() < span[0]):
                return datetime.combine(day, span[0], tzinfo=moment.tzinfo)
        return None


def contact_centre() -> ContactCentreHours:
    return ContactCentreHours(council().opening_hours, calendar().bank_holidays)


def open_now() -> bool:
    return contact_centre().is_open(clock.now())


def next_opening_in_words() -> str:
    """"tomorrow (Friday 27 November) at 9am", for telling residents when advisers are back."""
    moment = clock.now()
    opening = contact_centre().next_opening(moment)
    if opening is None:
        return "when we next open"
    return f"{relative(opening.date(), moment.date())} at {clock_time(opening.time())}"


def clock_time(value: time) -> str:
    """9am, 9:30am, 12pm: the GOV.UK way of writing times."""
    hour = value.hour % 12 or 12
    suffix = "am" if value.hour < 12 else "pm"
    return f"{hour}{suffix}" if value.minute == 0 else f"{hour}:{value.minute:02d}{suffix}"
