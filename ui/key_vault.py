"""The API keys panel: add, replace, test, remove — keys are only ever shown masked."""

from __future__ import annotations

import streamlit as st

from core.accounts.credentials import list_credentials
from core.accounts.keys import check_key, remove_key, save_key
from core.providers.registry import VENDORS, Vendor
from ui.errors import attempt
from ui.flash import flash
from ui.listing import delete_button
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
                _key_actions(user_id, vendor)


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
            flash(f"{vendor.label} key saved, encrypted: press Test to check it.", "🔑")
            st.rerun()


def _key_actions(user_id: int, vendor: Vendor) -> None:
    svc = services()
    test_col, remove_col = st.columns(2)
    if test_col.button("Test", key=f"vault_test_{vendor.name}"):
        with st.spinner("Asking the provider…"):
            verdict = attempt(
                lambda: check_key(
                    uow=svc.uow(),
                    cipher=svc.cipher,
                    settings=svc.settings,
                    user_id=user_id,
                    vendor=vendor.name,
                )
            )
        if verdict:
            st.success(verdict)
    delete_button(
        remove_col,
        state_key="vault_removing",
        item_id=vendor.name,
        what=f"the {vendor.label} key",
        delete=lambda: remove_key(uow=svc.uow(), user_id=user_id, vendor=vendor.name),
        verb="Remove",
        done="Removed",
    )
