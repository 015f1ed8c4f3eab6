"""Admin monitoring: queue and worker overview from a real Valkey, the user list, the admin page.

The launcher-level check (rq-dashboard answers 401 without credentials, 200 with them) is in
test_launcher.py, so the whole app starts only once.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
from redis import Redis
from rq import Worker
from streamlit.testing.v1 import AppTest
from streamlit.testing.v1.element_tree import PageLink

from core.accounts.registration import LAPTOP
from core.accounts.users import UserView, list_users, register_user
from core.bootstrap import Services
from core.errors import PermissionDenied, ProviderUnavailable
from core.settings import Settings, SettingsError
from core.tasks.catalog import KINDS
from core.tasks.monitoring import Overview, QueueStat, dashboard_access, overview
from tests.conftest import Studio
from tests.helpers import ROOT, free_port, no_exception, texts


def by_name(stats: list[QueueStat]) -> dict[str, QueueStat]:
    return {q.name: q for q in stats}


def look(services: Services, admin: UserView) -> Overview:
    return overview(uow=services.uow(), connection=services.redis, requester_id=admin.id)


def test_overview_counts_queued_jobs_per_queue(real_services: Services, alice: UserView) -> None:
    before = by_name(look(real_services, alice).queues)
    assert before["media"].queued == before["llm"].queued == 0  # known queues show when empty

    for record_id in (1, 2, 3):
        real_services.queue.enqueue(KINDS["screen.image"], record_id)
    real_services.queue.enqueue(KINDS["script.generate"], 4)

    after = by_name(look(real_services, alice).queues)
    assert (after["media"].queued, after["llm"].queued) == (3, 1)
    assert after["media"].failed == after["media"].started == 0


def test_overview_lists_registered_workers(
    real_services: Services, alice: UserView, redis: Redis
) -> None:
    worker = Worker(["media", "llm"], connection=redis, name="render-box-1")
    worker.register_birth()
    try:
        [stat] = look(real_services, alice).workers
    finally:
        worker.register_death()
    assert (stat.name, stat.queues) == ("render-box-1", ("media", "llm"))
    assert stat.current_job is None


def test_overview_of_an_unreachable_server_says_so(
    build: Callable[..., Services], alice: UserView
) -> None:
    nowhere = build({"redis_url": f"redis://127.0.0.1:{free_port()}/0"})
    with pytest.raises(ProviderUnavailable, match="not reachable"):
        look(nowhere, alice)


def test_the_overview_is_for_admins_only(real_services: Services, bob: UserView) -> None:
    with pytest.raises(PermissionDenied):
        look(real_services, bob)


def test_list_users_refuses_a_normal_user(services: Services, bob: UserView) -> None:
    assert not bob.is_admin
    with pytest.raises(PermissionDenied):
        list_users(uow=services.uow(), requester_id=bob.id)


def test_list_users_shows_every_account_to_an_admin(
    services: Services, alice: UserView, bob: UserView
) -> None:
    users = list_users(uow=services.uow(), requester_id=alice.id)
    assert [(u.username, u.role) for u in users] == [("alice", "admin"), ("bob", "user")]
    assert all(u.created_at is not None for u in users)


def test_dashboard_access_in_local_mode_points_to_the_kept_password(
    services: Services, alice: UserView, bob: UserView
) -> None:
    access = dashboard_access(uow=services.uow(), settings=services.settings, requester_id=alice.id)
    kept = services.settings.data_dir / "secrets" / "dashboard_password"
    assert access.password == kept.read_text() and len(kept.read_text()) >= 32
    assert access.password_source == str(kept)
    assert (access.url, access.username, access.local_only) == (
        "http://127.0.0.1:9181",
        "admin",
        True,
    )
    with pytest.raises(PermissionDenied):
        dashboard_access(uow=services.uow(), settings=services.settings, requester_id=bob.id)


@pytest.mark.parametrize("password", ["", "change-me"])
def test_production_refuses_a_missing_or_placeholder_dashboard_password(
    settings: Settings, password: str
) -> None:
    prod = settings.model_copy(update={"mode": "production", "dashboard_password": password})
    with pytest.raises(SettingsError, match="STUDIO_DASHBOARD_PASSWORD"):
        prod.dashboard_secret()
    assert prod.dashboard_password_file is None
    assert not (settings.data_dir / "secrets" / "dashboard_password").exists()


def test_an_empty_dashboard_username_is_refused(tmp_path: Path) -> None:
    # rq-dashboard turns basic auth off when it gets no username.
    with pytest.raises(ValueError, match="STUDIO_DASHBOARD_USERNAME"):
        Settings(data_dir=tmp_path, dashboard_username=" ", _env_file=None)  # type: ignore[call-arg]


# --- The admin page (AppTest) ---------------------------------------------------------


def sidebar_links(user_id: int) -> list[str]:
    """The page links Home.py puts in the sidebar for this user."""
    at = AppTest.from_file(str(ROOT / "Home.py"), default_timeout=30)
    at.session_state["authentication_status"] = True
    at.session_state["user_id"] = user_id
    no_exception(at.run())
    return [str(n.proto.label) for n in at.sidebar.children.values() if isinstance(n, PageLink)]


def test_the_admin_page_is_linked_for_admins_only(studio: Studio) -> None:
    bob = register_user(
        uow=studio.svc.uow(), username="bob", password="battery staple", policy=LAPTOP
    )
    assert "Admin" in sidebar_links(studio.user_id)
    links = sidebar_links(bob.id)
    assert "Settings" in links and "Admin" not in links


def test_admin_page_says_admins_only_to_a_normal_user(studio: Studio) -> None:
    bob = register_user(
        uow=studio.svc.uow(), username="bob", password="battery staple", policy=LAPTOP
    )
    at = no_exception(Studio(studio.svc, bob.id).open("app_pages/admin.py"))
    assert any("Admins only" in e.value for e in at.error)
    assert not at.dataframe and not at.code and "alice" not in texts(at)


def test_admin_page_shows_queues_users_and_the_masked_dashboard_password(studio: Studio) -> None:
    register_user(uow=studio.svc.uow(), username="bob", password="battery staple", policy=LAPTOP)
    at = no_exception(studio.open("app_pages/admin.py"))
    assert not at.error
    queues, users = at.dataframe[0].value, at.dataframe[-1].value
    assert {"llm", "media"} <= set(queues["name"])
    assert list(users["username"]) == ["alice", "bob"]
    password = studio.svc.settings.dashboard_secret()
    assert password not in [c.value for c in at.code]
    no_exception(at.toggle(key="admin_reveal_password").set_value(True).run())
    assert password in [c.value for c in at.code]
