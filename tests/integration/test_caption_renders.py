"""Captions in whole renders through the engine: what a viewer sees where two screens
meet, how long a one-word screen stays, a name in another script, the default style."""

from __future__ import annotations

import re
import subprocess
from pathlib import Path

import imageio_ffmpeg
import numpy as np
import pytest

from core.providers.base import WordTiming
from core.render.captions import build_ass
from core.render.fonts import families_for, fonts_dir
from core.render.plan import overlap_frames, segment_frames
from core.render.spec import CaptionStyle, ExportSettings, ScreenInput
from tests.integration.test_captions import (
    HIGHLIGHT,
    WORDS,
    H,
    W,
    changed,
    frame,
    glyph_trouble,
    near,
    run_widths,
    screen_of,
    spread,
)
from tests.integration.test_render_engine import make_image, make_voice, render, settings

SMALL = 720  # the engine tests' 1:1 720p frames


def engine_frames(video: Path, first: int, end: int) -> np.ndarray:
    """Frames first … end−1 of the video as grey images (exact frame numbers, no seeking)."""
    command = [imageio_ffmpeg.get_ffmpeg_exe(), "-v", "error", "-i", str(video)]
    command += ["-vf", f"select='between(n,{first},{end - 1})'", "-fps_mode", "passthrough"]
    command += ["-f", "rawvideo", "-pix_fmt", "gray", "-"]
    raw = subprocess.run(command, capture_output=True, check=True, timeout=60).stdout
    return np.frombuffer(raw, dtype=np.uint8).reshape(-1, SMALL, SMALL).astype(np.int16)


def loudest(video: Path, start: float, end: float) -> float:
    """The peak level (dBFS) of the sound between two times."""
    command = [imageio_ffmpeg.get_ffmpeg_exe(), "-hide_banner", "-nostdin", "-i", str(video)]
    command += ["-af", f"atrim={start}:{end},volumedetect", "-vn", "-f", "null", "-"]
    stderr = subprocess.run(command, capture_output=True, text=True, check=True).stderr
    return float(re.findall(r"max_volume: (-?[\d.]+|-inf) dB", stderr)[-1])


def voiced(
    folder: Path, position: int, words: list[tuple[str, float, float]], seconds: float
) -> ScreenInput:
    """A screen with a picture of its own and a voice of `seconds` that says `words`."""
    folder.mkdir(parents=True, exist_ok=True)
    return ScreenInput(
        position=position,
        image=make_image(folder / f"image{position}.png", position + 1),
        audio=make_voice(folder / f"voice{position}.wav", seconds, freq=220 + 90 * position),
        audio_seconds=seconds,
        narration=" ".join(word for word, _, _ in words),
        words=[WordTiming(word=w, start=s, end=e) for w, s, e in words],
    )


