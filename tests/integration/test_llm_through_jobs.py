"""A user's stored key drives the job: the right endpoint, the right model, clear failures.

The OpenAI SDK talks to a local stand-in (tests/standins) through `base_url`.
"""

from __future__ import annotations

from collections.abc import Callable

import pytest

from core.accounts.keys import check_key, save_key
from core.accounts.users import UserView
from core.bootstrap import Services
from core.errors import BadCredentials
from core.scripts.script import create_script, get_script
from core.scripts.versions import get_version
from core.scripts.writing import request_generation, request_translation
from core.tasks.records import get_job
from core.workspaces.ideas import create_idea, execute_idea
from tests.fakes import FakeQueue
from tests.standins.fixtures import openai_standin_fixture  # noqa: F401
from tests.standins.openai_server import OpenAIStandin

GOOD = {
    "title": "Octopus minds",
    "scenes": [
        {"narration": "Octopuses have nine brains.", "visual": "octopus close-up"},
        {"narration": "Each arm can taste.", "visual": "arm on a rock"},
    ],
}


def _script(services: Services, user: UserView) -> int:
    idea = create_idea(uow=services.uow(), user_id=user.id, title="Octopus minds")
    ws = execute_idea(uow=services.uow(), user_id=user.id, idea_id=idea.id)
    return create_script(
        uow=services.uow(),
        user_id=user.id,
        workspace_id=ws.id,
        topic="octopus minds",
        scene_count=2,
    ).id


def _generate(services: Services, queue: FakeQueue, user: UserView, script_id: int) -> int:
    job = request_generation(uow=services.uow(), queue=queue, user_id=user.id, script_id=script_id)
    queue.run_all(services)
    return job.id


def test_openai_key_writes_the_script_through_the_sdk(
    services: Services,
    build: Callable[..., Services],
    fake_queue: FakeQueue,
    alice: UserView,
    openai_standin: OpenAIStandin,
) -> None:
    services = build({"openai_base_url": openai_standin.base_url})
    save_key(
        uow=services.uow(),
        cipher=services.cipher,
        user_id=alice.id,
        vendor="openai",
        secret="sk-test-alice-0001",
    )
    openai_standin.reply_structured(GOOD)
    script_id = _script(services, alice)
    job_id = _generate(services, fake_queue, alice, script_id)
    job = get_job(uow=services.uow(), user_id=alice.id, job_id=job_id)
    assert job.status == "succeeded" and job.progress == 100
    version = get_version(uow=services.uow(), user_id=alice.id, script_id=script_id)
    assert version.content.scenes[0].narration == "Octopuses have nine brains."
    assert version.note == "Written by OpenAI"
    [request] = openai_standin.requests
    assert request.headers["authorization"] == "Bearer sk-test-alice-0001"
    assert request.body["model"] == services.settings.openai_model


def test_compatible_endpoint_is_used_with_its_own_model(
    services: Services, fake_queue: FakeQueue, alice: UserView, openai_standin: OpenAIStandin
) -> None:
    save_key(
        uow=services.uow(),
        cipher=services.cipher,
        user_id=alice.id,
        vendor="openai_compatible",
        secret="ollama",
        base_url=openai_standin.base_url,
        model="llama3.1",
    )
    openai_standin.reply_structured(GOOD)
    _generate(services, fake_queue, alice, _script(services, alice))
    assert openai_standin.requests[0].body["model"] == "llama3.1"
    verdict = check_key(
        uow=services.uow(),
        cipher=services.cipher,
        settings=services.settings,
        user_id=alice.id,
        vendor="openai_compatible",
    )
    assert "Key works" in verdict


def test_bad_key_fails_the_job_once_with_a_message_to_fix_it(
    services: Services,
    build: Callable[..., Services],
    fake_queue: FakeQueue,
    alice: UserView,
    openai_standin: OpenAIStandin,
) -> None:
    services = build({"openai_base_url": openai_standin.base_url})
    save_key(
        uow=services.uow(),
        cipher=services.cipher,
        user_id=alice.id,
        vendor="openai",
        secret="sk-wrong-key-9999",
    )
    openai_standin.reply_error(
        401, "Incorrect API key provided", type="invalid_request_error", code="invalid_api_key"
    )
    script_id = _script(services, alice)
    job_id = _generate(services, fake_queue, alice, script_id)
    job = get_job(uow=services.uow(), user_id=alice.id, job_id=job_id)
    assert job.status == "failed" and "invalid key" in job.error
    assert "sk-wrong-key-9999" not in job.error
    assert len(openai_standin.requests) == 1  # no retry storm
    assert (
        get_script(uow=services.uow(), user_id=alice.id, script_id=script_id).current_version == 0
    )
    openai_standin.reply_error(401, "Incorrect API key provided", type="invalid_request_error")
    with pytest.raises(BadCredentials):
        check_key(
            uow=services.uow(),
            cipher=services.cipher,
            settings=services.settings,
            user_id=alice.id,
            vendor="openai",
        )


def test_translation_keeps_visuals_and_links_the_source(
    services: Services,
    build: Callable[..., Services],
    fake_queue: FakeQueue,
    alice: UserView,
    openai_standin: OpenAIStandin,
) -> None:
    services = build({"openai_base_url": openai_standin.base_url})
    save_key(
        uow=services.uow(),
        cipher=services.cipher,
        user_id=alice.id,
        vendor="openai",
        secret="sk-test-alice-0001",
    )
    openai_standin.reply_structured(GOOD)
    source_id = _script(services, alice)
    _generate(services, fake_queue, alice, source_id)
    openai_standin.reply_structured(
        {"narrations": ["Los pulpos tienen nueve cerebros.", "Cada brazo puede saborear."]}
    )
    copy, _job = request_translation(
        uow=services.uow(),
        queue=fake_queue,
        providers=services.providers,
        user_id=alice.id,
        script_id=source_id,
        language="es",
    )
    fake_queue.run_all(services)
    assert copy.title == "Octopus minds (Spanish)" and copy.source_script_id == source_id
    translated = get_version(uow=services.uow(), user_id=alice.id, script_id=copy.id)
    assert translated.source == "translated"
    assert translated.content.scenes[0].narration.startswith("Los pulpos")
    assert [s.visual for s in translated.content.scenes] == ["octopus close-up", "arm on a rock"]
