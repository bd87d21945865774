"""A Rasa NLU component: the facts of a resident's message as entities.

The council's spaCy pipeline (bot/nlp/pipeline.py) marks streets and
postcodes as entities and the phrases of data/council/phrases.yml as
overlapping spans. This turns them into Rasa entities the forms take:

- `street`, `postcode`: as written;
- `attr_<code>`: the key of the value named ("car tyre" -> attr_size "medium"),
  in the order said, or the words for free-text answers ("silver ford fiesta");
- `house_number`: "14" from "number 14" or "14 Station Road";
- `location_detail`: where on the street, as said ("by the school",
  "outside number 14", "outside my house at 7" -> "outside 7");
- `contact`: an email address, a phone number, or "anonymous";
- `contact_name`: from "my name is Jo Bloggs".
"""
from __future__ import annotations

import re
from typing import Any, Dict, List, Text

from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.nlu.extractors.spacy_entity_extractor import SpacyEntityExtractor
from spacy.tokens import Doc, Span
from spacy.util import filter_spans

from bot.nlp.pipeline import HOUSE_NUMBER, SPANS_KEY

_NUMBER = re.compile(HOUSE_NUMBER)
# Places named in one message that go into the report's location.
MAX_PLACES = 2


def _entity(name: str, value: str, span: Span) -> Dict[str, Any]:
    return {"entity": name, "value": value, "start": span.start_char, "end": span.end_char, "confidence": None}


def _number_in(span: Span) -> str | None:
    return next((token.text.lower() for token in span if _NUMBER.match(token.text)), None)


def entities_from_doc(doc: Doc) -> List[Dict[str, Any]]:
    found = [_entity(ent.label_, ent.text, ent) for ent in doc.ents]
    spans = list(doc.spans[SPANS_KEY]) if SPANS_KEY in doc.spans else []
    by_label: Dict[str, List[Span]] = {}
    for span in spans:
        by_label.setdefault(span.label_, []).append(span)

    # The longest phrase wins where phrases of one attribute overlap ("bigger than a car tyre").
    for label, group in by_label.items():
        if label == "attr_column_id":
            found += [_entity(label, _number_in(span), span) for span in filter_spans(group) if _number_in(span)]
        elif label.startswith("attr_"):
            found += [_entity(label, span.id_ or span.text, span)
                      for span in sorted(filter_spans(group), key=lambda s: s.start)]

    # A lamp post's number is not a house number ("column number 7").
    columns = by_label.get("attr_column_id", [])
    numbers = [(span, _number_in(span)) for span in sorted(by_label.get("house_number", []), key=lambda s: s.start)
               if not any(span.start < c.end and c.start < span.end for c in columns)]
    numbers = [(span, number) for span, number in numbers if number]
    found += [_entity("house_number", number, span) for span, number in numbers]

    places = sorted(filter_spans(by_label.get("place", []) + by_label.get("place_home", [])), key=lambda s: s.start)
    if places:
        home = next((p for p in places if p.label_ == "place_home"), None)
        if home is not None and numbers:
            # "outside my house at 7": the house is number 7.
            found.append(_entity("location_detail", f"{home[0].text.lower()} {numbers[0][1]}", home))
        else:
            # "at the end of the road by the bus shelter": both say where.
            said = places[:MAX_PLACES]
            found.append({**_entity("location_detail", ", ".join(p.text for p in said), said[0]),
                          "end": said[-1].end_char})
    elif numbers:
        found.append(_entity("location_detail", numbers[0][1], numbers[0][0]))

    contacts = sorted(filter_spans(by_label.get("contact", [])), key=lambda s: s.start)
    # An email address or phone number says more than "no updates" said beside it.
    contacts.sort(key=lambda span: span.id_ == "anonymous")
    if contacts:
        found.append(_entity("contact", contacts[0].id_ or contacts[0].text, contacts[0]))

    names = filter_spans(by_label.get("contact_name", []))
    if names:
        name = names[0][3:]  # after "my name is"
        found.append(_entity("contact_name", " ".join(t.text.capitalize() for t in name), names[0]))
    return found


@DefaultV1Recipe.register(
    DefaultV1Recipe.ComponentType.ENTITY_EXTRACTOR, is_trainable=False, model_from="SpacyNLP")
class CouncilEntityExtractor(SpacyEntityExtractor):
    """Rasa's spaCy entity extractor, with the council's spans as well as the entities."""

    @staticmethod
    def _extract_entities(doc: Doc) -> List[Dict[Text, Any]]:
        return entities_from_doc(doc)
