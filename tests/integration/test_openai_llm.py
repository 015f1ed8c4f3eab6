"""The OpenAI adapter through the official SDK against a local OpenAI stand-in."""

from __future__ import annotations

import socket

import pytest

from core.errors import (
    BadCredentials,
    ContentRejected,
    InvalidOutput,
    ProviderError,
    ProviderUnavailable,
    RateLimited,
)
from core.providers.base import Budget
from core.providers.openai_common import LLMConfig
from core.providers.openai_llm import (
    OpenAIScriptWriter,
    OpenAITranslator,
    check_openai_key,
)
from core.scripts.content import ScriptRequest
from tests.standins.fixtures import openai_standin_fixture  # noqa: F401
from tests.standins.openai_server import FAST_RETRY, OpenAIStandin

KEY = "fake-standin-key-0123456789abcdef"
REQUEST = ScriptRequest(
    topic="Why octopuses have three hearts",
    tone="curious",
    language="hi",
    target_seconds=60,
    scene_count=3,
)
GOOD_SCRIPT = {
    "title": "Three hearts",
    "scenes": [
        {"narration": "An octopus has three hearts.", "visual": "An octopus in blue water"},
        {"narration": "Two pump blood to the gills.", "visual": "Close-up of octopus gills"},
        {"narration": "One feeds the body.", "visual": "An octopus gliding over a reef"},
    ],
}
INVALID_KEY = "Incorrect API key provided: sk-test-***cdef."


def config_for(standin: OpenAIStandin, model: str = "gpt-4o-mini") -> LLMConfig:
    return LLMConfig(api_key=KEY, model=model, base_url=standin.base_url)


def writer_for(standin: OpenAIStandin) -> OpenAIScriptWriter:
    return OpenAIScriptWriter(config_for(standin), budget=Budget(timeout=5, retries=1))


def test_structured_reply_becomes_a_script(openai_standin: OpenAIStandin) -> None:
    openai_standin.reply_structured(GOOD_SCRIPT)

    script = writer_for(openai_standin).write_script(REQUEST)

    assert script.title == "Three hearts"
    assert [s.narration for s in script.scenes] == [
        "An octopus has three hearts.",
        "Two pump blood to the gills.",
        "One feeds the body.",
    ]
    (sent,) = openai_standin.requests
    assert sent.path == "/v1/chat/completions"
    assert sent.headers["authorization"] == f"Bearer {KEY}"
    assert sent.body["model"] == "gpt-4o-mini"
    fmt = sent.response_format
    assert fmt is not None and fmt["type"] == "json_schema"
    assert fmt["json_schema"]["strict"] is True
    assert set(fmt["json_schema"]["schema"]["properties"]) == {"title", "scenes"}
    # The prompt carries what the user asked for.
    assert "exactly 3 scenes" in sent.prompt
    assert "Hindi" in sent.prompt
    assert "150 words" in sent.prompt  # 60 s at 2.5 words per second
    assert "curious" in sent.prompt


def test_fewer_scenes_than_asked_is_still_a_script(openai_standin: OpenAIStandin) -> None:
    openai_standin.reply_structured({**GOOD_SCRIPT, "scenes": GOOD_SCRIPT["scenes"][:2]})

    script = writer_for(openai_standin).write_script(REQUEST)

    assert len(script.scenes) == 2
    assert len(openai_standin.requests) == 1


def test_rejected_key_is_bad_credentials_without_the_key(openai_standin: OpenAIStandin) -> None:
    openai_standin.reply_error(
        401, INVALID_KEY, type="invalid_request_error", code="invalid_api_key"
    )

    with pytest.raises(BadCredentials) as caught:
        writer_for(openai_standin).write_script(REQUEST)

    assert "invalid key" in str(caught.value)
    assert KEY not in str(caught.value)
    assert len(openai_standin.requests) == 1  # a wrong key is never retried


def test_rate_limit_then_success_retries_once(openai_standin: OpenAIStandin) -> None:
    openai_standin.reply_error(
        429, "Rate limit reached", type="requests", code="rate_limit_exceeded", headers=FAST_RETRY
    )
    openai_standin.reply_structured(GOOD_SCRIPT)

    script = writer_for(openai_standin).write_script(REQUEST)

    assert script.title == "Three hearts"
    assert len(openai_standin.requests) == 2


def test_malformed_json_then_good_reply_succeeds(openai_standin: OpenAIStandin) -> None:
    openai_standin.reply_content('{"title": "Three hearts", "scenes": [')
    openai_standin.reply_structured(GOOD_SCRIPT)

    script = writer_for(openai_standin).write_script(REQUEST)

    assert len(script.scenes) == 3
    assert len(openai_standin.requests) == 2


def test_malformed_json_twice_is_invalid_output(openai_standin: OpenAIStandin) -> None:
    openai_standin.reply_content("Sure! Here is your script: Three hearts...")
    openai_standin.reply_content("{not json")
    openai_standin.reply_structured(GOOD_SCRIPT)  # must never be asked for

    with pytest.raises(InvalidOutput) as caught:
        writer_for(openai_standin).write_script(REQUEST)

    assert "wrong shape twice" in str(caught.value)
    assert len(openai_standin.requests) == 2


