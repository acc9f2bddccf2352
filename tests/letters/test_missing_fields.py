"""A letter with a required value missing is refused, listing every missing field; never a blank."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from tests.letters.util import ALL_LETTERS, context
from triage.letters import LetterContext, LetterDataError, render_letter, template_spec
from triage.letters.context import Consent, Party
from triage.letters.manifest import ManifestError, check, parse_manifest
from triage.paths import letters_dir

AS_OF = dt.date(2026, 11, 23)


def _problems(kind: str, ctx: LetterContext) -> list[tuple[str, str]]:
    with pytest.raises(LetterDataError) as info:
        render_letter(kind, ctx, "html")
    return info.value.problems


def test_empty_referral_lists_every_missing_field() -> None:
    problems = dict(_problems("referral", LetterContext(as_of=AS_OF)))
    spec = template_spec("referral")
    for field in spec.requires:
        assert problems[field] == "missing"
    assert problems["consent.given"] == "missing"
    assert problems["referrer.phone or referrer.email"].startswith("missing")
    assert len(problems) == len(spec.requires) + len(spec.must_be_yes) + len(spec.one_of)


def test_message_names_all_missing_fields() -> None:
    ctx = context("three-problems", "referral")
    ctx = ctx.model_copy(update={"person": ctx.person.model_copy(update={"name": " ", "date_of_birth": None}),
                                 "referrer": Party(name="Robin Fictional", role="Link worker")})  # fmt: skip
    with pytest.raises(LetterDataError) as info:
        render_letter("referral", ctx, "pdf")
    message = str(info.value)
    for field in ("person.name", "person.date_of_birth", "referrer.organisation", "referrer.phone or referrer.email"):
        assert field in message
    assert "recipient.organisation" not in message


def test_consent_refused_or_for_another_recipient_stops_the_letter() -> None:
    ctx = context("three-problems", "referral")
    refused = ctx.model_copy(update={"consent": ctx.consent.model_copy(update={"given": False})})
    assert dict(_problems("referral", refused))["consent.given"].startswith("must be yes")
    other = ctx.model_copy(update={"consent": ctx.consent.model_copy(update={"recipient": "Another Agency"})})
    assert "consent covers only the recipient it names" in dict(_problems("referral", other))["consent.recipient"]


def test_duty_to_refer_needs_consent_chosen_authority_and_contact_details_not_a_discharge_date() -> None:
    """The duty arises when the service thinks the person may be homeless (HA 1996 s.213B(1)):
    a discharge date is printed when known, never required."""
    ctx = context("discharge-homeless", "duty_to_refer")
    bare = ctx.model_copy(update={
        "consent": Consent(given=True, date=AS_OF, taken_by="A", recipient=ctx.recipient.organisation),
        "person": ctx.person.model_copy(update={"phone": None, "address": []}),
        "hospital": ctx.hospital.model_copy(update={"discharge_date": None}),
    })  # fmt: skip
    problems = dict(_problems("duty_to_refer", bare))
    assert problems["consent.authority_chosen_by_person"] == "missing"
    assert problems["consent.share_contact_details"] == "missing"
    assert "hospital.discharge_date" not in problems
    assert problems["person.phone or person.email or person.address or contact_withheld"].startswith("missing")


def test_medical_evidence_needs_a_purpose_a_need_and_a_reply_date() -> None:
    assert _problems("medical_evidence", LetterContext(as_of=AS_OF)) == [("purpose", "missing")]
    ctx = context("discharge-homeless", "medical_evidence", "pip")  # no PIP need in this case
    problems = dict(_problems("medical_evidence", ctx))
    assert problems["focus"] == problems["reply_by"] == "missing"


EACH_TEMPLATE = list({(k, p): c for c, k, p in reversed(ALL_LETTERS)}.items())


@pytest.mark.parametrize(("letter", "case"), EACH_TEMPLATE, ids=[f"{k}-{p}" for (k, p), _ in EACH_TEMPLATE])
def test_each_letter_renders_with_only_its_required_fields(letter: tuple[str, str | None], case: str) -> None:
    """Every optional field a template prints is guarded: with only the manifest's fields
    (plus one of each one_of group), the letter renders and prints no 'None'."""
    kind, purpose = letter
    full = context(case, kind, purpose)
    spec = template_spec(kind, purpose)
    data = full.model_dump()

    def given(path: str) -> bool:
        head, _, rest = path.partition(".")
        return bool(data[head][rest] if rest else data[head])

    first_given = {next(p for p in group if given(p)) for group in spec.one_of}
    keep = set(spec.requires) | set(spec.must_be_yes) | first_given | {p for pair in spec.same for p in pair}
    minimal: dict[str, object] = {"as_of": full.as_of, "purpose": full.purpose}
    for path in keep:
        head, _, rest = path.partition(".")
        if rest:
            section = minimal.setdefault(head, {})
            assert isinstance(section, dict)
            section[rest] = data[head][rest]
        else:
            minimal[head] = data[head]
    html = render_letter(kind, LetterContext.model_validate(minimal), "html").decode()
    assert ">None<" not in html and " None " not in html


def test_an_unguarded_optional_field_is_a_template_error(tmp_path: Path) -> None:
    import shutil

    from triage.letters.environment import TemplateValueError

    shutil.copytree(letters_dir(), tmp_path / "letters")
    plan = tmp_path / "letters" / "action_plan.html.j2"
    plan.write_text(plan.read_text().replace("<h2>Who will contact you</h2>", "<p>{{ person.email }}</p>"))
    ctx = context("three-problems", "action_plan")
    ctx = ctx.model_copy(update={"person": ctx.person.model_copy(update={"email": None})})
    with pytest.raises(TemplateValueError):
        render_letter("action_plan", ctx, "html", tmp_path / "letters")


def test_manifest_refuses_unknown_fields_with_file_and_line(tmp_path: Path) -> None:
    import shutil

    shutil.copytree(letters_dir(), tmp_path / "letters")
    manifest = tmp_path / "letters" / "manifest.yaml"
    manifest.write_text(manifest.read_text().replace("[person.name, referrer.name,", "[person.nmae, referrer.name,"))
    expected = r"manifest\.yaml:\d+: action_plan: not a LetterContext field: person\.nmae"
    with pytest.raises(ManifestError, match=expected):
        parse_manifest(manifest)


def test_check_treats_blank_text_and_empty_lists_as_missing() -> None:
    spec = template_spec("action_plan")
    ctx = LetterContext(as_of=AS_OF, next_contact="   ", needs=[])
    fields = [f for f, _ in check(spec, ctx)]
    assert "next_contact" in fields and "needs" in fields
