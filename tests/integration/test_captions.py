"""Captions drawn by the real ffmpeg (libass) with the fonts the pip install provides.

Each check renders single 1080x1920 frames of a plain colour with and without the ASS
file. fontconfig is pointed at an empty folder, so libass sees only our `fontsdir`: a
family name that does not match, or a glyph that no font has, shows up in libass's log
("Glyph ... not found", "failed to find any fallback") instead of being hidden by a
system font.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
from pathlib import Path

import imageio_ffmpeg
import numpy as np
import pytest
from fontTools.ttLib import TTFont

from core.providers.base import WordTiming
from core.render.captions import CHARACTER_LANGUAGES, ass_filter, build_ass
from core.render.fonts import FAMILIES, families_for, family_for, font_files, fonts_dir
from core.render.plan import overlap_frames, segment_frames
from core.render.spec import CaptionStyle, ExportSettings, ScreenInput
from core.scripts.languages import LANGUAGES
from tests.integration.test_render_engine import make_image, make_voice, render, settings

W, H = 1080, 1920
BACKGROUND = (0x33, 0x66, 0x99)
HIGHLIGHT = "#FFD84D"
WORDS = [("Octopuses", 0.20, 0.70), ("can", 0.80, 1.00), ("change", 1.10, 1.50)]
WORDS += [("colour", 1.60, 2.10), ("in", 2.20, 2.30), ("seconds", 2.40, 3.00)]

SAMPLES = {
    "en": "The quick brown fox jumps over the lazy dog",
    "zh": "你好世界，这是简体中文的字幕测试。",
    "hi": "नमस्ते दुनिया, यह हिंदी कैप्शन है।",
    "es": "El pingüino Wenceslao hizo kilómetros bajo exhaustiva lluvia, ¿sí? ¡Ñu!",
    "fr": "Portez ce vieux whisky au juge blond qui fume : ça, œuvre, où, île",
    "ar": "مرحبا بالعالم، هذه ترجمة عربية؟",
    "bn": "হ্যালো বিশ্ব, এটি বাংলা ক্যাপশন।",
    "pt": "À noite, vovô Kowalsky vê o ímã cair no pé do pinguim queixoso; vovó põe açúcar",
    "ru": "Съешь же ещё этих мягких французских булок, да выпей чаю",
    "ur": "ہیلو دنیا، یہ اردو کیپشن ہے۔ ٹڈڑںگ",
    "id": "Halo dunia, ini adalah teks bahasa Indonesia",
    "de": "Zwölf Boxkämpfer jagen Viktor quer über den großen Sylter Deich",
    "ja": "こんにちは世界、これは日本語の字幕です。カタカナ",
    "mr": "नमस्कार जग, हे मराठी कॅप्शन आहे. ळ",
    "te": "హలో ప్రపంచం, ఇది తెలుగు శీర్షిక.",
    "tr": "Pijamalı hasta yağız şoföre çabucak güvendi",
    "ta": "வணக்கம் உலகம், இது தமிழ் தலைப்பு.",
    "vi": "Xin chào thế giới, đây là phụ đề tiếng Việt ở Hà Nội",
    "ko": "안녕하세요 세계, 이것은 한국어 자막입니다.",
    "it": "Quel vituperabile xenofobo zelante assaggia il whisky ed esclama: perché?",
    "fa": "سلام دنیا، این زیرنویس فارسی است. پچژگ",
    "pl": "Zażółć gęślą jaźń",
    "uk": "Чуєш їх, доцю, га? Кумедна ж ти, прощайся без ґольфів!",
    "nl": "Pa's wijze lynx bezag vroom het fikse aquaduct",
    "el": "Γειά σου κόσμε, ξεσκεπάζω την ψυχοφθόρα βδελυγμία",
    "sw": "Habari dunia, haya ni maelezo mafupi ya Kiswahili",
}


@pytest.fixture(scope="module")
def fonts(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return fonts_dir(tmp_path_factory.mktemp("cache"))


@pytest.fixture(scope="module")
def fc_env(tmp_path_factory: pytest.TempPathFactory) -> dict[str, str]:
    root = tmp_path_factory.mktemp("fontconfig")
    (root / "none").mkdir()
    conf = root / "fonts.conf"
    conf.write_text(
        '<?xml version="1.0"?><!DOCTYPE fontconfig SYSTEM "urn:fontconfig:fonts.dtd">'
        f"<fontconfig><dir>{root / 'none'}</dir><cachedir>{root / 'cache'}</cachedir>"
        "</fontconfig>"
    )
    return {**os.environ, "FONTCONFIG_FILE": str(conf)}


def missing_glyphs(text: str, language: str) -> list[str]:
    """Characters of the text (once each) that the language's caption font cannot draw."""
    with TTFont(str(family_for(language).paths()[0]), lazy=True) as font:
        cmap = font.getBestCmap()
    found: list[str] = []
    for char in text:
        drawn = char.isspace() or not char.isprintable() or ord(char) in cmap
        if not drawn and char not in found:
            found.append(char)
    return found


