"""The agency directory: validation with row-level errors, YAML/CSV round trips, the demo
directory's coverage, and the CLI commands."""

from __future__ import annotations

from pathlib import Path

import pytest
from typer.testing import CliRunner

from triage.cli.main import app
from triage.facts.person import LONDON_BOROUGHS
from triage.routing.directory import DirectoryError, load_demo, parse_csv, parse_yaml, to_csv, to_yaml
from triage.store import agencies
from triage.store.db import Database

GOOD = """\
agencies:
  - id: fictional-one
    name: Fictional One Advice (demo)
    areas: [housing]
    tiers: [1, 2]
    boroughs: [hackney]
    referral_method: secure_email
    referral_address: referrals@fictional-one.example
    capacity: 5
"""


def test_demo_directory_is_fictional_and_covers_all_33_boroughs() -> None:
    entries = load_demo()
    covered = {b for e in entries for b in e.boroughs}
    assert covered == set(LONDON_BOROUGHS) and len(covered) == 33
    for e in entries:
        assert "(fictional demo)" in e.name
        assert ".example" in e.referral_address or e.referral_address.startswith("020 7946 0")


def test_yaml_and_csv_round_trip() -> None:
    entries = load_demo()
    assert parse_yaml(to_yaml(entries), "x.yaml") == entries
    assert parse_csv(to_csv(entries), "x.csv") == entries


def test_csv_export_escapes_cells_a_spreadsheet_would_run_as_formulas() -> None:
    import csv
    import io

    entry = load_demo()[0]
    risky = entry.model_copy(update={"name": '=HYPERLINK("https://evil.example","Click")',
                                      "referral_address": "-referrals@demo.example"})  # fmt: skip
    text = to_csv([risky])
    row = next(csv.DictReader(io.StringIO(text)))
    assert row["name"].startswith("'=") and row["referral_address"].startswith("'-")
    assert not any(v.startswith(("=", "+", "-", "@")) for v in row.values() if v)
    assert parse_csv(text, "x.csv") == [risky]  # read back as it was


def test_yaml_errors_name_file_line_agency_field_and_problem() -> None:
    bad = GOOD.replace("areas: [housing]", "areas: [housing]\n    issues: [housing.flying_carpets]")
    bad += bad.split("agencies:\n")[1].replace("boroughs: [hackney]", "boroughs: [atlantis]")
    with pytest.raises(DirectoryError) as info:
        parse_yaml(bad, "dir.yaml")
    lines = [str(p) for p in info.value.problems]
    assert any(
        line.startswith("dir.yaml:2 (fictional-one): issues") and "unknown issue 'housing.flying_carpets'" in line
        for line in lines
    )
    assert any(line.startswith("dir.yaml:11 (fictional-one): boroughs") and "atlantis" in line for line in lines)


def test_coverage_and_address_checks() -> None:
    no_cover = GOOD.replace("    boroughs: [hackney]\n", "")
    with pytest.raises(DirectoryError, match="boroughs: give boroughs covered"):
        parse_yaml(no_cover, "d.yaml")
    bad_mail = GOOD.replace("referrals@fictional-one.example", "not-an-email")
    with pytest.raises(DirectoryError, match="referral_address: 'not-an-email' is not an email address"):
        parse_yaml(bad_mail, "d.yaml")
    dup = GOOD + GOOD.split("agencies:\n")[1]
    with pytest.raises(DirectoryError, match=r"d\.yaml:10 \(fictional-one\): id: duplicate id \(first on line 2\)"):
        parse_yaml(dup, "d.yaml")


def test_csv_errors_give_the_row_line() -> None:
    header = "id,name,tiers,boroughs,referral_method,referral_address,capacity,areas"
    ok = "fictional-a,Fictional A (demo),1;2,hackney,phone,020 7946 0999,3,debt"
    text = "\n".join(
        [header, ok, ok.replace("fictional-a", "fictional-b").replace(",3,", ",-3,"),
         ok.replace("fictional-a", "fictional-c").replace("1;2", "2;9")]
    )  # fmt: skip
    with pytest.raises(DirectoryError) as info:
        parse_csv(text + "\n", "dir.csv")
    lines = [str(p) for p in info.value.problems]
    assert lines == [
        "dir.csv:3 (fictional-b): capacity: Input should be greater than or equal to 0",
        "dir.csv:4 (fictional-c): tiers.1: Input should be 1, 2 or 3",
    ]
    with pytest.raises(DirectoryError, match=r"dir\.csv:1: capacity: required column is missing"):
        parse_csv("id,name,tiers,referral_method,referral_address\n", "dir.csv")


def test_save_updates_by_id_and_exports(db: Database) -> None:
    with db.transaction() as s:
        before = agencies.all_entries(s)
        added, updated = agencies.save(s, parse_yaml(GOOD, "d.yaml"))
    assert (added, updated) == (1, 0)
    changed = parse_yaml(GOOD.replace("capacity: 5", "capacity: 9"), "d.yaml")
    with db.transaction() as s:
        assert agencies.save(s, changed) == (0, 1)
        after = agencies.all_entries(s)
    assert len(after) == len(before) + 1
    assert next(e for e in after if e.id == "fictional-one").capacity == 9


def test_cli_import_export(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TRIAGE_DATABASE_URL", f"sqlite:///{tmp_path / 'cli.sqlite3'}")
    runner = CliRunner()
    good = tmp_path / "good.yaml"
    good.write_text(GOOD)
    r = runner.invoke(app, ["directory", "import", str(good)])
    assert r.exit_code == 0, r.output
    assert "1 agencies (1 added, 0 updated)" in r.output
    r = runner.invoke(app, ["directory", "export", "--format", "csv"])
    assert r.exit_code == 0 and "fictional-one,Fictional One Advice (demo)" in r.output
    bad = tmp_path / "bad.csv"
    bad.write_text("id,name,tiers,referral_method,referral_address,capacity\nx1,Bad Agency,1,fax,123,1\n")
    r = runner.invoke(app, ["directory", "import", str(bad)])
    assert r.exit_code == 2
    assert "bad.csv:2 (x1): referral_method" in r.stderr
    r = runner.invoke(app, ["directory", "export", "--format", "xml"])
    assert r.exit_code == 2 and "triage: error: --format: expected yaml or csv" in r.stderr


def test_an_ods_code_is_optional_checked_for_shape_and_kept(db: Database) -> None:
    with_code = parse_yaml(GOOD + "    ods_code: Y02345\n", "d.yaml")
    assert with_code[0].ods_code == "Y02345" and parse_yaml(GOOD, "d.yaml")[0].ods_code is None
    assert parse_csv(to_csv(with_code), "d.csv") == with_code
    for bad in ("y02345", "Y0", "Y02345-1", "ABCDEFGHIJK"):
        with pytest.raises(DirectoryError, match=r"d\.yaml:2 \(fictional-one\): ods_code: "):
            parse_yaml(GOOD + f"    ods_code: {bad}\n", "d.yaml")
    with db.transaction() as s:
        agencies.save(s, with_code)
    with db.transaction() as s:
        assert [e.ods_code for e in agencies.all_entries(s) if e.id == "fictional-one"] == ["Y02345"]
