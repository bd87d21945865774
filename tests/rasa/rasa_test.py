"""`rasa test`, where a test conversation is checked on the entities it writes down.

The council's extractor finds many facts in a message, some overlapping ("outside 6"
and house number 6; "garden waste" is a bin and a kind of fly-tipping), which Rasa's
story format cannot write down. Rasa would fail such a turn and then the turns after
it. Here predicted entities a conversation does not name are left out of the
comparison; intents, actions and the entities it does name are checked as usual.
The facts themselves are tested in tests/unit/test_council_entities.py and end to end.

Run as `python tests/rasa/rasa_test.py test …`, with `rasa test`'s arguments.
"""
import sys

import rasa.core.test as core_test
from rasa.__main__ import main

_collect = core_test._collect_user_uttered_predictions


def _named_entities_only(event, predicted, *args, **kwargs):
    named = {entity.get("entity") for entity in event.entities or []}
    kept = [entity for entity in predicted.get("entities") or [] if entity.get("entity") in named]
    return _collect(event, {**predicted, "entities": kept}, *args, **kwargs)


core_test._collect_user_uttered_predictions = _named_entities_only

if __name__ == "__main__":
    sys.exit(main())
