"""Which image and voice providers serve a user: their vendor key if stored, else offline.
Keys are revealed here, in the worker, at the moment a provider is built."""

from __future__ import annotations

from collections.abc import Callable

from core.providers.base import ImageGenerator, VoiceSynthesizer
from core.providers.elevenlabs_voice import ElevenLabsVoice
from core.providers.offline_images import OfflineImages
from core.providers.offline_voice import OfflineVoice
from core.providers.openai_common import LLMConfig
from core.providers.openai_images import OpenAIImages
from core.settings import Settings
from core.uow import UnitOfWork
from core.vault import Cipher, RevealedCredential, reveal

ImageMaker = Callable[[RevealedCredential, Settings], ImageGenerator]
VoiceMaker = Callable[[RevealedCredential, Settings], VoiceSynthesizer]

IMAGE_PROVIDERS: dict[str, ImageMaker] = {
    "openai": lambda c, s: OpenAIImages(
        LLMConfig(api_key=c.secret, model=s.openai_image_model, base_url=s.openai_base_url or None),
        model=s.openai_image_model,
    ),
}
VOICE_PROVIDERS: dict[str, VoiceMaker] = {
    "elevenlabs": lambda c, s: ElevenLabsVoice(c.secret, base_url=s.elevenlabs_base_url or None),
}


class MediaChooser:
    def __init__(
        self, uow_factory: Callable[[], UnitOfWork], cipher: Cipher, settings: Settings
    ) -> None:
        self._uow_factory = uow_factory
        self._cipher = cipher
        self._settings = settings

    def images(self, user_id: int) -> ImageGenerator:
        for provider, make in IMAGE_PROVIDERS.items():
            cred = self._reveal(user_id, provider)
            if cred is not None:
                return make(cred, self._settings)
        return OfflineImages()

    def voice(self, user_id: int) -> VoiceSynthesizer:
        for provider, make in VOICE_PROVIDERS.items():
            cred = self._reveal(user_id, provider)
            if cred is not None:
                return make(cred, self._settings)
        return OfflineVoice()

    def _reveal(self, user_id: int, provider: str) -> RevealedCredential | None:
        return reveal(
            uow=self._uow_factory(), cipher=self._cipher, user_id=user_id, provider=provider
        )
