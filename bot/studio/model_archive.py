"""A trained model with new answer texts, without training again.

Safe only when nothing the model learns from has changed (the studio checks
that first, with its understanding hash): answers are not learnt, they are
looked up in the domain the model carries. Rasa keeps that domain twice in the
archive: in `metadata.json` and in the domain provider's `domain.yml`.
"""
from __future__ import annotations

import json
import tarfile
import tempfile
from pathlib import Path
from typing import Any, Dict

import yaml
from rasa.shared.core.domain import Domain

DOMAIN_FILE = "components/domain_provider/domain.yml"


def current_responses(domain_dir: Path) -> Dict[str, Any]:
    return Domain.load(str(domain_dir)).as_dict()["responses"]


def with_new_answers(model: Path, domain_dir: Path, out: Path) -> Path:
    """Copy `model` to `out` with the responses of the domain in `domain_dir`."""
    responses = current_responses(domain_dir)
    with tempfile.TemporaryDirectory(prefix="studio-model-") as folder:
        root = Path(folder)
        with tarfile.open(model, "r:gz") as archive:
            archive.extractall(root, filter="data") if hasattr(tarfile, "data_filter") else archive.extractall(root)
        metadata_path = root / "metadata.json"
        metadata = json.loads(metadata_path.read_text(encoding="utf-8"))
        if set(metadata["domain"].get("responses", {})) != set(responses):
            raise ValueError("the responses' names changed: the model must be trained again")
        metadata["domain"]["responses"] = responses
        metadata_path.write_text(json.dumps(metadata), encoding="utf-8")
        domain_path = root / DOMAIN_FILE
        if domain_path.exists():
            stored = yaml.safe_load(domain_path.read_text(encoding="utf-8")) or {}
            stored["responses"] = responses
            domain_path.write_text(yaml.safe_dump(stored, allow_unicode=True, sort_keys=False), encoding="utf-8")
        out.parent.mkdir(parents=True, exist_ok=True)
        with tarfile.open(out, "w:gz", compresslevel=1) as archive:
            for path in sorted(root.iterdir()):
                archive.add(path, arcname=path.name)
    return out
