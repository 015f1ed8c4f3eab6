"""Turn service-layer errors into messages on the page, never tracebacks."""

from __future__ import annotations

from collections.abc import Callable
from typing import TypeVar

import streamlit as st

from core.errors import InvalidInput, NotFound, ProviderError, QuotaExceeded, StudioError

T = TypeVar("T")


def attempt(action: Callable[[], T]) -> T | None:
    """Run a core call; show its error to the user and return None when it fails."""
    try:
        return action()
    except (InvalidInput, QuotaExceeded) as exc:
        st.warning(str(exc), icon="⚠️")
    except NotFound as exc:
        st.error(str(exc), icon="🔎")
    except ProviderError as exc:
        st.error(str(exc), icon="🔌")
    except StudioError as exc:
        st.error(str(exc))
    return None


def succeeded(action: Callable[[], object]) -> bool:
    """Like `attempt`, for actions that return nothing: True when no error was shown."""

    def run() -> bool:
        action()
        return True

    return attempt(run) is not None
