from __future__ import annotations

from triage.paths import rules_dir
from triage.rulesets.taxonomy import load_taxonomy

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
