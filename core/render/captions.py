"""Word-timed captions as an ASS document, drawn by libass through ffmpeg's `ass` filter.

Text from users and translators is cleaned before it reaches ASS:
- control characters go; line breaks and tabs become spaces;
- characters that none of our fonts can draw go too (emoji above all: libass draws no
  colour glyphs and we ship no emoji font, so they would show as empty boxes);
- a run of characters that the caption's family lacks (a Chinese name in English text)
  is wrapped in `\\fn` and `\\fs` overrides naming one of our families that has them,
  sized so that its em matches (libass would otherwise look only in system fonts);
- `{` and `}` are written `\\{` and `\\}` (libass escapes), so user text never opens an
  override block; a WORD JOINER follows every user backslash, so `\\N`, `\\h` or a
  backslash before one of our own blocks can never form an escape.
Right-to-left text stays in logical order: the style's Encoding -1 makes libass find
each line's base direction (FriBidi) instead of forcing left-to-right.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from pathlib import Path

from core.providers.base import WordTiming
from core.render.fonts import caption_family, drawable, font_runs, size_factor
from core.render.spec import CaptionStyle, ScreenInput

CHARACTER_LANGUAGES = frozenset({"zh", "ja"})  # no spaces between words: lines by characters
_ASS_LANGUAGE = {"zh": "zh-Hans"}  # the Language header selects the font's local glyph forms
_ALIGNMENT = {"bottom": 2, "middle": 5, "top": 8}
_WORD_JOINER = "\u2060"
_LINE_END = frozenset("。！？；，、：.!?;,:」』）)")  # a good place to start a new caption line
_WIDE = re.compile(
    "[\u1100-\u11ff\u2e80-\u303f\u3040-\u30ff\u3100-\u31ff\u3400-\u4dbf\u4e00-\u9fff"
    "\uac00-\ud7af\uf900-\ufaff\ufe30-\ufe4f\uff00-\uffef\U00020000-\U0003ffff]"
)
_FORMAT = """Format: Name, Fontname, Fontsize, PrimaryColour, SecondaryColour, OutlineColour, \
BackColour, Bold, Italic, Underline, StrikeOut, ScaleX, ScaleY, Spacing, Angle, BorderStyle, \
Outline, Shadow, Alignment, MarginL, MarginR, MarginV, Encoding"""
_EVENT_FORMAT = "Format: Layer, Start, End, Style, Name, MarginL, MarginR, MarginV, Effect, Text"


@dataclass(frozen=True)
class _Unit:
    """What is highlighted at once: a word, or in Chinese and Japanese a character."""

    text: str  # cleaned, not yet escaped
    start: float
    end: float
    spaced: bool  # a space separates it from the unit before it on the line
    word: int  # which timed word it comes from


@dataclass(frozen=True)
class _Look:
    """How caption text is written: the style, its font family and the frame's width."""

    style: CaptionStyle
    family: str
    width: int

    def size(self, family: str) -> int:
        """The ASS size that gives the family the em of Noto Sans at the style's size."""
        return round(self.style.size * self.width / 1080 * size_factor(family))

    def text(self, cleaned: str) -> str:
        """Escaped text; runs that the family cannot draw name a family that can."""
        parts: list[str] = []
        for run, family in font_runs(cleaned, self.family):
            body = escape_text(run)
            if family != self.family:
                back = f"{{\\fn{self.family}\\fs{self.size(self.family)}}}"
                body = f"{{\\fn{family}\\fs{self.size(family)}}}{body}{back}"
            parts.append(body)
        return "".join(parts)


def build_ass(
    screen: ScreenInput,
    style: CaptionStyle,
    *,
    width: int,
    height: int,
    language: str,
    offset: float = 0.0,
    duration: float,
) -> str:
    """A complete ASS document with the screen's captions, timed by its words."""
    units = _units(screen, language) if style.enabled else []
    lines = _lines(units, style, language)
    family = caption_family(style.font, " ".join(unit.text for unit in units), language)
    look = _Look(style, family, width)
    events: list[str] = []
    for index, line in enumerate(lines):
        next_start = lines[index + 1][0].start if index + 1 < len(lines) else None
        events += _line_events(line, next_start, look, duration=duration, offset=offset)
    return _header(look, height=height, language=language) + "".join(
        f"{event}\n" for event in events
    )


