"""The offline voice: real eSpeak NG speech from the pip wheel, with word timings for captions."""

from __future__ import annotations

import array
import io
import math
import threading
import wave

import pytest

from core.errors import InvalidInput
from core.providers.base import SpeechAudio, VoiceRequest
from core.providers.offline_voice import OfflineVoice
from core.scripts.languages import LANGUAGES

SHORT = "Rivers carve deep valleys slowly."  # 6 words
LONG = (
    "Long ago, a small village stood beside a quiet river. Every morning the farmers walked "
    "to their fields, and the children ran to school. Nobody imagined how much would change."
)  # 30 words, three sentences
HINDI = "नमस्ते दोस्तों, आज हम एक नई कहानी सुनेंगे।"
SPANISH = "El niño comió piñas en la montaña, ¿verdad? Sí, señor."
RUSSIAN = "Привет, мир! Это ёлка, и мы говорим по-русски."
# "Every morning the old fisherman walks to the harbour and checks his small wooden boat."
JAPANESE_15 = "毎朝、年老いた漁師は港まで歩いて、自分の小さな木の船を確かめます。"
HINDI_15 = "हर सुबह बूढ़ा मछुआरा बंदरगाह जाता है और अपनी छोटी लकड़ी की नाव देखता है।"
MIXED_JAPANESE = "2024年に東京でAIのカンファレンスがあり、15人が参加した！"
# eSpeak names a character it cannot read in English: "Chinese letter" for a kanji is
# `_:(en)tS'aIni:z(ja)l'et@` in its phoneme mnemonics.
LETTER = "l'et@"

FRAME = 0.01  # seconds per analysis frame
SILENT_PEAK = 64  # a frame whose samples all stay below this is silence


def speak(text: str, language: str = "en", voice: str = "") -> SpeechAudio:
    return OfflineVoice().synthesize(VoiceRequest(text=text, language=language, voice=voice))


def pcm(audio: SpeechAudio) -> tuple[array.array[int], int]:
    with wave.open(io.BytesIO(audio.data)) as wav:
        assert (wav.getnchannels(), wav.getsampwidth()) == (1, 2)
        return array.array("h", wav.readframes(wav.getnframes())), wav.getframerate()


def rms(samples: array.array[int]) -> float:
    return math.sqrt(sum(s * s for s in samples) / len(samples)) if samples else 0.0


def assert_word_timings(audio: SpeechAudio, text: str) -> None:
    assert [w.word for w in audio.words] == text.split()
    previous_end = 0.0
    for word in audio.words:
        assert previous_end <= word.start < word.end <= audio.duration, word
        previous_end = word.end


def pauses(samples: array.array[int], rate: int, shortest: float) -> list[tuple[float, float]]:
    """Runs of silent frames lasting at least `shortest` seconds, inside the audio."""
    size = int(rate * FRAME)
    silent = [
        max(abs(s) for s in samples[i : i + size]) < SILENT_PEAK
        for i in range(0, len(samples) - size, size)
    ]
    found, start = [], None
    for index, quiet in enumerate([*silent, False]):
        if quiet and start is None:
            start = index
        elif not quiet and start is not None:
            if (index - start) * size >= shortest * rate and start > 0 and index < len(silent):
                found.append((start * size / rate, index * size / rate))
            start = None
    return found


def test_english_narration_becomes_a_wav_with_one_timing_per_word() -> None:
    short, long = speak(SHORT), speak(LONG)

    for audio, text in ((short, SHORT), (long, LONG)):
        samples, rate = pcm(audio)
        assert audio.mime == "audio/wav"
        assert rate >= 16000
        assert audio.duration == pytest.approx(len(samples) / rate)
        assert_word_timings(audio, text)
    assert long.duration / short.duration > 3
    assert 6 < long.duration < 20  # about 165 words per minute, with pauses


def test_speech_is_audible_and_each_word_sits_on_sound() -> None:
    audio = speak(LONG)
    samples, rate = pcm(audio)
    gaps = pauses(samples, rate, shortest=0.1)

    assert rms(samples) > 1000
    assert len(gaps) >= 3  # at least after the commas and between the sentences
    assert max(rms(samples[int(a * rate) : int(b * rate)]) for a, b in gaps) < 10
    for word in audio.words:
        assert rms(samples[int(word.start * rate) : int(word.end * rate)]) > 500, word
    for gap_start, gap_end in gaps:  # captions do not run on through the pauses
        covered = sum(max(0.0, min(gap_end, w.end) - max(gap_start, w.start)) for w in audio.words)
        assert covered <= 0.5 * (gap_end - gap_start), (gap_start, gap_end)


