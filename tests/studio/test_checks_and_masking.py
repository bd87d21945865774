"""The content checks and the masking of personal data, in plain words."""
import pytest

from bot.studio import checks
from bot.studio.masking import mask


def test_example_problems_are_named_in_plain_words():
    examples = {"faq/blue_badge": ["apply for a blue badge"] * 2 + [f"badge {n}" for n in range(9)],
                "faq/parking_permit": ["Apply for a blue badge", "permit"]}
    problems = checks.example_problems(examples, ["blue_badge", "parking_permit"])
    assert "'parking permit' has 2 example phrasings. Add at least 10." in problems
    assert "'apply for a blue badge' is in 'blue badge' more than once." in problems
    assert any("is an example of blue badge and parking permit" in p for p in problems)


@pytest.mark.parametrize("text, problem", [
    ("Call us.", "has no link to the next step"),
    ("Call {council_fax}. [Apply]({council_website}/apply)", "uses {council_fax}"),
    ("[click here]({council_website}/apply)", "Say where it goes instead"),
    ("[Apply](www.example.com)", "must start with https://"),
    ("[Apply](https://exa mple.com)", "must start with https://"),
])
def test_answer_problems(text, problem):
    assert any(problem in p for p in checks.answer_problems("Blue badges", text))


def test_good_answer_has_no_problems():
    assert checks.answer_problems("x", "Call {council_phone}.\n\n[Apply online]({council_website}/apply) or "
                                       "[GOV.UK](https://www.gov.uk/apply-blue-badge)") == []


@pytest.mark.parametrize("text, masked", [
    ("my name is John Smith, email john.smith@example.com", "my name is [name], email [email]"),
    ("call me on 07700 900123 or +44 1632 960000", "call me on [phone] or [phone]"),
    ("bins not emptied at BK1 9RZ", "bins not emptied at [postcode]"),
    ("Hi, this is Sarah. My account is 12345678", "Hi, this is [name]. My account is [number]"),
    ("Mrs Jones next door keeps parking there", "[name] next door keeps parking there"),
    ("when is my bin day", "when is my bin day"),
])
def test_personal_data_is_masked(text, masked):
    assert mask(text) == masked
