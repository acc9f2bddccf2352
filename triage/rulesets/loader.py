"""Load a rule-set folder into a validated, hashed :class:`RuleSet`.

Layout of a rule-set folder (for example ``rules/england/``)::

    ruleset.yaml      name, title, version, publication date
    policy.yaml       routing policy: deadline urgency bands, late routes, clusters
    deadlines/*.yaml  dated, sourced time limits used by rules, one file per area
    parameters/*.yaml dated, sourced legal figures (amounts, periods) rules name
    rules/*.yaml      the rules, one file per area
    tests/*.yaml      golden cases (see triage.audit.golden)

Every problem found is reported with file, line and rule id; loading fails
as a whole if any is found, so a half-valid rule set never runs.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ValidationError

from triage.facts.catalog import FACTS
from triage.paths import default_ruleset_dir
from triage.rulesets.model import DeadlineDef, DeadlineFile, Duration, Rule, RuleFile, RuleSetMeta
from triage.rulesets.parameters import Parameter, ParameterFile, Value, resolve_refs, window_problem
from triage.rulesets.policy_model import Policy
from triage.rulesets.taxonomy import DataFileError, Taxonomy, load_taxonomy
from triage.rulesets.yaml_lines import LineDict, YamlFileError, line_at, load_yaml

# The parameter that gives ``acas_extension`` deadlines their time after the
# ACAS certificate (Employment Rights Act 1996 s.207B(4)).
ACAS_AFTER_CERTIFICATE = "employment.early_conciliation_time_after_certificate"


@dataclass(frozen=True)
class Problem:
    file: str
    line: int
    rule_id: str | None
    message: str

    def __str__(self) -> str:
        rule = f" rule {self.rule_id}:" if self.rule_id else ""
        return f"{self.file}:{self.line}:{rule} {self.message}"


class RuleSetError(ValueError):
    """A rule set that failed to load; ``problems`` lists every problem found."""

    def __init__(self, problems: list[Problem]) -> None:
        self.problems = problems
        super().__init__("\n".join(str(p) for p in problems))


@dataclass(frozen=True)
class RuleSet:
    """A loaded rule set. ``hash`` covers every file that can change an assessment."""

    meta: RuleSetMeta
    rules: tuple[Rule, ...]
    deadlines: dict[str, tuple[DeadlineDef, ...]]
    policy: Policy
    taxonomy: Taxonomy
    hash: str
    root: Path
    files: tuple[str, ...] = field(default=())
    parameters: dict[str, Parameter] = field(default_factory=dict)
    # For each rule version (id, effective_from), the parameters its condition
    # names and the value each was resolved to for the rule's dates.
    rule_parameters: dict[tuple[str, date], dict[str, Value]] = field(default_factory=dict)

    @property
    def name(self) -> str:
        return self.meta.name

    @property
    def version(self) -> str:
        return self.meta.version

    def in_force(self, on: date) -> tuple[Rule, ...]:
        return tuple(r for r in self.rules if r.in_force(on))

    def rule(self, rule_id: str, on: date | None = None) -> Rule | None:
        """The rule with this id (in force on ``on`` when given, else the latest)."""
        matches = [r for r in self.rules if r.id == rule_id and (on is None or r.in_force(on))]
        return max(matches, key=lambda r: r.effective_from) if matches else None

    def parameter(self, name: str, on: date) -> Value | None:
        """The value of parameter ``name`` in force on ``on`` (None: no such parameter or value)."""
        p = self.parameters.get(name)
        return p.value_on(on) if p is not None else None

    def deadline(self, deadline_id: str, start: date) -> DeadlineDef | None:
        """The version of a deadline parameter in force on ``start`` (the day it runs from)."""
        for d in self.deadlines.get(deadline_id, ()):
            if d.in_force(start):
                return d
        return None


def _rel(path: Path, root: Path) -> str:
    try:
        return str(path.relative_to(root.parent.parent))
    except ValueError:
        return str(path)


def _pydantic_problems(
    exc: ValidationError, data: Any, file: str, rule_id: str | None, base_line: int = 0
) -> list[Problem]:
    out = []
    for err in exc.errors():
        loc = tuple(err["loc"])
        line = line_at(data, loc) or base_line
        where = ".".join(str(p) for p in loc)
        msg = err["msg"].removeprefix("Value error, ")
        if err["type"] == "extra_forbidden":
            msg = "unknown field"
        out.append(Problem(file, line, rule_id, f"{where}: {msg}" if where else msg))
    return out


_BROKEN = object()  # a file whose YAML did not parse; its problem is already recorded


def _model(model: type[BaseModel], data: Any, file: str, problems: list[Problem]) -> Any:
    if data is _BROKEN:
        return None
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        problems.extend(_pydantic_problems(exc, data, file, None))
        return None


def load_ruleset(root: Path | str | None = None) -> RuleSet:
    """Load, validate and hash the rule set in ``root`` (default: the bundled England set)."""
    root = Path(root) if root is not None else default_ruleset_dir()
    problems: list[Problem] = []
    hashed: list[Path] = []

    def read(path: Path) -> Any:
        hashed.append(path)
        try:
            return load_yaml(path, _rel(path, root))
        except YamlFileError as exc:
            problems.append(Problem(exc.file, exc.line, None, str(exc).split(": ", 1)[1]))
            return _BROKEN

    if not (root / "ruleset.yaml").is_file():
        raise RuleSetError([Problem(str(root), 0, None, "no ruleset.yaml: not a rule-set folder")])
    try:
        taxonomy = load_taxonomy(root.parent)
    except (DataFileError, YamlFileError) as exc:
        raise RuleSetError([Problem(str(root.parent), 0, None, str(exc))]) from None
    hashed += [root.parent / "taxonomy.yaml", root.parent / "resources.yaml"]

    meta_raw = read(root / "ruleset.yaml")
    meta = _model(RuleSetMeta, meta_raw, _rel(root / "ruleset.yaml", root), problems)
    policy_raw = read(root / "policy.yaml")
    policy = _model(Policy, policy_raw, _rel(root / "policy.yaml", root), problems)

    parameters = _load_parameters(root, read, problems)

    deadlines: dict[str, list[DeadlineDef]] = {}
    for dl_path in sorted((root / "deadlines").glob("*.yaml")):
        rel = _rel(dl_path, root)
        dl_raw = read(dl_path)
        dl_file = _model(DeadlineFile, dl_raw, rel, problems)
        for raw in dl_raw["deadlines"] if dl_file else []:
            try:
                d = DeadlineDef.model_validate({**raw, "file": rel, "line": getattr(raw, "line", 0)})
            except ValidationError as exc:
                problems += _pydantic_problems(exc, raw, rel, str(raw.get("id")), raw.line)
                continue
            if d.period.acas_extension:
                _resolve_acas(d, parameters, problems)
            deadlines.setdefault(d.id, []).append(d)

    rules: list[Rule] = []
    rule_parameters: dict[tuple[str, date], dict[str, Value]] = {}
    rule_files = sorted((root / "rules").glob("*.yaml"))
    if not rule_files:
        problems.append(Problem(str(root / "rules"), 0, None, "no rule files found"))
    for path in rule_files:
        rel = _rel(path, root)
        data = read(path)
        rf = _model(RuleFile, data, rel, problems)
        for raw in data["rules"] if rf else []:
            rid = raw.get("id") if isinstance(raw, dict) else None
            used: dict[str, Value] = {}
            resolved = _resolve_rule(raw, parameters, rel, str(rid), problems, used)
            if resolved is None:
                continue
            try:
                rule = Rule.model_validate({**resolved, "file": rel, "line": getattr(raw, "line", 0)})
            except ValidationError as exc:
                problems += _pydantic_problems(exc, raw, rel, str(rid), getattr(raw, "line", 0))
                continue
            rules.append(rule)
            if used:
                rule_parameters[(rule.id, rule.effective_from)] = used

    problems += _cross_check(rules, deadlines, taxonomy)
    if policy is not None:
        problems += _check_policy(policy, taxonomy, parameters, _rel(root / "policy.yaml", root))
    if problems or meta is None or policy is None:
        raise RuleSetError(problems)

    digest = hashlib.sha256()
    for path in sorted(set(hashed)):
        digest.update(path.name.encode() + b"\0" + path.read_bytes() + b"\0")
    return RuleSet(
        meta=meta,
        rules=tuple(rules),
        deadlines={k: tuple(sorted(v, key=lambda d: d.effective_from)) for k, v in deadlines.items()},
        policy=policy,
        taxonomy=taxonomy,
        hash=digest.hexdigest(),
        root=root,
        files=tuple(_rel(p, root) for p in sorted(set(hashed))),
        parameters=parameters,
        rule_parameters=rule_parameters,
    )


def _load_parameters(root: Path, read: Any, problems: list[Problem]) -> dict[str, Parameter]:
    """Every parameter in ``parameters/*.yaml`` (the folder is optional), by name.

    A parameter's name starts with its file's name (``legal_aid.yaml`` holds
    ``legal_aid.*``), so an auditor always knows where to look.
    """
    out: dict[str, Parameter] = {}
    for path in sorted((root / "parameters").glob("*.yaml")):
        rel = _rel(path, root)
        raw_file = read(path)
        pf = _model(ParameterFile, raw_file, rel, problems)
        for raw in raw_file["parameters"] if pf else []:
            line = getattr(raw, "line", 0)
            name = raw.get("name") if isinstance(raw, dict) else None
            try:
                p = Parameter.model_validate({**raw, "file": rel, "line": line})
            except ValidationError as exc:
                problems += _pydantic_problems(exc, raw, rel, str(name), line)
                continue
            if not p.name.startswith(path.stem + "."):
                problems.append(
                    Problem(rel, line, p.name, f"name: a parameter in {path.name} must be called {path.stem}.*")
                )
            elif p.name in out:
                problems.append(
                    Problem(rel, line, p.name, f"parameter defined twice (first at line {out[p.name].line})")
                )
            else:
                out[p.name] = p
    return out


def _resolve_rule(
    raw: Any,
    parameters: dict[str, Parameter],
    file: str,
    rule_id: str,
    problems: list[Problem],
    used: dict[str, Value],
) -> Any:
    """The raw rule with ``{param: NAME}`` references in ``when`` replaced by their values.

    None when a reference cannot be resolved (the problems are recorded). A
    rule whose dates are malformed is returned as it is, for the model to report.
    """
    if not isinstance(raw, dict) or "when" not in raw:
        return raw
    start, end = raw.get("effective_from"), raw.get("effective_to")
    if not isinstance(start, date) or not (end is None or isinstance(end, date)):
        return raw
    when, unresolved = resolve_refs(raw["when"], parameters, start, end, "when", used)
    for res in unresolved:
        problems.append(Problem(file, res.line or getattr(raw, "line", 0), rule_id, res.message))
    if unresolved:
        return None
    out = LineDict(raw)
    out["when"] = when
    out.line = getattr(raw, "line", 0)
    return out


def _resolve_acas(d: DeadlineDef, parameters: dict[str, Parameter], problems: list[Problem]) -> None:
    """Give an ``acas_extension`` deadline its s.207B(4) period, fixed for the deadline's dates."""
    param = parameters.get(ACAS_AFTER_CERTIFICATE)
    if param is None:
        problems.append(Problem(d.file, d.line, d.id, f"period.acas_extension: no parameter called "
                                f"{ACAS_AFTER_CERTIFICATE!r} (see parameters/*.yaml)"))  # fmt: skip
        return
    why = window_problem(param, d.effective_from, d.effective_to, "deadline")
    value = param.value_on(d.effective_from)
    if why is not None:
        problems.append(Problem(d.file, d.line, d.id, f"period.acas_extension: {why}"))
    elif not isinstance(value, Duration):
        problems.append(Problem(d.file, d.line, d.id, f"period.acas_extension: {param.name} must be a period"))
    else:
        d.set_acas_after_certificate(value)


def _overlap(a: Rule | DeadlineDef, b: Rule | DeadlineDef) -> bool:
    a_end = a.effective_to or date.max
    b_end = b.effective_to or date.max
    return a.effective_from < b_end and b.effective_from < a_end


def _cross_check(rules: list[Rule], deadlines: dict[str, list[DeadlineDef]], taxonomy: Taxonomy) -> list[Problem]:
    out: list[Problem] = []
    by_id: dict[str, list[Rule]] = {}
    for r in rules:
        by_id.setdefault(r.id, []).append(r)

        def bad(msg: str, rule: Rule = r) -> None:
            out.append(Problem(rule.file, rule.line, rule.id, msg))

        t = r.then
        issues: list[str] = []
        if t.need:
            issues.append(t.need.issue)
            for ref in t.need.deadlines:
                if ref.use not in deadlines:
                    bad(f"then.need.deadlines: no deadline called {ref.use!r} in deadlines/*.yaml")
                spec = FACTS.get(ref.from_fact)
                if spec is None or spec.kind != "date":
                    bad(f"then.need.deadlines: from_fact {ref.from_fact!r} is not a date fact")
                elif ref.from_fact not in {f.path for f in _facts(r)}:
                    bad(
                        f"then.need.deadlines: from_fact {ref.from_fact} is not tested in `when`"
                        " (test it with known: true so the deadline has a date)"
                    )
                if ref.not_before is not None:
                    floor = FACTS.get(ref.not_before)
                    if floor is None or floor.kind != "date":
                        bad(f"then.need.deadlines: not_before {ref.not_before!r} is not a date fact")
        if t.escalate:
            issues += t.escalate.applies_to.issues
            for area in t.escalate.applies_to.areas:
                if area not in taxonomy.areas:
                    bad(f"then.escalate.applies_to: unknown area {area!r}")
        if t.letter:
            issues.append(t.letter.issue)
        for code in issues:
            if code not in taxonomy.issues:
                bad(f"then: unknown issue code {code!r} (not in taxonomy.yaml)")
    for rid, versions in by_id.items():
        for i, a in enumerate(versions):
            for b in versions[i + 1 :]:
                if _overlap(a, b):
                    out.append(Problem(b.file, b.line, rid, f"in force at the same time as line {a.line}"))
    for did, dversions in deadlines.items():
        for i, da in enumerate(dversions):
            for db in dversions[i + 1 :]:
                if _overlap(da, db):
                    out.append(Problem(db.file, db.line, did, f"in force at the same time as line {da.line}"))
    return out


def _check_policy(policy: Policy, taxonomy: Taxonomy, parameters: dict[str, Parameter], rel: str) -> list[Problem]:
    """Names the routing policy uses must exist: cluster areas and issues, means-test facts and limit."""
    out: list[Problem] = []
    for link in policy.cluster.links:
        for area in link.applies_to.areas:
            if area not in taxonomy.areas:
                out.append(Problem(rel, 0, None, f"cluster.links.{link.id}: unknown area {area!r}"))
        for code in link.applies_to.issues:
            if code not in taxonomy.issues:
                out.append(Problem(rel, 0, None, f"cluster.links.{link.id}: unknown issue {code!r}"))
    means = policy.legal_aid_means
    for name in (means.passported_fact, means.income_fact):
        if name not in FACTS:
            out.append(Problem(rel, 0, None, f"legal_aid_means: no fact called {name!r}"))
    if means.income_limit not in parameters:
        out.append(Problem(rel, 0, None, f"legal_aid_means.income_limit: no parameter {means.income_limit!r}"))
    return out


def _facts(rule: Rule) -> tuple[Any, ...]:
    from triage.rulesets.conditions import facts_of

    return facts_of(rule.condition)
