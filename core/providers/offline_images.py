"""Procedural images with Pillow: the offline image generator (no key, no network).

A draft picture suggests the scene rather than spelling out its prompt. It is built from
the request alone, so the same request gives the same PNG bytes (the asset cache relies on
that): a palette and motifs picked from words of the prompt and style ("night", "ocean",
"sunset"…; any other text hashes to a hue and a set of motifs), a gradient sky, shapes
placed by an RNG seeded with prompt + style + variant, a vignette, and the prompt as a
small one-line caption in a band along the top (away from the video's own captions).
"""

from __future__ import annotations

import colorsys
import hashlib
import io
import math
import random
import re
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass
from functools import cache, partial

from PIL import Image, ImageDraw, ImageEnhance, ImageFont, ImageOps

from core.providers.base import GeneratedImage, ImageRequest

RGB = tuple[int, int, int]
Palette = tuple[RGB, RGB, RGB, RGB]  # sky top, sky bottom, shapes, light (orbs, stars)


# Style words that change the whole picture's look (applied after drawing, before the title).
_LOOKS = {
    "mono": "noir monochrome grayscale greyscale black-and-white",
    "sepia": "sepia vintage retro antique old",
    "pastel": "pastel soft watercolor watercolour dreamy",
    "vivid": "neon vivid cyberpunk bold saturated",
}
LOOK_WORDS = {word: look for look, words in _LOOKS.items() for word in words.split()}
# The caption band's height as a share of the picture's, at most; a picture too small for a
# legible caption gets none.
CAPTION_BAND = 0.06
SMALLEST_CAPTION_PX = 9
_INK = (238, 238, 232)  # the caption's colour


def _words(text: str) -> list[str]:
    return re.findall(r"[^\W\d_]+", text.lower())


def theme_of(request: ImageRequest) -> str | None:
    """The first theme word in the prompt, else in the style; None when there is none."""
    for text in (request.prompt, request.style):
        for word in _words(text):
            if theme := THEME_WORDS.get(word) or THEME_WORDS.get(word.removesuffix("s")):
                return theme
    return None


def _hls(hue: float, lightness: float, saturation: float) -> RGB:
    r, g, b = colorsys.hls_to_rgb(hue % 1.0, lightness, saturation)
    return round(r * 255), round(g * 255), round(b * 255)


def _hashed_palette(text: str) -> Palette:
    """Any prompt or style without a theme word still gets its own colours."""
    digest = hashlib.sha256(text.encode()).digest()
    h, s = digest[0] / 255, 0.45 + digest[1] / 255 * 0.45
    return _hls(h, 0.14, s), _hls(h + 0.08, 0.52, s), _hls(h + 0.5, 0.35, s), _hls(h, 0.93, s)


def _shift_hue(palette: Palette, amount: float) -> Palette:
    """A re-roll keeps the theme but turns its colours a little round the colour wheel."""
    top, bottom, shapes, light = (
        _hls(h + amount, lightness, s)
        for h, lightness, s in (colorsys.rgb_to_hls(*(v / 255 for v in c)) for c in palette)
    )
    return top, bottom, shapes, light


@dataclass(frozen=True)
class _Canvas:
    draw: ImageDraw.ImageDraw  # on a transparent overlay: fills carry alpha
    rng: random.Random
    w: int
    h: int
    p: Palette

    def circle(self, x: float, y: float, r: float, colour: RGB, alpha: int) -> None:
        self.draw.ellipse((x - r, y - r, x + r, y + r), fill=(*colour, alpha))


def _stars(c: _Canvas) -> None:
    for _ in range(40 + c.rng.randrange(50)):
        x, y = c.rng.uniform(0, c.w), c.rng.uniform(0, c.h * 0.6)
        c.circle(x, y, c.rng.uniform(1, max(2, c.w / 300)), c.p[3], c.rng.randrange(120, 256))


def _orb(c: _Canvas) -> None:
    """A sun, moon or planet with a soft halo."""
    x, y = c.rng.uniform(0.2, 0.8) * c.w, c.rng.uniform(0.12, 0.35) * c.h
    r = c.rng.uniform(0.1, 0.18) * c.w
    for step, alpha in ((1.9, 30), (1.45, 55), (1.0, 235)):
        c.circle(x, y, r * step, c.p[3], alpha)


def _bubbles(c: _Canvas) -> None:
    for _ in range(8 + c.rng.randrange(10)):
        x, y, r = c.rng.uniform(0, c.w), c.rng.uniform(0, c.h), c.rng.uniform(0.02, 0.12) * c.w
        c.circle(x, y, r, c.p[3] if c.rng.random() < 0.4 else c.p[2], c.rng.randrange(40, 130))


