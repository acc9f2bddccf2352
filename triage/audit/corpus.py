"""A folder of cases to audit with: written by ``triage cases generate``, read by coverage and diff.

Layout: ``cases-00000.jsonl``, ``cases-00001.jsonl``, ... each line one case
``{"case_ref": ..., "as_of": "YYYY-MM-DD", "facts": {...}, "tags": [...]}``,
plus ``manifest.json`` saying how the corpus was made. JSON Lines keep a
100,000-case corpus to a handful of files. A folder of single-case ``.yaml``
or ``.json`` files (facts, or ``{as_of, facts}`` as in ``rules/examples/``)
is read too, so hand-written cases can be audited the same way.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any, TextIO

SHARD = 10_000


class CorpusError(ValueError):
    """A corpus file that cannot be read; the message names the file and line."""


@dataclass(frozen=True)
class CaseRecord:
    ref: str
    as_of: date | None
    facts: dict[str, Any]
    where: str  # file:line, for error messages


def write_corpus(cases: Iterable[dict[str, Any]], out: Path, manifest: dict[str, Any]) -> int:
    """Write cases as JSON Lines shards in ``out`` (created; must hold no earlier corpus)."""
    out.mkdir(parents=True, exist_ok=True)
    if any(out.glob("cases-*.jsonl")):
        raise CorpusError(f"{out}: already holds a corpus (cases-*.jsonl); choose an empty folder")
    n = 0
    handle: TextIO | None = None
    try:
        for case in cases:
            if handle is None or n % SHARD == 0:
                if handle:
                    handle.close()
                handle = (out / f"cases-{n // SHARD:05d}.jsonl").open("w", encoding="utf-8")
            handle.write(json.dumps(case, separators=(",", ":"), sort_keys=True) + "\n")
            n += 1
    finally:
        if handle:
            handle.close()
    (out / "manifest.json").write_text(json.dumps({**manifest, "cases": n}, indent=2, default=str) + "\n")
    return n


def _record(data: Any, where: str, default_ref: str) -> CaseRecord:
    if not isinstance(data, dict):
        raise CorpusError(f"{where}: expected a mapping of case facts")
    as_of: date | None = None
    facts = data
    ref = default_ref
    if "facts" in data:
        raw = data.get("as_of")
        if isinstance(raw, date):
            as_of = raw
        elif isinstance(raw, str):
            try:
                as_of = date.fromisoformat(raw)
            except ValueError:
                raise CorpusError(f"{where}: as_of: expected a date as YYYY-MM-DD, got {raw!r}") from None
        elif raw is not None:
            raise CorpusError(f"{where}: as_of: expected a date as YYYY-MM-DD")
        facts = data["facts"]
        if not isinstance(facts, dict):
            raise CorpusError(f"{where}: facts: expected a mapping")
        ref = str(data.get("case_ref") or facts.get("case_ref") or default_ref)
    else:
        ref = str(data.get("case_ref") or default_ref)
    return CaseRecord(ref, as_of, dict(facts), where)


def iter_corpus(folder: Path) -> Iterator[CaseRecord]:
    """Every case in ``folder``, in file order then line order."""
    from triage.rulesets.yaml_lines import YamlFileError, load_yaml

    if not folder.is_dir():
        raise CorpusError(f"{folder}: no such folder")
    files = sorted(p for p in folder.iterdir() if p.suffix in (".jsonl", ".json", ".yaml", ".yml"))
    files = [p for p in files if p.name != "manifest.json"]
    if not files:
        raise CorpusError(f"{folder}: no cases (*.jsonl, *.json, *.yaml)")
    for path in files:
        if path.suffix == ".jsonl":
            with path.open(encoding="utf-8") as handle:
                for lineno, line in enumerate(handle, 1):
                    if not line.strip():
                        continue
                    where = f"{path}:{lineno}"
                    try:
                        data = json.loads(line)
                    except json.JSONDecodeError as exc:
                        raise CorpusError(f"{where}: invalid JSON: {exc.msg}") from None
                    yield _record(data, where, f"{path.stem}:{lineno}")
        else:
            try:
                data = load_yaml(path)  # YAML is a superset of JSON
            except YamlFileError as exc:
                raise CorpusError(str(exc)) from None
            yield _record(data, str(path), path.stem)


def read_corpus(folder: Path) -> list[CaseRecord]:
    return list(iter_corpus(folder))
