"""The provider roles as small protocols. Adapters live one per module beside this."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Protocol

from core.scripts.content import ScriptContent, ScriptRequest

Progress = Callable[[int, str], None]


@dataclass(frozen=True)
class RevealedCredential:
    """A stored key, decrypted for the call about to be made (core/accounts/credentials.py)."""

    provider: str
    secret: str
    base_url: str
    model: str

    def __repr__(self) -> str:  # never print the secret by accident
        return f"RevealedCredential(provider={self.provider!r}, secret='****')"


@dataclass(frozen=True)
class Budget:
    """How long a job may spend at a vendor: `calls` requests an attempt (a model asked again
    for a reply in the right shape), each allowed `timeout` seconds and `retries` more tries
    by the SDK. The job's own timeout must be longer than all of it (`seconds`)."""

    timeout: float
    retries: int = 0
    calls: int = 1

    @property
    def seconds(self) -> float:
        return self.calls * self.timeout * (self.retries + 1)


class ScriptWriter(Protocol):
    name: str

    def write_script(self, request: ScriptRequest) -> ScriptContent:
        """Return a validated structured script for the request."""
        ...


class Translator(Protocol):
    name: str

    def translate_narrations(self, narrations: list[str], language: str) -> list[str]:
        """Translate each narration into the language; same count, same order."""
        ...


@dataclass(frozen=True)
class ImageRequest:
    prompt: str  # the screen's visual prompt
    style: str  # the style preset's text, appended so that screens look alike
    width: int
    height: int
    variant: int = 0  # 0 for the first image; a re-roll asks for another variant


@dataclass(frozen=True)
class GeneratedImage:
    data: bytes  # PNG (or JPEG/WebP) bytes
    mime: str
    width: int
    height: int


class ImageGenerator(Protocol):
    name: str

    def generate_image(self, request: ImageRequest) -> GeneratedImage:
        """Return one image for the request, at the requested size (or the nearest allowed)."""
        ...


@dataclass(frozen=True)
class WordTiming:
    word: str
    start: float  # seconds from the start of the audio
    end: float


@dataclass(frozen=True)
class VoiceRequest:
    text: str
    language: str  # a code from core.languages
    voice: str = ""  # provider voice id; empty: the provider's default for the language
    model: str = ""


@dataclass(frozen=True)
class SpeechAudio:
    data: bytes  # MP3 or WAV bytes
    mime: str  # "audio/mpeg" or "audio/wav"
    duration: float  # seconds
    words: list[WordTiming] = field(default_factory=list)


@dataclass(frozen=True)
class VoiceOption:
    id: str
    name: str
    language: str = ""


class VoiceSynthesizer(Protocol):
    name: str

    def synthesize(self, request: VoiceRequest) -> SpeechAudio:
        """Speak the text; return the audio with one timing per spoken word."""
        ...

    def list_voices(self) -> list[VoiceOption]:
        """Voices the account (or the offline engine) offers."""
        ...
