"""Offline speech: eSpeak NG from the `espeakng-loader` wheel, driven through ctypes.

The library's synchronous mode hands back 16-bit mono PCM plus WORD events (character
position in the text, time in ms); those events become the caption timings. Japanese is
spoken from a kana reading (kana_reading.py); its events map back to the original text.
"""

from __future__ import annotations

import _ctypes
import array
import bisect
import ctypes
import functools
import io
import itertools
import re
import sys
import tempfile
import threading
import wave
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from core.errors import InvalidInput, ProviderError, ProviderUnavailable
from core.providers.base import SpeechAudio, VoiceOption, VoiceRequest, WordTiming
from core.providers.kana_reading import Reading, read_as_kana
from core.scripts.languages import LANGUAGES, language_name

# Our language codes → eSpeak NG voice names (file names under espeak-ng-data/lang).
ESPEAK_VOICES: dict[str, str] = {
    **{code: code for code in LANGUAGES},
    "zh": "cmn",
    "pt": "pt-BR",  # most Portuguese speakers are Brazilian
}
FALLBACK_VOICE = "en"
RATE_WPM = 165

# Values from speak_lib.h (ESPEAK_API_REVISION 12).
_AUDIO_OUTPUT_SYNCHRONOUS = 2
_EVENT_LIST_TERMINATED = 0
_EVENT_WORD = 1
_POS_CHARACTER = 1
_CHARS_UTF8 = 1
_PARAM_RATE = 1
# Samples quieter than this (about -42 dBFS) at a word's edges are trimmed from its timing;
# eSpeak's pauses are digital zeros, so the exact value matters little.
_SILENCE_PEAK = 256
# Kana, Han and their punctuation: written without spaces, so eSpeak's word events are the
# only word boundaries in them and where they meet Latin letters or digits ("東京でAIの").
_CJK = re.compile("[\u3000-\u30ff\u3400-\u9fff\uf900-\ufaff\uff00-\uffef]")

_LOCK = threading.Lock()  # libespeak-ng keeps its state in globals: one synthesis at a time


class _EventId(ctypes.Union):
    _fields_ = [("number", ctypes.c_int), ("name", ctypes.c_char_p), ("string", ctypes.c_char * 8)]


class _Event(ctypes.Structure):
    """espeak_EVENT; text_position is 1-based, in characters (code points) of the input."""

    _fields_ = [
        ("type", ctypes.c_int),
        ("unique_identifier", ctypes.c_uint),
        ("text_position", ctypes.c_int),
        ("length", ctypes.c_int),
        ("audio_position", ctypes.c_int),
        ("sample", ctypes.c_int),
        ("user_data", ctypes.c_void_p),
        ("id", _EventId),
    ]


_SynthCallback = ctypes.CFUNCTYPE(
    ctypes.c_int, ctypes.POINTER(ctypes.c_short), ctypes.c_int, ctypes.POINTER(_Event)
)


class OfflineVoice:
    name = "offline"
    revision = 2  # Japanese read as kana: older cached files are not reused

    def synthesize(self, request: VoiceRequest) -> SpeechAudio:
        """Speak the text with eSpeak NG; return WAV audio with one timing per word."""
        text = request.text.replace("\x00", " ")
        if not text.strip():
            raise InvalidInput("The narration is empty: write something to speak.")
        voice = _voice_name(request)
        reading = _reading(text, voice)
        with _LOCK, _espeak() as (lib, rate):
            samples, spoken_events = _speak(lib, reading.text, voice)
        if not samples:
            raise InvalidInput("Nothing in the narration can be spoken: write some words.")
        events = [(reading.source(position), ms) for position, ms in spoken_events]
        spans = _word_spans(text, [position for position, _ in events])
        return SpeechAudio(
            data=_wav(samples, rate),
            mime="audio/wav",
            duration=len(samples) / rate,
            words=_timings(text, spans, events, samples, rate),
        )

    def phonemes(self, request: VoiceRequest) -> str:
        """eSpeak's phoneme mnemonics for what `synthesize` says (as `espeak-ng -x` prints)."""
        voice = _voice_name(request)
        spoken = _reading(request.text.replace("\x00", " "), voice).text.encode() + b"\x00"
        clauses: list[bytes] = []
        with _LOCK, _espeak() as (lib, _):
            _set_voice(lib, voice)
            lib.espeak_TextToPhonemes.restype = ctypes.c_char_p
            lib.espeak_TextToPhonemes.argtypes = [
                ctypes.POINTER(ctypes.c_char_p),
                ctypes.c_int,
                ctypes.c_int,
            ]
            buffer = ctypes.create_string_buffer(spoken)
            cursor = ctypes.c_char_p(ctypes.addressof(buffer))  # eSpeak moves it clause by clause
            while cursor.value:
                clauses.append(lib.espeak_TextToPhonemes(ctypes.byref(cursor), _CHARS_UTF8, 0))
        return " ".join(clause.decode() for clause in clauses if clause)

    def list_voices(self) -> list[VoiceOption]:
        """One eSpeak NG voice per supported language whose data the wheel ships."""
        installed = _installed_voices()
        return [
            VoiceOption(id=voice, name=f"{language_name(code)} (eSpeak NG)", language=code)
            for code, voice in ESPEAK_VOICES.items()
            if voice in installed
        ]