def ass_filter(path: Path, fonts: Path) -> str:
    """The ffmpeg filter that draws the ASS file with our fonts, escaped for a filtergraph."""
    options = f"filename={_option(path)}:fontsdir={_option(fonts)}:shaping=complex"
    return "ass=" + re.sub(r"([\\'\[\],;])", r"\\\1", options)


def clean_text(text: str) -> str:
    """Text as captions show it: no control characters, nothing our fonts cannot draw."""
    text = re.sub(r"\s+", " ", unicodedata.normalize("NFC", text))
    kept = (c for c in text if c == " " or (unicodedata.category(c) != "Cc" and drawable(c)))
    return re.sub(" +", " ", "".join(kept)).strip()


def escape_text(text: str) -> str:
    """Cleaned text made inert for an ASS Dialogue line (see the module docstring)."""
    text = text.replace("\\", "\\" + _WORD_JOINER)
    return text.replace("{", "\\{").replace("}", "\\}")


def ass_colour(hex_colour: str) -> str:
    """#RRGGBB as an ASS style colour, &H00BBGGRR (alpha first, 00 = opaque)."""
    red, green, blue = hex_colour[1:3], hex_colour[3:5], hex_colour[5:7]
    return f"&H00{blue}{green}{red}".upper()


def ass_time(seconds: float) -> str:
    """H:MM:SS.cc, rounded to the centisecond."""
    centis = max(0, round(seconds * 100))
    hours, centis = divmod(centis, 360_000)
    minutes, centis = divmod(centis, 6_000)
    secs, centis = divmod(centis, 100)
    return f"{hours}:{minutes:02d}:{secs:02d}.{centis:02d}"


def _option(path: Path) -> str:
    # First level of ffmpeg's escaping: inside one filter's option list.
    return re.sub(r"([\\':])", r"\\\1", str(path.absolute()))


def _header(look: _Look, *, height: int, language: str) -> str:
    style, family, width = look.style, look.family, look.width
    scale = width / 1080
    colour, outline = ass_colour(style.color), ass_colour(style.outline_color)
    margin_x, margin_v = round(width * 0.06), round(height * style.margin / 100)
    style_line = (
        f"Style: Caption,{family},{look.size(family)},{colour},{colour},{outline},"
        f"&H80000000,-1,0,0,0,100,100,0,0,1,{style.outline * scale:.1f},0,"
        f"{_ALIGNMENT[style.position]},{margin_x},{margin_x},{margin_v},-1"
    )
    return (
        "[Script Info]\n; Faceless Studio captions\nScriptType: v4.00+\n"
        f"PlayResX: {width}\nPlayResY: {height}\nWrapStyle: 0\nScaledBorderAndShadow: yes\n"
        f"YCbCr Matrix: None\nLanguage: {_ASS_LANGUAGE.get(language, language)}\n\n"
        f"[V4+ Styles]\n{_FORMAT}\n{style_line}\n\n[Events]\n{_EVENT_FORMAT}\n"
    )


def _timed_words(screen: ScreenInput) -> list[WordTiming]:
    if screen.words:
        return sorted(screen.words, key=lambda word: word.start)
    # No timings from the voice: spread the narration, each word by its length.
    words = screen.narration.split()
    total = sum(len(word) + 1 for word in words)
    timed: list[WordTiming] = []
    start = 0.0
    for word in words:
        end = start + screen.audio_seconds * (len(word) + 1) / total
        timed.append(WordTiming(word=word, start=start, end=end))
        start = end
    return timed


def _units(screen: ScreenInput, language: str) -> list[_Unit]:
    units: list[_Unit] = []
    for number, word in enumerate(_timed_words(screen)):
        text = clean_text(word.word)
        if not text:
            continue
        end = max(word.end, word.start)
        if language in CHARACTER_LANGUAGES:
            before = units[-1].text[-1] if units else " "
            units += _split_word(text, word.start, end, number=number, before=before)
        else:
            units.append(_Unit(text, word.start, end, spaced=True, word=number))
    return units


