"""The API keys panel: add, replace, test, remove — keys are only ever shown masked."""

from __future__ import annotations

import streamlit as st

from core import keycheck, vault
from ui.errors import attempt, succeeded
from ui.services import services

HELP = {
    "openai": "Used for scripts and translations (and images later).",
    "openai_compatible": "Any server that speaks the OpenAI API, e.g. Ollama at "
    "http://localhost:11434/v1.",
    "elevenlabs": "Used for natural voice-overs.",
}


def key_vault(user_id: int) -> None:
    svc = services()
    stored = {c.provider: c for c in vault.list_credentials(uow=svc.uow(), user_id=user_id)}
    for provider, label in vault.PROVIDERS.items():
        with st.container(border=True):
            cred = stored.get(provider)
            st.markdown(f"**{label}** — {cred.masked if cred else 'not set'}")
            st.caption(HELP[provider])
            if cred and cred.base_url:
                st.caption(f"Endpoint: {cred.base_url} · model: {cred.model}")
            _key_form(user_id, provider, replacing=cred is not None)
            if cred:
                _key_actions(user_id, provider)


def _key_form(user_id: int, provider: str, *, replacing: bool) -> None:
    svc = services()
    with st.form(f"vault_form_{provider}", clear_on_submit=True):
        base_url = model = ""
        if provider == "openai_compatible":
            base_url = st.text_input("Base URL", placeholder="http://localhost:11434/v1")
            model = st.text_input("Model", placeholder="llama3.1")
        secret = st.text_input("API key", type="password", key=f"vault_secret_{provider}")
        if st.form_submit_button("Replace key" if replacing else "Save key") and attempt(
            lambda: vault.save_credential(
                uow=svc.uow(),
                cipher=svc.cipher,
                user_id=user_id,
                provider=provider,
                secret=secret,
                base_url=base_url,
                model=model,
            )
        ):
            st.success("Key saved (encrypted).")
            st.rerun()


def _key_actions(user_id: int, provider: str) -> None:
    svc = services()
    test_col, remove_col = st.columns(2)
    if test_col.button("Test", key=f"vault_test_{provider}"):
        with st.spinner("Asking the provider…"):
            verdict = attempt(
                lambda: keycheck.test_credential(
                    uow=svc.uow(),
                    cipher=svc.cipher,
                    settings=svc.settings,
                    user_id=user_id,
                    provider=provider,
                )
            )
        if verdict:
            st.success(verdict)
    if remove_col.button("Remove", key=f"vault_remove_{provider}") and succeeded(
        lambda: vault.remove_credential(uow=svc.uow(), user_id=user_id, provider=provider)
    ):
        st.rerun()
