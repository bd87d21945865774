"""Build the spaCy pipeline Rasa's SpacyNLP loads: `python -m bot.nlp.pipeline`.

Blank English, a lookup lemmatizer (tables from spacy-lookups-data), and an
entity ruler that finds UK postcodes and the council's street names, so
`postcode` and `street` come out as entities with no statistical model.
"""
from __future__ import annotations

import argparse
import csv
import hashlib
import json
from pathlib import Path
from typing import Dict, List

import spacy

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


def build(output: Path = DEFAULT_OUTPUT, streets_csv: Path | None = None) -> Path:
    streets_csv = streets_csv or council_dir() / "streets.csv"
    nlp = spacy.blank("en")
    nlp.add_pipe("lemmatizer", config={"mode": "lookup"})
    ruler = nlp.add_pipe("entity_ruler", config={"phrase_matcher_attr": "LOWER"})
    nlp.initialize()  # loads the lemma tables; it also empties the ruler, so add patterns after
    ruler.add_patterns(POSTCODE_PATTERNS + street_patterns(streets_csv))
    nlp.meta["name"] = "council"
    nlp.meta["description"] = "Blank English with lookup lemmas and council postcode/street patterns."
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
