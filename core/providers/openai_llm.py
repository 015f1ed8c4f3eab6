"""Script writer and translator on OpenAI's chat API (or any OpenAI-compatible server).

Structured replies come from `chat.completions.parse(response_format=<pydantic model>)`.
A reply in the wrong shape is asked for once more; SDK errors become `core.errors`.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import TypeVar

import openai
import pydantic
from openai.types.chat import ChatCompletionMessageParam

from core.errors import (
    ContentRejected,
    InvalidOutput,
)
from core.providers.base import Budget
from core.providers.openai_common import LLMConfig, make_client, vendor_errors
from core.scripts.content import ScriptContent, ScriptRequest
from core.scripts.languages import LANGUAGES

WORDS_PER_SECOND = 2.5
# A job passes its kind's budget; these serve direct calls (the key's Test button).
DEFAULT_BUDGET = Budget(timeout=60, retries=1, calls=2)
CHECK_BUDGET = Budget(timeout=15, retries=1)
SCRIPT_SHAPE_FAILED = (
    "The model returned a script in the wrong shape twice; try again or pick another model."
)
TRANSLATION_SHAPE_FAILED = (
    "The model returned a translation with the wrong number of narrations twice; "
    "try again or pick another model."
)

_Parsed = TypeVar("_Parsed", bound=pydantic.BaseModel)


class _TranslatedNarrations(pydantic.BaseModel):
    narrations: list[str]


def language_name(code: str) -> str:
    """'hi' -> 'Hindi (hi)'; unknown codes are passed through as they are."""
    name = LANGUAGES.get(code.split("-")[0].lower())
    return f"{name} ({code})" if name else code


class _StructuredChat:
    """One SDK client plus the ask-validate-ask-again loop shared by both adapters."""

    def __init__(self, config: LLMConfig, budget: Budget) -> None:
        self.config = config
        self._client = make_client(config, budget)

    def ask(
        self,
        messages: list[ChatCompletionMessageParam],
        shape: type[_Parsed],
        *,
        failure: str,
        accept: Callable[[_Parsed], bool] = lambda _: True,
    ) -> _Parsed:
        """Ask up to twice for a reply that parses into `shape` and passes `accept`."""
        for _ in range(2):
            parsed = self._ask_once(messages, shape)
            if parsed is not None and accept(parsed):
                return parsed
        raise InvalidOutput(failure)

    def _ask_once(
        self, messages: list[ChatCompletionMessageParam], shape: type[_Parsed]
    ) -> _Parsed | None:
        """One call; None when the reply is not in the shape asked for."""
        with vendor_errors(self.config):
            try:
                completion = self._client.chat.completions.parse(
                    model=self.config.model, messages=messages, response_format=shape
                )
            # Malformed JSON and schema violations both surface as pydantic's ValidationError.
            except (pydantic.ValidationError, openai.LengthFinishReasonError):
                return None
        if not completion.choices:
            return None
        message = completion.choices[0].message
        if message.refusal:
            # A refusal is an answer, not a malformed reply: asking again would not change it.
            raise ContentRejected(f"The model declined to write this: {message.refusal}")
        return message.parsed


class OpenAIScriptWriter:
    name = "openai"

    def __init__(self, config: LLMConfig, *, budget: Budget = DEFAULT_BUDGET) -> None:
        self._chat = _StructuredChat(config, budget)

    def write_script(self, request: ScriptRequest) -> ScriptContent:
        """Return a validated structured script for the request."""
        messages = _messages(_SCRIPT_SYSTEM, script_prompt(request))
        # A different scene count than asked for is still a usable script.
        return self._chat.ask(messages, ScriptContent, failure=SCRIPT_SHAPE_FAILED)


class OpenAITranslator:
    name = "openai"

    def __init__(self, config: LLMConfig, *, budget: Budget = DEFAULT_BUDGET) -> None:
        self._chat = _StructuredChat(config, budget)

    def translate_narrations(self, narrations: list[str], language: str) -> list[str]:
        """Translate each narration into the language; same count, same order."""
        if not narrations:
            return []
        reply = self._chat.ask(
            _messages(_TRANSLATE_SYSTEM, translation_prompt(narrations, language)),
            _TranslatedNarrations,
            accept=lambda r: len(r.narrations) == len(narrations),
            failure=TRANSLATION_SHAPE_FAILED,
        )
        return reply.narrations


def check_openai_key(config: LLMConfig, *, budget: Budget = CHECK_BUDGET) -> str:
    """Validate the key by listing models; return a short message for the user."""
    not_found = f"{config.endpoint} has no /models endpoint; is the base URL right?"
    with vendor_errors(config, not_found=not_found), make_client(config, budget) as c:
        ids = [model.id for model in c.models.list()]
    message = f"Key works: {len(ids)} models available"
    if not ids:
        return message + "."
    if config.model in ids:
        return f"{message}, including '{config.model}'."
    return f"{message}, but '{config.model}' is not one of them."


_SCRIPT_SYSTEM = (
    "You write scripts for short narrated videos without an on-screen presenter. "
    "Answer only with JSON in the requested schema."
)
_TRANSLATE_SYSTEM = (
    "You translate video narration. Keep meaning, tone and order; translate each item "
    "separately and never merge, split, drop or comment on items."
)


def _messages(system: str, user: str) -> list[ChatCompletionMessageParam]:
    return [{"role": "system", "content": system}, {"role": "user", "content": user}]


def script_prompt(request: ScriptRequest) -> str:
    """The user message for one script: scene count, language, tone and length."""
    language = language_name(request.language)
    words = round(request.target_seconds * WORDS_PER_SECOND)
    per_scene = max(1, round(words / max(1, request.scene_count)))
    return (
        f"Topic: {request.topic}\n"
        f"Tone: {request.tone}\n"
        f"Write a title in {language} and exactly {request.scene_count} scenes.\n"
        f"Each scene has `narration`: the words the narrator says, in {language}; and "
        "`visual`: an image prompt in English describing what the screen shows meanwhile "
        "(subject, setting, composition, style; no on-screen text).\n"
        f"The video lasts about {request.target_seconds} seconds, read at about "
        f"{WORDS_PER_SECOND} words per second: about {words} words of narration in total, "
        f"roughly {per_scene} per scene."
    )


def translation_prompt(narrations: list[str], language: str) -> str:
    """The user message for a translation: the items as a JSON array."""
    return (
        f"Translate each of these {len(narrations)} narrations into {language_name(language)}. "
        f"Return `narrations` with exactly {len(narrations)} items, in the same order.\n"
        + json.dumps(narrations, ensure_ascii=False, indent=1)
    )
