"""The training data and domain: `rasa data validate` and the project's own checks."""
import re
import subprocess
from collections import Counter, defaultdict

import pytest
import yaml

from bot.settings import PROJECT_ROOT, council
from bot.topics import topics

RASA = str(PROJECT_ROOT / ".venv" / "bin" / "rasa")
DATA_ARGS = ["--domain", "data/domain", "--data", "data/nlu", "data/rules", "data/stories", "--config", "config.yml"]
MIN_EXAMPLES_PER_TOPIC = 15
MIN_HELD_OUT_PER_TOPIC = 5


def examples(path):
    with open(path, encoding="utf-8") as handle:
        items = yaml.safe_load(handle)["nlu"]
    found = defaultdict(list)
    for item in items:
        if "intent" not in item:
            continue   # regex and lookup entries
        for line in item["examples"].splitlines():
            line = line.strip()
            if line.startswith("- "):
                found[item["intent"]].append(line[2:].strip())
    return found


@pytest.fixture(scope="module")
def training():
    merged = defaultdict(list)
    for path in sorted((PROJECT_ROOT / "data" / "nlu").glob("*.yml")):
        for intent, texts in examples(path).items():
            merged[intent].extend(texts)
    return merged


@pytest.fixture(scope="module")
def held_out():
    return examples(PROJECT_ROOT / "tests" / "nlu" / "test_nlu.yml")


def used_in_code(name):
    return any(f'"{name}"' in path.read_text(encoding="utf-8") for path in (PROJECT_ROOT / "actions").glob("*.py"))


def test_rasa_data_validate_is_clean(domain):
    form_slots = {slot for form in domain["forms"].values() for slot in form["required_slots"]}
    result = subprocess.run([RASA, "data", "validate", *DATA_ARGS], cwd=PROJECT_ROOT,
                            capture_output=True, text=True, timeout=600)
    output = result.stdout + result.stderr
    assert result.returncode == 0, output
    problems = []
    for warning in re.findall(r"UserWarning: (.*)", output):
        unused = re.match(r"The utterance '(\w+)' is not used in any story or rule", warning)
        if unused and (used_in_code(unused.group(1)) or unused.group(1) in RASA_OWN_RESPONSES
                       or unused.group(1).replace("utter_ask_", "", 1) in form_slots):
            continue  # sent by an action, by Rasa's own actions, or by a form asking for its slot
        if warning.startswith("The following duplicated intents have been found across multiple domain files: faq"):
            continue  # Rasa's importer re-adds the retrieval intent the domain already lists
        problems.append(warning)
    assert problems == []


# Responses Rasa's built-in actions send.
RASA_OWN_RESPONSES = {"utter_default", "utter_ask_rephrase"}


def test_every_faq_topic_has_enough_varied_examples(training):
    for key in topics():
        texts = training[f"faq/{key}"]
        assert len(texts) >= MIN_EXAMPLES_PER_TOPIC, key
        assert len({t.lower() for t in texts}) == len(texts), f"duplicate example in {key}"


def test_no_example_in_two_intents(training):
    owners = Counter(text.lower() for texts in training.values() for text in set(texts))
    assert [text for text, count in owners.items() if count > 1] == []


def test_held_out_set_is_not_in_training(training, held_out):
    trained = {text.lower() for texts in training.values() for text in texts}
    leaked = [text for texts in held_out.values() for text in texts if text.lower() in trained]
    assert leaked == []
    for key in topics():
        assert len(held_out[f"faq/{key}"]) >= MIN_HELD_OUT_PER_TOPIC, key


def test_answers_use_only_known_placeholders_and_well_formed_links(domain):
    allowed = set(council().response_values())
    for name, variants in domain["responses"].items():
        if not name.startswith("utter_faq/"):
            continue
        text = variants[0]["text"]
        assert set(re.findall(r"{(\w+)}", text)) <= allowed, name
        links = re.findall(r"\[([^\]]+)\]\(([^)\s]+)\)", text)
        assert links, f"{name} has no link to the next step"
        for label, url in links:
            assert url.startswith(("{council_website}/", "https://")), (name, url)
            assert label.lower() not in {"click here", "here", "link"}, name


def test_urgent_topic_gives_the_emergency_number_first(domain):
    for topic in topics().values():
        if topic.urgent:
            first_sentence = domain["responses"][f"utter_faq/{topic.key}"][0]["text"].split(".")[0]
            assert "{council_emergency_phone}" in first_sentence or "{council_phone}" in first_sentence
