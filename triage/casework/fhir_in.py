"""A referral arriving as FHIR: a ServiceRequest with its Patient, to the same case input as the JSON API.

The resources are checked with the ``fhir.resources`` models (R4B: ServiceRequest,
Patient, Organization and QuestionnaireResponse are unchanged from R4, the
release UK Core profiles), then read into what ``POST /v1/cases`` takes:

* ``authoredOn`` is the day the case is assessed as on (``as_of``);
* the ``subject`` is a contained Patient: name, birth date, phone and email,
  address (its postcode is the case fact ``person.postcode``), first
  communication language (``person.language``) and UK Core's
  interpreter-required flag (``person.interpreter_needed``);
* ``supportingInfo`` points at a contained QuestionnaireResponse whose items
  are case facts: ``linkId`` is the fact's path (``housing.homeless_tonight``)
  and the answer its value (valueBoolean, valueDate, valueInteger,
  valueDecimal, valueString, or valueCoding's code; several answers for a
  list fact);
* the ``requester`` may name the referring organisation by ODS code, checked
  for shape.

Every problem names where it is in the FHIR resource, like
``ServiceRequest.contained[0].birthDate`` or ``ServiceRequest.contained[Patient].address[0].postalCode``.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from typing import Any

from fhir.resources.R4B.patient import Patient
from fhir.resources.R4B.questionnaireresponse import QuestionnaireResponse
from fhir.resources.R4B.servicerequest import ServiceRequest
from pydantic import ValidationError

from triage.casework.cases import PersonDetails
from triage.facts import CaseFacts, FactsError, parse_facts
from triage.facts.catalog import FACTS
from triage.routing.directory import ODS_CODE_PATTERN

ODS_SYSTEM = "https://fhir.nhs.uk/Id/ods-organization-code"
INTERPRETER_EXTENSION = "https://fhir.hl7.org.uk/StructureDefinition/Extension-UKCore-NHSCommunication"
ODS_CODE = re.compile(ODS_CODE_PATTERN)
SR = "ServiceRequest"


class FhirInputError(ValueError):
    """A FHIR referral that cannot become a case; ``problems`` lists (FHIR path, problem)."""

    def __init__(self, problems: list[tuple[str, str]]) -> None:
        self.problems = problems
        super().__init__("; ".join(f"{p}: {m}" for p, m in problems))


@dataclass(frozen=True)
class FhirReferral:
    """What a FHIR referral says, in the JSON API's terms."""

    as_of: dt.date
    facts: CaseFacts
    person: PersonDetails
    requester_ods: str | None


def _validated(model: Any, data: Any, where: str) -> Any:
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        raise FhirInputError([(_path(where, e["loc"]), str(e["msg"])) for e in exc.errors()]) from None


def _path(where: str, loc: tuple[int | str, ...]) -> str:
    """``("contained", 0, "birthDate")`` -> ``ServiceRequest.contained[0].birthDate``."""
    out = where
    for part in loc:
        out += f"[{part}]" if isinstance(part, int) else f".{part}"
    return out


def _contained(raw: dict[str, Any], reference: str | None, kind: str, where: str) -> dict[str, Any]:
    if not reference or not reference.startswith("#"):
        raise FhirInputError([(where, f"reference a contained {kind} (like '#patient')")])
    for item in raw.get("contained") or []:
        if isinstance(item, dict) and item.get("resourceType") == kind and item.get("id") == reference[1:]:
            return item
    raise FhirInputError([(where, f"no contained {kind} with id {reference[1:]!r}")])


def _answer(spec_kind: str, answer: dict[str, Any], where: str) -> Any:
    for key in ("valueBoolean", "valueInteger", "valueDecimal", "valueDate", "valueString"):
        if key in answer:
            return answer[key]
    coding = answer.get("valueCoding")
    if isinstance(coding, dict) and coding.get("code"):
        return coding["code"]
    raise FhirInputError([(where, "give the answer as valueBoolean, valueDate, valueInteger, valueDecimal, "
                                  "valueString or valueCoding")])  # fmt: skip


def _facts_of(qr: dict[str, Any], where: str) -> dict[str, Any]:
    data: dict[str, Any] = {}
    for i, item in enumerate(qr.get("item") or []):
        link = item.get("linkId")
        at = f"{where}.item[{i}]"
        spec = FACTS.get(link) if isinstance(link, str) else None
        if spec is None:
            raise FhirInputError([(f"{at}.linkId", f"{link!r} is not a case fact (like housing.homeless_tonight)")])
        answers = [_answer(spec.kind, a, f"{at}.answer[{j}]") for j, a in enumerate(item.get("answer") or [])]
        if not answers:
            continue  # no answer: unknown
        section, name = link.split(".", 1)
        data.setdefault(section, {})[name] = answers if spec.kind == "set" else answers[0]
    return data


