"""Build the spaCy pipeline Rasa's SpacyNLP loads: `python -m bot.nlp.pipeline`.

Blank English, a lookup lemmatizer (tables from spacy-lookups-data), an
entity ruler that finds UK postcodes and the council's street names, and a
span ruler for what residents say about a problem (data/council/phrases.yml):
the answers to the back office's questions, where on the street, and how to
contact them. Spans may overlap ("garden waste" is a bin and a kind of
fly-tipping); bot.nlp.council_entities turns them into Rasa entities.
"""
from __future__ import annotations

import argparse
import csv
import hashlib
import json
from functools import lru_cache
from pathlib import Path
from typing import Dict, List

import spacy
import yaml

from bot.gazetteer import _ABBREVIATIONS, street_names
from bot.settings import PROJECT_ROOT, council_dir

DEFAULT_OUTPUT = PROJECT_ROOT / "models" / "spacy" / "en_council"

# Token patterns: a postcode is one token ("BK19RZ") or two ("BK1", "9RZ").
_OUTWARD = r"^[A-Za-z]{1,2}[0-9][A-Za-z0-9]?$"
_INWARD = r"^[0-9][ABD-HJLNP-UW-Zabd-hjlnp-uw-z]{2}$"
_WHOLE = r"^[A-Za-z]{1,2}[0-9][A-Za-z0-9]?[0-9][ABD-HJLNP-UW-Zabd-hjlnp-uw-z]{2}$"
POSTCODE_PATTERNS = [
    {"label": "postcode", "pattern": [{"TEXT": {"REGEX": _OUTWARD}}, {"TEXT": {"REGEX": _INWARD}}]},
    {"label": "postcode", "pattern": [{"TEXT": {"REGEX": _WHOLE}}]},
]


def street_patterns(streets_csv: Path) -> List[Dict]:
    """One pattern per street name, and one per common abbreviation of its last word."""
    short_forms: Dict[str, List[str]] = {}
    for short, full in _ABBREVIATIONS.items():
        short_forms.setdefault(full, []).append(short)
    patterns = []
    with open(streets_csv, encoding="utf-8", newline="") as handle:
        for row in csv.DictReader(handle):
            variants = []
            for name in street_names(row["street"])[1:]:
                words = name.lower().split()
                variants += [words] + [words[:-1] + [s] for s in short_forms.get(words[-1], [])]
            for variant in variants:
                patterns.append({
                    "label": "street",
                    "id": row["usrn"],
                    "pattern": [{"LOWER": w} for w in variant],
                })
    return patterns


# The spans' group on the spaCy doc.
SPANS_KEY = "council"
# A house number: "14", "14a".
HOUSE_NUMBER = r"^[0-9]{1,4}[A-Za-z]?$"
_HOUSE_WORDS = ["number", "no", "no.", "num", "nr", "house"]
_THE = {"LOWER": {"IN": ["the", "a", "an", "my", "that", "this"]}, "OP": "?"}
# Up to two words before a landmark: "by the old railway bridge".
_MODIFIERS = [{"IS_ALPHA": True, "OP": "?"}, {"IS_ALPHA": True, "OP": "?"}]
_JOINS = {"LOWER": {"IN": ["of", "to", "near"]}}
_STREET = {"ENT_TYPE": "street", "OP": "+"}
# Words that end a name in "my name is Jo Bloggs and my email is…".
_NOT_NAME = ["and", "my", "email", "e-mail", "phone", "number", "mobile", "i", "im", "is", "the", "it", "thanks",
             "thank", "you", "please", "call", "on", "at", "if", "but", "so", "from", "of", "or", "here"]


# Three-letter words that are not the end of a registration ("a1 the", "m4 and").
_NOT_LETTERS = ["the", "and", "for", "but", "has", "was", "its", "not", "are", "you", "can", "now", "off", "out", "ago",
                "van", "car", "way", "big", "one", "two", "six", "ten", "all", "any", "bus"]


@lru_cache(maxsize=1)
def _tokenizer():
    # Made when patterns are built, not when a Rasa server imports SPANS_KEY from here.
    return spacy.blank("en").tokenizer


def _tokens(phrase: str) -> List[Dict]:
    """Token pattern of a phrase, split as spaCy splits the message ("co-op" is three tokens)."""
    return [{"LOWER": token.lower_} for token in _tokenizer()(str(phrase))]


