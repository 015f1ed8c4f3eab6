"""An identical media request is paid for once; a re-roll is a new call; vendor errors end
the job with a message the user can act on, without a retry storm.

The user's stored key routes the job to a local stand-in of the vendor's HTTP API
(the settings' `openai_base_url` / `elevenlabs_base_url`), through the official SDKs.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from sqlalchemy import func, select

from core.accounts.keys import save_key
from core.accounts.users import UserView
from core.bootstrap import Services, build_services
from core.errors import RateLimited
from core.media.generate import request_image, request_voice
from core.media.screen import update_screen
from core.scripts.finalize import finalize_script
from core.scripts.script import create_script
from core.scripts.writing import request_generation
from core.settings import Settings
from core.tasks.kinds import kind_of
from core.tasks.records import get_job
from core.tasks.runner import run_task
from core.workspaces.ideas import create_idea, execute_idea
from db.migrate import upgrade
from db.models import Asset, Screen
from tests.fakes import FakeQueue
from tests.standins.elevenlabs_fixtures import elevenlabs_standin_fixture  # noqa: F401
from tests.standins.elevenlabs_server import ElevenLabsStandin
from tests.standins.fixtures import openai_standin_fixture  # noqa: F401
from tests.standins.openai_server import FAST_RETRY, OpenAIStandin, png_bytes

OPENAI_KEY = "fake-alice-images-key-0001"
ELEVEN_KEY = "xi-test-alice-voice-0001"


def first_screen(services: Services, queue: FakeQueue, user: UserView) -> int:
    """The id of the first screen of a finalized two-scene offline script."""
    uow = services.uow
    idea = create_idea(uow=uow(), user_id=user.id, title="Octopus minds")
    ws = execute_idea(uow=uow(), user_id=user.id, idea_id=idea.id)
    script = create_script(
        uow=uow(), user_id=user.id, workspace_id=ws.id, topic="octopus minds", scene_count=2
    )
    request_generation(uow=uow(), queue=queue, user_id=user.id, script_id=script.id)
    queue.run_all(services)
    made = finalize_script(uow=uow(), files=services.files, user_id=user.id, script_id=script.id)
    return made[0].id


def store_key(services: Services, user: UserView, provider: str, secret: str) -> None:
    save_key(
        uow=services.uow(),
        cipher=services.cipher,
        user_id=user.id,
        vendor=provider,
        secret=secret,
    )


def screen_row(services: Services, screen_id: int) -> Screen:
    with services.uow() as uow:
        screen = uow.session.get(Screen, screen_id)
        assert screen is not None
        uow.session.expunge(screen)
        return screen


def asset_count(services: Services, user: UserView) -> int:
    """The user's stored assets (each test has one user)."""
    with services.uow() as uow:
        return uow.session.scalar(select(func.count(Asset.id))) or 0


def image_calls(standin: OpenAIStandin) -> int:
    return sum(1 for r in standin.requests if r.path == "/v1/images/generations")


def speech_calls(standin: ElevenLabsStandin) -> int:
    return sum(1 for r in standin.requests if r.path.endswith("/with-timestamps"))


def run_job(services: Services, record_id: int, kind: str, attempts_left: int) -> None:
    """What an RQ worker does with attempts left (FakeQueue always passes 0)."""
    run_task(
        services=services,
        kind=kind_of(kind),
        record_id=record_id,
        attempts_left=attempts_left,
        attempt_id="",
    )


@pytest.fixture
def services(
    settings: Settings,
    fake_queue: FakeQueue,
    openai_standin: OpenAIStandin,
    elevenlabs_standin: ElevenLabsStandin,
) -> Iterator[Services]:
    """The test's services, with the vendors' SDKs pointed at the stand-ins."""
    settings.data_dir.mkdir(parents=True, exist_ok=True)
    upgrade(settings.database_url)
    urls = {
        "openai_base_url": openai_standin.base_url,
        "elevenlabs_base_url": elevenlabs_standin.base_url,
    }
    built = build_services(settings.model_copy(update=urls), queue=fake_queue)
    yield built
    built.engine.dispose()


@pytest.fixture
def openai_images(services: Services, fake_queue: FakeQueue, alice: UserView) -> int:
    """Alice's first screen; her OpenAI key sends images to the stand-in."""
    screen_id = first_screen(services, fake_queue, alice)
    store_key(services, alice, "openai", OPENAI_KEY)
    return screen_id


