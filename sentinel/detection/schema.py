"""The ``sentinel:`` key of a rule file: what Sigma lacks, validated at load.

Other Sigma tools ignore the key, so rules stay portable.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Annotated

from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    model_validator,
)

from sentinel.config import parse_duration
from sentinel.detection.compile import unusable_field
from sentinel.detection.model import SEVERITIES


def _field_name(name: str) -> str:
    if (problem := unusable_field(name)) is not None:
        raise ValueError(problem)
    return name


Span = Annotated[timedelta, BeforeValidator(parse_duration)]
FieldName = Annotated[str, AfterValidator(_field_name)]


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True)


class ThrottleSpec(_Strict):
    max: int = Field(gt=0)
    per: Span


class NewTermsSpec(_Strict):
    fields: list[FieldName] = Field(min_length=1)
    group_by: list[FieldName] = Field(default_factory=list, alias="group-by")
    history: Span = timedelta(days=30)


class BaselineSpec(_Strict):
    group_by: list[FieldName] = Field(min_length=1, alias="group-by")
    window: Span = timedelta(hours=1)
    history: Span = timedelta(days=14)
    ratio: float = Field(default=5.0, gt=1)
    min_count: int = Field(default=10, ge=1)


class FlatlineSpec(_Strict):
    group_by: list[FieldName] = Field(min_length=1, alias="group-by")
    span: Span
    history: Span = timedelta(days=7)
    expected: list[str] = Field(default_factory=list)


class SentinelSpec(_Strict):
    severity: str | None = None
    categories: list[str] = Field(default_factory=list)
    playbook: str | None = None
    suppress: Span | None = None
    channels: list[str] = Field(default_factory=list)
    interval: Span = timedelta(minutes=5)
    delay: Span = timedelta(minutes=2)
    throttle: ThrottleSpec | None = None
    group_by: list[FieldName] = Field(default_factory=list, alias="group-by")
    window: Span = timedelta(hours=1)
    new_terms: NewTermsSpec | None = Field(default=None, alias="new-terms")
    baseline: BaselineSpec | None = None
    flatline: FlatlineSpec | None = None

    @model_validator(mode="after")
    def _one_extension(self) -> SentinelSpec:
        kinds = [k for k in ("new_terms", "baseline", "flatline") if getattr(self, k)]
        if len(kinds) > 1:
            raise ValueError(f"a rule is one kind; it names {' and '.join(kinds)}")
        if self.severity is not None and self.severity not in SEVERITIES:
            raise ValueError(f"severity must be one of {', '.join(SEVERITIES)}")
        return self
