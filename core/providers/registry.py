"""Which provider serves a user for each role, in one table.

    vendor (key in the vault)   script  translate  image  voice   Test button asks
    openai                      ✓       ✓          ✓              its model list
    openai_compatible           ✓       ✓                         its model list
    elevenlabs                                            ✓       its voice list
    offline (no key)            ✓                  ✓      ✓

For each role the first vendor in this order whose key the user stored serves them, else
the offline provider (translation has none: it needs an LLM); core/accounts/keys.py makes
that choice with the user's keys. The SDK timeout and retries of a provider built for a
job come from its kind's Budget. Nothing here reads the database.
"""

from __future__ import annotations

import enum
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from core.providers.base import Budget, RevealedCredential
from core.providers.elevenlabs_voice import ElevenLabsVoice
from core.providers.offline_images import OfflineImages
from core.providers.offline_voice import OfflineVoice
from core.providers.offline_writer import OfflineScriptWriter
from core.providers.openai_common import LLMConfig
from core.providers.openai_images import OpenAIImages
from core.providers.openai_llm import OpenAIScriptWriter, OpenAITranslator, check_openai_key
from core.settings import Settings

NEEDS_LLM = (
    "Translation needs an LLM: add an OpenAI key or an OpenAI-compatible endpoint "
    "(e.g. a local Ollama) in Settings → API keys."
)
DEFAULT_BUDGET = Budget(timeout=60, retries=1)  # outside jobs: voice lists and such


class Role(enum.StrEnum):
    SCRIPT = "script"
    TRANSLATE = "translate"
    IMAGE = "image"
    VOICE = "voice"


Maker = Callable[[RevealedCredential, Settings, Budget], Any]


@dataclass(frozen=True)
class Vendor:
    name: str
    label: str
    help: str  # what the key is used for, on the Settings page
    makers: dict[Role, Maker]
    check: Callable[[RevealedCredential, Settings], str]
    endpoint: bool = False  # the key comes with a base URL and a model name
    roles: tuple[Role, ...] = field(init=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "roles", tuple(self.makers))


def _openai(c: RevealedCredential, s: Settings, model: str = "") -> LLMConfig:
    model = model or s.openai_model
    return LLMConfig(api_key=c.secret, model=model, base_url=s.openai_base_url or None)


def _compatible(c: RevealedCredential, s: Settings) -> LLMConfig:
    return LLMConfig(api_key=c.secret, model=c.model, base_url=c.base_url)


VENDORS: dict[str, Vendor] = {
    v.name: v
    for v in [
        Vendor(
            "openai", "OpenAI", "Used for scripts, translations and images.",
            makers={
                Role.SCRIPT: lambda c, s, b: OpenAIScriptWriter(_openai(c, s), budget=b),
                Role.TRANSLATE: lambda c, s, b: OpenAITranslator(_openai(c, s), budget=b),
                Role.IMAGE: lambda c, s, b: OpenAIImages(
                    _openai(c, s, s.openai_image_model), budget=b
                ),
            },
            check=lambda c, s: check_openai_key(_openai(c, s)),
        ),
        Vendor(
            "openai_compatible", "OpenAI-compatible endpoint",
            "Any server that speaks the OpenAI API, e.g. Ollama at http://localhost:11434/v1.",
            makers={
                Role.SCRIPT: lambda c, s, b: OpenAIScriptWriter(_compatible(c, s), budget=b),
                Role.TRANSLATE: lambda c, s, b: OpenAITranslator(_compatible(c, s), budget=b),
            },
            check=lambda c, s: check_openai_key(_compatible(c, s)),
            endpoint=True,
        ),
        Vendor(
            "elevenlabs", "ElevenLabs", "Used for natural voice-overs.",
            makers={
                Role.VOICE: lambda c, s, b: ElevenLabsVoice(
                    c.secret, base_url=s.elevenlabs_base_url or None, timeout=b.timeout
                ),
            },
            check=lambda c, s: _count_voices(
                ElevenLabsVoice(c.secret, base_url=s.elevenlabs_base_url or None, timeout=20)
            ),
        ),
    ]
}  # fmt: skip
OFFLINE: dict[Role, Callable[[], Any]] = {
    Role.SCRIPT: OfflineScriptWriter,
    Role.IMAGE: OfflineImages,
    Role.VOICE: OfflineVoice,
}


def _count_voices(voice: ElevenLabsVoice) -> str:
    return f"Key works: {len(voice.list_voices())} voices available."


def provider_label(name: str) -> str:
    """A provider's name as people read it: "OpenAI", "offline drafts"."""
    vendor = VENDORS.get(name)
    if vendor is not None:
        return vendor.label
    return "offline drafts" if name == "offline" else name