def _voice_name(request: VoiceRequest) -> str:
    """The requested eSpeak voice if it exists, else the language's, else English."""
    installed = _installed_voices()
    for name in (request.voice, ESPEAK_VOICES.get(request.language, "")):
        if name in installed:
            return name
    return FALLBACK_VOICE


def _reading(text: str, voice: str) -> Reading:
    """What eSpeak is given: Japanese with its kanji as kana, any other text as it is."""
    return read_as_kana(text) if voice == "ja" else Reading.verbatim(text)


def _loader_paths() -> tuple[Path, Path]:
    try:
        import espeakng_loader

        return Path(espeakng_loader.get_library_path()), Path(espeakng_loader.get_data_path())
    except (ImportError, RuntimeError) as error:
        raise ProviderUnavailable(
            "Offline speech is unavailable: install the espeakng-loader package "
            f"(eSpeak NG) with its data ({error})."
        ) from error


@functools.cache
def _installed_voices() -> frozenset[str]:
    return frozenset(p.name for p in (_loader_paths()[1] / "lang").rglob("*") if p.is_file())


@functools.cache
def _private_copy() -> tuple[tempfile.TemporaryDirectory[str], Path]:
    """A copy of the library that nothing else in the process loads, so unloading it works."""
    source = _loader_paths()[0]
    folder = tempfile.TemporaryDirectory(prefix="studio-espeak-")
    copy = Path(folder.name) / source.name
    copy.write_bytes(source.read_bytes())
    return folder, copy


@contextmanager
def _espeak() -> Iterator[tuple[Any, int]]:
    """A freshly loaded, initialized library and its sample rate; unloaded afterwards.

    eSpeak NG keeps synthesis state in globals that no API resets (its pitch flutter phase,
    for one), so a long-lived instance says the same text slightly differently each time.
    Reloading costs ~10 ms and makes the audio depend on the request alone: the asset cache
    relies on that.
    """
    try:
        copy = _private_copy()[1]
        if not copy.exists():  # a forked child's exit may have cleaned up its parent's folder
            _private_copy.cache_clear()
            copy = _private_copy()[1]
        lib = ctypes.CDLL(str(copy))
    except OSError as error:
        raise ProviderUnavailable(f"Offline speech is unavailable: {error}") from error
    data = _loader_paths()[1]
    try:
        lib.espeak_Initialize.argtypes = [ctypes.c_int, ctypes.c_int, ctypes.c_char_p, ctypes.c_int]
        rate = int(lib.espeak_Initialize(_AUDIO_OUTPUT_SYNCHRONOUS, 0, bytes(data), 0))
        if rate <= 0:
            raise ProviderUnavailable(f"Offline speech is unavailable: eSpeak NG can't read {data}")
        try:
            yield lib, rate
        finally:
            lib.espeak_Terminate()
    finally:
        if sys.platform == "win32":
            _ctypes.FreeLibrary(lib._handle)
        else:
            _ctypes.dlclose(lib._handle)


def _speak(lib: Any, text: str, voice: str) -> tuple[array.array[int], list[tuple[int, int]]]:
    """PCM samples and WORD events as (0-based character position, audio time in ms)."""
    samples: array.array[int] = array.array("h")
    events: list[tuple[int, int]] = []

    def receive(wav: Any, count: int, event_list: Any) -> int:
        if wav and count > 0:
            samples.frombytes(ctypes.string_at(wav, count * 2))
        index = 0
        while event_list and event_list[index].type != _EVENT_LIST_TERMINATED:
            event = event_list[index]
            if event.type == _EVENT_WORD:
                events.append((event.text_position - 1, event.audio_position))
            index += 1
        return 0

    callback = _SynthCallback(receive)  # kept alive until synthesis ends
    lib.espeak_SetSynthCallback(callback)
    _set_voice(lib, voice)
    encoded = text.encode("utf-8") + b"\x00"
    lib.espeak_Synth.argtypes = [
        ctypes.c_char_p, ctypes.c_size_t, ctypes.c_uint, ctypes.c_int,
        ctypes.c_uint, ctypes.c_uint, ctypes.c_void_p, ctypes.c_void_p,
    ]  # fmt: skip
    status = lib.espeak_Synth(encoded, len(encoded), 0, _POS_CHARACTER, 0, _CHARS_UTF8, None, None)
    if status != 0 or lib.espeak_Synchronize() != 0:
        raise ProviderError(f"eSpeak NG could not speak this narration (error {status}).")
    return samples, events