def _person(patient: Patient, where: str) -> tuple[PersonDetails, dict[str, Any]]:
    name = patient.name[0] if patient.name else None
    full = " ".join(x for x in [*(name.given or []), name.family] if x) if name else ""
    phone = email = None
    for t in patient.telecom or []:
        if t.system == "phone" and phone is None:
            phone = t.value
        elif t.system == "email" and email is None:
            email = t.value
    facts: dict[str, Any] = {}
    address = None
    if patient.address:
        a = patient.address[0]
        address = ", ".join(x for x in [*(a.line or []), a.city, a.postalCode] if x) or None
        if a.postalCode:
            facts["postcode"] = a.postalCode
    if patient.communication:
        codes = [c.code for c in patient.communication[0].language.coding or [] if c.code]
        if codes:
            facts["language"] = codes[0].split("-")[0].lower()  # BCP 47 "bn-BD": its language subtag
    for ext in patient.extension or []:
        if ext.url == INTERPRETER_EXTENSION:
            for sub in ext.extension or []:
                if sub.url == "interpreterRequired" and sub.valueBoolean is not None:
                    facts["interpreter_needed"] = sub.valueBoolean
    try:
        person = PersonDetails(name=full or None, date_of_birth=patient.birthDate, phone=phone, email=email,
                               address=address)  # fmt: skip
    except ValidationError as exc:
        raise FhirInputError([(f"{where}.{e['loc'][0]}", str(e["msg"])) for e in exc.errors()]) from None
    return person, facts


def referral_from_fhir(raw: Any) -> FhirReferral:
    """A ServiceRequest (with its contained Patient and facts) as a case to create."""
    if not isinstance(raw, dict) or raw.get("resourceType") != SR:
        raise FhirInputError([("resourceType", "expected a ServiceRequest")])
    sr: ServiceRequest = _validated(ServiceRequest, raw, SR)
    if sr.status != "active":
        raise FhirInputError([(f"{SR}.status", f"a referral to act on is 'active', not {sr.status!r}")])
    if sr.authoredOn is None:
        raise FhirInputError([(f"{SR}.authoredOn", "required: the day of the referral, which deadlines count from")])
    as_of = sr.authoredOn if isinstance(sr.authoredOn, dt.date) and not isinstance(sr.authoredOn, dt.datetime) \
        else sr.authoredOn.date()  # fmt: skip
    pat_where = f"{SR}.contained[Patient]"
    patient_raw = _contained(raw, sr.subject.reference, "Patient", f"{SR}.subject")
    patient: Patient = _validated(Patient, patient_raw, pat_where)
    person, person_facts = _person(patient, pat_where)
    data: dict[str, Any] = {}
    qr_where = f"{SR}.contained[QuestionnaireResponse]"
    for ref in sr.supportingInfo or []:
        qr_raw = _contained(raw, ref.reference, "QuestionnaireResponse", f"{SR}.supportingInfo")
        _validated(QuestionnaireResponse, qr_raw, qr_where)
        data = _facts_of(qr_raw, qr_where)
    # The Patient fills what the facts leave unknown; a fact stated in the answers wins.
    data["person"] = {**person_facts, **data.get("person", {})}
    try:
        facts = parse_facts(data, "FHIR referral")
    except FactsError as exc:
        raise FhirInputError([(_fhir_path(p, person_facts, pat_where, qr_where), m) for p, m in exc.problems]) from None
    ods = None
    if sr.requester is not None and sr.requester.identifier is not None:
        ident = sr.requester.identifier
        where = f"{SR}.requester.identifier"
        if ident.system != ODS_SYSTEM:
            raise FhirInputError([(f"{where}.system", f"name the organisation by ODS code ({ODS_SYSTEM})")])
        if not ident.value or not ODS_CODE.match(ident.value):
            raise FhirInputError([(f"{where}.value", f"{ident.value!r} is not an ODS code (3-10 capital letters "
                                                     "and digits, like A81001 or RJ1)")])  # fmt: skip
        ods = ident.value
    return FhirReferral(as_of=as_of, facts=facts, person=person, requester_ods=ods)


def _fhir_path(fact_path: str, from_patient: dict[str, Any], pat_where: str, qr_where: str) -> str:
    section, _, name = fact_path.partition(".")
    if section == "person" and name in from_patient:
        return f"{pat_where}." + {"postcode": "address[0].postalCode", "language": "communication[0].language",
                                  "interpreter_needed": "extension"}.get(name, name)  # fmt: skip
    return f"{qr_where}.item[{fact_path}]"