def _ridges(c: _Canvas, *, jagged: bool) -> None:
    """Two or three layers of mountains (jagged) or waves/dunes (smooth) along the bottom."""
    for layer in range(2 + c.rng.randrange(2)):
        base = c.h * (0.68 + 0.1 * layer)
        amp, phase = c.h * c.rng.uniform(0.04, 0.1), c.rng.uniform(0, math.tau)
        freq = c.rng.uniform(3, 6) if jagged else c.rng.uniform(1.5, 3.5)
        points = [(0.0, float(c.h))]
        for i in range(41):
            t = i / 40 * freq * math.tau + phase
            wave = 1 - 2 * abs(math.sin(t / 2)) if jagged else math.sin(t)  # peaks are sharp
            jitter = c.rng.uniform(0, amp / 3) if jagged else 0
            points.append((c.w * i / 40, base - amp * wave - jitter))
        points.append((float(c.w), float(c.h)))
        shade = 1 - 0.25 * layer  # nearer layers darker: depth, and contrast on a pale sky
        colour = (round(c.p[2][0] * shade), round(c.p[2][1] * shade), round(c.p[2][2] * shade))
        c.draw.polygon(points, fill=(*colour, 150 + 50 * layer))


def _skyline(c: _Canvas) -> None:
    x = 0.0
    while x < c.w:
        bw, bh = c.rng.uniform(0.07, 0.16) * c.w, c.rng.uniform(0.15, 0.45) * c.h
        c.draw.rectangle((x, c.h - bh, x + bw, c.h), fill=(*c.p[2], 235))
        for _ in range(int(bh / c.h * 30)):  # lit windows
            wx, wy = c.rng.uniform(x, x + bw * 0.9), c.rng.uniform(c.h - bh, c.h)
            c.draw.rectangle((wx, wy, wx + c.w / 120, wy + c.w / 90), fill=(*c.p[3], 200))
        x += bw + c.rng.uniform(0, 0.02) * c.w


_mountains = partial(_ridges, jagged=True)
_waves = partial(_ridges, jagged=False)
Motif = Callable[[_Canvas], None]
# theme: (colours: sky top, sky bottom, shapes, light), motifs drawn in order, words that pick it
THEMES: dict[str, tuple[str, tuple[Motif, ...], str]] = {
    "night": ("#070b24 #2b2f77 #4b3f9e #f5f3ce", (_stars, _orb, _mountains),
              "night moon midnight dark evening owl"),
    "space": ("#000000 #240046 #7b2cbf #e0c3fc", (_stars, _orb, _bubbles),
              "space galaxy planet star cosmos astronaut rocket"),
    "ocean": ("#022b4f #2a7fb0 #0b5f8a #e0f4ff", (_orb, _bubbles, _waves),
              "ocean sea water underwater wave beach octopus fish whale reef"),
    "forest": ("#0b2e1a #5c8a3a #1f5130 #ecf39e", (_orb, _mountains, _mountains),
               "forest tree jungle wood leaf garden mountain"),
    "sunset": ("#2d1e5e #ff7e5f #5a2a5e #ffe29a", (_orb, _mountains),
               "sunset sunrise dawn dusk golden"),
    "fire": ("#2a0000 #c1121f #f77f00 #ffe066", (_bubbles, _bubbles, _mountains),
             "fire flame volcano lava heat burning"),
    "desert": ("#f2cc8f #e07a5f #b5543a #fff8e1", (_orb, _waves),
               "desert sand dune egypt pyramid sahara"),
    "snow": ("#8ecae6 #f1faee #7d9fb8 #ffffff", (_stars, _mountains),
             "snow snowy ice winter glacier arctic frozen"),
    "city": ("#0d1b2a #415a77 #1b263b #fca311", (_stars, _orb, _skyline),
             "city street skyline building urban traffic"),
}  # fmt: skip
# The first theme word in the prompt wins, then in the style; no theme: hashed colours, and
# one of these sets of motifs picked by the same hash.
THEME_WORDS = {word: theme for theme, (_, _, words) in THEMES.items() for word in words.split()}
OTHER_MOTIFS: tuple[tuple[Motif, ...], ...] = (
    (_bubbles, _orb, _waves),
    (_orb, _mountains, _waves),
    (_stars, _orb, _mountains),
    (_bubbles, _bubbles, _waves),
    (_orb, _waves, _waves),
)


def _palette(theme: str) -> Palette:
    top, bottom, shapes, light = ((int(c[1:3], 16), int(c[3:5], 16), int(c[5:7], 16))
                                  for c in THEMES[theme][0].split())  # fmt: skip
    return top, bottom, shapes, light


def _gradient(size: tuple[int, int], top: RGB, bottom: RGB) -> Image.Image:
    shade = Image.linear_gradient("L").resize(size)  # 0 at the top, 255 at the bottom
    return Image.composite(Image.new("RGB", size, bottom), Image.new("RGB", size, top), shade)


