"""The ElevenLabs voice adapter through the official SDK against a local ElevenLabs stand-in."""

from __future__ import annotations

import socket
import subprocess
import time
from pathlib import Path

import imageio_ffmpeg
import pytest

from core.errors import (
    BadCredentials,
    InvalidOutput,
    ProviderError,
    ProviderUnavailable,
    RateLimited,
)
from core.providers.base import RevealedCredential, SpeechAudio, VoiceOption, VoiceRequest
from core.providers.elevenlabs_voice import DEFAULT_VOICE, ElevenLabsVoice
from core.providers.registry import VENDORS
from core.settings import Settings
from tests.standins.elevenlabs_fixtures import elevenlabs_standin_fixture  # noqa: F401
from tests.standins.elevenlabs_server import ElevenLabsStandin, speech_with_timestamps

KEY = "xi-test-standin-0123456789abcdef"
TEXT = "An octopus has three hearts. Two pump blood, one feeds the body!"


def voice_for(standin: ElevenLabsStandin, key: str = KEY) -> ElevenLabsVoice:
    return ElevenLabsVoice(key, base_url=standin.base_url, timeout=5)


def assert_decodable_mp3(data: bytes, tmp_path: Path) -> None:
    frame_sync = data[0] == 0xFF and data[1] & 0xE0 == 0xE0
    assert data[:3] == b"ID3" or frame_sync
    path = tmp_path / "speech.mp3"
    path.write_bytes(data)
    command = [imageio_ffmpeg.get_ffmpeg_exe(), "-v", "error", "-i", str(path), "-f", "null", "-"]
    result = subprocess.run(command, capture_output=True, timeout=30)
    assert result.returncode == 0, result.stderr.decode(errors="replace")


def assert_monotonic(speech: SpeechAudio) -> None:
    previous_end = 0.0
    for word in speech.words:
        assert previous_end <= word.start <= word.end
        previous_end = word.end
    assert previous_end <= speech.duration


def test_speech_comes_back_as_mp3_with_one_timing_per_word(
    elevenlabs_standin: ElevenLabsStandin, tmp_path: Path
) -> None:
    speech = voice_for(elevenlabs_standin).synthesize(VoiceRequest(text=TEXT, language="en"))

    assert speech.mime == "audio/mpeg"
    assert_decodable_mp3(speech.data, tmp_path)
    assert [w.word for w in speech.words] == TEXT.split()
    assert speech.words[0].start == 0.0
    assert speech.words[1].start == pytest.approx(3 * 0.06)  # "octopus" after "An "
    assert_monotonic(speech)
    assert speech.duration == pytest.approx(len(TEXT) * 0.06, abs=0.001)


def test_request_carries_key_voice_model_text_and_format(
    elevenlabs_standin: ElevenLabsStandin,
) -> None:
    voice_for(elevenlabs_standin).synthesize(VoiceRequest(text=TEXT, language="en"))

    [request] = elevenlabs_standin.requests
    assert request.method == "POST"
    assert request.path == f"/v1/text-to-speech/{DEFAULT_VOICE}/with-timestamps"
    assert request.headers["xi-api-key"] == KEY
    assert request.query["output_format"] == "mp3_44100_128"
    assert request.body["text"] == TEXT
    assert request.body["model_id"] == "eleven_multilingual_v2"
    assert "language_code" not in request.body  # multilingual_v2 does not take it


def test_request_voice_and_model_override_the_defaults(
    elevenlabs_standin: ElevenLabsStandin,
) -> None:
    request = VoiceRequest(
        text="नमस्ते दुनिया", language="hi", voice="aaRav", model="eleven_flash_v2_5"
    )

    speech = voice_for(elevenlabs_standin).synthesize(request)

    [sent] = elevenlabs_standin.requests
    assert sent.path == "/v1/text-to-speech/aaRav/with-timestamps"
    assert sent.body["model_id"] == "eleven_flash_v2_5"
    assert sent.body["language_code"] == "hi"
    assert [w.word for w in speech.words] == ["नमस्ते", "दुनिया"]


def test_punctuation_and_extra_spaces_stay_with_their_words(
    elevenlabs_standin: ElevenLabsStandin,
) -> None:
    text = '  "Wait,"  she said —  ready?\nGo! '

    speech = voice_for(elevenlabs_standin).synthesize(VoiceRequest(text=text, language="en"))

    assert [w.word for w in speech.words] == ['"Wait,"', "she", "said", "—", "ready?", "Go!"]
    assert speech.words[0].start == pytest.approx(2 * 0.06)
    assert speech.words[0].end == pytest.approx(9 * 0.06)
    assert_monotonic(speech)


def test_reply_without_timings_is_invalid_output(elevenlabs_standin: ElevenLabsStandin) -> None:
    reply = speech_with_timestamps("Hello there")
    del reply["alignment"]
    elevenlabs_standin.reply_json(200, reply)

    with pytest.raises(InvalidOutput):
        voice_for(elevenlabs_standin).synthesize(VoiceRequest(text="Hello there", language="en"))


def test_wrong_key_is_bad_credentials_after_one_request(
    elevenlabs_standin: ElevenLabsStandin,
) -> None:
    elevenlabs_standin.accepted_keys = {"xi-the-real-key"}

    with pytest.raises(BadCredentials, match="invalid key") as caught:
        voice_for(elevenlabs_standin).synthesize(VoiceRequest(text=TEXT, language="en"))

    assert elevenlabs_standin.request_count == 1
    assert KEY not in str(caught.value)
    assert not caught.value.retryable


