"""The letters manifest: which template renders each letter, and what it requires.

``letters/manifest.yaml`` lists one entry per letter kind (and per purpose for
medical evidence). Each entry names the fields of :class:`LetterContext` the
letter cannot go out without. :func:`check` collects *every* problem before
anything is rendered, so the caller gets the whole list at once.

Field paths are checked against the model when the manifest loads: a typo in
the manifest is an error naming the file, the line and the entry.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from triage.letters.context import LetterContext, LetterKind
from triage.rulesets.model import MedicalPurpose
from triage.rulesets.yaml_lines import LineDict, YamlFileError, load_yaml

Path_ = Annotated[str, Field(pattern=r"^[a-z_]+(\.[a-z_]+)*$")]


class ManifestError(ValueError):
    """The manifest itself is wrong (a developer's or template author's error)."""


class TemplateSpec(BaseModel):
    """One letter: its template file and the context fields it requires."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    kind: LetterKind
    purpose: MedicalPurpose | None = None
    file: Annotated[str, Field(pattern=r"^[a-z0-9_/]+\.html\.j2$")]
    title: Annotated[str, Field(min_length=3)]
    issues: list[str] = Field(default=[], description="Issues this letter serves, most likely first.")
    requires: list[Path_] = []
    one_of: list[list[Path_]] = Field(default=[], description="Groups of which at least one must be given.")
    must_be_yes: list[Path_] = Field(default=[], description="Yes/no fields that must be yes (consent).")
    same: list[tuple[Path_, Path_]] = Field(default=[], description="Pairs that must agree, ignoring case.")

    @property
    def name(self) -> str:
        return f"{self.kind}/{self.purpose}" if self.purpose else self.kind

    def paths(self) -> list[str]:
        groups = [self.requires, self.must_be_yes, *self.one_of, *(list(p) for p in self.same)]
        return [p for g in groups for p in g]


@dataclass(frozen=True)
class Manifest:
    layout: str
    templates: dict[tuple[str, str | None], TemplateSpec]

    def spec(self, kind: str, purpose: str | None) -> TemplateSpec:
        key = (kind, purpose if kind == "medical_evidence" else None)
        try:
            return self.templates[key]
        except KeyError:
            known = ", ".join(sorted(s.name for s in self.templates.values()))
            raise LookupError(f"no letter template for {kind}{'/' + str(purpose) if purpose else ''}; "
                              f"known: {known}") from None  # fmt: skip


def _model_has_path(path: str) -> bool:
    model: Any = LetterContext
    for part in path.split("."):
        fields = getattr(model, "model_fields", None)
        if fields is None or part not in fields:
            return False
        annotation = fields[part].annotation
        # Unwrap ``X | None`` and ``list[X]`` to the model class, if any.
        args = [a for a in getattr(annotation, "__args__", ()) if a is not type(None)]
        model = args[0] if len(args) == 1 and hasattr(args[0], "model_fields") else annotation
    return True


def parse_manifest(path: Path) -> Manifest:
    """Load and check a manifest file; :class:`ManifestError` names file, line and entry."""
    try:
        data = load_yaml(path)
    except YamlFileError as exc:
        raise ManifestError(str(exc)) from None
    if not isinstance(data, dict) or not isinstance(data.get("templates"), list):
        raise ManifestError(f"{path}: expected a mapping with 'layout' and a 'templates' list")
    layout = data.get("layout")
    if not isinstance(layout, str):
        raise ManifestError(f"{path}: layout: expected the layout template's file name")
    templates: dict[tuple[str, str | None], TemplateSpec] = {}
    for raw in data["templates"]:
        line = raw.line if isinstance(raw, LineDict) else 0
        where = f"{path}:{line}"
        try:
            spec = TemplateSpec.model_validate(raw)
        except ValidationError as exc:
            err = exc.errors()[0]
            loc = ".".join(str(p) for p in err["loc"])
            raise ManifestError(f"{where}: {loc}: {err['msg']}") from None
        if (spec.kind == "medical_evidence") != (spec.purpose is not None):
            raise ManifestError(f"{where}: {spec.name}: a medical_evidence letter needs a purpose; others take none")
        bad = [p for p in spec.paths() if not _model_has_path(p)]
        if bad:
            raise ManifestError(f"{where}: {spec.name}: not a LetterContext field: {', '.join(bad)}")
        if (spec.kind, spec.purpose) in templates:
            raise ManifestError(f"{where}: {spec.name}: listed twice")
        if not (path.parent / spec.file).is_file():
            raise ManifestError(f"{where}: {spec.name}: template {spec.file} not found")
        templates[(spec.kind, spec.purpose)] = spec
    return Manifest(layout=layout, templates=templates)


@lru_cache(maxsize=4)
def load_manifest(letters_dir: Path) -> Manifest:
    return parse_manifest(letters_dir / "manifest.yaml")


# ---------------------------------------------------------------- checking a context


def _value(ctx: LetterContext, path: str) -> Any:
    value: Any = ctx
    for part in path.split("."):
        if value is None:
            return None
        value = getattr(value, part)
    return value


def _missing(value: Any) -> bool:
    if value is None:
        return True
    if isinstance(value, str):
        return not value.strip()
    return isinstance(value, list | tuple) and not value


def check(spec: TemplateSpec, ctx: LetterContext) -> list[tuple[str, str]]:
    """Every problem that stops this letter going out, as (field, problem) pairs."""
    problems: list[tuple[str, str]] = list(ctx.barred)
    for path in spec.requires:
        if _missing(_value(ctx, path)):
            problems.append((path, "missing"))
    for path in spec.must_be_yes:
        value = _value(ctx, path)
        if value is None:
            problems.append((path, "missing"))
        elif value is not True:
            problems.append((path, "must be yes before this letter can be sent"))
    for group in spec.one_of:
        if all(_missing(_value(ctx, p)) for p in group):
            problems.append((" or ".join(group), "missing: give at least one"))
    for a, b in spec.same:
        va, vb = _value(ctx, a), _value(ctx, b)
        if not _missing(va) and not _missing(vb) and str(va).strip().casefold() != str(vb).strip().casefold():
            problems.append((a, f"is {va!r} but {b} is {vb!r}; consent covers only the recipient it names"))
    return problems
