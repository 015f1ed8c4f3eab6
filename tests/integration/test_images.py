"""Both image generators: OpenAI through the SDK against the stand-in, and the offline one."""

from __future__ import annotations

import hashlib
import io
import itertools
import os
import subprocess
import sys
import time
from pathlib import Path

import pytest
from PIL import Image, ImageChops, ImageStat

from core.errors import (
    BadCredentials,
    ContentRejected,
    InvalidOutput,
    ProviderError,
    ProviderUnavailable,
    RateLimited,
)
from core.providers.base import Budget, GeneratedImage, ImageGenerator, ImageRequest
from core.providers.offline_images import OfflineImages, draw_scene
from core.providers.openai_common import LLMConfig
from core.providers.openai_images import OpenAIImages
from tests.standins.fixtures import openai_standin_fixture  # noqa: F401
from tests.standins.openai_server import FAST_RETRY, OpenAIStandin

KEY = "fake-standin-key-0123456789abcdef"
IMAGE_MODEL = "gpt-image-2.5-flare"  # deliberately not the LLM's model nor a default
STYLE = "watercolour, soft morning light"
REQUEST = ImageRequest(
    prompt="An octopus gliding over a coral reef", style=STYLE, width=1080, height=1920
)


def openai_for(standin: OpenAIStandin) -> OpenAIImages:
    config = LLMConfig(api_key=KEY, model=IMAGE_MODEL, base_url=standin.base_url)
    return OpenAIImages(config, budget=Budget(timeout=5, retries=1))


def opened(image: GeneratedImage) -> Image.Image:
    picture = Image.open(io.BytesIO(image.data))
    picture.load()
    return picture


# --- OpenAI ----------------------------------------------------------------------------


def test_b64_image_lands_as_png_of_the_requested_size(openai_standin: OpenAIStandin) -> None:
    image = openai_for(openai_standin).generate_image(REQUEST)

    picture = opened(image)
    assert (image.mime, picture.format) == ("image/png", "PNG")
    assert picture.size == (image.width, image.height) == (1080, 1920)
    (sent,) = openai_standin.requests
    assert (sent.method, sent.path) == ("POST", "/v1/images/generations")
    assert sent.headers["authorization"] == f"Bearer {KEY}"
    assert sent.body["model"] == IMAGE_MODEL
    assert sent.body["size"] == "1024x1536"
    assert sent.prompt == f"An octopus gliding over a coral reef. Style: {STYLE}"
    # GPT image models reject the legacy parameter and always answer in base64.
    assert "response_format" not in sent.body


@pytest.mark.parametrize(
    ("width", "height", "size"),
    [(1080, 1920, "1024x1536"), (1080, 1350, "1024x1536"), (1080, 1080, "1024x1024"),
     (1200, 1000, "1024x1024"), (1920, 1080, "1536x1024")],
)  # fmt: skip
def test_size_follows_the_aspect_ratio(
    openai_standin: OpenAIStandin, width: int, height: int, size: str
) -> None:
    request = ImageRequest(prompt="A lighthouse", style="", width=width, height=height)

    image = openai_for(openai_standin).generate_image(request)

    assert opened(image).size == (width, height)
    (sent,) = openai_standin.requests
    assert sent.body["size"] == size
    assert sent.prompt == "A lighthouse"  # no dangling "Style:" without a style


def test_reply_is_cover_fitted_not_stretched(openai_standin: OpenAIStandin) -> None:
    # A square reply with red side bands: a 9:16 crop keeps its middle 576 columns, all blue;
    # stretching or letterboxing would show red or black at the edges.
    reply = Image.new("RGB", (1024, 1024), (0, 0, 255))
    reply.paste((255, 0, 0), (0, 0, 200, 1024))
    reply.paste((255, 0, 0), (824, 0, 1024, 1024))
    buffer = io.BytesIO()
    reply.save(buffer, format="PNG")
    openai_standin.reply_image(buffer.getvalue())

    image = openai_for(openai_standin).generate_image(REQUEST)

    picture = opened(image).convert("RGB")
    assert picture.size == (1080, 1920)
    assert [picture.getpixel((x, 960)) for x in (0, 539, 1079)] == [(0, 0, 255)] * 3


