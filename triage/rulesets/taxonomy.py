"""The taxonomy of legal needs and the tier-1 self-help resources, loaded from ``rules/``."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from triage.rulesets.yaml_lines import line_at, load_yaml


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Issue(_Strict):
    code: Annotated[str, Field(pattern=r"^[a-z_]+\.[a-z0-9_]+$")]
    label: str
    description: str
    health_link: str
    legal_aid: str | None = None


class Area(_Strict):
    code: Annotated[str, Field(pattern=r"^[a-z_]+$")]
    label: str
    description: str = ""
    issues: list[Issue]


class Resource(_Strict):
    id: Annotated[str, Field(pattern=r"^[a-z0-9][a-z0-9-]*$")]
    title: str
    publisher: str
    url: Annotated[str, Field(pattern=r"^https://\S+$")]
    issues: list[str]
    summary: str
    # General advice shown when no rule found a need: a result is never an empty page.
    general: bool = False

    @model_validator(mode="after")
    def _somewhere(self) -> Resource:
        if not self.issues and not self.general:
            raise ValueError("a resource needs issue codes, or general: true")
        return self


class _TaxonomyFile(_Strict):
    version: str
    areas: list[Area]


class _ResourceFile(_Strict):
    version: str
    resources: list[Resource]


class DataFileError(ValueError):
    """A taxonomy or resources file that does not validate (file, line, problem)."""


@dataclass(frozen=True)
class Taxonomy:
    areas: dict[str, Area]
    issues: dict[str, Issue]
    resources: dict[str, list[Resource]]
    general: tuple[Resource, ...] = ()
    """General advice (helplines first) for a result with no need: never an empty page."""

    def area_of(self, issue: str) -> Area:
        return self.areas[issue.split(".", 1)[0]]


def _validate(model: type[_Strict], path: Path, data: Any) -> Any:
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        err = exc.errors()[0]
        loc = tuple(err["loc"])
        line = line_at(data, loc)
        where = ".".join(map(str, loc))
        raise DataFileError(f"{path}:{line}: {where}: {err['msg']}") from None


def load_taxonomy(rules_root: Path) -> Taxonomy:
    """Load and cross-check ``taxonomy.yaml`` and ``resources.yaml``."""
    tpath, rpath = rules_root / "taxonomy.yaml", rules_root / "resources.yaml"
    tax: _TaxonomyFile = _validate(_TaxonomyFile, tpath, load_yaml(tpath))
    res: _ResourceFile = _validate(_ResourceFile, rpath, load_yaml(rpath))
    areas = {a.code: a for a in tax.areas}
    issues: dict[str, Issue] = {}
    for area in tax.areas:
        for issue in area.issues:
            if not issue.code.startswith(area.code + "."):
                raise DataFileError(f"{tpath}: issue {issue.code} is not under area {area.code}")
            if issue.code in issues:
                raise DataFileError(f"{tpath}: issue {issue.code} appears twice")
            issues[issue.code] = issue
    by_issue: dict[str, list[Resource]] = {code: [] for code in issues}
    seen: set[str] = set()
    for r in res.resources:
        if r.id in seen:
            raise DataFileError(f"{rpath}: resource id {r.id} appears twice")
        seen.add(r.id)
        for code in r.issues:
            if code not in by_issue:
                raise DataFileError(f"{rpath}: resource {r.id} names unknown issue {code}")
            by_issue[code].append(r)
    general = tuple(r for r in res.resources if r.general)
    return Taxonomy(areas=areas, issues=issues, resources=by_issue, general=general)
