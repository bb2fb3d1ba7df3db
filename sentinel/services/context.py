"""What every service needs: the settings, the opened store and the clock."""

from __future__ import annotations

from dataclasses import dataclass
from zoneinfo import ZoneInfo

from sentinel.clock import Clock
from sentinel.config import Settings
from sentinel.store.base import Store


@dataclass(frozen=True, slots=True)
class ServiceContext:
    settings: Settings
    store: Store
    clock: Clock

    @property
    def zone(self) -> ZoneInfo:
        return self.settings.zone
