"""API key vault: keys encrypted at rest with MultiFernet, shown masked, decrypted late.

Keys are decrypted only by `reveal()`, which providers call at the moment of a
vendor request (in the worker for jobs). The database never sees plaintext.
"""

from __future__ import annotations

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from pydantic import BaseModel
from sqlalchemy import select

from core import access
from core.errors import InvalidInput
from core.providers.base import RevealedCredential
from core.uow import UnitOfWork
from db.models import ApiCredential


class CredentialView(BaseModel):
    provider: str
    masked: str
    base_url: str
    model: str


class Cipher:
    """Encrypts with the newest key, decrypts with any (so keys can be rotated)."""

    def __init__(self, keys: list[str]) -> None:
        self._fernet = MultiFernet([Fernet(k.encode()) for k in keys])

    def encrypt(self, plaintext: str) -> bytes:
        return self._fernet.encrypt(plaintext.encode())

    def decrypt(self, token: bytes) -> str:
        try:
            return self._fernet.decrypt(token).decode()
        except InvalidToken as exc:
            raise InvalidInput(
                "A stored key can no longer be decrypted (the encryption key changed); "
                "enter it again in Settings."
            ) from exc


def _clean_secret(secret: str) -> str:
    secret = secret.strip()
    if not secret:
        raise InvalidInput("The key is empty.")
    if any(ch.isspace() for ch in secret):
        raise InvalidInput("The key contains spaces or line breaks; paste it again without them.")
    if len(secret) > 400 or not secret.isprintable():
        raise InvalidInput("That does not look like an API key.")
    return secret


def _clean_base_url(url: str) -> str:
    url = url.strip().rstrip("/")
    if not url.startswith(("http://", "https://")) or " " in url:
        raise InvalidInput(
            "The base URL must start with http:// or https://, e.g. http://localhost:11434/v1"
        )
    return url


def store_credential(
    *,
    uow: UnitOfWork,
    cipher: Cipher,
    user_id: int,
    provider: str,
    secret: str,
    base_url: str = "",
    model: str = "",
    needs_url: bool = False,
) -> CredentialView:
    """Add or replace the user's key for a provider (core.providers.registry.save_key checks
    the provider's name first)."""
    secret = _clean_secret(secret)
    if needs_url:
        base_url = _clean_base_url(base_url)
        model = model.strip()
        if not model:
            raise InvalidInput("Name the model to use at that endpoint, e.g. llama3.1.")
    with uow:
        row = _find(uow, user_id, provider)
        if row is None:
            row = ApiCredential(user_id=user_id, provider=provider)
            uow.session.add(row)
        row.secret_encrypted = cipher.encrypt(secret)
        row.last4 = secret[-4:]
        row.base_url = base_url
        row.model = model
        uow.commit()
        return _view(row)


def remove_credential(*, uow: UnitOfWork, user_id: int, provider: str) -> bool:
    """Delete the user's key for a provider; False when there was none."""
    with uow:
        row = _find(uow, user_id, provider)
        if row is None:
            return False
        uow.session.delete(row)
        uow.commit()
        return True


def list_credentials(*, uow: UnitOfWork, user_id: int) -> list[CredentialView]:
    """The user's keys, masked."""
    with uow:
        rows = uow.session.scalars(
            select(ApiCredential).where(access.visible(ApiCredential, user_id))
        ).all()
        return [_view(r) for r in rows]


def reveal(
    *, uow: UnitOfWork, cipher: Cipher, user_id: int, provider: str
) -> RevealedCredential | None:
    """Decrypt a key for the call about to be made; None when the user has none."""
    with uow:
        row = _find(uow, user_id, provider)
        if row is None:
            return None
        return RevealedCredential(
            provider=provider,
            secret=cipher.decrypt(row.secret_encrypted),
            base_url=row.base_url,
            model=row.model,
        )


def _find(uow: UnitOfWork, user_id: int, provider: str) -> ApiCredential | None:
    return uow.session.scalar(
        select(ApiCredential).where(
            access.visible(ApiCredential, user_id), ApiCredential.provider == provider
        )
    )


def _view(row: ApiCredential) -> CredentialView:
    return CredentialView(
        provider=row.provider, masked=f"••••{row.last4}", base_url=row.base_url, model=row.model
    )
