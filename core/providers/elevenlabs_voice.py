"""Speech with word timings from ElevenLabs, through the official SDK.

`text_to_speech.convert_with_timestamps` returns MP3 (base64) plus per-character times;
characters are grouped into words for captions. The SDK retries 408/409/429/5xx on its own
(twice, sleeping 1 s then 2 s; it ignores `retry-after-ms`), so every call passes
`max_retries=0`: a failed step fails fast and the job queue, which retries `RateLimited` and
`ProviderUnavailable`, owns the back-off.
"""

from __future__ import annotations

import base64
import binascii
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import httpx
from elevenlabs.client import ElevenLabs
from elevenlabs.core.api_error import ApiError
from elevenlabs.core.parse_error import ParsingError
from elevenlabs.core.request_options import RequestOptions
from elevenlabs.types import CharacterAlignmentResponseModel, Voice

from core.errors import (
    BadCredentials,
    InvalidOutput,
    ProviderError,
    ProviderUnavailable,
    RateLimited,
)
from core.providers.base import SpeechAudio, VoiceOption, VoiceRequest, WordTiming

DEFAULT_VOICE = "21m00Tcm4TlvDq8ikWAM"  # "Rachel", a premade voice every account can use
DEFAULT_MODEL = "eleven_multilingual_v2"
OUTPUT_FORMAT = "mp3_44100_128"
# multilingual_v2 detects the language itself and does not take `language_code`.
LANGUAGE_CODE_MODELS = frozenset({"eleven_flash_v2_5", "eleven_turbo_v2_5"})
VOICE_PAGE_SIZE = 100  # the most /v2/voices returns per page
MAX_VOICE_PAGES = 20
INVALID_KEY = "ElevenLabs rejected the key (invalid key). Check it in Settings → API keys."


class ElevenLabsVoice:
    """`VoiceSynthesizer` on ElevenLabs text-to-speech."""

    name = "elevenlabs"

    def __init__(
        self,
        api_key: str,
        *,
        base_url: str | None = None,
        default_voice: str = DEFAULT_VOICE,
        model: str = DEFAULT_MODEL,
        timeout: float = 120,
    ) -> None:
        self._api_key = api_key
        self._client = ElevenLabs(api_key=api_key, base_url=base_url, timeout=timeout)
        self.default_voice = default_voice
        self.model = model

    def __repr__(self) -> str:  # never show the key
        return f"ElevenLabsVoice(model={self.model!r}, default_voice={self.default_voice!r})"

    def synthesize(self, request: VoiceRequest) -> SpeechAudio:
        """Speak the text; return MP3 bytes with one timing per whitespace-separated word."""
        model = request.model or self.model
        options: RequestOptions = {"max_retries": 0}
        if model in LANGUAGE_CODE_MODELS and request.language:
            options["additional_body_parameters"] = {"language_code": request.language}
        with _vendor_errors(self._api_key):
            reply = self._client.text_to_speech.convert_with_timestamps(
                request.voice or self.default_voice,
                text=request.text,
                model_id=model,
                output_format=OUTPUT_FORMAT,
                request_options=options,
            )
        try:
            audio = base64.b64decode(reply.audio_base_64, validate=True)
        except (binascii.Error, TypeError) as exc:
            raise InvalidOutput("ElevenLabs returned audio that is not valid base64.") from exc
        alignment = reply.alignment
        if not audio or alignment is None or not alignment.character_end_times_seconds:
            raise InvalidOutput("ElevenLabs returned no audio or no timings; try again.")
        words = word_timings(alignment)
        duration = round(alignment.character_end_times_seconds[-1], 3)
        return SpeechAudio(data=audio, mime="audio/mpeg", duration=duration, words=words)

    def list_voices(self) -> list[VoiceOption]:
        """Every voice of the account (premade, cloned, library), via paged /v2/voices."""
        voices: list[VoiceOption] = []
        token: str | None = None
        with _vendor_errors(self._api_key):
            for _ in range(MAX_VOICE_PAGES):
                page = self._client.voices.search(
                    page_size=VOICE_PAGE_SIZE,
                    next_page_token=token,
                    request_options={"max_retries": 0},
                )
                voices.extend(_voice_option(voice) for voice in page.voices)
                token = page.next_page_token
                if not page.has_more or not token:
                    break
        return voices


