"""Which LLM serves a user: their OpenAI key, else their OpenAI-compatible endpoint, else
the offline writer. Keys are revealed here, at the moment a provider is built."""

from __future__ import annotations

from collections.abc import Callable

from core.errors import InvalidInput
from core.providers.base import ScriptWriter, Translator
from core.providers.offline_writer import OfflineScriptWriter
from core.providers.openai_common import LLMConfig
from core.providers.openai_llm import OpenAIScriptWriter, OpenAITranslator
from core.settings import Settings
from core.uow import UnitOfWork
from core.vault import Cipher, RevealedCredential, reveal

NEEDS_LLM = (
    "Translation needs an LLM: add an OpenAI key or an OpenAI-compatible endpoint "
    "(e.g. a local Ollama) in Settings → API keys."
)

ConfigMaker = Callable[[RevealedCredential, Settings], LLMConfig]

# In order of preference.
LLM_CONFIGS: dict[str, ConfigMaker] = {
    "openai": lambda c, s: LLMConfig(
        api_key=c.secret, model=s.openai_model, base_url=s.openai_base_url or None
    ),
    "openai_compatible": lambda c, s: LLMConfig(
        api_key=c.secret, model=c.model, base_url=c.base_url
    ),
}


class LLMChooser:
    def __init__(
        self, uow_factory: Callable[[], UnitOfWork], cipher: Cipher, settings: Settings
    ) -> None:
        self._uow_factory = uow_factory
        self._cipher = cipher
        self._settings = settings

    def config_for(self, user_id: int) -> LLMConfig | None:
        """The user's preferred LLM configuration, or None when they have no key."""
        for provider, make in LLM_CONFIGS.items():
            cred = reveal(
                uow=self._uow_factory(), cipher=self._cipher, user_id=user_id, provider=provider
            )
            if cred is not None:
                return make(cred, self._settings)
        return None

    def has_llm(self, user_id: int) -> bool:
        return self.config_for(user_id) is not None

    def script_writer(self, user_id: int) -> ScriptWriter:
        config = self.config_for(user_id)
        return OpenAIScriptWriter(config) if config else OfflineScriptWriter()

    def translator(self, user_id: int) -> Translator:
        config = self.config_for(user_id)
        if config is None:
            raise InvalidInput(NEEDS_LLM)
        return OpenAITranslator(config)
