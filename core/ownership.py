"""The one place that loads a row by id for a user: someone else's row is NotFound."""

from __future__ import annotations

from typing import Protocol, TypeVar

from core.errors import NotFound
from core.uow import UnitOfWork


class Owned(Protocol):
    user_id: int


T = TypeVar("T", bound=Owned)


def load_owned(uow: UnitOfWork, model: type[T], obj_id: int, user_id: int, what: str) -> T:
    """Load `model` #obj_id if it belongs to user_id, else raise NotFound (never leak existence)."""
    row = uow.session.get(model, obj_id)
    if row is None or row.user_id != user_id:
        raise NotFound(f"{what} #{obj_id} was not found.")
    return row
