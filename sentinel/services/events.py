"""Events as people and scripts see them, and the event search."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field

from sentinel.events import Event
from sentinel.incidents.facts import Time


class EventView(BaseModel):
    """One stored event: its id, time and source, then its ECS fields by their dotted names."""

    model_config = ConfigDict(extra="allow", populate_by_name=True)

    id: str
    timestamp: Time = Field(alias="@timestamp")
    source: str

    @classmethod
    def of(cls, event: Event) -> EventView:
        return cls.model_validate(
            {"id": event.id, "@timestamp": event.timestamp, "source": event.source, **event.fields}
        )
