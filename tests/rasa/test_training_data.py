"""The training data and domain: `rasa data validate` and the project's own checks."""
import re
import subprocess
from collections import defaultdict

import pytest

from bot.settings import PROJECT_ROOT
from bot.studio import checks
from bot.studio.content import Content
from bot.topics import topics

RASA = str(PROJECT_ROOT / ".venv" / "bin" / "rasa")
DATA_ARGS = ["--domain", "data/domain", "--data", "data/nlu", "data/rules", "data/stories", "--config", "config.yml"]


def examples(path):
    return Content(PROJECT_ROOT).examples_in(path)


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


def test_topics_have_enough_examples_each_in_one_topic_only(training):
    # The same checks the content studio runs before a publish.
    assert checks.example_problems(training, topics()) == []


def test_held_out_set_is_not_in_training(training, held_out):
    assert checks.held_out_problems(training, held_out, topics()) == []


def test_held_out_reports_and_off_topic_are_kept_out_of_training(training):
    # Not just exact copies: a held-out message close to a training example (most of the same
    # words) would flatter the figures `make bench` prints.
    from bot.gazetteer import words
    from tests.report_journeys import OFF_TOPIC, cases

    reports, off_topic = [c["message"] for c in cases()], examples(OFF_TOPIC)["out_of_scope"]
    assert len(reports) >= 80 and len(off_topic) >= 40
    trained = [set(words(text)) for texts in training.values() for text in texts]

    def close(text):
        said = set(words(text))
        return any(len(said & other) / len(said | other) >= 0.8 for other in trained if other)

    assert [text for text in reports + off_topic if close(text)] == []


def test_answers_use_only_known_placeholders_and_well_formed_links(domain):
    problems = []
    for topic in topics().values():
        problems += checks.answer_problems(topic.title, domain["responses"][f"utter_faq/{topic.key}"][0]["text"])
    assert problems == []


def test_urgent_topic_gives_the_emergency_number_first(domain):
    for topic in topics().values():
        if topic.urgent:
            first_sentence = domain["responses"][f"utter_faq/{topic.key}"][0]["text"].split(".")[0]
            assert "{council_emergency_phone}" in first_sentence or "{council_phone}" in first_sentence
