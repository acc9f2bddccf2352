"""The advice agency directory: validated entries, YAML and CSV import and export.

Storing entries is ``triage.store.agencies``; this module knows nothing of the store.

Every problem in a directory file is reported as ``file:line: field: problem``
(with the agency id when known), all at once; nothing is written unless the
whole file is valid. Issue and area codes must exist in ``rules/taxonomy.yaml``.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterable, Sequence
from functools import lru_cache
from pathlib import Path
from typing import Annotated, Any, Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from triage.facts.person import LONDON_BOROUGHS
from triage.paths import rules_dir
from triage.rulesets.taxonomy import Taxonomy, load_taxonomy
from triage.rulesets.yaml_lines import LineDict, YamlFileError

ReferralMethod = Literal["secure_email", "api_webhook", "phone"]
AgencyKind = Literal["advice_agency", "law_centre"]
ACCESSIBILITY: tuple[str, ...] = (
    "step_free",
    "accessible_toilet",
    "hearing_loop",
    "bsl",
    "easy_read",
    "large_print",
    "home_visits",
    "phone_appointments",
    "video_appointments",
    "quiet_room",
)
LIST_FIELDS = ("areas", "issues", "tiers", "boroughs", "languages", "accessibility")
BOOL_FIELDS = ("pan_london", "national", "remote", "interpreters", "taking_referrals")
CSV_COLUMNS = (
    "id",
    "name",
    "kind",
    "areas",
    "issues",
    "tiers",
    "boroughs",
    "pan_london",
    "national",
    "remote",
    "languages",
    "interpreters",
    "accessibility",
    "referral_method",
    "referral_address",
    "taking_referrals",
    "capacity",
    "ods_code",
)

ODS_CODE_PATTERN = r"^[A-Z0-9]{3,10}$"
"""The shape of an NHS Organisation Data Service code (A81001 for a GP practice, RJ1 for a trust,
8HV48 for others): 3 to 10 capital letters and digits. Whether it exists is the ODS's to say."""

_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[a-z]{2,}$", re.IGNORECASE)
_PHONE = re.compile(r"^\+?[0-9 ]{10,16}$")


@lru_cache(maxsize=1)
def _taxonomy() -> Taxonomy:
    return load_taxonomy(rules_dir())


