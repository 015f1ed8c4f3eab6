"""Validate an ElevenLabs key with the official SDK.

It lists the account's voices (the call the studio needs anyway) rather than reading
/v1/user, which a key restricted to text-to-speech may not be allowed to read; errors
come from the voice adapter's mapping.
"""

from __future__ import annotations

from core.providers.elevenlabs_voice import ElevenLabsVoice


def check_elevenlabs_key(api_key: str, base_url: str | None = None) -> str:
    """Return a short success message, or raise a ProviderError people can act on."""
    voices = ElevenLabsVoice(api_key, base_url=base_url, timeout=20).list_voices()
    return f"Key works: {len(voices)} voices available."
