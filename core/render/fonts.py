"""Caption fonts that the pip install provides, one per script, and the folder libass reads.

Every language in `core.languages` maps to one family that covers its script (checked
glyph by glyph in the tests). A render gives libass a `fontsdir` with just the families
its captions name: libass loads every file of that folder into memory, once per caption
filter, and all seven families cost each ffmpeg ~28 MB more than Noto Sans alone (the CJK
font is 16 MB). libass does not fall back to these files for a glyph the named family
lacks (only to the system's fontconfig fonts), so caption text is cut into runs
(`font_runs`) and a run the caption's family cannot draw (a Chinese name in English
captions) names a family of ours that can, in an `\\fn` override.
The names are the ones libass matches (the `name` table's family, ID 1): for
the CJK font that is "Noto Sans CJK TC Regular", not the typographic "Noto Sans CJK TC".
"""

from __future__ import annotations

import hashlib
import re
import shutil
import tempfile
import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from functools import cache
from importlib import resources
from pathlib import Path

from fontTools.ttLib import TTFont

from core.errors import StudioError


@dataclass(frozen=True)
class FontFamily:
    family: str  # the name libass asks for
    package: str  # the import name of the pip package that ships the files
    files: tuple[str, ...]  # inside the package; the first one is the regular face

    def paths(self) -> list[Path]:
        try:
            root = resources.files(self.package)
        except ModuleNotFoundError as error:
            raise StudioError(
                f"Caption fonts are missing (Python package {self.package!r}); "
                "reinstall with `pip install -r requirements.txt`."
            ) from error
        paths: list[Path] = []
        for name in self.files:
            resource = root
            for part in name.split("/"):
                resource = resource / part
            paths.append(Path(str(resource)))
        return paths


NOTO_SANS = FontFamily("Noto Sans", "fontpkg_noto_sans", ("files/NotoSans[wdth,wght].ttf",))
ARABIC = FontFamily(
    "Noto Sans Arabic", "fontpkg_noto_sans_arabic", ("files/NotoSansArabic[wdth,wght].ttf",)
)
DEVANAGARI = FontFamily(
    "Noto Sans Devanagari",
    "fontpkg_noto_sans_devanagari",
    ("files/NotoSansDevanagari[wdth,wght].ttf",),
)
# No Noto Bengali wheel exists on PyPI; Hind Siliguri (OFL, Indian Type Foundry) has a real Bold.
BENGALI = FontFamily(
    "Hind Siliguri",
    "fontpkg_hind_siliguri",
    ("files/HindSiliguri-Regular.ttf", "files/HindSiliguri-Bold.ttf"),
)
TAMIL = FontFamily(
    "Noto Sans Tamil", "fontpkg_noto_sans_tamil", ("files/NotoSansTamil[wdth,wght].ttf",)
)
TELUGU = FontFamily(
    "Noto Sans Telugu", "fontpkg_noto_sans_telugu", ("files/NotoSansTelugu[wdth,wght].ttf",)
)
# The full Noto Sans CJK (TC default forms): Simplified Chinese, Japanese and Korean shapes
# come from its `locl` feature, which libass applies from the ASS `Language` header.
CJK = FontFamily(
    "Noto Sans CJK TC Regular", "cvttf_NotoSansCJK_Regular", ("NotoSansCJKtc-Regular.otf",)
)

# In this order a character's fallback is looked for: Noto Sans has the most symbols.
FAMILIES: tuple[FontFamily, ...] = (NOTO_SANS, ARABIC, DEVANAGARI, BENGALI, TAMIL, TELUGU, CJK)
_STYLE_FONT = re.compile(r"^Style: [^,]*,([^,]*),", re.MULTILINE)
_OVERRIDE_FONT = re.compile(r"\\fn([^\\}]*)")
_BY_LANGUAGE: dict[str, FontFamily] = {
    "ar": ARABIC,
    "ur": ARABIC,
    "fa": ARABIC,
    "hi": DEVANAGARI,
    "mr": DEVANAGARI,
    "bn": BENGALI,
    "ta": TAMIL,
    "te": TELUGU,
    "zh": CJK,
    "ja": CJK,
    "ko": CJK,
}  # every other language is written in Latin, Cyrillic or Greek letters: Noto Sans


def family_for(language: str) -> FontFamily:
    return _BY_LANGUAGE.get(language, NOTO_SANS)


