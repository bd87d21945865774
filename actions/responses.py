"""Reading response texts from the domain, for actions that build a message from parts."""
from __future__ import annotations

from typing import Any, Dict


def response_text(domain: Dict[str, Any], name: str, **values: Any) -> str:
    """The first text of a domain response, with `{placeholders}` filled."""
    text = domain["responses"][name][0]["text"]
    return text.format(**values)
