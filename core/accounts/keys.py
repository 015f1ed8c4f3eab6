"""The keys a user stored, put to use: which provider serves them in each role (the first
vendor of core/providers/registry.py whose key they have, else the offline one), saving a
key, and the Test button. Keys are decrypted here, at the moment a provider is built, in
the process that calls it (the worker, for jobs)."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any, cast

from core.accounts.credentials import (
    Cipher,
    CredentialView,
    remove_credential,
    reveal,
    store_credential,
)
from core.errors import InvalidInput, NotFound
from core.providers.base import (
    Budget,
    ImageGenerator,
    RevealedCredential,
    ScriptWriter,
    Translator,
    VoiceSynthesizer,
)
from core.providers.registry import DEFAULT_BUDGET, NEEDS_LLM, OFFLINE, VENDORS, Role, Vendor
from core.settings import Settings
from core.uow import UnitOfWork


class Providers:
    """Builds the provider that serves a user in a role; `overrides` (tests, or a site that
    pins one provider) serve every user in their role."""

    def __init__(
        self,
        uow_factory: Callable[[], UnitOfWork],
        cipher: Cipher,
        settings: Settings,
        overrides: Mapping[Role, object] | None = None,
    ) -> None:
        self._uow_factory = uow_factory
        self._cipher = cipher
        self._settings = settings
        self._overrides = dict(overrides or {})

    def script_writer(self, user_id: int, budget: Budget = DEFAULT_BUDGET) -> ScriptWriter:
        return cast("ScriptWriter", self._build(Role.SCRIPT, user_id, budget))

    def translator(self, user_id: int, budget: Budget = DEFAULT_BUDGET) -> Translator:
        return cast("Translator", self._build(Role.TRANSLATE, user_id, budget))

    def images(self, user_id: int, budget: Budget = DEFAULT_BUDGET) -> ImageGenerator:
        return cast("ImageGenerator", self._build(Role.IMAGE, user_id, budget))

    def voice(self, user_id: int, budget: Budget = DEFAULT_BUDGET) -> VoiceSynthesizer:
        return cast("VoiceSynthesizer", self._build(Role.VOICE, user_id, budget))

    def serves(self, user_id: int, role: Role) -> bool:
        """Whether some provider serves the user in this role (offline ones count)."""
        return (
            role in self._overrides or role in OFFLINE or self._key_for(user_id, role) is not None
        )

    def _build(self, role: Role, user_id: int, budget: Budget) -> Any:
        if role in self._overrides:
            return self._overrides[role]
        found = self._key_for(user_id, role)
        if found is not None:
            vendor, credential = found
            return vendor.makers[role](credential, self._settings, budget)
        if role not in OFFLINE:
            raise InvalidInput(NEEDS_LLM)
        return OFFLINE[role]()

    def _key_for(self, user_id: int, role: Role) -> tuple[Vendor, RevealedCredential] | None:
        for vendor in VENDORS.values():
            if role in vendor.makers:
                uow, cipher = self._uow_factory(), self._cipher
                cred = reveal(uow=uow, cipher=cipher, user_id=user_id, provider=vendor.name)
                if cred is not None:
                    return vendor, cred
        return None


def save_key(
    *,
    uow: UnitOfWork,
    cipher: Cipher,
    user_id: int,
    vendor: str,
    secret: str,
    base_url: str = "",
    model: str = "",
) -> CredentialView:
    """Add or replace the user's key for a vendor (an endpoint vendor also needs its URL and
    model)."""
    found = VENDORS.get(vendor)
    if found is None:
        raise InvalidInput(f"Unknown provider {vendor!r}.")
    if found.endpoint and not model.strip():
        raise InvalidInput("Name the model to use at that endpoint, e.g. llama3.1.")
    return store_credential(
        uow=uow, cipher=cipher, user_id=user_id, provider=vendor, secret=secret,
        base_url=base_url if found.endpoint else "", model=model if found.endpoint else "",
        needs_url=found.endpoint,
    )  # fmt: skip


def remove_key(*, uow: UnitOfWork, user_id: int, vendor: str) -> None:
    """Delete the user's key for a vendor."""
    if not remove_credential(uow=uow, user_id=user_id, provider=vendor):
        found = VENDORS.get(vendor)
        raise NotFound(f"No {found.label if found else vendor} key is stored.")


def check_key(
    *, uow: UnitOfWork, cipher: Cipher, settings: Settings, user_id: int, vendor: str
) -> str:
    """Call the vendor with the stored key; return its verdict or raise a ProviderError."""
    found = VENDORS.get(vendor)
    cred = reveal(uow=uow, cipher=cipher, user_id=user_id, provider=vendor) if found else None
    if found is None or cred is None:
        label = found.label if found else vendor
        raise NotFound(f"No {label} key is stored.")
    return found.check(cred, settings)