def _any_of(phrases) -> Dict:
    return {"LOWER": {"IN": [str(p).lower() for p in phrases or [] if " " not in str(p)]}}


def vehicle_patterns(phrases: Dict) -> List[Dict]:
    """A vehicle's make and colour: "silver ford fiesta", "red van", "a fiesta, silver"."""
    colours, makes = phrases.get("vehicle_colours") or [], phrases.get("vehicle_makes") or []
    models, kinds = phrases.get("vehicle_models") or [], phrases.get("vehicle_kinds") or []
    patterns = []
    tail = dict(_any_of(list(models) + list(kinds)), OP="?")   # "silver ford fiesta", "cream vw campervan"
    for colour in colours:
        for make in makes:
            patterns.append(_tokens(colour) + _tokens(make) + [tail])
            patterns.append(_tokens(make) + [dict(_any_of(models), OP="?"), {"ORTH": ",", "OP": "?"}]
                            + _tokens(colour))
        for kind in kinds:
            patterns.append(_tokens(colour) + _tokens(kind))
    for make in makes:   # the make alone still says what to look for
        patterns.append(_tokens(make) + [dict(_any_of(models), OP="?")])
    return [{"label": "attr_make_colour", "pattern": pattern} for pattern in patterns]


def phrase_patterns(phrases: Dict) -> List[Dict]:
    """Span patterns from data/council/phrases.yml (see that file for what each group means)."""
    patterns = []
    for code, values in (phrases.get("attributes") or {}).items():
        for key, said in values.items():
            for phrase in said:
                patterns.append({"label": f"attr_{code}", "id": str(key), "pattern": str(phrase)})
    patterns += vehicle_patterns(phrases)
    # A UK registration: "AB12 CDE", "AB12CDE", or an older "A123 BCD".
    letters = {"TEXT": {"REGEX": r"^[A-Za-z]{3}$"}, "LOWER": {"NOT_IN": _NOT_LETTERS}}
    patterns += [{"label": "attr_registration", "pattern": [{"TEXT": {"REGEX": r"^[A-Za-z]{2}[0-9]{2}$"}}, letters]},
                 {"label": "attr_registration", "pattern": [{"TEXT": {"REGEX": r"^[A-Za-z]{2}[0-9]{2}[A-Za-z]{3}$"}}]},
                 {"label": "attr_registration", "pattern": [{"TEXT": {"REGEX": r"^[A-Za-z][0-9]{1,3}$"}}, letters]}]
    for phrase in phrases.get("no_contact") or []:
        patterns.append({"label": "contact", "id": "anonymous", "pattern": str(phrase)})
    # Where on the street: a landmark, a house, the end or a corner of the street.
    for place in phrases.get("place_words") or []:
        for landmark in phrases.get("landmarks") or []:
            patterns.append({"label": "place", "pattern": _tokens(place) + [_THE] + _MODIFIERS + _tokens(landmark)})
            # "by the entrance to the park", "up the side of the school"
            patterns.append({"label": "place", "pattern": _tokens(place) + [_THE] + _MODIFIERS + [_JOINS, _THE]
                             + _tokens(landmark)})
        for home in phrases.get("home_words") or []:
            patterns.append({"label": "place_home", "pattern": _tokens(place) + [{"LOWER": {"IN": ["my", "our"]}}]
                             + _tokens(home)})
        patterns.append({"label": "place", "pattern": _tokens(place) + [{"LOWER": {"IN": _HOUSE_WORDS}, "OP": "?"},
                                                                         {"TEXT": {"REGEX": HOUSE_NUMBER}}]})
    patterns += [
        {"label": "place", "pattern": [{"LOWER": {"IN": ["at", "near", "towards", "nr"]}}, {"LOWER": "the"},
                                       {"LOWER": {"IN": ["end", "top", "bottom", "start", "far"]}},
                                       {"LOWER": "end", "OP": "?"}]},
        {"label": "place", "pattern": [{"LOWER": {"IN": ["on", "at"]}, "OP": "?"}, {"LOWER": "the", "OP": "?"},
                                       {"LOWER": {"IN": ["corner", "junction"]}}, {"LOWER": {"IN": ["of", "with"]}},
                                       _STREET, {"LOWER": {"IN": ["and", "&", "with"]}, "OP": "?"},
                                       {"ENT_TYPE": "street", "OP": "*"}]},
        # A lamp post's number: "column 12", "lamp post number 7", "the number on the post is 23".
        {"label": "attr_column_id", "pattern": [{"LOWER": {"IN": ["column", "lamppost", "post", "col"]}},
                                                {"LOWER": {"IN": _HOUSE_WORDS}, "OP": "?"},
                                                {"TEXT": {"REGEX": HOUSE_NUMBER}}]},
        {"label": "attr_column_id", "pattern": [{"LOWER": "number"}, {"LOWER": "on"}, _THE,
                                                {"IS_ALPHA": True, "OP": "?"}, {"IS_ALPHA": True, "OP": "?"},
                                                {"LOWER": {"IN": ["is", "says", "reads"]}},
                                                {"TEXT": {"REGEX": HOUSE_NUMBER}}]},
        # A house: "number 14", "no. 14", or a number just before the street ("14 Station Road").
        {"label": "house_number", "pattern": [{"LOWER": {"IN": _HOUSE_WORDS}}, {"ORTH": ".", "OP": "?"},
                                              {"TEXT": {"REGEX": HOUSE_NUMBER}}]},
        {"label": "house_number", "pattern": [{"TEXT": {"REGEX": HOUSE_NUMBER}}, {"ORTH": ",", "OP": "?"},
                                              {"ENT_TYPE": "street"}]},
        # Contact details: an email address or a UK phone number, written with or without spaces.
        {"label": "contact", "pattern": [{"LIKE_EMAIL": True}]},
        {"label": "contact", "pattern": [{"TEXT": {"REGEX": r"^(\+?44|0)[0-9]{9,10}$"}}]},
        {"label": "contact", "pattern": [{"TEXT": {"REGEX": r"^\+?44$"}}, {"TEXT": {"REGEX": r"^\(?0?\)?[0-9]{3,4}$"}},
                                         {"TEXT": {"REGEX": r"^[0-9]{3,8}$"}},
                                         {"TEXT": {"REGEX": r"^[0-9]{3,4}$"}, "OP": "?"}]},
        {"label": "contact", "pattern": [{"TEXT": {"REGEX": r"^(\+?44|0)[0-9]{2,4}$"}},
                                         {"TEXT": {"REGEX": r"^[0-9]{3,8}$"}},
                                         {"TEXT": {"REGEX": r"^[0-9]{3,4}$"}, "OP": "?"}]},
        {"label": "contact_name", "pattern": [{"LOWER": "my"}, {"LOWER": "name"}, {"LOWER": {"IN": ["is", "'s", "s"]}},
                                              {"IS_ALPHA": True, "LOWER": {"NOT_IN": _NOT_NAME}},
                                              {"IS_ALPHA": True, "LOWER": {"NOT_IN": _NOT_NAME}, "OP": "?"}]},
    ]
    return patterns