def test_rejected_key_is_bad_credentials(openai_standin: OpenAIStandin) -> None:
    openai_standin.reply_error(
        401, "Incorrect API key provided.", type="invalid_request_error", code="invalid_api_key"
    )

    with pytest.raises(BadCredentials) as caught:
        openai_for(openai_standin).generate_image(REQUEST)

    assert "invalid key" in str(caught.value)
    assert KEY not in str(caught.value)
    assert len(openai_standin.requests) == 1  # a wrong key is never retried


def test_rate_limit_then_success_retries_once(openai_standin: OpenAIStandin) -> None:
    openai_standin.reply_error(
        429, "Rate limit reached", type="requests", code="rate_limit_exceeded", headers=FAST_RETRY
    )

    image = openai_for(openai_standin).generate_image(REQUEST)

    assert opened(image).size == (1080, 1920)
    assert len(openai_standin.requests) == 2


@pytest.mark.parametrize(
    "payload", [b"GIF89a but not really an image", "not base64 at all!"], ids=["bytes", "text"]
)
def test_reply_that_is_not_an_image_is_invalid_output(
    openai_standin: OpenAIStandin, payload: bytes | str
) -> None:
    openai_standin.reply_image(payload)

    with pytest.raises(InvalidOutput) as caught:
        openai_for(openai_standin).generate_image(REQUEST)

    assert "not an image" in str(caught.value)
    assert len(openai_standin.requests) == 1


@pytest.mark.parametrize(
    ("status", "code", "error", "says"),
    [
        (400, "moderation_blocked", ContentRejected, "safety system rejected"),
        (400, "content_policy_violation", ContentRejected, "Your request was rejected"),
        (400, "invalid_size", ProviderError, "Your request was rejected"),
        (404, "model_not_found", ProviderError, f"Model '{IMAGE_MODEL}' not found"),
        (429, "insufficient_quota", RateLimited, "rate-limiting"),
        (500, None, ProviderUnavailable, "server error (HTTP 500)"),
    ],
)
def test_api_errors_become_studio_errors(
    openai_standin: OpenAIStandin, status: int, code: str | None, error: type, says: str
) -> None:
    for _ in range(2):  # 429 and 5xx are retried once by the SDK (max_retries=1)
        openai_standin.reply_error(
            status,
            "Your request was rejected by the safety system.",
            type="image_generation_user_error",
            code=code,
            headers=FAST_RETRY,
        )

    with pytest.raises(error) as caught:
        openai_for(openai_standin).generate_image(REQUEST)

    assert type(caught.value) is error
    assert says in str(caught.value)
    assert len(openai_standin.requests) == (2 if status in (429, 500) else 1)


# --- Offline ---------------------------------------------------------------------------

PROMPTS = [
    "An octopus gliding over a coral reef",
    "A lone wolf howling at the moon at night",
    "Ancient pyramids in the desert at sunset",
    "A scientist holding a glowing test tube",
    "A busy city street in the rain",
    "A volcano erupting with rivers of lava",
]
LONG_PROMPT = (
    "A lighthouse keeper climbing the spiral stairs at dusk while a storm gathers over the "
    "grey sea and gulls circle the lamp"
)
# Mean absolute difference per channel (0-255) between two pictures. Measured: different
# prompts 22-79, re-rolls 13-39, styles 27-56, one changed word 9.5; the caption alone < 2.
DIFFERENT_PICTURE = 20.0
RE_ROLL = 8.0
ONE_WORD = 5.0
CAPTION_BAND = 0.10  # the caption may take this share of the height at most, along the top


def offline(prompt: str, *, style: str = "cinematic", variant: int = 0) -> Image.Image:
    request = ImageRequest(prompt=prompt, style=style, width=540, height=960, variant=variant)
    image = OfflineImages().generate_image(request)
    assert (image.mime, image.width, image.height) == ("image/png", 540, 960)
    picture = opened(image).convert("RGB")
    assert picture.size == (540, 960)
    return picture


def difference(a: Image.Image, b: Image.Image) -> float:
    return sum(ImageStat.Stat(ImageChops.difference(a, b)).mean) / 3


def test_offline_satisfies_the_protocol() -> None:
    generator: ImageGenerator = OfflineImages()
    assert generator.name == "offline"


def test_different_prompts_give_clearly_different_images() -> None:
    pictures = {prompt: offline(prompt) for prompt in PROMPTS}

    for (p1, a), (p2, b) in itertools.combinations(pictures.items(), 2):
        assert difference(a, b) > DIFFERENT_PICTURE, (p1, p2)
    for prompt, picture in pictures.items():
        assert ImageStat.Stat(picture.convert("L")).stddev[0] > 25, prompt  # not a blank card