@pytest.fixture
def eleven_voice(services: Services, fake_queue: FakeQueue, alice: UserView) -> int:
    """Alice's first screen; her ElevenLabs key sends speech to the stand-in."""
    screen_id = first_screen(services, fake_queue, alice)
    store_key(services, alice, "elevenlabs", ELEVEN_KEY)
    return screen_id


# --- the cache -----------------------------------------------------------------------------


def test_same_image_request_twice_calls_openai_once(
    services: Services,
    fake_queue: FakeQueue,
    alice: UserView,
    openai_standin: OpenAIStandin,
    openai_images: int,
) -> None:
    request = dict(uow=services.uow(), queue=fake_queue, user_id=alice.id, screen_id=openai_images)
    request_image(**request)
    fake_queue.run_all(services)
    first = screen_row(services, openai_images).image_asset_id
    assert first is not None and image_calls(openai_standin) == 1
    assert openai_standin.requests[0].headers["authorization"] == f"Bearer {OPENAI_KEY}"
    assets = asset_count(services, alice)

    again = request_image(**request)
    fake_queue.run_all(services)
    assert get_job(uow=services.uow(), user_id=alice.id, job_id=again.id).status == ("succeeded")
    assert image_calls(openai_standin) == 1, "the identical request must reuse the asset"
    assert screen_row(services, openai_images).image_asset_id == first
    assert asset_count(services, alice) == assets

    # A re-roll is a new call and a new picture (the vendor samples anew).
    openai_standin.reply_image(png_bytes(1024, 1536, (200, 40, 40)), size="1024x1536")
    request_image(**request, reroll=True)
    fake_queue.run_all(services)
    assert image_calls(openai_standin) == 2
    rerolled = screen_row(services, openai_images).image_asset_id
    assert rerolled not in (None, first)
    assert asset_count(services, alice) == assets + 1


def test_same_voice_request_twice_calls_elevenlabs_once_and_keeps_the_timings(
    services: Services,
    fake_queue: FakeQueue,
    alice: UserView,
    elevenlabs_standin: ElevenLabsStandin,
    eleven_voice: int,
) -> None:
    request = dict(uow=services.uow(), queue=fake_queue, user_id=alice.id, screen_id=eleven_voice)
    request_voice(**request)
    fake_queue.run_all(services)
    made = screen_row(services, eleven_voice)
    assert made.audio_asset_id is not None and speech_calls(elevenlabs_standin) == 1
    assert elevenlabs_standin.requests[-1].headers["xi-api-key"] == ELEVEN_KEY
    assert [w["word"] for w in made.word_timings or []] == made.narration.split()
    assert made.duration and made.duration > 0
    assets = asset_count(services, alice)

    request_voice(**request)
    fake_queue.run_all(services)
    assert speech_calls(elevenlabs_standin) == 1
    assert screen_row(services, eleven_voice).audio_asset_id == made.audio_asset_id

    # Edit the narration away and back: the voice is let go, then found again in the cache
    # with its word timings and duration, still without a second call.
    visual = made.visual_prompt
    for narration in ("Something else entirely.", made.narration):
        update_screen(
            uow=services.uow(),
            files=services.files,
            user_id=alice.id,
            screen_id=eleven_voice,
            narration=narration,
            visual=visual,
        )
    cleared = screen_row(services, eleven_voice)
    assert (cleared.audio_asset_id, cleared.word_timings, cleared.duration) == (None, None, None)
    request_voice(**request)
    fake_queue.run_all(services)
    restored = screen_row(services, eleven_voice)
    assert speech_calls(elevenlabs_standin) == 1
    assert restored.audio_asset_id == made.audio_asset_id
    assert restored.word_timings == made.word_timings
    assert restored.duration == made.duration
    assert asset_count(services, alice) == assets

    request_voice(**request, reroll=True)
    fake_queue.run_all(services)
    assert speech_calls(elevenlabs_standin) == 2


# --- vendor errors -------------------------------------------------------------------------


def test_rate_limited_image_job_fails_with_a_rate_limit_message(
    services: Services,
    fake_queue: FakeQueue,
    alice: UserView,
    openai_standin: OpenAIStandin,
    openai_images: int,
) -> None:
    kind = kind_of("screen.image")
    assert kind.budget is not None
    for _ in range((kind.retries + 1) * (kind.budget.retries + 1)):  # every try of every attempt
        openai_standin.reply_error(
            429, "Rate limit reached for images", type="requests", headers=FAST_RETRY
        )
    job = request_image(
        uow=services.uow(), queue=fake_queue, user_id=alice.id, screen_id=openai_images
    )
    fake_queue.run_all(services)  # RQ's retries too
    done = get_job(uow=services.uow(), user_id=alice.id, job_id=job.id)
    assert done.status == "failed"
    assert "rate-limiting" in done.error and "Rate limit reached for images" in done.error
    assert screen_row(services, openai_images).image_asset_id is None
    assert asset_count(services, alice) == 0