def screen_of(words: list[tuple[str, float, float]], seconds: float = 3.2) -> ScreenInput:
    timings = [WordTiming(word=w, start=s, end=e) for w, s, e in words]
    narration = " ".join(w for w, _, _ in words)
    return ScreenInput(0, Path("i.png"), Path("a.wav"), seconds, narration, timings)


def spread(text: str, seconds: float = 2.0) -> ScreenInput:
    return ScreenInput(0, Path("i.png"), Path("a.wav"), seconds, text, [])


def frame(
    tmp: Path, env: dict[str, str], at: float, ass: str | None, fonts: Path
) -> tuple[np.ndarray, str]:
    """The frame at `at` seconds (RGB array) and libass's log lines."""
    chain = f"setpts=PTS+{at}/TB"
    if ass is not None:
        path = tmp / f"captions-{len(list(tmp.glob('captions-*')))}.ass"
        path.write_text(ass, encoding="utf-8")
        chain += "," + ass_filter(path, fonts)
    return grab(chain, env)


def grab(chain: str, env: dict[str, str]) -> tuple[np.ndarray, str]:
    """One frame of the background colour through the filter chain, and libass's log."""
    color = f"color=c=0x{''.join(f'{c:02x}' for c in BACKGROUND)}:s={W}x{H}:d=1"
    command = [imageio_ffmpeg.get_ffmpeg_exe(), "-hide_banner", "-v", "info", "-f", "lavfi"]
    command += ["-i", color, "-vf", chain, "-frames:v", "1", "-f", "rawvideo"]
    command += ["-pix_fmt", "rgb24", "-"]
    run = subprocess.run(command, env=env, capture_output=True, timeout=60)
    stderr = run.stderr.decode(errors="replace")
    assert run.returncode == 0, stderr[-2000:]
    pixels = np.frombuffer(run.stdout, dtype=np.uint8).reshape(H, W, 3).astype(np.int16)
    return pixels, "\n".join(line for line in stderr.splitlines() if "Parsed_ass" in line)


def changed(image: np.ndarray) -> np.ndarray:
    """Pixels that are no longer the background (mask)."""
    return np.abs(image - np.array(BACKGROUND)).max(axis=2) > 40


def near(image: np.ndarray, hex_colour: str) -> np.ndarray:
    rgb = np.array([int(hex_colour[i : i + 2], 16) for i in (1, 3, 5)])
    return np.abs(image - rgb).max(axis=2) < 30


def run_widths(mask: np.ndarray) -> np.ndarray:
    """The lengths of the mask's horizontal runs of set pixels."""
    steps = np.diff(np.pad(mask.astype(np.int8), ((0, 0), (1, 1))), axis=1)
    return np.nonzero(steps == -1)[1] - np.nonzero(steps == 1)[1]


def glyph_trouble(log: str) -> list[str]:
    return re.findall(r"Glyph 0x[0-9A-F]+ not found|failed to find any fallback[^\n]*", log)


def dialogues(ass: str) -> list[tuple[str, str, str]]:
    """(start, end, text) of every Dialogue line."""
    found = []
    for line in ass.splitlines():
        if line.startswith("Dialogue:"):
            fields = line.split(":", 1)[1].split(",", 9)
            found.append((fields[1], fields[2], fields[9]))
    return found


def seconds(stamp: str) -> float:
    hours, minutes, rest = stamp.split(":")
    return int(hours) * 3600 + int(minutes) * 60 + float(rest)


