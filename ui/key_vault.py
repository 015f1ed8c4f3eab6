"""The API keys panel: add, replace, test, remove — keys are only ever shown masked."""

from __future__ import annotations

import streamlit as st

from core.accounts.credentials import list_credentials
from core.accounts.keys import check_key, remove_key, save_key
from core.providers.registry import VENDORS, Vendor
from ui.errors import attempt, succeeded
from ui.services import services


def key_vault(user_id: int) -> None:
    svc = services()
    stored = {c.provider: c for c in list_credentials(uow=svc.uow(), user_id=user_id)}
    for vendor in VENDORS.values():
        with st.container(border=True):
            cred = stored.get(vendor.name)
            st.markdown(f"**{vendor.label}** — {cred.masked if cred else 'not set'}")
            st.caption(vendor.help)
            if cred and cred.base_url:
                st.caption(f"Endpoint: {cred.base_url} · model: {cred.model}")
            _key_form(user_id, vendor, replacing=cred is not None)
            if cred:
                _key_actions(user_id, vendor.name)


def _key_form(user_id: int, vendor: Vendor, *, replacing: bool) -> None:
    svc = services()
    with st.form(f"vault_form_{vendor.name}", clear_on_submit=True):
        base_url = model = ""
        if vendor.endpoint:
            base_url = st.text_input("Base URL", placeholder="http://localhost:11434/v1")
            model = st.text_input("Model", placeholder="llama3.1")
        secret = st.text_input("API key", type="password", key=f"vault_secret_{vendor.name}")
        if st.form_submit_button("Replace key" if replacing else "Save key") and attempt(
            lambda: save_key(
                uow=svc.uow(),
                cipher=svc.cipher,
                user_id=user_id,
                vendor=vendor.name,
                secret=secret,
                base_url=base_url,
                model=model,
            )
        ):
            st.success("Key saved (encrypted).")
            st.rerun()


def _key_actions(user_id: int, vendor: str) -> None:
    svc = services()
    test_col, remove_col = st.columns(2)
    if test_col.button("Test", key=f"vault_test_{vendor}"):
        with st.spinner("Asking the provider…"):
            verdict = attempt(
                lambda: check_key(
                    uow=svc.uow(),
                    cipher=svc.cipher,
                    settings=svc.settings,
                    user_id=user_id,
                    vendor=vendor,
                )
            )
        if verdict:
            st.success(verdict)
    if remove_col.button("Remove", key=f"vault_remove_{vendor}") and succeeded(
        lambda: remove_key(uow=svc.uow(), user_id=user_id, vendor=vendor)
    ):
        st.rerun()
