"""Fixtures shared by the caption tests (tests/integration/test_captions*.py)."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from core.render.fonts import fonts_dir


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
