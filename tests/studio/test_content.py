"""Editing content writes the YAML exactly as intended: the changed lines and nothing else."""
import difflib

import pytest

from bot.studio.content import Content, ContentError


def changes(before: str, after: str):
    """The removed and added lines between two versions of a file."""
    diff = list(difflib.unified_diff(before.splitlines(), after.splitlines(), lineterm="", n=0))
    return ([line[1:] for line in diff if line.startswith("-") and not line.startswith("---")],
            [line[1:] for line in diff if line.startswith("+") and not line.startswith("+++")])


def test_editing_an_answer_changes_only_its_lines(project):
    path = project / "data/domain/faq.yml"
    before = path.read_text()
    content = Content(project)
    old, new = content.set_answer("pay_council_tax", "Pay online at any time.\n\n[Pay your council tax online]"
                                                     "({council_website}/council-tax/pay)")
    indent = lambda text: "\n".join("      " + line if line else "" for line in text.split("\n"))  # noqa: E731
    # The file is the same but for the answer's block: comments, order and style kept.
    assert path.read_text() == before.replace(indent(old), indent(new), 1)
    removed, added = changes(before, path.read_text())
    assert added == ["      Pay online at any time."] and len(removed) >= 1
    assert before.splitlines()[0] == path.read_text().splitlines()[0]   # comments and header kept
    assert content.topic("pay_council_tax").answer.startswith("Pay online at any time.")


def test_phrasings_add_edit_move_and_remove(project):
    content = Content(project)
    nlu = project / "data/nlu/faq.yml"
    before = nlu.read_text()
    content.add_example("faq/pay_council_tax", "  can   I pay my council tax   at the library ")
    assert changes(before, nlu.read_text()) == ([], ["    - can I pay my council tax at the library"])
    content.edit_example("faq/pay_council_tax", "can I pay my council tax at the library",
                         "can I pay council tax in the library")
    content.move_example("can I pay council tax in the library", "faq/pay_council_tax", "faq/library_hours")
    assert "can I pay council tax in the library" in content.topic("library_hours").examples
    content.remove_example("faq/library_hours", "can I pay council tax in the library")
    assert nlu.read_text() == before


def test_a_phrasing_already_taught_is_refused_in_plain_words(project):
    content = Content(project)
    existing = content.topic("blue_badge").examples[0]
    with pytest.raises(ContentError, match="already an example of faq/blue_badge"):
        content.add_example("faq/pay_council_tax", existing.upper())
    with pytest.raises(ContentError, match="not there any more"):
        content.remove_example("faq/pay_council_tax", "never said this")
    with pytest.raises(ContentError, match="Enter the answer"):
        content.set_answer("pay_council_tax", "   ")


def test_new_topic_with_examples_and_test_phrasings(project):
    content = Content(project)
    examples = [f"how do i suspend a parking bay for {what}" for what in
                ("a removal van", "a skip", "building work", "a wedding", "a funeral", "filming", "a crane",
                 "a delivery", "a street party")]
    with pytest.raises(ContentError, match="at least 10"):
        content.add_topic("parking_suspensions", "Suspend a parking bay", "Can I suspend a parking bay?",
                          "Parking", "Apply online. [Apply]({council_website}/parking/suspend)", examples[:3],
                          ["a", "b", "c"])
    topic = content.add_topic("parking_suspensions", "Suspend a parking bay", "Can I suspend a parking bay?",
                              "Parking", "Apply at least 10 days before.\n\n[Apply to suspend a parking bay]"
                                         "({council_website}/parking/suspend)", examples,
                              ["reserve parking outside my house", "cone off the road for moving day",
                               "book bay suspension"])
    assert topic.examples[0] == "Can I suspend a parking bay?" and len(topic.examples) == 10
    assert "reserve parking outside my house" in content.test_phrasings()["faq/parking_suspensions"]
    assert "parking_suspensions:" in (project / "data/council/topics.yml").read_text()
    with pytest.raises(ContentError, match="already a topic"):
        content.add_topic("parking_suspensions", "x", "y", "z", "[a](https://a.example)", examples, ["1", "2", "3"])


def test_other_responses_with_one_text_can_be_edited(project):
    content = Content(project)
    editable = {r.name: r for r in content.responses()}
    assert editable["utter_goodbye"].editable and not editable["utter_help"].editable
    content.set_response("utter_goodbye", "Goodbye. Thanks for using the council assistant.")
    assert {r.name: r.text for r in content.responses()}["utter_goodbye"].startswith("Goodbye. Thanks")
    with pytest.raises(ContentError, match="buttons"):
        content.set_response("utter_help", "Help")
