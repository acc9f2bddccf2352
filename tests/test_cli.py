from __future__ import annotations

import json
from pathlib import Path

from typer.testing import CliRunner

from triage.cli.main import app
from triage.paths import rules_dir

runner = CliRunner()
EXAMPLE = str(rules_dir() / "examples" / "pip-refused.yaml")


def test_assess_text_shows_table_and_reasons() -> None:
    r = runner.invoke(app, ["assess", EXAMPLE])
    assert r.exit_code == 0, r.output
    assert "benefits.pip" in r.output and "urgent" in r.output and "2026-12-03" in r.output
    assert "Because:" in r.output


def test_assess_json_from_stdin_with_as_of() -> None:
    facts = Path(EXAMPLE).read_text()
    r = runner.invoke(app, ["assess", "-", "--format", "json", "--as-of", "2026-11-30"], input=facts)
    assert r.exit_code == 0, r.output
    data = json.loads(r.output)
    assert data["as_of"] == "2026-11-30"
    assert data["needs"][0]["deadlines"][0]["days_left"] == 3


def test_bad_facts_one_line_exit_2(tmp_path: Path) -> None:
    bad = tmp_path / "bad.json"
    bad.write_text('{"person": {"age": -2}}')
    r = runner.invoke(app, ["assess", str(bad)])
    assert r.exit_code == 2
    assert r.output.strip().count("\n") == 0
    assert "person.age" in r.output


def test_bad_as_of_and_format_exit_2() -> None:
    assert runner.invoke(app, ["assess", EXAMPLE, "--as-of", "23/11/2026"]).exit_code == 2
    assert runner.invoke(app, ["assess", EXAMPLE, "--format", "xml"]).exit_code == 2
    assert runner.invoke(app, ["assess", "/no/such/file.yaml"]).exit_code == 2


def test_rules_validate_list_show() -> None:
    r = runner.invoke(app, ["rules", "validate"])
    assert r.exit_code == 0 and "hash" in r.output
    r = runner.invoke(app, ["rules", "list"])
    assert "benefits.pip.refused" in r.output
    r = runner.invoke(app, ["rules", "show", "benefits.pip.refused"])
    assert r.exit_code == 0 and "legislation.gov.uk" in r.output and "When:" in r.output
    assert runner.invoke(app, ["rules", "show", "no.such.rule"]).exit_code == 2


def test_rules_validate_reports_broken_rule_set(tmp_path: Path) -> None:
    from tests.rulesets_util import RULE, add_rules, copy_ruleset

    rs = copy_ruleset(tmp_path)
    add_rules(rs, RULE.format(rid="test.broken", when="{fact: x.y, equals: 1}", start="2020-01-01"))
    r = runner.invoke(app, ["rules", "validate", "--ruleset", str(rs)])
    assert r.exit_code == 2
    assert "zz_test.yaml:2: rule test.broken" in r.output


def test_rules_test_runs_golden_cases() -> None:
    r = runner.invoke(app, ["rules", "test"])
    assert "cases:" in r.output
    assert r.exit_code == 0, r.output


def test_demo_assesses_bundled_examples() -> None:
    r = runner.invoke(app, ["demo"])
    assert r.exit_code == 0, r.output
    assert r.output.count("=== ") >= 4


def test_users_create_makes_the_first_administrator(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'real.sqlite3'}"
    org = "Fictional Health Justice Partnership"
    args = ["users", "create", "--email", "admin@hjp.example", "--name", "First Admin",
            "--organisation", org, "--password-stdin", "--database-url", url]  # fmt: skip
    short = runner.invoke(app, args, input="too-short\n")
    assert short.exit_code == 2 and short.output.strip().splitlines() == [
        "triage: error: password: must be at least 12 characters"
    ]
    made = runner.invoke(app, args, input="a-long-fictional-password\n")
    assert made.exit_code == 0 and made.output.startswith("created admin admin@hjp.example")
    again = runner.invoke(app, args, input="a-long-fictional-password\n")
    assert again.exit_code == 2 and "already exists" in again.output
    listed = runner.invoke(app, ["users", "list", "--database-url", url])
    assert listed.output.splitlines() == ["admin@hjp.example\tadmin\tFictional Health Justice Partnership\tactive"]


def test_a_user_created_with_capitals_signs_in_by_any_case(tmp_path: Path) -> None:
    from triage.casework.accounts import check_password
    from triage.store.db import Database

    url = f"sqlite:///{tmp_path / 'caps.sqlite3'}"
    args = ["users", "create", "--email", "Link.Worker@HJP.example", "--name", "Link Worker",
            "--organisation", "Fictional GP Practice", "--role", "admin", "--password-stdin",
            "--database-url", url]  # fmt: skip
    assert runner.invoke(app, args, input="a-long-fictional-password\n").exit_code == 0
    db = Database.from_url(url)
    assert check_password(db, "link.worker@hjp.example", "a-long-fictional-password") is not None
    assert check_password(db, "LINK.WORKER@hjp.example ", "a-long-fictional-password") is not None
    assert check_password(db, "link.worker@hjp.example", "wrong-password-here") is None


def test_assess_with_no_need_found_gives_general_advice_not_an_empty_result() -> None:
    facts = json.dumps({"housing": {"concern": True}, "benefits": {"concern": True}, "debt": {"concern": True}})
    r = runner.invoke(app, ["assess", "-", "--as-of", "2026-11-23"], input=facts)
    assert r.exit_code == 0, r.output
    assert "No legal needs found" in r.output
    assert "General advice the person can use now" in r.output
    assert "0800 144 8848" in r.output