def word_timings(alignment: CharacterAlignmentResponseModel) -> list[WordTiming]:
    """Group per-character times into words: whitespace separates, punctuation stays attached."""
    chars = alignment.characters
    starts = alignment.character_start_times_seconds
    ends = alignment.character_end_times_seconds
    if not len(chars) == len(starts) == len(ends):
        raise InvalidOutput("ElevenLabs returned timings that do not match the characters.")
    words: list[WordTiming] = []
    current: list[str] = []
    start = end = 0.0
    for char, char_start, char_end in zip(chars, starts, ends, strict=True):
        if not char.strip():
            if current:
                words.append(_word(current, start, end))
                current = []
            continue
        if not current:
            start = char_start
        current.append(char)
        end = char_end
    if current:
        words.append(_word(current, start, end))
    return words


def _word(chars: list[str], start: float, end: float) -> WordTiming:
    return WordTiming(word="".join(chars), start=round(start, 3), end=round(max(start, end), 3))


def _voice_option(voice: Voice) -> VoiceOption:
    labels = voice.labels or {}
    verified = voice.verified_languages or []
    language = labels.get("language") or (verified[0].language if verified else "")
    return VoiceOption(id=voice.voice_id, name=voice.name or voice.voice_id, language=language)


@contextmanager
def _vendor_errors(api_key: str) -> Iterator[None]:
    """Turn SDK and transport exceptions into `core.errors` with messages for people."""
    try:
        yield
    except ApiError as exc:
        status, message = _detail(exc.body)
        error = _error_for(exc.status_code, status, message.replace(api_key, "***"))
        raise error from exc
    except ParsingError as exc:
        raise InvalidOutput("ElevenLabs answered in an unexpected shape; try again.") from exc
    except httpx.TimeoutException as exc:
        raise ProviderUnavailable("ElevenLabs did not answer in time; try again later.") from exc
    except httpx.HTTPError as exc:
        raise ProviderUnavailable(f"Could not reach ElevenLabs: {type(exc).__name__}.") from exc


def _error_for(code: int | None, status: str, message: str) -> ProviderError:
    if code in (401, 403):
        # ElevenLabs also answers 401 for an empty balance and for a key missing a scope.
        if status == "quota_exceeded":
            return ProviderError(f"The ElevenLabs account is out of credits: {message}")
        if status == "missing_permissions":
            return BadCredentials(
                f"The ElevenLabs key lacks a permission this needs ({message}). "
                "Allow it for the key at ElevenLabs, or change the key in Settings → API keys."
            )
        if status == "detected_unusual_activity":
            return ProviderError(f"ElevenLabs blocked the request: {message}")
        return BadCredentials(INVALID_KEY)
    if code == 429:
        return RateLimited(f"ElevenLabs is busy or rate-limiting this key ({message or status}).")
    if code is not None and code >= 500:
        return ProviderUnavailable(f"ElevenLabs had a server error (HTTP {code}); try again.")
    if code is not None and 200 <= code < 300:
        return InvalidOutput("ElevenLabs answered with something that is not JSON; try again.")
    return ProviderError(f"ElevenLabs rejected the request: {message or f'HTTP {code}'}")


def _detail(body: Any) -> tuple[str, str]:
    """(status, message) from ElevenLabs' `{"detail": ...}` error body, as far as present."""
    detail = body.get("detail", body) if isinstance(body, dict) else body
    if isinstance(detail, dict):
        status = str(detail.get("status") or detail.get("code") or "")
        return status, str(detail.get("message") or detail.get("msg") or "")
    if isinstance(detail, list):  # request validation errors (422)
        parts = [
            f"{item.get('loc', ['?'])[-1]}: {item.get('msg', '')}"
            if isinstance(item, dict)
            else str(item)
            for item in detail
        ]
        return "validation_error", "; ".join(parts)
    return "", str(detail or "")[:300]