def _vignette(image: Image.Image) -> Image.Image:
    edge = Image.radial_gradient("L").resize(image.size).point(lambda v: max(0, v - 110))
    return Image.composite(Image.new("RGB", image.size), image, edge)


def _apply_style(image: Image.Image, style: str) -> Image.Image:
    """Style words set the look; any other style text tints the picture with its own hue."""
    words = _words(style.replace("black and white", "black-and-white"))
    look = next((LOOK_WORDS[w] for w in words if w in LOOK_WORDS), None)
    if look in ("mono", "sepia"):
        grey = ImageOps.grayscale(image)
        return ImageOps.colorize(grey, "black", "white" if look == "mono" else "#f0d9a8")
    if look == "pastel":
        return Image.blend(image, Image.new("RGB", image.size, (245, 240, 235)), 0.35)
    if look == "vivid":
        return ImageEnhance.Contrast(ImageEnhance.Color(image).enhance(1.8)).enhance(1.2)
    if not words:
        return image
    return Image.blend(image, Image.new("RGB", image.size, _hashed_palette(style)[1]), 0.15)


def _draw_caption(picture: Image.Image, prompt: str) -> None:
    """The prompt on one line, in small type on a darkened band along the top."""
    w, h = picture.size
    size = int(min(w / 30, h * CAPTION_BAND / 1.6))
    text = " ".join(_without_accents(prompt).split())
    if size < SMALLEST_CAPTION_PX or not text or not all(map(_has_glyph, text)):
        return  # the bundled font draws ASCII only: no caption beats a row of boxes
    font, band, margin = _font(size), round(size * 1.6), round(size * 0.6)
    assert font is not None  # _has_glyph said so
    while font.getlength(text) > w - 2 * margin and " " in text:
        text = text.rsplit(" ", 1)[0].rstrip(",;:") + "…"  # drop whole words from the end
    strip = picture.crop((0, 0, w, band))
    picture.paste(Image.blend(strip, Image.new("RGB", strip.size), 0.45), (0, 0))
    ImageDraw.Draw(picture).text((margin, band / 2), text, font=font, anchor="lm", fill=_INK)


def _without_accents(text: str) -> str:
    """The text without accents ("Café" → "Cafe"): the bundled font has no accented letters."""
    decomposed = unicodedata.normalize("NFKD", text)
    return "".join(char for char in decomposed if not unicodedata.combining(char))


@cache
def _font(size: int) -> ImageFont.FreeTypeFont | None:
    font = ImageFont.load_default(size=size)  # Aileron; a bitmap font if Pillow lacks FreeType
    return font if isinstance(font, ImageFont.FreeTypeFont) else None


@cache
def _has_glyph(char: str) -> bool:
    """True if the bundled font draws the character as more than its empty box."""
    font = _font(16)
    if font is None:
        return False
    return char.isspace() or bytes(font.getmask(char)) != bytes(font.getmask("\uffff"))


def draw_scene(request: ImageRequest) -> Image.Image:
    """The picture without its caption: sky, motifs, style and vignette."""
    size = (request.width, request.height)
    key = f"{request.prompt}\x1f{request.style}\x1f{request.variant}"
    rng = random.Random(hashlib.sha256(key.encode()).digest())
    theme = theme_of(request)
    described = f"{request.prompt}|{request.style}"
    palette = _palette(theme) if theme else _hashed_palette(described)
    if request.variant:  # variants 1, 2, 3, 4… turn the hue by +0.1, -0.1, +0.2, -0.2…
        turns = (request.variant + 1) // 2 * (1 if request.variant % 2 else -1)
        palette = _shift_hue(palette, 0.1 * turns)
    image = _gradient(size, palette[0], palette[1]).convert("RGBA")
    overlay = Image.new("RGBA", size, (0, 0, 0, 0))
    canvas = _Canvas(ImageDraw.Draw(overlay), rng, request.width, request.height, palette)
    for motif in THEMES[theme][1] if theme else _hashed_motifs(described):
        motif(canvas)
    picture = Image.alpha_composite(image, overlay).convert("RGB")
    return _vignette(_apply_style(picture, request.style))


def _hashed_motifs(text: str) -> tuple[Motif, ...]:
    digest = hashlib.sha256(text.encode()).digest()
    return OTHER_MOTIFS[digest[2] % len(OTHER_MOTIFS)]


class OfflineImages:
    name = "offline"
    revision = 2  # calm scenes, small caption: older cached files are not reused

    def generate_image(self, request: ImageRequest) -> GeneratedImage:
        """Return a procedural picture of the prompt, exactly width × height, as PNG."""
        picture = draw_scene(request)
        _draw_caption(picture, request.prompt)
        out = io.BytesIO()
        picture.save(out, format="PNG", compress_level=3)  # fast; the renderer re-encodes anyway
        return GeneratedImage(out.getvalue(), "image/png", request.width, request.height)
