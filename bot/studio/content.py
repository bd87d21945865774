"""The assistant's content as editors change it: answers, phrasings and topics,
read from and written back to the YAML files under `data/` (the single source
of truth, reviewable in git).

ruamel.yaml's round trip keeps comments, key order and block styles, so a
change shows in git as exactly the lines that changed.
"""
from __future__ import annotations

import io
import os
import re
import threading
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Dict, Iterator, List, Optional, Tuple

from ruamel.yaml import YAML
from ruamel.yaml.comments import CommentedMap, CommentedSeq
from ruamel.yaml.scalarstring import LiteralScalarString

from bot.settings import PROJECT_ROOT
from bot.studio.content_store import ContentStore, default_content_store

TOPICS_FILE = Path("data/council/topics.yml")
ANSWERS_FILE = Path("data/domain/faq.yml")
FAQ_EXAMPLES_FILE = Path("data/nlu/faq.yml")
# Held-out phrasings: never trained on, used to measure how well new wording is understood.
TEST_PHRASINGS_FILE = Path("tests/nlu/test_nlu.yml")
DOMAIN_DIR = Path("data/domain")
NLU_DIR = Path("data/nlu")
TOPIC_KEY = re.compile(r"^[a-z][a-z0-9_]{2,62}$")
# Intents an inbox message can be taught as, besides the FAQ topics.
OTHER_INTENTS = ("out_of_scope",)

_lock = threading.RLock()   # one writer at a time within a web process


class ContentError(ValueError):
    """A plain-English reason a change cannot be made."""


def _yaml() -> YAML:
    yaml = YAML()
    yaml.preserve_quotes = True
    yaml.width = 4096          # never re-wrap long answers
    yaml.indent(mapping=2, sequence=2, offset=0)
    return yaml


def parse_examples(block: str) -> List[str]:
    """`- one\\n- two` (Rasa's examples block) as a list."""
    return [line.strip()[2:].strip() for line in str(block or "").splitlines() if line.strip().startswith("- ")]


def examples_block(texts: List[str]) -> LiteralScalarString:
    return LiteralScalarString("".join(f"- {text}\n" for text in texts))


def clean_text(text: Any, limit: int) -> str:
    cleaned = " ".join(str(text or "").split())
    if not cleaned:
        raise ContentError("Enter some text.")
    if len(cleaned) > limit:
        raise ContentError(f"Keep it under {limit} characters.")
    return cleaned


@dataclass
class Topic:
    key: str
    title: str
    question: str
    group: str
    urgent: bool
    answer: str
    examples: List[str] = field(default_factory=list)

    def to_dict(self) -> Dict[str, Any]:
        return dict(self.__dict__)


@dataclass
class Response:
    name: str
    text: str
    file: str
    editable: bool     # one text variant without buttons or other parts: editors can change it