def test_same_request_gives_identical_bytes() -> None:
    request = ImageRequest(prompt=PROMPTS[0], style="cinematic", width=1080, height=1920)

    first = OfflineImages().generate_image(request)
    second = OfflineImages().generate_image(request)

    assert first.data == second.data


@pytest.mark.parametrize("prompt", PROMPTS)
def test_another_variant_is_another_image(prompt: str) -> None:
    first, second, third = (offline(prompt, variant=variant) for variant in range(3))

    assert difference(first, second) > RE_ROLL
    assert difference(second, third) > RE_ROLL


@pytest.mark.parametrize(("width", "height"), [(540, 960), (1080, 1920), (1920, 1080)])
@pytest.mark.parametrize("prompt", [PROMPTS[0], LONG_PROMPT, "Un café à Paris"])
def test_the_prompt_shows_only_as_a_small_caption_along_the_top(
    prompt: str, width: int, height: int
) -> None:
    request = ImageRequest(prompt=prompt, style="cinematic", width=width, height=height)

    picture = opened(OfflineImages().generate_image(request)).convert("RGB")

    # What the caption changed, against the same picture drawn without it.
    changed = ImageChops.difference(picture, draw_scene(request)).getbbox()
    assert changed is not None
    _, top, _, bottom = changed
    assert top == 0
    assert bottom <= CAPTION_BAND * height  # no large text: glyphs are shorter than the band
    assert ImageStat.Stat(picture.crop((0, 0, width, bottom)).convert("L")).stddev[0] > 10


@pytest.mark.parametrize(
    ("prompt", "width", "height"),
    [("夜の港に浮かぶ小さな船", 540, 960), ("Ночной порт", 540, 960), (PROMPTS[0], 64, 64)],
    ids=["japanese", "russian", "tiny"],
)
def test_no_caption_where_it_would_be_boxes_or_illegible(
    prompt: str, width: int, height: int
) -> None:
    request = ImageRequest(prompt=prompt, style="", width=width, height=height)

    picture = opened(OfflineImages().generate_image(request)).convert("RGB")

    assert ImageChops.difference(picture, draw_scene(request)).getbbox() is None


def test_another_process_draws_the_same_bytes() -> None:
    # Content-addressed caching reuses an image made by any worker: the bytes must depend on
    # the request alone, not on the process (hash seeds, caches).
    request = ImageRequest(prompt=LONG_PROMPT, style="vintage", width=540, height=960, variant=3)
    script = (
        "import hashlib, sys\n"
        "from core.providers.base import ImageRequest\n"
        "from core.providers.offline_images import OfflineImages\n"
        f"request = {request!r}\n"
        "sys.stdout.write(hashlib.sha256(OfflineImages().generate_image(request).data).hexdigest())"
    )
    environment = {**os.environ, "PYTHONHASHSEED": "4242"}

    done = subprocess.run(
        [sys.executable, "-c", script], cwd=Path(__file__).parents[2], env=environment,
        capture_output=True, text=True, timeout=120, check=True,
    )  # fmt: skip

    here = hashlib.sha256(OfflineImages().generate_image(request).data).hexdigest()
    assert done.stdout == here


def test_one_different_word_changes_the_image() -> None:
    fox = offline("A red fox asleep in the forest")
    deer = offline("A red deer asleep in the forest")

    assert difference(fox, deer) > ONE_WORD


def test_style_changes_the_look() -> None:
    base = offline(PROMPTS[0], style="")
    for style in ("black and white film noir", "vintage photograph", "pastel", "oil painting"):
        assert difference(base, offline(PROMPTS[0], style=style)) > RE_ROLL, style


@pytest.mark.parametrize(("width", "height"), [(1080, 1920), (1920, 1080), (64, 64), (7, 300)])
def test_offline_image_is_exactly_the_requested_size(width: int, height: int) -> None:
    request = ImageRequest(prompt=PROMPTS[2], style="", width=width, height=height)

    started = time.perf_counter()
    image = OfflineImages().generate_image(request)
    elapsed = time.perf_counter() - started

    assert opened(image).size == (width, height) == (image.width, image.height)
    assert elapsed < 2.0  # ~0.15 s for 1080×1920 on a laptop; a per-pixel Python loop is ~10 s
