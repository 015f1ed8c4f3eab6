"""The ☆/★ button that stars or unstars a workspace or a script."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import streamlit as st

from ui.errors import succeeded


def star_button(where: Any, *, favorite: bool, key: str, toggle: Callable[..., object]) -> None:
    """A star in `where`; a click calls `toggle(favorite=not favorite)` and reruns the page."""
    tip = "Remove from favourites" if favorite else "Add to favourites"
    clicked = where.button("★" if favorite else "☆", key=key, help=tip, type="tertiary")
    if clicked and succeeded(lambda: toggle(favorite=not favorite)):
        st.rerun()
