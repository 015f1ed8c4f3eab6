"""The user's light or dark theme, applied in whichever browser they sign in from.

Streamlit keeps the active theme in the browser (localStorage, one key per first-loaded
path) and offers no server call to change it. So when the page shows the other theme,
a short script stores the user's choice under Streamlit's key and reloads once; a
sessionStorage counter stops a browser that refuses the change from reloading forever.
"""

from __future__ import annotations

import json

import streamlit as st

NAMES = {"light": "Light", "dark": "Dark"}  # Streamlit's stored names
_SCRIPT = """<script>
(() => {
  const want = %s, last = "studioThemeTried";
  if (Date.now() - Number(sessionStorage.getItem(last) || 0) < 10000) return;
  sessionStorage.setItem(last, String(Date.now()));
  const keys = new Set([`stActiveTheme-${window.location.pathname}-v2`]);
  for (let i = 0; i < localStorage.length; i++) {
    const key = localStorage.key(i);
    if (key && key.startsWith("stActiveTheme-") && key.endsWith("-v2")) keys.add(key);
  }
  keys.forEach((key) => localStorage.setItem(key, want));
  window.location.reload();
})();
</script>"""


def apply_theme(preferred: str) -> None:
    """Switch this browser to `preferred` ("light" or "dark") unless it already shows it."""
    shown = st.context.theme.type
    if shown is not None and preferred in NAMES and shown != preferred:
        st.html(_SCRIPT % json.dumps(json.dumps(NAMES[preferred])), unsafe_allow_javascript=True)
