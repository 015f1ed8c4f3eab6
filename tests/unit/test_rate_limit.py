"""The per-user rate limit stops a runaway before anything is queued."""

from __future__ import annotations

import pytest

from core import ideas, scripts, tasks
from core.bootstrap import Services
from core.errors import QuotaExceeded
from core.generation import request_generation
from core.models import UserView
from core.ratelimit import JOBS_PER_MINUTE
from db.models import JobRecord
from tests.fakes import FakeQueue


def test_a_user_over_the_limit_is_told_to_wait_and_nothing_is_queued(
    services: Services, fake_queue: FakeQueue, alice: UserView, bob: UserView
) -> None:
    idea = ideas.create_idea(uow=services.uow(), user_id=alice.id, title="Loop")
    ws = ideas.execute_idea(uow=services.uow(), user_id=alice.id, idea_id=idea.id)
    script = scripts.create_script(
        uow=services.uow(), user_id=alice.id, workspace_id=ws.id, topic="loop"
    )
    with services.uow() as uow:  # as if a script had queued the limit within the minute
        uow.session.add_all(
            JobRecord(
                user_id=alice.id, kind="script.generate", target_type="script", target_id=script.id
            )
            for _ in range(JOBS_PER_MINUTE)
        )
        uow.commit()
    with pytest.raises(QuotaExceeded, match="wait a moment"):
        request_generation(
            uow=services.uow(), queue=fake_queue, user_id=alice.id, script_id=script.id
        )
    assert fake_queue.queued == []
    assert len(tasks.list_jobs(uow=services.uow(), user_id=alice.id)) == 200  # list cap
    # Another user is not slowed down by alice.
    other = ideas.execute_idea(
        uow=services.uow(), user_id=bob.id,
        idea_id=ideas.create_idea(uow=services.uow(), user_id=bob.id, title="Mine").id,
    )  # fmt: skip
    bobs = scripts.create_script(
        uow=services.uow(), user_id=bob.id, workspace_id=other.id, topic="mine"
    )
    request_generation(uow=services.uow(), queue=fake_queue, user_id=bob.id, script_id=bobs.id)
    assert len(fake_queue.queued) == 1
