"""Personal data out of residents' messages before editors see them or they become
training examples: email addresses, phone numbers, postcodes, and names where a
resident introduces themselves (spaCy's rule matcher on our own tokenizer)."""
from __future__ import annotations

import re
from functools import lru_cache

import spacy
from spacy.matcher import Matcher

from bot import postcodes

EMAIL = re.compile(r"[A-Za-z0-9._%+'-]+@[A-Za-z0-9.-]+\.[A-Za-z]{2,}")
# UK numbers: 01…, 02…, 07…, +44…, with spaces, dots, dashes or brackets between digits.
PHONE = re.compile(r"(?:\+44\s?\(?0?\)?|\(?0)(?:[\s().-]?\d){9,10}\b")
LONG_NUMBER = re.compile(r"\b\d{8,}\b")   # account, card and reference-like numbers


@lru_cache(maxsize=None)
def _name_matcher():
    nlp = spacy.blank("en")
    matcher = Matcher(nlp.vocab)
    name = [{"IS_TITLE": True, "IS_ALPHA": True}, {"IS_TITLE": True, "IS_ALPHA": True, "OP": "?"}]
    matcher.add("NAME", [
        [{"LOWER": "my"}, {"LOWER": "name"}, {"LOWER": "is"}, *name],
        [{"LOWER": "name"}, {"LOWER": {"IN": ["is", ":"]}}, *name],
        [{"LOWER": {"IN": ["i'm", "im"]}}, {"LOWER": "called"}, *name],
        [{"LOWER": "i"}, {"LOWER": {"IN": ["'m", "am"]}}, {"LOWER": "called"}, *name],
        [{"LOWER": "this"}, {"LOWER": "is"}, *name],
        [{"LOWER": "i"}, {"LOWER": "am"}, *name],
        [{"LOWER": "i"}, {"LOWER": "'m"}, *name],
        [{"LOWER": {"IN": ["mr", "mrs", "ms", "miss", "dr", "mr.", "mrs.", "ms.", "dr."]}}, *name],
    ], greedy="LONGEST")
    return nlp, matcher


def _mask_names(text: str) -> str:
    nlp, matcher = _name_matcher()
    doc = nlp(text)
    spans = []
    for _, start, end in matcher(doc):
        # The name is the title-case words at the end of the match.
        first = end
        while first > start and doc[first - 1].is_title and doc[first - 1].is_alpha:
            first -= 1
        if first < end and doc[first].lower_ not in {"i", "a"}:
            spans.append((doc[first].idx, doc[end - 1].idx + len(doc[end - 1].text)))
    for begin, finish in sorted(spans, reverse=True):
        text = text[:begin] + "[name]" + text[finish:]
    return text


def mask(text: str) -> str:
    """The message with personal data replaced by [email], [phone], [postcode], [number] and [name]."""
    text = EMAIL.sub("[email]", text or "")
    text = PHONE.sub("[phone]", text)
    text = postcodes.mask(text)
    text = LONG_NUMBER.sub("[number]", text)
    return _mask_names(text)
