"""Helpers to make a throwaway copy of the bundled rule set and break it on purpose."""

from __future__ import annotations

import shutil
from pathlib import Path

from triage.paths import default_ruleset_dir, rules_dir


def copy_ruleset(tmp: Path) -> Path:
    """A copy of rules/ (taxonomy, resources, england) under ``tmp``; returns the set folder."""
    root = tmp / "rules"
    root.mkdir()
    for name in ("taxonomy.yaml", "resources.yaml"):
        shutil.copy(rules_dir() / name, root / name)
    shutil.copytree(default_ruleset_dir(), root / "england")
    return root / "england"


RULE = """
  - id: {rid}
    title: A rule written for a test
    when: {when}
    then:
      need: {{issue: benefits.pip, tier: 2, urgency: routine}}
    source: {{title: Test source, url: "https://www.legislation.gov.uk/x", kind: statute}}
    effective_from: {start}
"""


def add_rules(ruleset: Path, text: str, name: str = "zz_test.yaml") -> Path:
    path = ruleset / "rules" / name
    path.write_text("rules:" + text)
    return path
