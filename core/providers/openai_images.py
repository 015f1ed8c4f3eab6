"""Image generator on OpenAI's Images API (`POST /v1/images/generations`).

The model name is configuration (image models are retired often). GPT image models
always answer with base64 (`data[0].b64_json`) and reject the legacy
`response_format`, so it is never sent. The reply is checked to be an image and
cover-fitted to exactly the requested size; SDK errors become `core.errors`.
"""

from __future__ import annotations

import base64
import binascii
import io
import math

import openai
from PIL import Image, ImageOps, UnidentifiedImageError

from core.errors import ContentRejected, InvalidOutput
from core.providers.base import Budget, GeneratedImage, ImageRequest
from core.providers.openai_common import LLMConfig, api_message, make_client, vendor_errors

# The API's standard sizes, picked by the aspect ratio of the requested (width, height):
#
#     requested shape                       size sent       e.g.
#     portrait   (w/h < ~0.82)              "1024x1536"     1080×1920 (9:16), 1080×1350 (4:5)
#     square     (~0.82 ≤ w/h ≤ ~1.22)      "1024x1024"     1080×1080
#     landscape  (w/h > ~1.22)              "1536x1024"     1920×1080 (16:9)
#
# The bounds are the geometric midpoints between 2:3, 1:1 and 3:2 (the nearest ratio wins);
# the reply is then cropped and scaled to the exact requested size.
STANDARD_SIZES = {"1024x1536": (1024, 1536), "1024x1024": (1024, 1024), "1536x1024": (1536, 1024)}
# Safety-system refusals: `moderation_blocked` from GPT image models, the other from older ones.
_REJECTED_CODES = {"moderation_blocked", "content_policy_violation"}

DEFAULT_BUDGET = Budget(timeout=120, retries=1)  # a job passes its kind's own
NOT_AN_IMAGE = "The image model answered with data that is not an image; try again."
NO_IMAGE = "The image model answered without an image; try again."


def api_size(width: int, height: int) -> str:
    """The standard API size whose aspect ratio is nearest to width × height."""
    ratio = math.log(width / height)
    return min(STANDARD_SIZES, key=lambda s: abs(math.log(_ratio(STANDARD_SIZES[s])) - ratio))


def _ratio(size: tuple[int, int]) -> float:
    return size[0] / size[1]


def image_prompt(request: ImageRequest) -> str:
    """The screen's visual prompt with the style preset appended, so screens look alike."""
    prompt = request.prompt.strip()
    style = request.style.strip()
    return f"{prompt.rstrip('.')}. Style: {style}" if style else prompt


def fit_png(data: bytes, width: int, height: int) -> bytes:
    """Decode image bytes, cover-fit them to width × height (LANCZOS), return PNG bytes."""
    try:
        with Image.open(io.BytesIO(data)) as opened:
            opened.load()
            source = opened.convert("RGB")
    except (UnidentifiedImageError, OSError, ValueError, Image.DecompressionBombError) as exc:
        raise InvalidOutput(NOT_AN_IMAGE) from exc
    fitted = ImageOps.fit(source, (width, height), method=Image.Resampling.LANCZOS)
    out = io.BytesIO()
    fitted.save(out, format="PNG")
    return out.getvalue()


class OpenAIImages:
    name = "openai"

    def __init__(self, config: LLMConfig, *, budget: Budget = DEFAULT_BUDGET) -> None:
        """`config.model` is the image model (error messages name it)."""
        self._config = config
        self._client = make_client(config, budget)

    def generate_image(self, request: ImageRequest) -> GeneratedImage:
        """Return one image for the request, at exactly the requested size."""
        # A re-roll (`variant`) needs nothing extra: every generation samples anew.
        with vendor_errors(self._config, service="image service"):
            try:
                response = self._client.images.generate(
                    model=self._config.model,
                    prompt=image_prompt(request),
                    size=api_size(request.width, request.height),
                    n=1,
                    output_format="png",
                )
            except openai.BadRequestError as exc:
                if exc.code in _REJECTED_CODES:
                    raise ContentRejected(
                        f"The image model's safety system rejected this prompt: {api_message(exc)}"
                    ) from exc
                raise
        encoded = response.data[0].b64_json if response.data else None
        if not encoded:
            raise InvalidOutput(NO_IMAGE)
        try:
            raw = base64.b64decode(encoded, validate=True)
        except (binascii.Error, ValueError) as exc:
            raise InvalidOutput(NOT_AN_IMAGE) from exc
        png = fit_png(raw, request.width, request.height)
        return GeneratedImage(
            data=png, mime="image/png", width=request.width, height=request.height
        )
