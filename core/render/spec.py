"""What a render takes and gives: export settings, screen inputs and the result."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal, Protocol

from pydantic import BaseModel, ConfigDict, Field

from core.providers.base import WordTiming

SIZES: dict[tuple[str, str], tuple[int, int]] = {
    ("9:16", "1080p"): (1080, 1920),
    ("16:9", "1080p"): (1920, 1080),
    ("1:1", "1080p"): (1080, 1080),
    ("9:16", "720p"): (720, 1280),
    ("16:9", "720p"): (1280, 720),
    ("1:1", "720p"): (720, 720),
}
QUALITY_CRF = {"high": 18, "standard": 23, "small": 28}
TRANSITIONS = ("cut", "crossfade", "fade_black", "slide_left", "wipe_left", "circle")


class CaptionStyle(BaseModel):
    model_config = ConfigDict(extra="forbid")
    enabled: bool = True
    font: str = "Noto Sans"  # family; scripts other than Latin/Cyrillic/Greek get a Noto fallback
    # Defaults for shorts: big bold words, a few at a time, thick outline, lower third.
    size: int = Field(default=120, ge=16, le=200)  # ASS line height, px at 1080 px of width
    color: str = Field(default="#FFFFFF", pattern=r"^#[0-9A-Fa-f]{6}$")
    outline_color: str = Field(default="#000000", pattern=r"^#[0-9A-Fa-f]{6}$")
    outline: int = Field(default=8, ge=0, le=20)
    position: Literal["bottom", "middle", "top"] = "bottom"
    # % of the frame's height between the caption and the bottom (or top) edge: phone apps
    # draw their buttons and titles over the bottom fifth of a short
    margin: int = Field(default=22, ge=2, le=40)
    highlight: bool = True  # word-by-word highlight of the spoken word
    highlight_color: str = Field(default="#FFD84D", pattern=r"^#[0-9A-Fa-f]{6}$")
    words_per_line: int = Field(default=3, ge=1, le=12)


class ExportSettings(BaseModel):
    """Everything the user chooses for one render (defaults from the workspace preset)."""

    model_config = ConfigDict(extra="forbid")
    aspect: Literal["9:16", "16:9", "1:1"] = "9:16"
    resolution: Literal["1080p", "720p"] = "1080p"
    fps: Literal[24, 30, 60] = 30
    quality: Literal["high", "standard", "small"] = "standard"
    preset: str = "veryfast"  # libx264 speed preset
    captions: CaptionStyle = Field(default_factory=CaptionStyle)
    transition: Literal["cut", "crossfade", "fade_black", "slide_left", "wipe_left", "circle"] = (
        "crossfade"
    )
    transition_seconds: float = Field(default=0.5, ge=0.1, le=2.0)
    motion: bool = True  # Ken Burns on stills
    motion_strength: float = Field(default=0.5, ge=0.0, le=1.0)
    pad_seconds: float = Field(default=0.3, ge=0.0, le=3.0)  # silence after each voice-over
    # A screen with a very short voice-over (one word) is held, silent, until it has been
    # shown this long: from its start to the start of the next screen's transition.
    min_screen_seconds: float = Field(default=2.0, ge=0.0, le=10.0)
    music_volume: float = Field(default=0.15, ge=0.0, le=1.0)
    loudness_lufs: float = Field(default=-14.0, ge=-30.0, le=-5.0)

    @property
    def size(self) -> tuple[int, int]:
        return SIZES[(self.aspect, self.resolution)]

    @property
    def crf(self) -> int:
        return QUALITY_CRF[self.quality]


@dataclass(frozen=True)
class ScreenInput:
    position: int  # 0-based
    image: Path
    audio: Path
    audio_seconds: float
    narration: str
    words: list[WordTiming] = field(default_factory=list)  # empty: spread over the duration


@dataclass(frozen=True)
class RenderInput:
    screens: list[ScreenInput]
    settings: ExportSettings
    language: str = "en"
    music: Path | None = None


@dataclass(frozen=True)
class RenderResult:
    output: Path
    thumbnail: Path
    duration: float
    width: int
    height: int
    fps: int
    segments_encoded: int  # how many screen segments had to be encoded this time
    segments_reused: int  # how many came from the cache


RenderProgress = Callable[[int, str], None]


class Renderer(Protocol):
    def render(
        self, job: RenderInput, output: Path, *, cache_dir: Path, progress: RenderProgress
    ) -> RenderResult:
        """Write the MP4 to `output` (atomically) and a thumbnail beside it."""
        ...