def parse_text(text: str) -> tuple[list[str], list[str], str]:
    """Read a Dialogue text the way libass does: (override blocks, escapes, visible text)."""
    blocks: list[str] = []
    escapes: list[str] = []
    visible: list[str] = []
    i = 0
    while i < len(text):
        pair = text[i : i + 2]
        if pair in ("\\{", "\\}"):
            visible.append(pair[1])
            i += 2
        elif pair in ("\\N", "\\n", "\\h"):
            escapes.append(pair)
            i += 2
        elif text[i] == "{" and "}" in text[i:]:
            end = text.index("}", i)
            blocks.append(text[i : end + 1])
            i = end + 1
        else:
            visible.append(text[i])
            i += 1
    return blocks, escapes, "".join(visible).replace("\u2060", "")


def test_fonts_folder_holds_our_files_and_names_match_them(tmp_path: Path, fonts: Path) -> None:
    assert sorted(p.name for p in fonts.iterdir()) == sorted(p.name for p in font_files())
    assert fonts_dir(fonts.parent) == fonts  # reused, not rebuilt
    for family in FAMILIES:
        with TTFont(str(family.paths()[0]), lazy=True) as font:
            assert font["name"].getDebugName(1) == family.family  # the name libass matches
    assert family_for("ja").family == family_for("zh").family == "Noto Sans CJK TC Regular"
    assert family_for("ur").family == "Noto Sans Arabic"
    assert family_for("sw").family == "Noto Sans"


def test_caption_shows_at_word_time_and_only_in_its_band(
    tmp_path: Path, fc_env: dict[str, str], fonts: Path
) -> None:
    ass = build_ass(
        screen_of(WORDS), CaptionStyle(), width=W, height=H, language="en", duration=3.2
    )
    plain, _ = frame(tmp_path, fc_env, 0.5, None, fonts)
    shown, log = frame(tmp_path, fc_env, 0.5, ass, fonts)
    before, _ = frame(tmp_path, fc_env, 0.1, ass, fonts)  # no word spoken yet
    assert not glyph_trouble(log)
    diff = changed(shown) & ~changed(plain)
    assert diff[int(H * 2 / 3) :].sum() > 3000  # the caption, in the bottom third
    assert diff[: int(H * 2 / 3)].sum() == 0  # and nothing anywhere else
    assert changed(before).sum() == 0


def test_highlight_follows_the_spoken_word(
    tmp_path: Path, fc_env: dict[str, str], fonts: Path
) -> None:
    style = CaptionStyle(highlight_color=HIGHLIGHT)
    ass = build_ass(screen_of(WORDS), style, width=W, height=H, language="en", duration=3.2)
    first, _ = frame(tmp_path, fc_env, 0.5, ass, fonts)  # "Octopuses"
    third, _ = frame(tmp_path, fc_env, 1.3, ass, fonts)  # "change", same line
    lit_first, lit_third = near(first, HIGHLIGHT), near(third, HIGHLIGHT)
    assert lit_first.sum() > 1000 and lit_third.sum() > 1000
    assert np.nonzero(lit_third)[1].mean() > np.nonzero(lit_first)[1].mean() + 150
    white = near(first, "#FFFFFF").sum()
    assert white > 1000  # the other words keep the normal colour
    plain = CaptionStyle(highlight=False)
    ass_off = build_ass(screen_of(WORDS), plain, width=W, height=H, language="en", duration=3.2)
    off, _ = frame(tmp_path, fc_env, 0.5, ass_off, fonts)
    assert near(off, HIGHLIGHT).sum() == 0


def test_arabic_reads_right_to_left(tmp_path: Path, fc_env: dict[str, str], fonts: Path) -> None:
    words = [("مرحبا", 0.1, 0.6), ("Python", 0.7, 1.2), ("عالم!", 1.3, 1.8)]
    style = CaptionStyle(highlight_color=HIGHLIGHT)
    ass = build_ass(screen_of(words), style, width=W, height=H, language="ar", duration=2)
    first, log = frame(tmp_path, fc_env, 0.3, ass, fonts)
    last, _ = frame(tmp_path, fc_env, 1.5, ass, fonts)
    assert not glyph_trouble(log)
    # The first word spoken stands at the right, the last at the left, Latin in between.
    first_x = np.nonzero(near(first, HIGHLIGHT))[1].mean()
    last_x = np.nonzero(near(last, HIGHLIGHT))[1].mean()
    assert first_x > W / 2 > last_x and first_x - last_x > 150