def test_rate_limited_image_job_waits_for_a_retry_that_then_succeeds(
    services: Services,
    fake_queue: FakeQueue,
    alice: UserView,
    openai_standin: OpenAIStandin,
    openai_images: int,
) -> None:
    for _ in range(3):  # the first attempt's two tries (its budget), and one of the next
        openai_standin.reply_error(429, "Slow down", type="requests", headers=FAST_RETRY)
    job = request_image(
        uow=services.uow(), queue=fake_queue, user_id=alice.id, screen_id=openai_images
    )
    fake_queue.queued.clear()  # this test plays the worker itself

    with pytest.raises(RateLimited):  # re-raised so that RQ retries it
        run_job(services, job.id, "screen.image", attempts_left=1)
    waiting = get_job(uow=services.uow(), user_id=alice.id, job_id=job.id)
    assert waiting.status == "queued" and waiting.message.startswith("Retrying soon")
    assert screen_row(services, openai_images).image_asset_id is None

    run_job(services, job.id, "screen.image", attempts_left=0)
    done = get_job(uow=services.uow(), user_id=alice.id, job_id=job.id)
    assert done.status == "succeeded" and done.progress == 100 and not done.error
    assert screen_row(services, openai_images).image_asset_id is not None
    assert image_calls(openai_standin) == 4


def test_rejected_openai_key_fails_the_image_job_once(
    services: Services,
    fake_queue: FakeQueue,
    alice: UserView,
    openai_standin: OpenAIStandin,
    openai_images: int,
) -> None:
    openai_standin.reply_error(
        401, "Incorrect API key provided", type="invalid_request_error", code="invalid_api_key"
    )
    job = request_image(
        uow=services.uow(), queue=fake_queue, user_id=alice.id, screen_id=openai_images
    )
    fake_queue.queued.clear()

    run_job(services, job.id, "screen.image", attempts_left=3)  # not re-raised: no retry

    done = get_job(uow=services.uow(), user_id=alice.id, job_id=job.id)
    assert done.status == "failed"
    assert "invalid key" in done.error and "Check it in Settings" in done.error
    assert OPENAI_KEY not in done.error
    assert len(openai_standin.requests) == 1  # no retry storm
    assert screen_row(services, openai_images).image_asset_id is None


def test_rejected_elevenlabs_key_fails_the_voice_job_once(
    services: Services,
    fake_queue: FakeQueue,
    alice: UserView,
    elevenlabs_standin: ElevenLabsStandin,
    eleven_voice: int,
) -> None:
    elevenlabs_standin.accepted_keys = {"xi-some-other-key"}
    job = request_voice(
        uow=services.uow(), queue=fake_queue, user_id=alice.id, screen_id=eleven_voice
    )
    fake_queue.queued.clear()

    run_job(services, job.id, "screen.voice", attempts_left=3)

    done = get_job(uow=services.uow(), user_id=alice.id, job_id=job.id)
    assert done.status == "failed"
    assert "invalid key" in done.error and "Check it in Settings" in done.error
    assert ELEVEN_KEY not in done.error
    assert elevenlabs_standin.request_count == 1
    assert screen_row(services, eleven_voice).audio_asset_id is None


def test_captions_follow_a_narration_fix_even_when_the_audio_is_the_same(
    services: Services, fake_queue: FakeQueue, alice: UserView
) -> None:
    screen_id = first_screen(services, fake_queue, alice)  # offline voice
    visual = screen_row(services, screen_id).visual_prompt
    for narration in ("the octopus has nine brains.", "The Octopus has nine brains."):
        update_screen(
            uow=services.uow(),
            files=services.files,
            user_id=alice.id,
            screen_id=screen_id,
            narration=narration,
            visual=visual,
        )
        request_voice(uow=services.uow(), queue=fake_queue, user_id=alice.id, screen_id=screen_id)
        fake_queue.run_all(services)
        timings = screen_row(services, screen_id).word_timings or []
        assert [w["word"] for w in timings] == narration.split()
