"""``triage letters render|list``: files in each format, one-line errors with exit code 2."""

from __future__ import annotations

from pathlib import Path

import pytest
from typer.testing import CliRunner

from tests.letters.util import EXAMPLES, docx_text, flat, html_text
from triage.cli.main import app

runner = CliRunner()
CASE = str(EXAMPLES / "three-problems.yaml")


@pytest.mark.parametrize("fmt", ["html", "docx"])
def test_render_writes_the_file(tmp_path: Path, fmt: str) -> None:
    out = tmp_path / f"pip.{fmt}"
    r = runner.invoke(app, ["letters", "render", CASE, "--kind", "medical_evidence", "--purpose", "pip",
                            "--format", fmt, "--out", str(out)])  # fmt: skip
    assert r.exit_code == 0, r.output
    data = out.read_bytes()
    text = flat(html_text(data) if fmt == "html" else docx_text(data))
    assert "Sample Q. Personname" in text and "Thursday 3 December 2026" in text


def test_list_shows_each_letter_and_what_is_missing(tmp_path: Path) -> None:
    r = runner.invoke(app, ["letters", "list", CASE])
    assert r.exit_code == 0, r.output
    assert "medical_evidence --purpose pip\tready" in r.output and "action_plan\tready" in r.output
    bare = tmp_path / "bare.yaml"
    bare.write_text((EXAMPLES / "three-problems.yaml").read_text().split("\nletter:")[0])
    r = runner.invoke(app, ["letters", "list", str(bare)])
    assert "referral\tnot ready: missing person.name" in r.output


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--kind", "postcard"], "--kind: expected one of"),
        (["--kind", "medical_evidence"], "--purpose: required for medical_evidence"),
        (["--kind", "referral", "--purpose", "pip"], "--purpose: only for --kind medical_evidence"),
        (["--kind", "medical_evidence", "--purpose", "tarot"], "--purpose: expected one of"),
        (["--kind", "referral", "--format", "rtf"], "--format: expected one of"),
        (["--kind", "medical_evidence", "--purpose", "wca"], "missing focus"),
    ],
)
def test_bad_requests_one_line_exit_2(tmp_path: Path, args: list[str], message: str) -> None:
    r = runner.invoke(app, ["letters", "render", CASE, "--out", str(tmp_path / "x"), *args])
    assert r.exit_code == 2
    assert r.output.startswith("triage: error: ") and r.output.strip().count("\n") == 0
    assert message in r.output


def test_missing_fields_listed_on_one_line(tmp_path: Path) -> None:
    bare = tmp_path / "bare.yaml"
    bare.write_text((EXAMPLES / "three-problems.yaml").read_text().split("\nletter:")[0])
    r = runner.invoke(app, ["letters", "render", str(bare), "--kind", "referral", "--out", str(tmp_path / "x")])
    assert r.exit_code == 2 and r.output.strip().count("\n") == 0
    for field in ("person.name", "referrer.organisation", "consent.given", "recipient.organisation"):
        assert field in r.output
    assert not (tmp_path / "x").exists()


def test_bad_letter_section_names_the_field(tmp_path: Path) -> None:
    bad = tmp_path / "bad.yaml"
    bad.write_text((EXAMPLES / "three-problems.yaml").read_text().replace("date_of_birth: 1988-02-29",
                                                                          "date_of_birth: someday"))  # fmt: skip
    r = runner.invoke(app, ["letters", "render", str(bad), "--kind", "referral", "--out", str(tmp_path / "x")])
    assert r.exit_code == 2 and "letter.person.date_of_birth" in r.output
