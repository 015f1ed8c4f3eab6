"""Pytest fixtures that start and stop the stand-in servers.

Import them into a test module (the function names differ from the fixture names so the
import does not shadow test parameters):

    from tests.standins.fixtures import openai_standin_fixture  # noqa: F401
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.standins.openai_server import OpenAIStandin


@pytest.fixture(name="openai_standin")
def openai_standin_fixture() -> Iterator[OpenAIStandin]:
    standin = OpenAIStandin().start()
    try:
        yield standin
    finally:
        standin.stop()
