"""Request and response bodies of the HTTP API (OpenAPI is generated from these)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Generic, TypeVar

from pydantic import BaseModel, ConfigDict, Field

from data.enums import CooperationMode, NeedStatus
from matching.explain import Explanation
from matching.profiles import ClusterEvidence

T = TypeVar("T")


class Error(BaseModel):
    detail: str


class NeedIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    title: str = Field(min_length=1, max_length=300)
    text: str = Field(min_length=1, max_length=20_000, description="The problem, in the enterprise's words.")
    external_id: str | None = Field(None, max_length=64, description="需求编号")
    industry: str | None = Field(None, max_length=100, description="Declared industry (申报行业).")
    city: str | None = Field(None, max_length=50)
    province: str | None = Field(None, max_length=50)
    budget: Decimal | None = Field(None, ge=0, max_digits=16, decimal_places=2, description="Budget in yuan (元).")
    deadline: dt.date | None = None
    cooperation_modes: list[CooperationMode] = []
    organization_id: int | None = Field(None, description="Operators and admins only; an SME posts for itself.")


class NeedPatch(BaseModel):
    model_config = ConfigDict(extra="forbid")

    title: str | None = Field(None, min_length=1, max_length=300)
    text: str | None = Field(None, min_length=1, max_length=20_000)
    industry: str | None = Field(None, max_length=100)
    city: str | None = Field(None, max_length=50)
    province: str | None = Field(None, max_length=50)
    budget: Decimal | None = Field(None, ge=0, max_digits=16, decimal_places=2)
    deadline: dt.date | None = None
    cooperation_modes: list[CooperationMode] | None = None
    status: NeedStatus | None = None


class NeedOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    external_id: str | None
    title: str
    text: str
    organization_id: int
    industry: str | None
    city: str | None
    province: str | None
    budget: Decimal | None
    deadline: dt.date | None
    cooperation_modes: list[CooperationMode]
    status: NeedStatus


class Page(BaseModel, Generic[T]):
    total: int
    offset: int
    limit: int
    items: list[T]


class MatchOut(BaseModel):
    id: str = Field(description="need id and application number, for feedback: 12:201710483362.4")
    rank: int
    application_number: str
    title: str
    holders: list[str]
    legal_status: str
    sleeping: bool
    score: float
    features: dict[str, float]
    explanation: Explanation | None
    explanation_zh: str
    clusters: list[ClusterEvidence]
    value: float | None


class NeedMatchOut(BaseModel):
    need_id: int
    external_id: str | None
    title: str
    organization: str
    score: float
    features: dict[str, float]
    shared_clusters: list[str]


class LicenseeOut(BaseModel):
    organization_id: int
    name: str
    kind: str
    score: float
    evidence: list[str]


class PatentMatchesOut(BaseModel):
    application_number: str
    needs: list[NeedMatchOut]
    licensees: list[LicenseeOut]


class FeedbackIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    grade: int = Field(ge=0, le=2, description="0 not relevant, 1 partly relevant, 2 solves the need")
    reason: str = Field("", max_length=2_000)


class FeedbackOut(BaseModel):
    id: int
    need_id: int
    application_number: str
    grade: int
    reason: str
    given_by: str
