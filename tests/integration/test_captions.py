"""Captions drawn by the real ffmpeg (libass) with the fonts the pip install provides.

Each check renders single 1080x1920 frames of a plain colour with and without the ASS
file. fontconfig is pointed at an empty folder, so libass sees only our `fontsdir`: a
family name that does not match, or a glyph that no font has, shows up in libass's log
("Glyph ... not found", "failed to find any fallback") instead of being hidden by a
system font.
"""

from __future__ import annotations

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
from core.render.spec import CaptionStyle, ScreenInput
from core.scripts.languages import LANGUAGES

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