def _split_word(text: str, start: float, end: float, *, number: int, before: str) -> list[_Unit]:
    """Chinese or Japanese: the word's time shared among its pieces by their length."""
    pieces = _pieces(text)
    total, done = sum(len(piece) for piece, _ in pieces), 0
    units: list[_Unit] = []
    for index, (piece, spaced) in enumerate(pieces):
        if index == 0:  # between two words: a space only where Latin letters meet
            spaced = not (_WIDE.match(before) and _WIDE.match(piece[0]))
        piece_start = start + (end - start) * done / total
        done += len(piece)
        piece_end = start + (end - start) * done / total
        units.append(_Unit(piece, piece_start, piece_end, spaced=spaced, word=number))
    return units


def _pieces(text: str) -> list[tuple[str, bool]]:
    """Split unspaced text: one piece per wide character, Latin runs whole, punctuation kept
    with the character it follows (opening brackets with the one after them)."""
    pieces: list[str] = []
    spaced: list[bool] = []
    space_before = False
    for char in text:
        if char == " ":
            space_before = True
            continue
        last = pieces[-1][-1] if pieces else ""
        category = unicodedata.category(char)
        follows = (
            bool(last)
            and not space_before
            and (
                (category[0] in "MP" and category not in ("Ps", "Pi"))
                or unicodedata.category(last) in ("Ps", "Pi")
                or not (_WIDE.match(char) or _WIDE.match(last))
            )
        )
        if follows:
            pieces[-1] += char
        else:
            pieces.append(char)
            spaced.append(space_before)
        space_before = False
    return list(zip(pieces, spaced, strict=True))


def _lines(units: list[_Unit], style: CaptionStyle, language: str) -> list[list[_Unit]]:
    if language not in CHARACTER_LANGUAGES:
        size = style.words_per_line
        return [units[i : i + size] for i in range(0, len(units), size)]
    limit = max(4, min(16, round(style.words_per_line * 2.5)))  # 4 words ≈ 10 characters
    word_length: dict[int, int] = {}
    for unit in units:
        word_length[unit.word] = word_length.get(unit.word, 0) + len(unit.text)
    lines: list[list[_Unit]] = []
    line: list[_Unit] = []
    count = 0
    for unit in units:
        starts_word = not line or line[-1].word != unit.word
        # Keep a word whole on one line when it fits on one; cut longer ones anywhere.
        needed = word_length[unit.word] if starts_word and word_length[unit.word] <= limit else 0
        if line and count + max(needed, len(unit.text)) > limit:
            lines.append(line)
            line, count = [], 0
        line.append(unit)
        count += len(unit.text)
        if unit.text[-1] in _LINE_END and count * 2 >= limit:
            lines.append(line)
            line, count = [], 0
    return [*lines, line] if line else lines


def _line_events(
    line: list[_Unit],
    next_start: float | None,
    look: _Look,
    *,
    duration: float,
    offset: float,
) -> list[str]:
    # The last line stays until the screen ends (a short screen is held past its voice).
    line_end = duration if next_start is None else min(line[-1].end, next_start)
    spans: list[tuple[float, float, int | None]]
    if not look.style.highlight:
        spans = [(line[0].start, line_end, None)]
    else:
        ends = [unit.start for unit in line[1:]] + [min(line[-1].end, line_end)]
        spans = [
            (unit.start, end, index)
            for index, (unit, end) in enumerate(zip(line, ends, strict=True))
        ]
        spans.append((ends[-1], line_end, None))  # after the last word: nothing lit
    events: list[str] = []
    for start, end, current in spans:
        start, end = max(0.0, start), min(duration, end)
        if round((end + offset) * 100) <= round((start + offset) * 100):
            continue  # too short to show, or outside the screen
        times = f"{ass_time(start + offset)},{ass_time(end + offset)}"
        events.append(f"Dialogue: 0,{times},Caption,,0,0,0,,{_line_text(line, current, look)}")
    return events


def _line_text(line: list[_Unit], current: int | None, look: _Look) -> str:
    highlight = ass_colour(look.style.highlight_color)[4:]  # &H00BBGGRR → BBGGRR
    parts: list[str] = []
    for index, unit in enumerate(line):
        body = look.text(unit.text)
        if index == current:
            body = f"{{\\c&H{highlight}&}}{body}{{\\r}}"
        parts.append((" " if index and unit.spaced else "") + body)
    return "".join(parts)