def test_only_one_caption_shows_while_screens_crossfade(tmp_path: Path) -> None:
    # A long caption on the first screen, a short one on the second: during the fade only
    # the short one may differ from the same video rendered without captions. The first
    # screen's last word is still spoken when the fade starts (pad 0.3 s < fade 0.5 s).
    first = voiced(tmp_path / "in", 0, [("Wonderful", 0.1, 0.7), ("world", 0.8, 1.58)], 1.6)
    second = voiced(tmp_path / "in", 1, [("Hi", 0.1, 1.5)], 2.4)
    style = CaptionStyle(size=60, position="middle", highlight=False)
    plain_settings = settings(motion=False, transition_seconds=0.5)
    with_captions = plain_settings.model_copy(update={"captions": style})
    plain, captioned = tmp_path / "plain.mp4", tmp_path / "captioned.mp4"
    render([first, second], plain, plain_settings, cache=tmp_path / "cache")
    render([first, second], captioned, with_captions, cache=tmp_path / "cache")

    fade_start = segment_frames(first, with_captions)[0] - overlap_frames(with_captions)
    fade_end = fade_start + overlap_frames(with_captions)  # the fade's frames: [start, end)
    diff = np.abs(
        engine_frames(captioned, fade_start - 2, fade_end + 2)
        - engine_frames(plain, fade_start - 2, fade_end + 2)
    )
    caption = diff > 40  # pixels a caption changed
    before, fading, after = caption[:2], caption[2:-2], caption[-2:]
    columns = [np.nonzero(img.any(axis=0))[0] for img in (before[-1], after[0])]
    long_span, short_span = (int(c.max() - c.min()) for c in columns)
    assert long_span > 2 * short_span + 100, (long_span, short_span)  # each caption alone
    short = slice(int(columns[1].min()) - 10, int(columns[1].max()) + 11)
    for index, image in enumerate(fading):
        outside = image.copy()
        outside[:, short] = False  # where only the first screen's caption could be
        assert outside.sum() < 20, f"frame {fade_start + index} shows the first caption"
    assert fading[len(fading) // 2][:, short].sum() > 100  # the second one is fading in
    assert after[0].sum() > 100


def test_a_one_word_screen_stays_with_its_caption_for_the_minimum(tmp_path: Path) -> None:
    short = voiced(tmp_path / "in", 0, [("Hi", 0.05, 0.35)], 0.4)
    following = voiced(tmp_path / "in", 1, [("Next", 0.1, 0.6)], 1.0)
    style = CaptionStyle(size=60, position="middle", highlight=False)
    export = settings(motion=False, captions=style, min_screen_seconds=2.0)
    plain_export = settings(motion=False, min_screen_seconds=2.0)
    assert ExportSettings().min_screen_seconds == 2.0  # the default
    captioned, plain = tmp_path / "captioned.mp4", tmp_path / "plain.mp4"
    render([short, following], captioned, export, cache=tmp_path / "cache")
    render([short, following], plain, plain_export, cache=tmp_path / "cache")

    fps = export.fps
    held = round(2.0 * fps)  # 2 s before the next screen starts to fade in
    shown = engine_frames(captioned, 0, held + 6)
    bare = engine_frames(plain, 0, held + 6)
    assert len(shown) == len(bare) == held + 6  # the video lasts past the minimum
    # The picture is the first screen's until the minimum is over...
    assert np.abs(bare[held - 1] - bare[3]).mean() < 1.0
    assert np.abs(bare[held + 5] - bare[3]).mean() > 5.0  # ...then the next one fades in
    # ...and the caption shows all that time, long after the voice stopped
    for number in range(round(0.1 * fps), held):
        assert (np.abs(shown[number] - bare[number]) > 40).sum() > 100, f"frame {number}"
    # the voice, then silence while the screen is held
    assert loudest(captioned, 0.05, 0.35) > -30
    assert loudest(captioned, 0.6, 1.9) < -50


def test_a_name_in_another_script_is_drawn_from_a_font_that_has_it(
    tmp_path: Path, fc_env: dict[str, str], fonts: Path
) -> None:
    words = [("Today", 0.1, 0.3), ("we", 0.3, 0.5), ("meet", 0.5, 0.9), ("李小龙", 1.0, 1.5)]
    words += [("in", 1.6, 1.7), ("Hong", 1.7, 1.9), ("Kong", 1.9, 2.1)]
    style = CaptionStyle(words_per_line=8, highlight_color=HIGHLIGHT)
    ass = build_ass(screen_of(words), style, width=W, height=H, language="en", duration=2.5)
    assert "Style: Caption,Noto Sans," in ass  # Latin text keeps its font
    needed = fonts_dir(fonts.parent, families_for([ass]))  # the folder a render would use
    for at in (0.7, 1.2):  # a Latin word highlighted, then the name
        image, log = frame(tmp_path, fc_env, at, ass, needed)
        assert "Glyph" not in log and glyph_trouble(log) == []
        assert near(image, HIGHLIGHT).sum() > 1000
    # Without the per-run font, libass itself says that Noto Sans lacks the name's glyphs.
    bare = re.sub(r"\{\\fn[^}]*\}", "", ass)
    assert bare != ass
    tofu, log = frame(tmp_path, fc_env, 1.2, bare, fonts)
    assert "Glyph 0x674E not found" in log and "failed to find any fallback" in log
    assert (changed(image) != changed(tofu)).sum() > 2000


@pytest.mark.parametrize(
    ("language", "text"),
    [
        ("en", "Today we meet 李小龙 in Hong Kong"),
        ("hi", "आज हम 東京 में Zoë से मिले"),
        ("ar", "زرنا 北京 مع Олег"),
        ("ja", "東京でمرحباと言った"),
        ("ta", "இன்று 李 Ελλάδα"),
    ],
)
def test_mixed_scripts_draw_without_missing_glyphs(
    tmp_path: Path, fc_env: dict[str, str], fonts: Path, language: str, text: str
) -> None:
    ass = build_ass(
        spread(text),
        CaptionStyle(words_per_line=12),
        width=W,
        height=H,
        language=language,
        duration=2,
    )
    image, log = frame(tmp_path, fc_env, 1.0, ass, fonts_dir(fonts.parent, families_for([ass])))
    assert glyph_trouble(log) == [] and "Glyph" not in log
    assert changed(image).sum() > 3000


def test_the_default_caption_is_big_bold_and_lifted_above_the_bottom(
    tmp_path: Path, fc_env: dict[str, str], fonts: Path
) -> None:
    ass = build_ass(
        screen_of(WORDS), CaptionStyle(), width=W, height=H, language="en", duration=3.2
    )
    image, _ = frame(tmp_path, fc_env, 0.5, ass, fonts)
    rows = np.nonzero(changed(image))[0]
    # low on the frame, but clear of the bottom fifth where phone apps draw their buttons
    assert rows.min() > H * 0.55 and rows.max() < H * 0.8
    assert rows.max() - rows.min() > 0.045 * H  # big letters (with their outline)
    dark = near(image, "#000000")
    assert dark.sum() > 20_000  # a dark outline around them...
    assert np.median(run_widths(dark)) >= 7  # ...and a thick one: 7 px across at 1080 px