def load_phrases(path: Path | None = None) -> Dict:
    with open(path or council_dir() / "phrases.yml", encoding="utf-8") as handle:
        return yaml.safe_load(handle) or {}


def build(output: Path = DEFAULT_OUTPUT, streets_csv: Path | None = None, phrases_yml: Path | None = None) -> Path:
    streets_csv = streets_csv or council_dir() / "streets.csv"
    nlp = spacy.blank("en")
    nlp.add_pipe("lemmatizer", config={"mode": "lookup"})
    ruler = nlp.add_pipe("entity_ruler", config={"phrase_matcher_attr": "LOWER"})
    spans = nlp.add_pipe("span_ruler", config={"spans_key": SPANS_KEY, "phrase_matcher_attr": "LOWER"})
    nlp.initialize()  # loads the lemma tables; it also empties the rulers, so add patterns after
    ruler.add_patterns(POSTCODE_PATTERNS + street_patterns(streets_csv))
    spans.add_patterns(phrase_patterns(load_phrases(phrases_yml)))
    nlp.meta["name"] = "council"
    nlp.meta["description"] = "Blank English with lookup lemmas, council postcode/street entities and report phrase spans."
    output.mkdir(parents=True, exist_ok=True)
    nlp.to_disk(output)
    return output


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--output", type=Path, default=DEFAULT_OUTPUT)
    args = parser.parse_args()
    path = build(args.output)
    print(f"spaCy pipeline saved to {path}")


if __name__ == "__main__":
    main()