@pytest.mark.parametrize(("position", "third"), [("top", 0), ("middle", 1), ("bottom", 2)])
def test_position_puts_text_in_its_third(
    tmp_path: Path, fc_env: dict[str, str], fonts: Path, position: str, third: int
) -> None:
    style = CaptionStyle(position=position)  # type: ignore[arg-type]
    ass = build_ass(screen_of(WORDS), style, width=W, height=H, language="en", duration=3.2)
    rows = np.nonzero(changed(frame(tmp_path, fc_env, 0.5, ass, fonts)[0]))[0]
    assert rows.size > 3000
    assert third * H / 3 <= rows.min() and rows.max() < (third + 1) * H / 3


@pytest.mark.parametrize("language", sorted(LANGUAGES))
def test_every_language_draws_with_its_own_font(
    tmp_path: Path, fc_env: dict[str, str], fonts: Path, language: str
) -> None:
    text = SAMPLES[language]
    assert missing_glyphs(text, language) == []
    ass = build_ass(spread(text), CaptionStyle(), width=W, height=H, language=language, duration=2)
    assert f"Style: Caption,{family_for(language).family}," in ass
    # the folder a render gives libass: only the families its captions need
    needed = fonts_dir(fonts.parent, families_for([ass]))
    assert len(list(needed.iterdir())) < len(list(fonts.iterdir()))
    image, log = frame(tmp_path, fc_env, 0.3, ass, needed)
    assert glyph_trouble(log) == []  # every glyph came from the family we asked for
    assert changed(image).sum() > 3000


@pytest.mark.parametrize("language", ["ja", "ko", "ar", "bn", "te"])
def test_tofu_check_fails_without_the_script_font(
    tmp_path: Path, fc_env: dict[str, str], fonts: Path, language: str
) -> None:
    latin_only = tmp_path / "latin"
    latin_only.mkdir()
    noto = font_files()[0]
    (latin_only / noto.name).symlink_to(noto)
    text = SAMPLES[language]
    style = CaptionStyle(highlight=False)
    ours = build_ass(spread(text), style, width=W, height=H, language=language, duration=2)
    good, _ = frame(tmp_path, fc_env, 0.3, ours, fonts)
    tofu, log = frame(
        tmp_path, fc_env, 0.3, ours.replace(family_for(language).family, "Noto Sans"), latin_only
    )
    assert missing_glyphs(text, "en")  # Noto Sans alone cannot write it...
    assert "failed to find any fallback" in log  # ...libass says so...
    assert (changed(good) != changed(tofu)).sum() > 2000  # ...and the boxes look different


