"""What a kind of background job is, and what its body gets when it runs.

The kinds themselves are one table, `core/tasks/catalog.py`: adding a kind is one entry
there plus its body, a function `(task: Task) -> str` that returns the message the user
sees when it is done.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, TypeVar

from core.errors import NotFound
from core.providers.base import Budget
from core.tasks.answers import Answer
from core.uow import UnitOfWork
from db.models import JobRecord

if TYPE_CHECKING:
    from core.bootstrap import Services

T = TypeVar("T")
ProgressFn = Callable[[int, str], None]


@dataclass(frozen=True)
class TaskKind:
    name: str  # "screen.image": stored in every job record
    label: str  # what people read: "Drawing the image"
    target: str  # what the record's target_id names: "script", "screen" or "render"
    queue: str  # the RQ queue it waits in
    timeout: int  # seconds one attempt may run
    retries: int  # automatic attempts after the first, for faults that pass (429, 5xx, a kill)
    body: TaskBody
    paid: bool = False  # a vendor charges for it: its answer is kept, a timeout not retried
    exclusive: bool = False  # at most one queued or running job of this kind per target
    budget: Budget | None = None  # how long its vendor calls may take, all tries included
    # Where its result is seen: the app page of the target's script ("screens" → a failure
    # links to screens?id=<script id>), and the notification its success sends on its own
    # ("": none, the user is watching it; core/notifications/job_events.py).
    page: str = "screens"
    notice: str = ""


@dataclass
class Task:
    """One run of a job: its record (in `uow`'s session), the services, and progress, which
    is written in a transaction of its own (the body commits its own work)."""

    kind: TaskKind
    record: JobRecord
    uow: UnitOfWork
    services: Services
    progress: ProgressFn
    attempt: str  # the queue's id of this attempt ("" outside a worker)

    @property
    def user_id(self) -> int:
        return self.record.user_id

    @property
    def budget(self) -> Budget:
        return self.kind.budget or Budget(timeout=60)

    def paid_call(
        self,
        call: Callable[[], T],
        *,
        dump: Callable[[T], Answer],
        load: Callable[[dict[str, object], bytes], T],
    ) -> T:
        """The vendor's answer for this job: asked once, kept before anything else can fail,
        and reused by every later attempt (see core/tasks/answers.py)."""
        answers = self.services.answers
        return answers.once(self.record.id, self.attempt, call, dump=dump, load=load)

    def gone(self, what: str) -> NotFound:
        """The error for a job whose target was deleted after it was queued."""
        return NotFound(f"The {what} of this job was deleted.")


TaskBody = Callable[[Task], str]


def kind_of(name: str) -> TaskKind:
    """The kind called `name`; KeyError for an unknown one."""
    # The table imports the bodies, and they queue jobs through core.tasks.records, which
    # asks this module: so the table is looked up when asked, not when this module loads.
    from core.tasks.catalog import KINDS

    return KINDS[name]


def labels() -> dict[str, str]:
    """Every kind's name and what people call it, in the table's order."""
    from core.tasks.catalog import KINDS

    return {name: kind.label for name, kind in KINDS.items()}
