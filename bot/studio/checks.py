"""The project's own checks of its content, in plain words: the studio runs them
before a publish, and the test suite runs them on every change."""
from __future__ import annotations

import re
from collections import Counter
from typing import Dict, Iterable, List

from bot.settings import council

# Enough phrasings for the assistant to learn a topic, and held-out test phrasings to check it.
MIN_EXAMPLES = 10
MIN_TEST_PHRASINGS = 3
LINK = re.compile(r"\[([^\]]*)\]\(([^)]*)\)")
WEB_ADDRESS = re.compile(r"https://[\w-]+(\.[\w-]+)*\.[a-z]{2,}(/\S*)?")
VAGUE_LINK_TEXT = {"click here", "here", "link", "this link", "more"}


def _name(intent: str) -> str:
    return intent.split("/", 1)[-1].replace("_", " ")


def example_problems(examples: Dict[str, List[str]], topic_keys: Iterable[str]) -> List[str]:
    problems = []
    for key in topic_keys:
        texts = examples.get(f"faq/{key}", [])
        if len(texts) < MIN_EXAMPLES:
            problems.append(f"'{_name(key)}' has {len(texts)} example phrasings. Add at least {MIN_EXAMPLES}.")
    for intent, texts in examples.items():
        repeated = sorted({t for t in texts if sum(1 for u in texts if u.lower() == t.lower()) > 1})
        for text in repeated:
            problems.append(f"'{text}' is in '{_name(intent)}' more than once.")
    owners = Counter(text.lower() for texts in examples.values() for text in {t.lower() for t in texts})
    for text, count in sorted(owners.items()):
        if count > 1:
            intents = [_name(i) for i, texts in examples.items() if text in {t.lower() for t in texts}]
            problems.append(f"'{text}' is an example of {' and '.join(intents)}. Keep it in one topic only.")
    return problems


def answer_problems(title: str, text: str) -> List[str]:
    """Placeholders must be the council's, and every answer needs a well-formed link to the next step."""
    problems = []
    unknown = set(re.findall(r"{(\w+)}", text)) - set(council().response_values())
    if unknown:
        problems.append(f"'{title}' uses {', '.join('{' + name + '}' for name in sorted(unknown))}, which "
                        f"the assistant cannot fill in. Use {{council_phone}}, {{council_website}} and the like.")
    links = LINK.findall(text)
    if not links:
        problems.append(f"'{title}' has no link to the next step. Add one like [Apply online]({{council_website}}/apply).")
    for label, url in links:
        if not label.strip():
            problems.append(f"'{title}' has a link with no words. Say where the link goes.")
        elif label.strip().lower() in VAGUE_LINK_TEXT:
            problems.append(f"'{title}' has a link called '{label}'. Say where it goes instead.")
        if not (url.startswith("{council_website}/") or WEB_ADDRESS.fullmatch(url)):
            problems.append(f"'{title}' links to '{url}'. Links must start with https:// or {{council_website}}/.")
    return problems


def held_out_problems(training: Dict[str, List[str]], held_out: Dict[str, List[str]],
                      topic_keys: Iterable[str]) -> List[str]:
    trained = {text.lower() for texts in training.values() for text in texts}
    problems = [f"The test phrasing '{text}' is also a training example. Keep test phrasings apart."
                for texts in held_out.values() for text in texts if text.lower() in trained]
    for key in topic_keys:
        if len(held_out.get(f"faq/{key}", [])) < MIN_TEST_PHRASINGS:
            problems.append(f"'{_name(key)}' needs at least {MIN_TEST_PHRASINGS} test phrasings.")
    return problems
