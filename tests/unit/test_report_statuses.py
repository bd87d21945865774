"""Back-office statuses in residents' words, and the messages about them."""
from bot.report_statuses import compose, in_chat, status, statuses

FIELDS = {"reference": "BRK-1042", "service": "pothole", "status_words": "has been fixed", "notes": "",
          "link": "https://www.brackenford.gov.uk/ask"}


def test_every_status_the_issue_names_has_plain_words():
    for code in ("open", "investigating", "action_scheduled", "fixed", "duplicate", "not_responsible",
                 "no_further_action", "closed"):
        assert statuses()[code].words and not statuses()[code].words.endswith(".")
    assert [code for code, s in statuses().items() if s.open] == [
        "open", "investigating", "in_progress", "action_scheduled", "internal_referral"]


def test_back_offices_spell_statuses_their_own_way():
    assert status("FIXED").code == "fixed"
    assert status("NOT_COUNCILS_RESPONSIBILITY").code == "not_responsible"
    assert status("Action Scheduled").code == "action_scheduled"
    unknown = status("Awaiting parts")
    assert unknown.open and unknown.words == "has the status 'Awaiting parts'"


def test_the_message_says_what_changed_and_where_to_ask():
    subject, body = compose(FIELDS)
    assert subject == "Your pothole report BRK-1042"
    assert body == ("Your pothole report BRK-1042 has been fixed.\n"
                    "To ask about it, go to https://www.brackenford.gov.uk/ask and give the reference BRK-1042.\n")
    _, with_notes = compose({**FIELDS, "notes": "Filled in on 3 March."})
    assert "has been fixed.\nFilled in on 3 March.\nTo ask" in with_notes
    assert in_chat(FIELDS) == "News of your pothole report BRK-1042: it has been fixed."
