"""Beat's scheduler: django-celery-beat's DatabaseScheduler (the schedule and
each entry's last run in PostgreSQL, so ticks missed while beat was down run
once when it starts) with two changes, so that no daily tick is skipped:

- a tick whose message could not be sent (Redis down at that moment) stays
  due and is sent when Redis is back, instead of being counted as run;
- every enabled entry is kept in memory. The package leaves out crontab
  entries more than two hours from now when it re-reads the schedule (a
  saving for sites with thousands of entries; we have six), which would hide
  a due tick, caught up or unsent, until the same hour the next day."""

from __future__ import annotations

import logging
from typing import Any

from django_celery_beat import schedulers

logger = logging.getLogger(__name__)


class DatabaseScheduler(schedulers.DatabaseScheduler):
    def enabled_models_qs(self) -> Any:
        return self.Model.objects.enabled()

    def apply_entry(self, entry: Any, producer: Any = None) -> None:
        logger.info("Scheduler: Sending due task %s (%s)", entry.name, entry.task)
        try:
            self.apply_async(entry, producer=producer, advance=False)
        except Exception as error:
            logger.error(
                "Scheduler: %s not sent (%s); it stays due and is sent when the broker is back",
                entry.name,
                error,
            )
            self._not_sent(entry)

    def _not_sent(self, entry: Any) -> None:
        """Undo `reserve`: put back the last run the entry had before this tick
        (`entry` is the entry as it was; the schedule holds its successor)."""
        current = self.schedule.get(entry.name)
        if current is None:
            return
        current.last_run_at = current.model.last_run_at = entry.last_run_at
        current.total_run_count = current.model.total_run_count = entry.total_run_count
        self._dirty.add(entry.name)  # the next sync saves the rewound last run
        self._heap_invalidated = True  # due again at the next loop