class AgencyEntry(BaseModel):
    """One agency as written in a directory file and returned by routing."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    id: Annotated[str, Field(pattern=r"^[a-z0-9][a-z0-9-]{1,62}$")]
    name: Annotated[str, Field(min_length=3, max_length=200)]
    kind: AgencyKind = "advice_agency"
    areas: list[str] = []
    issues: list[str] = []
    tiers: Annotated[list[Literal[1, 2, 3]], Field(min_length=1)]
    boroughs: list[str] = []
    pan_london: bool = False
    national: bool = False
    remote: bool = False
    languages: list[Annotated[str, Field(pattern=r"^[a-z]{2,3}$")]] = ["en"]
    interpreters: bool = False
    accessibility: list[str] = []
    referral_method: ReferralMethod
    referral_address: Annotated[str, Field(min_length=3, max_length=300)]
    taking_referrals: bool = True
    capacity: Annotated[int, Field(ge=0, le=100000)]
    ods_code: Annotated[str | None, Field(pattern=ODS_CODE_PATTERN, description="ODS code, if it has one.")] = None

    @field_validator("areas")
    @classmethod
    def _areas_exist(cls, v: list[str]) -> list[str]:
        for code in v:
            if code not in _taxonomy().areas:
                raise ValueError(f"unknown area {code!r} (not in rules/taxonomy.yaml)")
        return sorted(set(v))

    @field_validator("issues")
    @classmethod
    def _issues_exist(cls, v: list[str]) -> list[str]:
        for code in v:
            if code not in _taxonomy().issues:
                raise ValueError(f"unknown issue {code!r} (not in rules/taxonomy.yaml)")
        return sorted(set(v))

    @field_validator("boroughs")
    @classmethod
    def _boroughs_exist(cls, v: list[str]) -> list[str]:
        for b in v:
            if b not in LONDON_BOROUGHS:
                raise ValueError(f"unknown London borough {b!r}")
        return sorted(set(v))

    @field_validator("accessibility")
    @classmethod
    def _access_known(cls, v: list[str]) -> list[str]:
        for a in v:
            if a not in ACCESSIBILITY:
                raise ValueError(f"unknown accessibility feature {a!r} (one of {', '.join(ACCESSIBILITY)})")
        return sorted(set(v))

    @field_validator("tiers")
    @classmethod
    def _tiers_sorted(cls, v: list[Literal[1, 2, 3]]) -> list[Literal[1, 2, 3]]:
        return sorted(set(v))

    @model_validator(mode="after")
    def _complete(self) -> AgencyEntry:
        if not self.areas and not self.issues:
            raise ValueError("areas/issues: give at least one area or issue code")
        if not (self.boroughs or self.pan_london or self.national or self.remote):
            raise ValueError("boroughs: give boroughs covered, or set pan_london, national or remote")
        addr = self.referral_address
        if self.referral_method == "secure_email" and not _EMAIL.match(addr):
            raise ValueError(f"referral_address: {addr!r} is not an email address")
        if self.referral_method == "api_webhook" and not addr.startswith("https://"):
            raise ValueError(f"referral_address: a webhook must be an https:// URL, got {addr!r}")
        if self.referral_method == "phone" and not _PHONE.match(addr):
            raise ValueError(f"referral_address: {addr!r} is not a phone number")
        return self

    def handles(self, issue: str) -> bool:
        return issue in self.issues or issue.split(".", 1)[0] in self.areas

    def covers(self, borough: str) -> bool:
        return borough in self.boroughs or self.pan_london or self.national or self.remote


class DirectoryProblem(BaseModel):
    file: str
    line: int
    agency: str | None
    field: str
    problem: str

    def __str__(self) -> str:
        who = f" ({self.agency})" if self.agency else ""
        return f"{self.file}:{self.line}{who}: {self.field}: {self.problem}"


class DirectoryError(ValueError):
    """A directory file with problems; ``problems`` lists every one."""

    def __init__(self, problems: list[DirectoryProblem]) -> None:
        self.problems = problems
        more = f" (and {len(problems) - 1} more)" if len(problems) > 1 else ""
        super().__init__(f"{problems[0]}{more}")


def _validate_rows(rows: Iterable[tuple[int, Any]], file: str, problems: list[DirectoryProblem]) -> list[AgencyEntry]:
    out: list[AgencyEntry] = []
    seen: dict[str, int] = {}
    for line, raw in rows:
        agency_id = raw.get("id") if isinstance(raw, dict) else None
        agency = agency_id if isinstance(agency_id, str) else None
        if not isinstance(raw, dict):
            problems.append(
                DirectoryProblem(file=file, line=line, agency=None, field="(row)", problem="expected a mapping")
            )
            continue
        try:
            entry = AgencyEntry.model_validate(dict(raw))
        except ValidationError as exc:
            for err in exc.errors():
                loc = ".".join(str(p) for p in err["loc"])
                msg = str(err["msg"]).removeprefix("Value error, ")
                field, _, rest = msg.partition(": ") if not loc and ": " in msg else (loc or "(row)", "", msg)
                problems.append(DirectoryProblem(file=file, line=line, agency=agency, field=field, problem=rest))
            continue
        if entry.id in seen:
            problems.append(
                DirectoryProblem(
                    file=file,
                    line=line,
                    agency=entry.id,
                    field="id",
                    problem=f"duplicate id (first on line {seen[entry.id]})",
                )
            )
            continue
        seen[entry.id] = line
        out.append(entry)
    return out


def parse_yaml(text: str, file: str) -> list[AgencyEntry]:
    """Agencies from YAML text: a list, or a mapping with ``agencies:``."""
    from triage.rulesets.yaml_lines import load_yaml_text

    try:
        data = load_yaml_text(text, file)
    except YamlFileError as exc:
        raise DirectoryError(
            [
                DirectoryProblem(
                    file=file, line=exc.line, agency=None, field="(file)", problem=str(exc).split(": ", 1)[-1]
                )
            ]
        ) from None
    items = data.get("agencies") if isinstance(data, dict) else data
    if not isinstance(items, list):
        raise DirectoryError(
            [DirectoryProblem(file=file, line=1, agency=None, field="agencies", problem="expected a list of agencies")]
        )
    problems: list[DirectoryProblem] = []
    rows = [(item.line if isinstance(item, LineDict) else 0, item) for item in items]
    entries = _validate_rows(rows, file, problems)
    if problems:
        raise DirectoryError(problems)
    return entries


# A cell a spreadsheet would run as a formula (CSV injection: "=HYPERLINK(...)", "+44 ..."
# read as a sum). Written with a leading apostrophe, which spreadsheets show as text; read
# back without it, so export then import gives the same directory.
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def spreadsheet_safe(value: str) -> str:
    """``value`` as a CSV cell no spreadsheet will evaluate."""
    return "'" + value if value.startswith(_FORMULA_START) else value


def _from_spreadsheet_safe(value: str) -> str:
    return value[1:] if value.startswith("'") and value[1:].startswith(_FORMULA_START) else value


def _csv_value(column: str, value: str) -> Any:
    value = _from_spreadsheet_safe(value.strip())
    if column in LIST_FIELDS:
        parts = [p.strip() for p in value.split(";") if p.strip()]
        if column == "tiers":
            return [int(p) if p.isdigit() else p for p in parts]
        return parts
    if column in BOOL_FIELDS:
        low = value.lower()
        if low in ("true", "yes", "1"):
            return True
        if low in ("false", "no", "0", ""):
            return False
        return value  # pydantic names the field and the problem
    if column == "capacity":
        return int(value) if value.lstrip("-").isdigit() else value
    return value


def parse_csv(text: str, file: str) -> list[AgencyEntry]:
    """Agencies from CSV with the :data:`CSV_COLUMNS` header; lists are ``;``-separated."""
    reader = csv.DictReader(io.StringIO(text))
    header = reader.fieldnames or []
    missing = [c for c in ("id", "name", "tiers", "referral_method", "referral_address", "capacity") if c not in header]
    unknown = [c for c in header if c not in CSV_COLUMNS]
    head_problems = [
        DirectoryProblem(file=file, line=1, agency=None, field=c, problem="required column is missing") for c in missing
    ]
    head_problems += [
        DirectoryProblem(file=file, line=1, agency=None, field=c, problem="unknown column") for c in unknown
    ]
    if head_problems:
        raise DirectoryError(head_problems)
    rows: list[tuple[int, Any]] = []
    problems: list[DirectoryProblem] = []
    for row in reader:
        line = reader.line_num
        if None in row:
            problems.append(
                DirectoryProblem(
                    file=file, line=line, agency=row.get("id"), field="(row)", problem="more values than columns"
                )
            )
            continue
        # An empty cell means "not given", so the field's default applies.
        rows.append((line, {k: _csv_value(k, v) for k, v in row.items() if v is not None and v.strip()}))
    entries = _validate_rows(rows, file, problems)
    if problems:
        raise DirectoryError(problems)
    return entries


def read_file(path: Path) -> list[AgencyEntry]:
    """Parse a ``.yaml``/``.yml`` or ``.csv`` directory file."""
    name = str(path)
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise DirectoryError(
            [DirectoryProblem(file=name, line=0, agency=None, field="(file)", problem=f"cannot read: {exc.strerror}")]
        ) from None
    suffix = path.suffix.lower()
    if suffix == ".csv":
        return parse_csv(text, name)
    if suffix in (".yaml", ".yml", ".json"):
        return parse_yaml(text, name)
    raise DirectoryError(
        [
            DirectoryProblem(
                file=name, line=0, agency=None, field="(file)", problem="expected a .yaml, .yml or .csv file"
            )
        ]
    )


def to_yaml(entries: Sequence[AgencyEntry]) -> str:
    data = {"agencies": [e.model_dump(mode="json") for e in entries]}
    return yaml.safe_dump(data, sort_keys=False, allow_unicode=True, width=120)


def to_csv(entries: Sequence[AgencyEntry]) -> str:
    buf = io.StringIO()
    writer = csv.DictWriter(buf, fieldnames=list(CSV_COLUMNS), lineterminator="\n")
    writer.writeheader()
    for e in entries:
        row = e.model_dump(mode="json")
        for k in LIST_FIELDS:
            row[k] = ";".join(str(x) for x in row[k])
        for k in BOOL_FIELDS:
            row[k] = "true" if row[k] else "false"
        writer.writerow({k: spreadsheet_safe(v) if isinstance(v, str) else v for k, v in row.items()})
    return buf.getvalue()


def demo_file() -> Path:
    return rules_dir() / "directory" / "demo.yaml"


def load_demo() -> list[AgencyEntry]:
    return read_file(demo_file())
