"""Rule-set versions (registry) and the HTML report with changes since the previous version."""

from __future__ import annotations

import shutil
from datetime import date
from html.parser import HTMLParser
from pathlib import Path

import pytest
from typer.testing import CliRunner

from tests.rulesets_util import add_rules, copy_ruleset
from triage.cli.main import app
from triage.engine.engine import Engine
from triage.rulesets.loader import load_ruleset
from triage.rulesets.registry import (
    RegistryError,
    find_by_hash,
    installed,
    previous_version,
    select,
    select_version,
)

runner = CliRunner()
RULE = "housing.adaptations.dfg_decision_due"


def _set_meta(folder: Path, version: str, published: str) -> None:
    path = folder / "ruleset.yaml"
    text = path.read_text()
    lines = []
    for line in text.splitlines():
        if line.startswith("version:"):
            line = f'version: "{version}"'
        elif line.startswith("published:"):
            line = f"published: {published}"
        elif line.startswith("in_force_from:"):
            line = f"in_force_from: {published}"
        lines.append(line)
    path.write_text("\n".join(lines) + "\n")


@pytest.fixture(scope="module")
def two_versions(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    """rules/england (current, 2026.12.2) and rules/england-2026.4.1 (older: one rule at tier 3)."""
    current = copy_ruleset(tmp_path_factory.mktemp("versions"))
    old = current.parent / "england-2026.4.1"
    shutil.copytree(current, old)
    _set_meta(old, "2026.4.1", "2026-04-01")
    path = old / "rules" / "housing.yaml"
    text = path.read_text()
    at = text.index(f"- id: {RULE}\n")
    tier_at = text.index("tier: 2", at)
    path.write_text(text[:tier_at] + "tier: 3" + text[tier_at + 7 :])
    add_rules(current, """
  - id: test.report_escaping
    title: "A <b>test</b> rule & its title"
    when: {fact: person.pregnant, equals: true}
    then:
      need: {issue: benefits.pip, tier: 2, urgency: routine}
    source: {title: Test source, url: "https://www.legislation.gov.uk/x", kind: statute}
    effective_from: 2020-01-01
""")
    return old, current


def test_installed_versions_and_selection(two_versions: tuple[Path, Path]) -> None:
    old, current = two_versions
    base = current.parent
    versions = installed("england", base)
    assert [v.version for v in versions] == ["2026.4.1", "2026.12.2"]
    assert select("england", as_of=date(2026, 6, 1), base=base) == old
    assert select("england", as_of=date(2026, 11, 23), base=base) == current
    assert select("england", base=base) == current
    assert select("england", version="2026.4.1", base=base) == old
    assert previous_version("england", "2026.12.2", base) == versions[0]
    assert previous_version("england", "2026.4.1", base) is None
    with pytest.raises(RegistryError, match=r"earliest installed, 2026\.4\.1, comes into force on 2026-04-01"):
        select("england", as_of=date(2026, 1, 1), base=base)
    with pytest.raises(RegistryError, match=r"no version '9.9.9'.*2026.4.1 \(from 2026-04-01\)"):
        select("england", version="9.9.9", base=base)
    with pytest.raises(RegistryError, match="not in force on 2026-12-01"):
        select("england", version="2026.4.1", as_of=date(2026, 12, 1), base=base)
    with pytest.raises(RegistryError, match="no rule set for 'wales'"):
        select("wales", base=base)


def test_decisions_record_the_version_and_hash_in_force(two_versions: tuple[Path, Path]) -> None:
    old, current = two_versions
    base = current.parent
    facts = {"housing": {"dfg_application_date": "2026-01-05", "adaptations_needed": True, "concern": True}}
    day = date(2026, 6, 1)
    engine = Engine.default(select("england", as_of=day, base=base))
    a = engine.assess(facts, day)
    assert a.ruleset.version == "2026.4.1" and a.ruleset.hash == load_ruleset(old).hash
    assert find_by_hash("england", a.ruleset.hash, base) == old  # a stored decision finds its rule set again
    with pytest.raises(RegistryError, match="content hash"):
        find_by_hash("england", "0" * 64, base)


def test_ambiguous_installations_are_refused(tmp_path: Path) -> None:
    for name, version, start in (("a", "2026.1.1", "2026-01-01"), ("b", "2026.2.1", "2026-01-01")):
        (tmp_path / name).mkdir()
        (tmp_path / name / "ruleset.yaml").write_text(f'name: england\nversion: "{version}"\npublished: {start}\n')
    with pytest.raises(RegistryError, match="both come into force on 2026-01-01"):
        installed("england", tmp_path)
    # in_force_from, when given, wins over the publication date
    (tmp_path / "b" / "ruleset.yaml").write_text(
        'name: england\nversion: "2026.2.1"\npublished: 2026-01-01\nin_force_from: 2026-02-01\n'
    )
    assert select_version("england", as_of=date(2026, 1, 20), base=tmp_path).version == "2026.1.1"
    assert select_version("england", as_of=date(2026, 2, 1), base=tmp_path).version == "2026.2.1"


class _Collect(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.ids: set[str] = set()
        self.links: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        d = dict(attrs)
        if d.get("id"):
            self.ids.add(str(d["id"]))
        if tag == "a" and d.get("href"):
            self.links.append(str(d["href"]))


def test_report_by_area_with_golden_cases_and_changes(two_versions: tuple[Path, Path], tmp_path: Path) -> None:
    _, current = two_versions
    out = tmp_path / "report.html"
    r = runner.invoke(app, ["rules", "report", "--ruleset", str(current), "--out", str(out)])
    assert r.exit_code == 0, r.output
    assert "compared with 2026.4.1" in r.output
    html = out.read_text()
    parsed = _Collect()
    parsed.feed(html)
    rs = load_ruleset(current)
    for rule in rs.rules:
        assert f"rule-{rule.id}-{rule.effective_from}" in parsed.ids
    for area in ("housing", "benefits", "debt", "immigration"):
        assert f"area-{area}" in parsed.ids
    assert "https://www.legislation.gov.uk/ukpga/1988/50/section/8" in parsed.links
    assert "pip-refused" in html  # a golden case id beside the rule it fires
    # Changes since 2026.4.1: the re-tiered rule changed, the test rule added.
    changes = html[html.index('id="changes"') : html.index('id="area-')]
    assert RULE in changes and "tier 3" in changes and "tier 2" in changes
    assert "test.report_escaping" in changes and "added" in changes
    assert "A &lt;b&gt;test&lt;/b&gt; rule &amp; its title" in html and "<b>test</b>" not in html


def test_report_without_previous_version(tmp_path: Path) -> None:
    out = tmp_path / "r.html"
    r = runner.invoke(app, ["rules", "report", "--out", str(out), "--previous", "no-such"])
    assert r.exit_code == 2 and "--previous" in r.output
    r = runner.invoke(app, ["rules", "report", "--out", str(tmp_path / "missing" / "r.html")])
    assert r.exit_code == 2 and "cannot write" in r.output


def test_cli_versions_lists_the_bundled_version() -> None:
    r = runner.invoke(app, ["rules", "versions", "--as-of", "2026-11-23"])
    assert r.exit_code == 0 and "* 2026.12.2" in r.output
