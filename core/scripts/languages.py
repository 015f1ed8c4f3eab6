"""Languages a script can be written in or translated to (the most spoken, and a few more)."""

from __future__ import annotations

from core.errors import InvalidInput

LANGUAGES: dict[str, str] = {
    "en": "English",
    "zh": "Chinese (Mandarin)",
    "hi": "Hindi",
    "es": "Spanish",
    "fr": "French",
    "ar": "Arabic",
    "bn": "Bengali",
    "pt": "Portuguese",
    "ru": "Russian",
    "ur": "Urdu",
    "id": "Indonesian",
    "de": "German",
    "ja": "Japanese",
    "mr": "Marathi",
    "te": "Telugu",
    "tr": "Turkish",
    "ta": "Tamil",
    "vi": "Vietnamese",
    "ko": "Korean",
    "it": "Italian",
    "fa": "Persian",
    "pl": "Polish",
    "uk": "Ukrainian",
    "nl": "Dutch",
    "el": "Greek",
    "sw": "Swahili",
}


def clean_language(code: str) -> str:
    """Accept a known language code (or its English name); refuse anything else."""
    key = code.strip()
    if key in LANGUAGES:
        return key
    for known, name in LANGUAGES.items():
        if name.lower() == key.lower():
            return known
    raise InvalidInput(f"Unknown language {code!r}; choose one from the list.")


def language_name(code: str) -> str:
    return LANGUAGES.get(code, code)
