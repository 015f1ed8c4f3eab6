"""Japanese text as eSpeak NG can say it: kanji replaced by their kana reading, offline.

eSpeak NG's Japanese voice reads kana but names every kanji ("Chinese letter"). pykakasi
(its dictionary ships in the wheel) gives a hiragana reading per dictionary word, found by
longest match rather than by grammar: most words come out right, some readings are wrong
in context (今日は is read こんにちは) and particles keep their spelling (は is said "ha").

eSpeak does not split kana runs into words, so a space goes before each word that starts
with a kanji or katakana, leaving particles and okurigana on the word before ("りょうしは
みなとまで"): phrases of a few characters, each with a word event for the captions.

A `Reading` remembers, for each character it speaks, where in the original text it comes
from, so eSpeak's word positions map back to the text the captions show.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Iterator
from dataclasses import dataclass

import pykakasi

# Kana and kanji (with 々 〆 〇), the characters pykakasi is given; not ・ (U+30FB).
_RUN = re.compile(
    "[\u3005-\u3007\u3041-\u3096\u309d-\u309f\u30a1-\u30fa\u30fc-\u30ff"
    "\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]+"
)
_HAN = re.compile("[\u3005-\u3007\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\U00020000-\U0003134f]")
_HIRAGANA = re.compile("[\u3041-\u309f]")
# eSpeak names these ("Japanese letter") or reads fullwidth digits not at all.
_SPOKEN_AS = {
    "〜": " ", "・": " ", "ヶ": "か", "ヵ": "か", "ゖ": "か", "ゕ": "か",
    **{chr(code): chr(code - 0xFEE0) for code in range(0xFF10, 0xFF5B) if chr(code).isalnum()},
}  # fmt: skip


@dataclass(frozen=True)
class Reading:
    text: str  # what eSpeak is given
    origin: tuple[int, ...]  # for each character of `text`, its position in the original
    length: int  # of the original text

    @classmethod
    def verbatim(cls, text: str) -> Reading:
        return cls(text, tuple(range(len(text))), len(text))

    def source(self, position: int) -> int:
        """The original position of a position in `text` (the end maps to the end)."""
        return self.origin[position] if 0 <= position < len(self.origin) else self.length


def read_as_kana(text: str) -> Reading:
    """Japanese text with each kanji word replaced by its hiragana reading."""
    spoken: list[str] = []
    origin: list[int] = []

    def say(piece: str, start: int, *, each: bool = False) -> None:
        piece = "".join(_SPOKEN_AS.get(char, char) for char in piece)
        if _HAN.search(piece):  # no reading: better unsaid than called "Chinese letter"
            piece, each = _HAN.sub("", piece), False
        spoken.append(piece)
        origin.extend(range(start, start + len(piece)) if each else [start] * len(piece))

    done = 0
    for run in _RUN.finditer(text):
        first, last = run.span()
        say(text[done:first], done, each=True)
        if first and text[first - 1].isalnum():  # "AIの": eSpeak spells a mixed word
            say(" ", first)
        for index, (start, word, hiragana) in enumerate(_dictionary_words(run.group())):
            if index and not _HIRAGANA.match(word):
                say(" ", first + start)
            if _HAN.search(word):
                say(hiragana, first + start)
            else:
                say(word, first + start, each=True)
        if last < len(text) and text[last].isalnum():
            say(" ", last)
        done = last
    say(text[done:], done, each=True)
    return Reading("".join(spoken), tuple(origin), len(text))


@functools.cache
def _kakasi() -> pykakasi.Kakasi:
    return pykakasi.Kakasi()  # type: ignore[no-untyped-call]  # loads its dictionaries: 0.4 s


def _dictionary_words(run: str) -> Iterator[tuple[int, str, str]]:
    """(position, word, hiragana) for each dictionary word of a run of kana and kanji.

    After a kanji it cannot read, pykakasi drops the next character, so conversion starts
    again right after any such kanji (and wherever its words stop matching the text).
    """
    position = 0
    while position < len(run):
        start = position
        for token in _kakasi().convert(run[position:]):
            word, hiragana = token["orig"], token["hira"]
            if not word or not run.startswith(word, position):
                break
            yield position, word, hiragana
            position += len(word)
            if _HAN.search(word) and not hiragana:
                break
        if position == start:  # no word matched here: pass the character on as it is
            yield position, run[position], ""
            position += 1
