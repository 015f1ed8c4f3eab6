"""API keys are encrypted at rest, shown masked, and survive a rotation of the encryption key."""

from __future__ import annotations

import pytest
from cryptography.fernet import Fernet
from sqlalchemy import text

from core.accounts.credentials import Cipher, list_credentials, reveal
from core.accounts.keys import remove_key, save_key
from core.accounts.users import UserView
from core.bootstrap import Services
from core.errors import InvalidInput, NotFound

KEY = "fake-openai-key-4f9c2a7e1b3d5f7a9c0eQRST"


def _save(services: Services, user: UserView, secret: str = KEY) -> None:
    save_key(
        uow=services.uow(),
        cipher=services.cipher,
        user_id=user.id,
        vendor="openai",
        secret=secret,
    )


def _raw_secrets(services: Services) -> list[bytes]:
    with services.engine.connect() as conn:
        rows = conn.execute(text("SELECT secret_encrypted FROM api_credentials")).all()
    return [bytes(row[0]) for row in rows]


def test_saved_key_is_not_stored_in_plaintext(services: Services, alice: UserView) -> None:
    _save(services, alice)
    [stored] = _raw_secrets(services)
    assert KEY.encode() not in stored and KEY[3:20].encode() not in stored
    files = sorted(services.settings.data_dir.glob("studio.db*"))  # the database, WAL and shm
    everything = b"".join(path.read_bytes() for path in files)
    assert b"alice" in everything  # the scan does see what was written
    assert KEY.encode() not in everything
    assert KEY[3:20].encode() not in everything


def test_list_shows_only_the_last_four_characters(services: Services, alice: UserView) -> None:
    _save(services, alice)
    [view] = list_credentials(uow=services.uow(), user_id=alice.id)
    assert view.provider == "openai" and view.masked == "••••QRST"
    assert KEY not in view.model_dump_json() and KEY[:-4] not in view.model_dump_json()


def test_reveal_returns_the_key(services: Services, alice: UserView) -> None:
    _save(services, alice)
    cred = reveal(uow=services.uow(), cipher=services.cipher, user_id=alice.id, provider="openai")
    assert cred is not None and cred.secret == KEY
    assert (
        reveal(uow=services.uow(), cipher=services.cipher, user_id=alice.id, provider="elevenlabs")
        is None
    )


def test_printing_a_revealed_key_does_not_show_it(services: Services, alice: UserView) -> None:
    _save(services, alice)
    cred = reveal(uow=services.uow(), cipher=services.cipher, user_id=alice.id, provider="openai")
    assert cred is not None
    for shown in (repr(cred), str(cred), f"{cred}", repr([cred])):
        assert KEY not in shown and "QRST" not in shown
    assert "openai" in repr(cred)


def test_rotated_cipher_decrypts_values_of_the_old_key() -> None:
    old, new = Fernet.generate_key().decode(), Fernet.generate_key().decode()
    token = Cipher([old]).encrypt("sk-before-rotation")
    rotated = Cipher([new, old])
    assert rotated.decrypt(token) == "sk-before-rotation"
    # New values are written with the newest key: they no longer need the old one.
    assert Cipher([new]).decrypt(rotated.encrypt("sk-after")) == "sk-after"
    with pytest.raises(InvalidInput):
        Cipher([old]).decrypt(rotated.encrypt("sk-after"))


def test_stored_key_survives_rotation_and_is_lost_without_the_old_key(
    services: Services, alice: UserView
) -> None:
    _save(services, alice)
    old = services.settings.fernet_keys[0]
    new = Fernet.generate_key().decode()
    rotated = reveal(
        uow=services.uow(), cipher=Cipher([new, old]), user_id=alice.id, provider="openai"
    )
    assert rotated is not None and rotated.secret == KEY
    with pytest.raises(InvalidInput, match="enter it again") as info:
        reveal(uow=services.uow(), cipher=Cipher([new]), user_id=alice.id, provider="openai")
    assert "can no longer be decrypted" in str(info.value)


def test_saving_again_replaces_the_key(services: Services, alice: UserView) -> None:
    _save(services, alice)
    _save(services, alice, "sk-second-key-WXYZ")
    assert len(_raw_secrets(services)) == 1
    [view] = list_credentials(uow=services.uow(), user_id=alice.id)
    assert view.masked == "••••WXYZ"
    cred = reveal(uow=services.uow(), cipher=services.cipher, user_id=alice.id, provider="openai")
    assert cred is not None and cred.secret == "sk-second-key-WXYZ"


def test_remove_deletes_the_key(services: Services, alice: UserView) -> None:
    _save(services, alice)
    remove_key(uow=services.uow(), user_id=alice.id, vendor="openai")
    assert _raw_secrets(services) == []
    assert list_credentials(uow=services.uow(), user_id=alice.id) == []
    assert (
        reveal(uow=services.uow(), cipher=services.cipher, user_id=alice.id, provider="openai")
        is None
    )
    with pytest.raises(NotFound, match="No OpenAI key is stored"):
        remove_key(uow=services.uow(), user_id=alice.id, vendor="openai")