def test_user_text_cannot_become_override_tags(
    tmp_path: Path, fc_env: dict[str, str], fonts: Path
) -> None:
    nasty = [
        ('He said: "hi",', 0.1, 0.4),
        ("{\\pos(540,100)}", 0.4, 0.7),
        ("back\\slash\\N\\n\\h", 0.7, 1.0),
        ("a}b{c\\", 1.0, 1.3),
        ("emoji😀👍🏽\u2764\ufe0f", 1.3, 1.6),
        ("new\nline\ttab\x07bell", 1.6, 1.9),
        ("{\\b1}{\\c&H0000FF&}", 1.9, 2.2),
        ("end\\", 2.2, 2.5),
    ]
    style = CaptionStyle(highlight_color=HIGHLIGHT, words_per_line=4)
    ass = build_ass(screen_of(nasty), style, width=W, height=H, language="en", duration=3)
    expected = [
        'He said: "hi", {\\pos(540,100)} back\\slash\\N\\n\\h a}b{c\\',
        "emoji new line tabbell {\\b1}{\\c&H0000FF&} end\\",
    ]
    events = dialogues(ass)
    assert len(events) == len(nasty) + 1  # one per word, then the last line unlit
    for index, (_, _, text) in enumerate(events):
        blocks, escapes, visible = parse_text(text)
        lit = index < len(nasty)
        assert blocks == (["{\\c&H4DD8FF&}", "{\\r}"] if lit else [])  # ours, nothing else
        assert escapes == []
        assert visible == expected[min(index, len(nasty) - 1) // 4]
    for at in (0.2, 0.5, 1.4, 2.0):
        image, log = frame(tmp_path, fc_env, at, ass, fonts)
        assert glyph_trouble(log) == []  # the emoji were dropped, not drawn as boxes
        rows = np.nonzero(changed(image))[0]
        assert rows.size > 3000 and rows.min() > H / 2  # no \pos moved it to the top


def test_times_follow_the_word_timings(tmp_path: Path) -> None:
    words = [("one", 0.123, 0.456), ("two", 0.5, 0.9), ("three", 0.95, 1.4), ("four", 1.45, 2.0)]
    words += [("five", 2.1, 2.6), ("six", 2.7, 3.9)]
    style = CaptionStyle(words_per_line=3)
    ass = build_ass(screen_of(words), style, width=W, height=H, language="en", duration=3.5)
    times = [(seconds(start), seconds(end)) for start, end, _ in dialogues(ass)]
    assert times == [
        (0.12, 0.5),
        (0.5, 0.95),
        (0.95, 1.4),
        (1.45, 2.1),
        (2.1, 2.7),
        (2.7, 3.5),  # clamped to the screen's duration
    ]
    plain = CaptionStyle(words_per_line=3, highlight=False)
    shifted = build_ass(
        screen_of(words), plain, width=W, height=H, language="en", offset=10, duration=3.5
    )
    grouped = [(seconds(s), seconds(e), text) for s, e, text in dialogues(shifted)]
    assert grouped == [(10.12, 11.4, "one two three"), (11.45, 13.5, "four five six")]


def test_without_timings_words_spread_over_the_audio() -> None:
    screen = spread("a narration with no timings at all from the voice", seconds=4.0)
    style = CaptionStyle(words_per_line=2)
    events = dialogues(build_ass(screen, style, width=W, height=H, language="en", duration=4.0))
    starts = [seconds(start) for start, _, _ in events]
    assert starts[0] == 0 and seconds(events[-1][1]) == 4.0
    assert starts == sorted(starts) and len(events) == 10


def test_header_scales_the_style_to_the_frame() -> None:
    style = CaptionStyle(size=64, outline=4, color="#112233", outline_color="#445566")
    ass = build_ass(spread("hi"), style, width=720, height=1280, language="ar", duration=1)
    assert "PlayResX: 720\nPlayResY: 1280\n" in ass and "ScaledBorderAndShadow: yes" in ass
    # 64 px at 1080 → 43 px at 720, × 1.43 so that Arabic's em matches Noto Sans's.
    assert "Style: Caption,Noto Sans Arabic,61,&H00332211,&H00332211,&H00665544," in ass
    # outline, bottom, margins (22% of the height from the bottom), automatic direction
    assert ",2.7,0,2,43,43,282,-1" in ass


@pytest.mark.parametrize("language", sorted(CHARACTER_LANGUAGES))
def test_chinese_and_japanese_lines_are_cut_by_characters(language: str) -> None:
    text = SAMPLES[language] * 3
    ass = build_ass(
        spread(text),
        CaptionStyle(highlight=False),
        width=W,
        height=H,
        language=language,
        duration=6,
    )
    lines = [line for _, _, line in dialogues(ass)]
    assert len(lines) >= 4 and all(len(line) <= 10 for line in lines)
    assert "".join(lines) == text


def test_filter_escaping_survives_awkward_paths(
    tmp_path: Path, fc_env: dict[str, str], fonts: Path
) -> None:
    awkward = tmp_path / "it's a [test]; with, commas: and \\ backslash"
    awkward.mkdir()
    shutil.copytree(fonts, awkward / "fonts, too", symlinks=True)
    ass = awkward / "caption's: file.ass"
    ass.write_text(
        build_ass(screen_of(WORDS), CaptionStyle(), width=W, height=H, language="en", duration=3.2),
        encoding="utf-8",
    )
    chain = "setpts=PTS+0.5/TB," + ass_filter(ass, awkward / "fonts, too")
    image, log = grab(chain, fc_env)
    assert changed(image).sum() > 3000 and not glyph_trouble(log)


# Whole renders through the engine: what a viewer sees where two screens meet.

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