@pytest.mark.parametrize(
    "bad_reply",
    [
        {"title": "Three hearts", "scenes": []},
        {"title": "Three hearts", "scenes": [{"visual": "An octopus"}]},
        {"title": "Three hearts", "scenes": [{"narration": "   ", "visual": "An octopus"}]},
    ],
    ids=["zero-scenes", "missing-narration", "blank-narration"],
)
def test_schema_violations_are_treated_like_malformed_replies(
    openai_standin: OpenAIStandin, bad_reply: dict[str, object]
) -> None:
    openai_standin.reply_structured(bad_reply)
    openai_standin.reply_structured(bad_reply)

    with pytest.raises(InvalidOutput):
        writer_for(openai_standin).write_script(REQUEST)

    assert len(openai_standin.requests) == 2


@pytest.mark.parametrize(
    ("status", "code", "error", "says"),
    [
        (403, "unsupported_country_region_territory", BadCredentials, "refused access"),
        (404, "model_not_found", ProviderError, "Model 'gpt-4o-mini' not found"),
        (400, "content_policy_violation", ContentRejected, "Your request was flagged"),
        (400, "context_length_exceeded", ProviderError, "Your request was flagged"),
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
            "Your request was flagged.",
            type="invalid_request_error",
            code=code,
            headers=FAST_RETRY,
        )

    with pytest.raises(error) as caught:
        writer_for(openai_standin).write_script(REQUEST)

    assert type(caught.value) is error
    assert says in str(caught.value)
    assert len(openai_standin.requests) == (2 if status in (429, 500) else 1)


def test_refusal_is_content_rejected(openai_standin: OpenAIStandin) -> None:
    openai_standin.reply_content(None, refusal="I can't help with that request.")

    with pytest.raises(ContentRejected) as caught:
        writer_for(openai_standin).write_script(REQUEST)

    assert "I can't help with that request." in str(caught.value)
    assert len(openai_standin.requests) == 1


def test_openai_compatible_server_gets_its_own_model_name(openai_standin: OpenAIStandin) -> None:
    openai_standin.reply_structured(GOOD_SCRIPT, model="llama3.1")
    config = LLMConfig(api_key="ollama", model="llama3.1", base_url=openai_standin.base_url)

    script = OpenAIScriptWriter(config, budget=Budget(timeout=5)).write_script(REQUEST)

    assert script.title == "Three hearts"
    (sent,) = openai_standin.requests
    assert sent.body["model"] == "llama3.1"
    assert sent.headers["authorization"] == "Bearer ollama"


def test_config_repr_hides_the_key() -> None:
    assert KEY not in repr(LLMConfig(api_key=KEY, model="gpt-4o-mini"))


def test_translator_returns_narrations_in_order(openai_standin: OpenAIStandin) -> None:
    openai_standin.reply_structured({"narrations": ["Un pulpo.", "Tres corazones."]})
    translator = OpenAITranslator(config_for(openai_standin), budget=Budget(timeout=5))

    translated = translator.translate_narrations(["An octopus.", "Three hearts."], "es")

    assert translated == ["Un pulpo.", "Tres corazones."]
    (sent,) = openai_standin.requests
    assert "Spanish" in sent.prompt
    assert '"An octopus."' in sent.prompt and '"Three hearts."' in sent.prompt
    assert sent.response_format is not None
    assert sent.response_format["json_schema"]["schema"]["required"] == ["narrations"]


def test_translator_count_mismatch_twice_is_invalid_output(openai_standin: OpenAIStandin) -> None:
    openai_standin.reply_structured({"narrations": ["Un pulpo con tres corazones."]})
    openai_standin.reply_structured({"narrations": ["Un pulpo.", "Tres", "corazones."]})
    translator = OpenAITranslator(config_for(openai_standin), budget=Budget(timeout=5))

    with pytest.raises(InvalidOutput) as caught:
        translator.translate_narrations(["An octopus.", "Three hearts."], "es")

    assert "wrong number of narrations" in str(caught.value)
    assert len(openai_standin.requests) == 2


def test_check_key_reports_models(openai_standin: OpenAIStandin) -> None:
    message = check_openai_key(config_for(openai_standin, model="gpt-4.1"))

    assert message == "Key works: 4 models available, including 'gpt-4.1'."
    (sent,) = openai_standin.requests
    assert (sent.method, sent.path) == ("GET", "/v1/models")
    assert sent.headers["authorization"] == f"Bearer {KEY}"


def test_check_key_says_when_the_model_is_missing(openai_standin: OpenAIStandin) -> None:
    message = check_openai_key(config_for(openai_standin, model="gpt-9"))

    assert "'gpt-9' is not one of them" in message


def test_check_key_rejected_is_bad_credentials(openai_standin: OpenAIStandin) -> None:
    openai_standin.reply_error(
        401, INVALID_KEY, type="invalid_request_error", code="invalid_api_key"
    )

    with pytest.raises(BadCredentials) as caught:
        check_openai_key(config_for(openai_standin))

    assert "invalid key" in str(caught.value)
    assert KEY not in str(caught.value)


def test_check_key_unreachable_server_is_provider_unavailable() -> None:
    with socket.socket() as sock:  # a port nobody listens on once closed
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    base_url = f"http://127.0.0.1:{port}/v1"

    with pytest.raises(ProviderUnavailable) as caught:
        check_openai_key(
            LLMConfig(api_key=KEY, model="llama3.1", base_url=base_url), budget=Budget(timeout=5)
        )

    assert f"Could not reach the LLM at {base_url}" in str(caught.value)
    assert KEY not in str(caught.value)
