"""Pytest fixture that starts and stops the ElevenLabs stand-in.

from tests.standins.elevenlabs_fixtures import elevenlabs_standin_fixture  # noqa: F401
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.standins.elevenlabs_server import ElevenLabsStandin


@pytest.fixture(name="elevenlabs_standin")
def elevenlabs_standin_fixture() -> Iterator[ElevenLabsStandin]:
    standin = ElevenLabsStandin().start()
    try:
        yield standin
    finally:
        standin.stop()