class Content:
    """The content files of one project folder (the live project by default)."""

    def __init__(self, root: Optional[Path] = None, kept: Optional["ContentStore"] = None):
        self.root = Path(root or os.environ.get("STUDIO_PROJECT_DIR") or PROJECT_ROOT)
        # Where editors' changes are also kept (a cluster's shared store), if anywhere.
        self.kept = kept if kept is not None else (default_content_store(self.root) if root is None else None)

    # Files -----------------------------------------------------------------------

    def _load(self, relative: Path) -> Any:
        with open(self.root / relative, encoding="utf-8") as handle:
            return _yaml().load(handle)

    def _save(self, relative: Path, data: Any) -> None:
        buffer = io.StringIO()
        _yaml().dump(data, buffer)
        path = self.root / relative
        if self.kept is not None:
            self.kept.keep(relative, path.read_bytes() if path.exists() else None,
                           buffer.getvalue().encode("utf-8"))
        temporary = path.with_suffix(path.suffix + ".tmp")
        temporary.write_text(buffer.getvalue(), encoding="utf-8")
        os.replace(temporary, path)   # readers never see half a file

    def _nlu_items(self) -> Iterator[Tuple[Path, Any, CommentedMap]]:
        for path in sorted((self.root / NLU_DIR).glob("*.yml")):
            relative = path.relative_to(self.root)
            data = self._load(relative)
            for item in data.get("nlu") or []:
                if "intent" in item:
                    yield relative, data, item

    # Reading ---------------------------------------------------------------------

    def topics(self) -> List[Topic]:
        listed = self._load(TOPICS_FILE)["topics"]
        answers = self._load(ANSWERS_FILE)["responses"]
        examples = self.all_examples()
        return [Topic(key=str(key), title=str(spec["title"]), question=str(spec.get("question") or ""),
                      group=str(spec.get("group") or ""), urgent=bool(spec.get("urgent", False)),
                      answer=str((answers.get(f"utter_faq/{key}") or [{}])[0].get("text") or ""),
                      examples=examples.get(f"faq/{key}", []))
                for key, spec in listed.items()]

    def topic(self, key: str) -> Topic:
        for topic in self.topics():
            if topic.key == key:
                return topic
        raise ContentError(f"There is no topic called {key}.")

    def responses(self) -> List[Response]:
        """Every response in the domain other than the FAQ answers (greetings, questions, errors)."""
        found = []
        for path in sorted((self.root / DOMAIN_DIR).glob("*.yml")):
            relative = path.relative_to(self.root)
            for name, variants in (self._load(relative).get("responses") or {}).items():
                if str(name).startswith("utter_faq/"):
                    continue
                first = variants[0] if variants else {}
                editable = len(variants) == 1 and set(first) == {"text"}
                found.append(Response(str(name), str(first.get("text") or ""), str(relative), editable))
        return found

    def examples_in(self, path: Path) -> Dict[str, List[str]]:
        """The examples of one NLU file (training data or the held-out test phrasings), by intent."""
        with open(path, encoding="utf-8") as handle:
            data = _yaml().load(handle)
        found: Dict[str, List[str]] = {}
        for item in data.get("nlu") or []:
            if "intent" in item:
                found.setdefault(str(item["intent"]), []).extend(parse_examples(item.get("examples")))
        return found

    def all_examples(self) -> Dict[str, List[str]]:
        """Every training example, by intent."""
        merged: Dict[str, List[str]] = {}
        for path in sorted((self.root / NLU_DIR).glob("*.yml")):
            for intent, texts in self.examples_in(path).items():
                merged.setdefault(intent, []).extend(texts)
        return merged

    # Answers -----------------------------------------------------------------------

    def set_answer(self, key: str, text: str) -> Tuple[str, str]:
        """Change a topic's answer; the old and new text."""
        new = _answer_text(text)
        with _lock:
            data = self._load(ANSWERS_FILE)
            variants = data["responses"].get(f"utter_faq/{key}")
            if not variants:
                raise ContentError(f"There is no topic called {key}.")
            old = str(variants[0]["text"])
            variants[0]["text"] = LiteralScalarString(new)
            self._save(ANSWERS_FILE, data)
        return old, new

    def set_response(self, name: str, text: str) -> Tuple[str, str]:
        new = _answer_text(text)
        with _lock:
            for response in self.responses():
                if response.name == name:
                    if not response.editable:
                        raise ContentError("This response has buttons or several versions. "
                                           "Ask a developer to change it.")
                    data = self._load(Path(response.file))
                    old = str(data["responses"][name][0]["text"])
                    data["responses"][name][0]["text"] = LiteralScalarString(new) if "\n" in new else new
                    self._save(Path(response.file), data)
                    return old, new
        raise ContentError(f"There is no response called {name}.")

    # Phrasings: each change returns the example before and after it, for the audit log -------------

    def _intent_item(self, intent: str) -> Tuple[Path, Any, CommentedMap]:
        for relative, data, item in self._nlu_items():
            if str(item["intent"]) == intent:
                return relative, data, item
        raise ContentError(f"There is no topic called {intent.split('/', 1)[-1]}.")

    def _change_examples(self, intent: str, change) -> None:
        relative, data, item = self._intent_item(intent)
        texts = parse_examples(item.get("examples"))
        item["examples"] = examples_block(change(texts))
        self._save(relative, data)

    def add_example(self, intent: str, text: str) -> Tuple[None, str]:
        text = clean_text(text, 300)
        with _lock:
            owner = self.owner_of(text)
            if owner:
                raise ContentError(f"This phrasing is already an example of {owner}.")
            self._change_examples(intent, lambda texts: texts + [text])
        return None, text

    def remove_example(self, intent: str, text: str) -> Tuple[str, None]:
        with _lock:
            def without(texts):
                if text not in texts:
                    raise ContentError("That example is not there any more. Reload the page.")
                return [t for t in texts if t != text]
            self._change_examples(intent, without)
        return text, None

    def edit_example(self, intent: str, old: str, new: str) -> Tuple[str, str]:
        new = clean_text(new, 300)
        with _lock:
            owner = self.owner_of(new)
            if owner and not (owner == intent and new.lower() == old.lower()):
                raise ContentError(f"This phrasing is already an example of {owner}.")

            def replaced(texts):
                if old not in texts:
                    raise ContentError("That example is not there any more. Reload the page.")
                return [new if t == old else t for t in texts]
            self._change_examples(intent, replaced)
        return old, new

    def move_example(self, text: str, from_intent: str, to_intent: str) -> Tuple[str, str]:
        with _lock:
            self._intent_item(to_intent)    # fails before anything changes if the target is unknown
            self.remove_example(from_intent, text)
            self._change_examples(to_intent, lambda texts: texts + [text])
        return text, text

    def owner_of(self, text: str) -> Optional[str]:
        """The intent that already has this example (ignoring case), if any."""
        wanted = text.strip().lower()
        for intent, texts in self.all_examples().items():
            if any(t.lower() == wanted for t in texts):
                return intent
        return None

    # New topics ----------------------------------------------------------------------

    def test_phrasings(self) -> Dict[str, List[str]]:
        return self.examples_in(self.root / TEST_PHRASINGS_FILE)

    def add_topic(self, key: str, title: str, question: str, group: str, answer: str,
                  examples: List[str], test_phrasings: List[str]) -> Topic:
        from bot.studio.checks import MIN_EXAMPLES, MIN_TEST_PHRASINGS
        key = key.strip().lower()
        if not TOPIC_KEY.match(key):
            raise ContentError("The topic's name must be 3 to 63 lower-case letters, numbers or underscores, "
                               "like parking_suspensions.")
        title, question, group = clean_text(title, 80), clean_text(question, 200), clean_text(group, 80)
        answer = _answer_text(answer)
        texts = _distinct([question] + list(examples))
        if len(texts) < MIN_EXAMPLES:
            raise ContentError(f"Give at least {MIN_EXAMPLES} different ways a resident might ask this.")
        tests = [text for text in _distinct(test_phrasings) if text.lower() not in {t.lower() for t in texts}]
        if len(tests) < MIN_TEST_PHRASINGS:
            raise ContentError(f"Give at least {MIN_TEST_PHRASINGS} more ways to ask it, different from the "
                               "examples, to check the assistant understands new wording.")
        with _lock:
            topics = self._load(TOPICS_FILE)
            if key in topics["topics"]:
                raise ContentError(f"There is already a topic called {key}.")
            for text in texts:
                owner = self.owner_of(text)
                if owner:
                    raise ContentError(f"'{text}' is already an example of {owner}.")
            spec = CommentedMap([("title", title), ("question", question), ("group", group), ("urgent", False)])
            topics["topics"][key] = spec
            answers = self._load(ANSWERS_FILE)
            answers["responses"][f"utter_faq/{key}"] = CommentedSeq([CommentedMap([("text",
                                                                                   LiteralScalarString(answer))])])
            nlu = self._load(FAQ_EXAMPLES_FILE)
            nlu["nlu"].append(CommentedMap([("intent", f"faq/{key}"), ("examples", examples_block(texts))]))
            held_out = self._load(TEST_PHRASINGS_FILE)
            held_out["nlu"].append(CommentedMap([("intent", f"faq/{key}"), ("examples", examples_block(tests))]))
            self._save(TEST_PHRASINGS_FILE, held_out)
            self._save(FAQ_EXAMPLES_FILE, nlu)
            self._save(ANSWERS_FILE, answers)
            self._save(TOPICS_FILE, topics)
        return self.topic(key)


def _distinct(texts: List[str]) -> List[str]:
    found: List[str] = []
    for text in texts:
        cleaned = " ".join(str(text or "").split())[:300]
        if cleaned and cleaned.lower() not in {t.lower() for t in found}:
            found.append(cleaned)
    return found


def _answer_text(text: Any) -> str:
    # Keep the editor's paragraphs and lists; tidy line ends and trailing spaces.
    lines = [line.rstrip() for line in str(text or "").replace("\r\n", "\n").strip().split("\n")]
    answer = "\n".join(lines)
    if not answer:
        raise ContentError("Enter the answer.")
    if len(answer) > 3000:
        raise ContentError("Keep the answer under 3,000 characters.")
    return answer