def test_empty_balance_is_not_reported_as_a_bad_key(elevenlabs_standin: ElevenLabsStandin) -> None:
    message = "You have insufficient quota to complete this request"
    elevenlabs_standin.reply_error(401, "quota_exceeded", message)

    with pytest.raises(ProviderError, match="out of credits") as caught:
        voice_for(elevenlabs_standin).synthesize(VoiceRequest(text=TEXT, language="en"))

    assert not isinstance(caught.value, BadCredentials)
    assert message in str(caught.value)
    assert not caught.value.retryable


def test_rate_limit_fails_fast_and_the_next_attempt_succeeds(
    elevenlabs_standin: ElevenLabsStandin,
) -> None:
    # A retry-after the SDK would honour (5 s) proves that the SDK's own retries are off.
    elevenlabs_standin.reply_error(
        429, "too_many_concurrent_requests", "Too many requests", {"retry-after": "5"}
    )
    voice = voice_for(elevenlabs_standin)
    request = VoiceRequest(text=TEXT, language="en")

    started = time.monotonic()
    with pytest.raises(RateLimited) as caught:
        voice.synthesize(request)
    assert time.monotonic() - started < 2
    assert caught.value.retryable
    assert elevenlabs_standin.request_count == 1

    speech = voice.synthesize(request)  # what the job queue's retry does

    assert [w.word for w in speech.words] == TEXT.split()
    assert elevenlabs_standin.request_count == 2


def test_server_error_is_provider_unavailable_without_sdk_retries(
    elevenlabs_standin: ElevenLabsStandin,
) -> None:
    elevenlabs_standin.reply_json(500, {"detail": "Internal Server Error"})

    with pytest.raises(ProviderUnavailable, match="HTTP 500") as caught:
        voice_for(elevenlabs_standin).synthesize(VoiceRequest(text=TEXT, language="en"))

    assert caught.value.retryable
    assert elevenlabs_standin.request_count == 1


def test_bad_request_shows_the_api_message(elevenlabs_standin: ElevenLabsStandin) -> None:
    elevenlabs_standin.reply_error(400, "voice_not_found", "A voice with that ID was not found.")

    with pytest.raises(ProviderError, match="A voice with that ID was not found") as caught:
        voice_for(elevenlabs_standin).synthesize(VoiceRequest(text=TEXT, language="en"))

    assert type(caught.value) is ProviderError
    assert not caught.value.retryable


def test_validation_error_names_the_field(elevenlabs_standin: ElevenLabsStandin) -> None:
    detail = [{"loc": ["body", "text"], "msg": "field required", "type": "value_error.missing"}]
    elevenlabs_standin.reply_json(422, {"detail": detail})

    with pytest.raises(ProviderError, match="text: field required"):
        voice_for(elevenlabs_standin).synthesize(VoiceRequest(text=TEXT, language="en"))


def test_unreachable_server_is_provider_unavailable() -> None:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    voice = ElevenLabsVoice(KEY, base_url=f"http://127.0.0.1:{port}", timeout=2)

    with pytest.raises(ProviderUnavailable, match="Could not reach ElevenLabs") as caught:
        voice.synthesize(VoiceRequest(text=TEXT, language="en"))

    assert KEY not in str(caught.value)


def test_list_voices_returns_the_account_voices_with_languages(
    elevenlabs_standin: ElevenLabsStandin,
) -> None:
    voices = voice_for(elevenlabs_standin).list_voices()

    assert voices == [
        VoiceOption(id="21m00Tcm4TlvDq8ikWAM", name="Rachel", language="en"),
        VoiceOption(id="aaRavHindi0000000001", name="Aarav", language="hi"),
        VoiceOption(id="plainVoice0000000002", name="Plain", language=""),
    ]
    [request] = elevenlabs_standin.requests
    assert request.path == "/v2/voices"
    assert request.headers["xi-api-key"] == KEY


def test_list_voices_follows_pages(elevenlabs_standin: ElevenLabsStandin) -> None:
    elevenlabs_standin.voices_page_limit = 2

    voices = voice_for(elevenlabs_standin).list_voices()

    assert [v.name for v in voices] == ["Rachel", "Aarav", "Plain"]
    assert [r.query.get("next_page_token") for r in elevenlabs_standin.requests] == [None, "2"]


def test_list_voices_with_a_wrong_key_is_bad_credentials(
    elevenlabs_standin: ElevenLabsStandin,
) -> None:
    elevenlabs_standin.accepted_keys = {"xi-the-real-key"}

    with pytest.raises(BadCredentials, match="invalid key"):
        voice_for(elevenlabs_standin).list_voices()

    assert elevenlabs_standin.request_count == 1


def check_elevenlabs_key(base_url: str) -> str:
    """The key's Test button, as the vendor table defines it."""
    key = RevealedCredential(provider="elevenlabs", secret=KEY, base_url="", model="")
    settings = Settings(elevenlabs_base_url=base_url, _env_file=None)  # type: ignore[call-arg]
    return VENDORS["elevenlabs"].check(key, settings)


def test_key_check_accepts_a_working_key(elevenlabs_standin: ElevenLabsStandin) -> None:
    message = check_elevenlabs_key(elevenlabs_standin.base_url)

    assert message.startswith("Key works")
    [request] = elevenlabs_standin.requests
    # The account's voice list: the call the studio needs, allowed for text-to-speech keys.
    assert (request.path, request.headers["xi-api-key"]) == ("/v2/voices", KEY)


def test_key_check_rejects_a_wrong_key(elevenlabs_standin: ElevenLabsStandin) -> None:
    elevenlabs_standin.accepted_keys = {"xi-the-real-key"}

    with pytest.raises(BadCredentials, match="invalid key"):
        check_elevenlabs_key(elevenlabs_standin.base_url)

    assert elevenlabs_standin.request_count == 1