def _set_voice(lib: Any, voice: str) -> None:
    lib.espeak_SetVoiceByName.argtypes = [ctypes.c_char_p]
    if lib.espeak_SetVoiceByName(voice.encode()) and lib.espeak_SetVoiceByName(b"en"):
        raise ProviderUnavailable("Offline speech is unavailable: eSpeak NG has no voice data.")
    lib.espeak_SetParameter(_PARAM_RATE, RATE_WPM, 0)


def _word_spans(text: str, positions: list[int]) -> list[tuple[int, int]]:
    """Character spans of the caption words: whitespace-separated tokens, cut where eSpeak found
    a word in or next to CJK text, and punctuation-only tokens glued to the word before."""
    cuts = sorted({p for p in positions if 0 < p < len(text) and _CJK.search(text[p - 1 : p + 1])})
    spans: list[tuple[int, int]] = []
    glue_from: int | None = None
    for token in re.finditer(r"\S+", text):
        first, last = token.span()
        inner = cuts[bisect.bisect_right(cuts, first) : bisect.bisect_left(cuts, last)]
        for start, end in itertools.pairwise([first, *inner, last]):
            if any(char.isalnum() for char in text[start:end]):
                spans.append((start if glue_from is None else glue_from, end))
                glue_from = None
            elif spans:
                spans[-1] = (spans[-1][0], end)
            elif glue_from is None:
                glue_from = start
    return spans


def _timings(
    text: str,
    spans: list[tuple[int, int]],
    events: list[tuple[int, int]],
    samples: array.array[int],
    rate: int,
) -> list[WordTiming]:
    """Each eSpeak word event anchors the start of the word holding it; words it skipped share
    the time of the anchored word before them, in proportion to their letters."""
    if not spans:
        return []
    starts = [start for start, _ in spans]
    anchors = {0: 0}
    for position, ms in events:  # keep anchors strictly increasing, in word order
        index, last = bisect.bisect_right(starts, position) - 1, max(anchors)
        sample = ms * rate // 1000
        if index > last and position < spans[index][1] and anchors[last] < sample < len(samples):
            anchors[index] = sample
    words: list[WordTiming] = []
    for head, tail in itertools.pairwise([*sorted(anchors), len(spans)]):
        end = anchors.get(tail, len(samples))
        begin, end = _trim_silence(samples, anchors[head], end, rate // 200)
        group = spans[head:tail]
        letters = (max(1, sum(char.isalnum() for char in text[s:e])) for s, e in group)
        shares = list(itertools.accumulate(letters, initial=0))
        edges = [(begin + (end - begin) * share / shares[-1]) / rate for share in shares]
        for (start, stop), (left, right) in zip(group, itertools.pairwise(edges), strict=True):
            words.append(WordTiming(word=text[start:stop], start=left, end=right))
    return words


def _trim_silence(pcm: array.array[int], begin: int, end: int, frame: int) -> tuple[int, int]:
    """Narrow [begin, end) to the frames that are not silent; keep it whole if all are."""

    def quiet(a: int, b: int) -> bool:
        chunk = pcm[a:b]
        return max(chunk) < _SILENCE_PEAK and -min(chunk) < _SILENCE_PEAK

    start, stop = begin, end
    while start + frame < stop and quiet(start, start + frame):
        start += frame
    while stop - frame > start and quiet(stop - frame, stop):
        stop -= frame
    return (start, stop) if not quiet(start, stop) else (begin, end)


def _wav(samples: array.array[int], rate: int) -> bytes:
    if sys.byteorder == "big":
        samples = array.array("h", samples)
        samples.byteswap()  # WAV is little-endian
    buffer = io.BytesIO()
    with wave.open(buffer, "wb") as out:
        out.setnchannels(1)
        out.setsampwidth(2)
        out.setframerate(rate)
        out.writeframes(samples.tobytes())
    return buffer.getvalue()
