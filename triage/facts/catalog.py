"""A flat catalogue of every case fact: its path, kind, allowed values and question.

The rule loader checks conditions against it, the flattener uses it to turn
:class:`CaseFacts` into the flat mapping the engines match on, and the
assessment uses its questions for "questions still worth asking".
"""

from __future__ import annotations

import types
import typing
from dataclasses import dataclass
from datetime import date
from typing import Any, Literal, get_args, get_origin

from pydantic import BaseModel

FactKind = Literal["bool", "int", "number", "choice", "text", "date", "set"]


@dataclass(frozen=True, slots=True)
class FactSpec:
    """One leaf fact. ``key`` is its name in the flat engine mapping."""

    path: str
    section: str
    name: str
    key: str
    kind: FactKind
    choices: tuple[str, ...]
    question: str
    # A detail the person often cannot tell (see ``triage.facts.common.fact``).
    may_not_know: bool = False


def _strip(annotation: Any) -> Any:
    """Unwrap Annotated and Optional to the underlying type."""
    while True:
        origin = get_origin(annotation)
        if origin is typing.Annotated:
            annotation = get_args(annotation)[0]
        elif origin in (typing.Union, types.UnionType):
            args = [a for a in get_args(annotation) if a is not type(None)]
            if len(args) != 1:
                raise TypeError(f"unsupported union {annotation!r}")
            annotation = args[0]
        else:
            return annotation


def _kind(annotation: Any) -> tuple[FactKind, tuple[str, ...]]:
    base = _strip(annotation)
    origin = get_origin(base)
    if origin is Literal:
        return "choice", tuple(str(a) for a in get_args(base))
    if origin is frozenset:
        member = _strip(get_args(base)[0])
        return "set", tuple(str(a) for a in get_args(member))
    if base is bool:
        return "bool", ()
    if base is int:
        return "int", ()
    if base is float:
        return "number", ()
    if base is date:
        return "date", ()
    if base is str:
        return "text", ()
    raise TypeError(f"unsupported fact type {annotation!r}")


def build_catalog(model: type[BaseModel]) -> dict[str, FactSpec]:
    """Every leaf fact of a two-level model such as :class:`CaseFacts`."""
    out: dict[str, FactSpec] = {}
    for section, sinfo in model.model_fields.items():
        sub = sinfo.annotation
        if not (isinstance(sub, type) and issubclass(sub, BaseModel)):
            continue
        for name, info in sub.model_fields.items():
            kind, choices = _kind(info.annotation)
            path = f"{section}.{name}"
            extra = info.json_schema_extra if isinstance(info.json_schema_extra, dict) else {}
            out[path] = FactSpec(
                path=path,
                section=section,
                name=name,
                key=f"{section}__{name}",
                kind=kind,
                choices=choices,
                question=info.description or path,
                may_not_know=extra.get("may_not_know") is True,
            )
    return out


def _catalog() -> dict[str, FactSpec]:
    from triage.facts import CaseFacts

    return build_catalog(CaseFacts)


FACTS: dict[str, FactSpec] = _catalog()