@pytest.mark.parametrize(("language", "text"), [("hi", HINDI), ("es", SPANISH), ("ru", RUSSIAN)])
def test_narrations_in_other_scripts_get_their_words_timed(language: str, text: str) -> None:
    audio = speak(text, language)

    samples, _ = pcm(audio)
    assert rms(samples) > 1000
    assert_word_timings(audio, text)


def test_japanese_kanji_are_spoken_as_kana_about_as_long_as_hindi() -> None:
    request = VoiceRequest(text=JAPANESE_15, language="ja")

    japanese, hindi = speak(JAPANESE_15, "ja"), speak(HINDI_15, "hi")
    phonemes = OfflineVoice().phonemes(request)

    assert LETTER in OfflineVoice().phonemes(VoiceRequest(text="漢", language="ko"))
    assert LETTER not in phonemes
    assert "(en)" not in phonemes  # no switch to English to name a character
    assert 1 / 1.5 < japanese.duration / hindi.duration < 1.5  # "Chinese letter" ×18: 3.2


def test_japanese_captions_keep_the_kanji_and_time_each_phrase() -> None:
    audio = speak(JAPANESE_15, "ja")
    samples, rate = pcm(audio)

    words = [word.word for word in audio.words]
    assert "".join(words) == JAPANESE_15
    assert words[:5] == ["毎朝、", "年老いた", "漁師は", "港まで", "歩いて、"]
    previous_end = 0.0
    for word in audio.words:
        assert previous_end <= word.start < word.end <= audio.duration, word
        assert rms(samples[int(word.start * rate) : int(word.end * rate)]) > 500, word
        previous_end = word.end


def test_japanese_mixed_with_digits_and_latin_letters_reads_every_part() -> None:
    audio = speak(MIXED_JAPANESE, "ja")
    phonemes = OfflineVoice().phonemes(VoiceRequest(text=MIXED_JAPANESE, language="ja"))

    assert LETTER not in phonemes
    assert "s,aNkas\\'ita" in phonemes  # 参加した, "sankashita"
    assert "".join(word.word for word in audio.words) == MIXED_JAPANESE
    assert {"2024", "AI", "15"} <= {word.word for word in audio.words}


def test_kanji_without_a_reading_are_left_unsaid() -> None:
    text = "麤と𠮷、〇"  # no reading in pykakasi's dictionary; an astral kanji; U+3007

    phonemes = OfflineVoice().phonemes(VoiceRequest(text=text, language="ja"))

    assert phonemes == "t'o"
    assert "".join(word.word for word in speak(text, "ja").words) == text


def test_the_language_picks_the_voice_and_an_unknown_one_falls_back_to_english() -> None:
    english = speak(SPANISH, "en")

    assert speak(SPANISH, "es").data != english.data
    assert speak(SPANISH, "xx").data == english.data
    assert speak(SPANISH, "en", voice="es").data == speak(SPANISH, "es").data


def test_every_listed_voice_speaks() -> None:
    voices = OfflineVoice().list_voices()

    assert {v.language for v in voices} == set(LANGUAGES)
    assert len({v.id for v in voices}) == len(voices)
    assert next(v.id for v in voices if v.language == "zh") == "cmn"
    for voice in voices:
        audio = speak("One, two, three.", voice.language)
        assert audio.duration > 0.3, voice
        assert [w.word for w in audio.words] == ["One,", "two,", "three."], voice


@pytest.mark.parametrize("text", ["", "   ", "\n\t  \n"])
def test_an_empty_narration_is_refused(text: str) -> None:
    with pytest.raises(InvalidInput, match="The narration is empty"):
        speak(text)


def test_two_threads_speaking_at_once_both_get_their_own_speech() -> None:
    expected = {"en": speak(LONG), "es": speak(SPANISH, "es")}
    texts = {"en": LONG, "es": SPANISH}
    results: dict[str, list[SpeechAudio]] = {"en": [], "es": []}
    start = threading.Barrier(2)

    def work(language: str) -> None:
        start.wait()
        for _ in range(3):
            results[language].append(speak(texts[language], language))

    threads = [threading.Thread(target=work, args=(language,)) for language in texts]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)

    for language, audios in results.items():
        assert len(audios) == 3
        assert all(audio == expected[language] for audio in audios)


def test_the_same_text_gives_the_same_bytes() -> None:
    first = speak(LONG)
    speak(SHORT)  # the engine's state moves on in between
    again = speak(LONG)

    assert again.data == first.data
    assert again.words == first.words
