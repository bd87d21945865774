"""The council's gazetteer: properties (UPRN) and streets (USRN).

Read from `addresses.csv` and `streets.csv` in the council's data folder.
"""
from __future__ import annotations

import csv
import math
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Dict, Iterable, List, Optional, Tuple

from bot import postcodes

# Words residents add around a house number or name that say nothing about it.
_FILLER = {"number", "no", "num", "its", "it", "is", "my", "house", "address", "at", "the", "i", "live", "im", "in", "on"}
_ABBREVIATIONS = {
    "rd": "road", "st": "street", "ave": "avenue", "av": "avenue", "ln": "lane",
    "cl": "close", "cres": "crescent", "dr": "drive", "gdns": "gardens",
    "terr": "terrace", "ter": "terrace", "sq": "square",
}


def words(text: str) -> List[str]:
    """Lower-case words of a text, with common street abbreviations spelt out."""
    tokens = re.findall(r"[a-z0-9]+", (text or "").lower().replace("'", ""))
    return [_ABBREVIATIONS.get(token, token) for token in tokens]


def _metres(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    """Distance in metres (equirectangular: plenty for a council's area)."""
    x = math.radians(lon2 - lon1) * math.cos(math.radians((lat1 + lat2) / 2))
    y = math.radians(lat2 - lat1)
    return 6_371_000 * math.hypot(x, y)


def street_names(name: str) -> List[str]:
    """A street's names: "Brackenford Bypass (A4712)" is also "Brackenford Bypass" and "A4712"."""
    main, _, rest = name.partition("(")
    return [n for n in (name, main.strip(), rest.rstrip(")").strip()) if n]


def _natural_key(text: str):
    return [int(part) if part.isdigit() else part for part in re.split(r"(\d+)", text.lower())]


@dataclass(frozen=True)
class Street:
    usrn: str
    name: str
    locality: str
    town: str
    postcode_district: str
    road_status: str
    highway_authority: str

    @property
    def council_maintained(self) -> bool:
        return self.road_status == "adopted"


@dataclass(frozen=True)
class Address:
    uprn: str
    usrn: str
    line: str
    street: str
    locality: str
    town: str
    postcode: str
    ward: str
    lat: float
    lon: float
    collection_day: str
    refuse_week: str
    garden_waste_subscriber: bool

    @property
    def full(self) -> str:
        """One line, as a resident would write it: `14 Station Road, Brackenford BK1 4RF`."""
        return f"{self.line}, {self.town} {self.postcode}"


class Gazetteer:
    def __init__(self, addresses: Iterable[Address], streets: Iterable[Street]):
        self._addresses: Dict[str, Address] = {a.uprn: a for a in addresses}
        self._streets: Dict[str, Street] = {s.usrn: s for s in streets}
        self._by_postcode: Dict[str, List[Address]] = {}
        for address in sorted(self._addresses.values(), key=lambda a: _natural_key(a.line)):
            self._by_postcode.setdefault(address.postcode, []).append(address)

    @classmethod
    def from_dir(cls, folder: Path) -> "Gazetteer":
        with open(folder / "addresses.csv", encoding="utf-8", newline="") as handle:
            addresses = [
                Address(
                    uprn=row["uprn"], usrn=row["usrn"], line=row["address"], street=row["street"],
                    locality=row["locality"], town=row["town"], postcode=postcodes.normalise(row["postcode"]) or row["postcode"],
                    ward=row["ward"], lat=float(row["lat"]), lon=float(row["lon"]),
                    collection_day=row["collection_day"], refuse_week=row["refuse_week"].upper(),
                    garden_waste_subscriber=row["garden_waste_subscriber"].strip().lower() == "yes",
                )
                for row in csv.DictReader(handle)
            ]
        with open(folder / "streets.csv", encoding="utf-8", newline="") as handle:
            streets = [
                Street(
                    usrn=row["usrn"], name=row["street"], locality=row["locality"], town=row["town"],
                    postcode_district=row["postcode_district"], road_status=row["road_status"],
                    highway_authority=row["highway_authority"],
                )
                for row in csv.DictReader(handle)
            ]
        return cls(addresses, streets)

    # Properties -------------------------------------------------------------

    def address(self, uprn: str) -> Optional[Address]:
        return self._addresses.get(str(uprn).strip())

    @property
    def postcodes(self) -> List[str]:
        return sorted(self._by_postcode)

    def addresses_at(self, postcode: str) -> List[Address]:
        """Every property at a postcode, in house-number order."""
        normalised = postcodes.normalise(postcode)
        return list(self._by_postcode.get(normalised, [])) if normalised else []

    def covers(self, postcode: str, districts: Iterable[str] = ()) -> bool:
        """Whether a postcode is in the council's area (its district is one of ours)."""
        district = postcodes.district(postcode)
        known = set(districts) or {postcodes.district(pc) for pc in self._by_postcode}
        return district in known

    @staticmethod
    def match(candidates: Iterable[Address], text: str) -> List[Address]:
        """Properties whose address contains every word of a house number or name.

        "14", "number 14", "flat 2" and "14 station rd" all work; numbers must
        match whole, so "1" never matches "14".
        """
        wanted = [w for w in words(text) if w not in _FILLER]
        if not wanted:
            return []
        return [a for a in candidates if set(wanted) <= set(words(a.line))]

    # Streets ----------------------------------------------------------------

    @property
    def streets(self) -> List[Street]:
        return list(self._streets.values())

    def addresses_on(self, usrn: str) -> List[Address]:
        return [a for a in self._addresses.values() if a.usrn == usrn]

    def nearest_address(self, lat: float, lon: float) -> Optional[Tuple[Address, float]]:
        """The property nearest a point, and how far away it is in metres; None for no real point."""
        if not (math.isfinite(lat) and math.isfinite(lon)):
            return None    # NaN compares false with any distance, so it would pass an "is it too far?" check
        best = min(self._addresses.values(), key=lambda a: _metres(lat, lon, a.lat, a.lon), default=None)
        return (best, _metres(lat, lon, best.lat, best.lon)) if best else None

    def street(self, usrn: str) -> Optional[Street]:
        return self._streets.get(str(usrn).strip())

    def find_street(self, text: str) -> Optional[Street]:
        """The street named in a text ("pothole on station rd"), longest name first."""
        haystack = " " + " ".join(words(text)) + " "
        names = [(name, street) for street in self._streets.values() for name in street_names(street.name)]
        for name, street in sorted(names, key=lambda pair: -len(pair[0])):
            if " " + " ".join(words(name)) + " " in haystack:
                return street
        return None

    def find_address(self, house: str, street: Optional[Street] = None, postcode: str = "") -> Optional[Address]:
        """The one property with this house number or name on the street or at the postcode, if only one has it."""
        if street is not None:
            candidates = self.addresses_on(street.usrn)
            if postcode:
                candidates = [a for a in candidates if a.postcode == postcode]
        elif postcode:
            candidates = self.addresses_at(postcode)
        else:
            return None
        matches = self.match(candidates, house)
        return matches[0] if len(matches) == 1 else None

    def only_address_at(self, postcode: str) -> Optional[Address]:
        """The property at a postcode that has just one."""
        found = self.addresses_at(postcode)
        return found[0] if len(found) == 1 else None
