"""The *Test* button of the key vault: one checker per provider, chosen by name."""

from __future__ import annotations

from collections.abc import Callable

from core.errors import NotFound
from core.providers.elevenlabs_check import check_elevenlabs_key
from core.providers.openai_common import LLMConfig
from core.providers.openai_llm import check_openai_key
from core.settings import Settings
from core.uow import UnitOfWork
from core.vault import PROVIDERS, Cipher, RevealedCredential, reveal

Checker = Callable[[RevealedCredential, Settings], str]

CHECKERS: dict[str, Checker] = {
    "openai": lambda c, s: check_openai_key(
        LLMConfig(api_key=c.secret, model=s.openai_model, base_url=s.openai_base_url or None)
    ),
    "openai_compatible": lambda c, s: check_openai_key(
        LLMConfig(api_key=c.secret, model=c.model, base_url=c.base_url)
    ),
    "elevenlabs": lambda c, s: check_elevenlabs_key(c.secret, s.elevenlabs_base_url or None),
}


def test_credential(
    *, uow: UnitOfWork, cipher: Cipher, settings: Settings, user_id: int, provider: str
) -> str:
    """Call the provider with the stored key; return its verdict or raise a ProviderError."""
    cred = reveal(uow=uow, cipher=cipher, user_id=user_id, provider=provider)
    if cred is None:
        raise NotFound(f"No {PROVIDERS.get(provider, provider)} key is stored.")
    return CHECKERS[provider](cred, settings)