def caption_family(preferred: str, text: str, language: str) -> str:
    """The user's family for Latin, Cyrillic and Greek text when we ship it and it has every
    glyph of the text; the script's own family otherwise."""
    script = family_for(language)
    if script is NOTO_SANS:
        for candidate in FAMILIES:
            if candidate.family == preferred and not _missing(text, candidate):
                return preferred
    return script.family


def family_named(name: str) -> FontFamily:
    """Our family that libass knows by this name (Noto Sans for any other name)."""
    return next((f for f in FAMILIES if f.family == name), NOTO_SANS)


def font_runs(text: str, main: str) -> list[tuple[str, str]]:
    """The text as (run, family) pairs: the `main` family wherever it has the glyphs, else
    the first of ours that has them. Combining marks and invisible format characters stay
    in the run of the character before them (a mark must be shaped with its base)."""
    primary = family_named(main)
    runs: list[tuple[str, FontFamily]] = []
    for char in text:
        category = unicodedata.category(char)
        family = _covering(char, primary)
        if runs and (category[0] == "M" or (category == "Cf" and ord(char) in _cmap(runs[-1][1]))):
            family = runs[-1][1]
        if runs and runs[-1][1] is family:
            runs[-1] = (runs[-1][0] + char, family)
        else:
            runs.append((char, family))
    return [(run, family.family) for run, family in runs]


def size_factor(family: str) -> float:
    """How much larger the family's size must be for its em to match Noto Sans at the same size.

    libass sizes a font by its whole line height (OS/2 win ascent + descent, as GDI does), and
    scripts with tall stacks or deep descenders have tall lines: at one ASS size, Noto Sans
    Arabic would come out at 70% of Noto Sans, Noto Sans Tamil at 122%.
    """
    return _line_height(family_named(family)) / _line_height(NOTO_SANS)


def drawable(char: str) -> bool:
    """Whether any caption font has a glyph for the character."""
    return any(ord(char) in _cmap(family) for family in FAMILIES)


def families_for(documents: Iterable[str]) -> tuple[FontFamily, ...]:
    """The families the ASS documents name, as their style's font or in `\\fn` overrides
    (Noto Sans at least). User text cannot spell an override: see `captions`."""
    names: set[str] = set()
    for document in documents:
        names.update(_STYLE_FONT.findall(document))
        names.update(_OVERRIDE_FONT.findall(document))
    return tuple(f for f in FAMILIES if f is NOTO_SANS or f.family in names)


def font_files(families: Sequence[FontFamily] = FAMILIES) -> list[Path]:
    return [path for family in families for path in family.paths()]


def fonts_dir(cache_root: Path | None = None, families: Sequence[FontFamily] = FAMILIES) -> Path:
    """A folder holding exactly these families' font files (symlinks), for libass's
    `fontsdir`."""
    sources = font_files(families)
    key = "\n".join(f"{path}:{path.stat().st_size}" for path in sources)
    root = cache_root if cache_root is not None else Path(tempfile.gettempdir())
    target = root / f"faceless-fonts-{hashlib.sha256(key.encode()).hexdigest()[:12]}"
    if all((target / path.name).is_file() for path in sources):
        return target
    shutil.rmtree(target, ignore_errors=True)  # a broken leftover (say, dangling links)
    root.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=".fonts-", dir=root))
    for path in sources:
        try:
            (staging / path.name).symlink_to(path)
        except OSError:  # no symlinks (some Windows accounts): copy instead
            shutil.copyfile(path, staging / path.name)
    try:
        staging.rename(target)
    except OSError:  # another process finished the same folder first
        shutil.rmtree(staging, ignore_errors=True)
    return target


def _covering(char: str, primary: FontFamily) -> FontFamily:
    if char.isspace() or ord(char) in _cmap(primary):
        return primary
    return next((f for f in FAMILIES if ord(char) in _cmap(f)), primary)


def _missing(text: str, family: FontFamily) -> list[str]:
    cmap = _cmap(family)
    seen: list[str] = []
    for char in text:
        if char.isspace() or not char.isprintable() or char in seen:
            continue
        if ord(char) not in cmap:
            seen.append(char)
    return seen


@cache
def _line_height(family: FontFamily) -> float:
    with TTFont(str(family.paths()[0]), lazy=True) as font:
        metrics = font["OS/2"]
        return float(metrics.usWinAscent + metrics.usWinDescent) / float(font["head"].unitsPerEm)


@cache
def _cmap(family: FontFamily) -> frozenset[int]:
    with TTFont(str(family.paths()[0]), lazy=True) as font:
        return frozenset(font.getBestCmap())
