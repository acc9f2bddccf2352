"""Installed rule-set versions, and which one is in force on a day.

Each version is a complete rule-set folder beside the others in ``rules/``
(it shares ``taxonomy.yaml`` and ``resources.yaml`` there, which the loader
reads from the folder's parent)::

    rules/england/             the current version (ruleset.yaml: version 2026.12.2)
    rules/england-2026.4.1/    an earlier version kept for replay and diffs

A folder belongs to region ``england`` when its ``ruleset.yaml`` says
``name: england``; the folder's own name does not matter. A version is in
force from its ``in_force_from`` date (read from ``ruleset.yaml``; until the
rule-set model carries that field, its ``published`` date stands in) until
the next version's. Decisions record the version and the content hash
(``Assessment.ruleset``), so a replay can find the exact folder again with
:func:`find_by_hash`.

    >>> path = select("england", as_of=date(2026, 11, 23))   # the version in force that day
    >>> path = select("england", version="2026.12.2")         # named explicitly
    >>> engine = Engine.default(path)
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass
from datetime import date
from pathlib import Path

from triage.paths import rules_dir
from triage.rulesets.yaml_lines import YamlFileError, load_yaml


class RegistryError(LookupError):
    """No such version, no version in force on the day, or an ambiguous installation."""


@dataclass(frozen=True, order=True)
class InstalledVersion:
    in_force_from: date
    version: str
    name: str
    path: Path
    previous: str | None = None


def _version_key(v: str) -> tuple[int, ...]:
    return tuple(int(p) for p in v.split(".") if p.isdigit())


def _read(folder: Path) -> InstalledVersion | None:
    meta_path = folder / "ruleset.yaml"
    if not meta_path.is_file():
        return None
    try:
        meta = load_yaml(meta_path)
    except YamlFileError as exc:
        raise RegistryError(str(exc)) from None
    if not isinstance(meta, dict):
        raise RegistryError(f"{meta_path}: expected a mapping")
    missing = [k for k in ("name", "version") if not meta.get(k)]
    if missing:
        raise RegistryError(f"{meta_path}:{getattr(meta, 'line', 1)}: missing {', '.join(missing)}")
    start = meta.get("in_force_from", meta.get("published"))
    if not isinstance(start, date):
        raise RegistryError(f"{meta_path}: in_force_from (or published): expected a date as YYYY-MM-DD")
    previous = meta.get("previous")
    return InstalledVersion(start, str(meta["version"]), str(meta["name"]), folder,
                            str(previous) if previous else None)  # fmt: skip


def installed(region: str = "england", base: Path | None = None) -> list[InstalledVersion]:
    """Every installed version of ``region`` under ``base`` (default ``rules/``), oldest first.

    Raises :class:`RegistryError` when two folders claim the same version or
    the same ``in_force_from`` day (which one is in force would be ambiguous).
    """
    base = base or rules_dir()
    found = [v for d in sorted(base.iterdir()) if d.is_dir() and (v := _read(d)) and v.name == region]
    found.sort(key=lambda v: (v.in_force_from, _version_key(v.version)))
    for a, b in itertools.pairwise(found):
        if a.version == b.version:
            raise RegistryError(f"{region} {a.version} is installed twice: {a.path} and {b.path}")
        if a.in_force_from == b.in_force_from:
            raise RegistryError(
                f"{region} {a.version} ({a.path}) and {b.version} ({b.path}) both come into force on {a.in_force_from}"
            )
    return found


def select(region: str = "england", as_of: date | None = None, version: str | None = None,
           base: Path | None = None) -> Path:  # fmt: skip
    """The folder of the version named, else the one in force on ``as_of``, else the newest."""
    return select_version(region, as_of, version, base).path


def select_version(region: str = "england", as_of: date | None = None, version: str | None = None,
                   base: Path | None = None) -> InstalledVersion:  # fmt: skip
    versions = installed(region, base)
    if not versions:
        raise RegistryError(f"no rule set for {region!r} is installed in {base or rules_dir()}")
    names = ", ".join(f"{v.version} (from {v.in_force_from})" for v in versions)
    if version is not None:
        for v in versions:
            if v.version == version:
                if as_of is not None and not _in_force(v, versions, as_of):
                    raise RegistryError(f"{region} {version} is not in force on {as_of} (installed: {names})")
                return v
        raise RegistryError(f"no version {version!r} of {region} is installed (installed: {names})")
    if as_of is None:
        return versions[-1]
    live = [v for v in versions if v.in_force_from <= as_of]
    if not live:
        raise RegistryError(f"no version of {region} is in force on {as_of}: the earliest installed, "
                            f"{versions[0].version}, comes into force on {versions[0].in_force_from}")  # fmt: skip
    return live[-1]


def _in_force(v: InstalledVersion, versions: list[InstalledVersion], on: date) -> bool:
    later = [w.in_force_from for w in versions if w.in_force_from > v.in_force_from]
    return v.in_force_from <= on and (not later or on < min(later))


def previous_version(region: str, version: str, base: Path | None = None) -> InstalledVersion | None:
    """The installed version before ``version``: its ``previous`` if named and installed, else the
    one that came into force just before it."""
    versions = installed(region, base)
    current = next((v for v in versions if v.version == version), None)
    if current is None:
        return None
    if current.previous:
        named = next((v for v in versions if v.version == current.previous), None)
        if named is not None:
            return named
    earlier = [v for v in versions if v.in_force_from < current.in_force_from]
    return earlier[-1] if earlier else None


def find_by_hash(region: str, content_hash: str, base: Path | None = None) -> Path:
    """The installed folder whose content hash is ``content_hash`` (for replaying a stored decision)."""
    from triage.rulesets.loader import RuleSetError, load_ruleset

    for v in installed(region, base):
        try:
            if load_ruleset(v.path).hash == content_hash:
                return v.path
        except RuleSetError:
            continue
    raise RegistryError(f"no installed version of {region} has content hash {content_hash[:16]}...")
