"""The routing policy applied after the rules (``policy.yaml``): deadlines, late routes, clusters, legal aid means."""

from __future__ import annotations

from typing import Annotated

from pydantic import Field, field_validator, model_validator

from triage.rulesets.model import AppliesTo, Sources, Strict, Tier, Urgency, _as_list


class DeadlinePolicy(Strict):
    """Urgency from the time left to act on each open deadline, and a tier floor for close ones.

    Emergency within the deadline's own lead time (``DeadlineDef.lead_time``);
    urgent within ``urgent_within_days``; soon within ``soon_within_days``.
    """

    urgent_within_days: int = Field(ge=0, le=365)
    soon_within_days: int = Field(ge=0, le=730)
    # A time limit whose start date is not known (assumed, "to confirm"): the time
    # left cannot be counted, so the need is at least this urgent until it is.
    date_unknown_urgency: Urgency = "urgent"
    min_tier_within_days: int = Field(ge=0)
    min_tier: Tier
    explain: str
    source: Sources

    _source_list = field_validator("source", mode="before")(_as_list)

    @model_validator(mode="after")
    def _soon_after_urgent(self) -> DeadlinePolicy:
        if self.soon_within_days < self.urgent_within_days:
            raise ValueError("soon_within_days must be at least urgent_within_days")
        return self


class LatePolicy(Strict):
    """What a passed deadline does to a need."""

    late_route_min_tier: Tier
    late_route_urgency: Urgency
    expired_min_tier: Tier
    explain: str
    source: Sources

    _source_list = field_validator("source", mode="before")(_as_list)


class ClusterLink(Strict):
    """Areas (or issues) whose needs one caseworker should hold together, and why."""

    id: Annotated[str, Field(pattern=r"^[a-z][a-z0-9_]*$")]
    applies_to: AppliesTo
    reason: Annotated[str, Field(min_length=20)]
    source: Sources

    _source_list = field_validator("source", mode="before")(_as_list)


class ClusterPolicy(Strict):
    """Several linked problems at once call for casework with one lead agency.

    Only the needs of one link count together (``links``): at least
    ``min_needs`` of them lift those needs, and only those, to ``min_tier``.
    A need outside every link (an immigration appeal beside rent arrears)
    keeps its own tier, since a different specialist holds it.
    """

    min_needs: int = Field(ge=2)
    min_tier: Tier
    explain: str
    links: Annotated[list[ClusterLink], Field(min_length=1)]
    source: Sources

    _source_list = field_validator("source", mode="before")(_as_list)

    @model_validator(mode="after")
    def _unique_links(self) -> ClusterPolicy:
        ids = [link.id for link in self.links]
        if len(ids) != len(set(ids)):
            raise ValueError("cluster.links: each link needs its own id")
        return self


class LegalAidMeansPolicy(Strict):
    """What a legal aid reason says about the means test, from the person's answers.

    Every rule that puts a need in legal aid scope "subject to the means test"
    tests the passporting benefit and gross income facts named here; its reason
    then says which held: on a passporting benefit, or income within the
    limit (likely eligible), or income not known (to check). A rule that
    would have applied but for income over the limit says so too (likely not
    eligible). ``within`` and ``over`` may use ``{income}`` and ``{limit}``.
    """

    passported_fact: str
    income_fact: str
    income_limit: str
    passported: Annotated[str, Field(min_length=20)]
    within: Annotated[str, Field(min_length=20)]
    unknown: Annotated[str, Field(min_length=20)]
    over: Annotated[str, Field(min_length=20)]
    source: Sources

    _source_list = field_validator("source", mode="before")(_as_list)

    @model_validator(mode="after")
    def _placeholders(self) -> LegalAidMeansPolicy:
        for name in ("passported", "within", "unknown", "over"):
            try:
                getattr(self, name).format(income="1", limit="2")
            except (KeyError, IndexError, ValueError) as exc:
                raise ValueError(
                    f"legal_aid_means.{name}: only {{income}} and {{limit}} may be filled in ({exc})"
                ) from None
        return self


class Policy(Strict):
    deadlines: DeadlinePolicy
    late: LatePolicy
    cluster: ClusterPolicy
    legal_aid_means: LegalAidMeansPolicy
    referral_letter_min_tier: Tier = 2
    max_questions: int = Field(default=8, ge=0, le=50)
