from __future__ import annotations

import re
import shutil
from pathlib import Path

import pytest

from triage.paths import rules_dir
from triage.rulesets.taxonomy import DataFileError, load_taxonomy

AREAS = {"housing", "benefits", "debt", "employment", "immigration", "family", "education",
         "community_care", "discrimination"}  # fmt: skip


def test_taxonomy_covers_every_area_with_35_plus_issues() -> None:
    tax = load_taxonomy(rules_dir())
    assert set(tax.areas) >= AREAS
    assert len(tax.issues) >= 35
    for issue in tax.issues.values():
        assert issue.label and issue.health_link, issue.code


def test_every_issue_has_a_tier1_resource_from_a_trusted_publisher() -> None:
    tax = load_taxonomy(rules_dir())
    for code, resources in tax.resources.items():
        assert resources, code
        for r in resources:
            assert r.url.startswith("https://"), r.id


def test_general_advice_with_a_phone_number_for_a_result_with_no_need() -> None:
    tax = load_taxonomy(rules_dir())
    assert tax.general, "a result with no need must still point somewhere"
    assert all(r.general and not r.issues for r in tax.general)
    assert any(re.search(r"\b0\d{3} ?\d{3} ?\d{4}\b", r.summary) for r in tax.general)


def test_a_resource_for_no_issue_that_is_not_general_is_refused(tmp_path: Path) -> None:
    shutil.copy(rules_dir() / "taxonomy.yaml", tmp_path / "taxonomy.yaml")
    (tmp_path / "resources.yaml").write_text(
        'version: "1"\nresources:\n  - {id: stray, title: T, publisher: P, url: "https://example.org/", issues: [],'
        ' summary: S}\n'
    )
    with pytest.raises(DataFileError, match="general: true"):
        load_taxonomy(tmp_path)
