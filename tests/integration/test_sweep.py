"""Files that no row references are swept; what a row references, what is being written,
and a render's cache stay. Deleting a script takes its files, and only its files."""

from __future__ import annotations

import io
import os
import subprocess
import sys
import time
from pathlib import Path

from core.accounts.users import UserView
from core.bootstrap import Services
from core.media.batch import request_batch
from core.media.screen import list_screens
from core.media.sweep import sweep_unreferenced
from core.media.uploads import upload_image
from core.scripts.finalize import finalize_script
from core.scripts.script import create_script, delete_script, list_scripts
from core.scripts.versions import get_version, save_version
from tests.fakes import FakeQueue
from tests.helpers import ROOT, png_upload, worker_env
from tests.integration.test_media_offline import finalized_script

HOUR = 3600


def aged(path: Path, data: bytes = b"left behind", hours: float = 2) -> Path:
    """A file written `hours` ago."""
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data)
    then = time.time() - hours * HOUR
    os.utime(path, (then, then))
    return path


def stored_files(services: Services) -> set[Path]:
    return {p for p in services.files.root.rglob("*") if p.is_file() and ".tmp" not in p.parts}


def test_only_unreferenced_old_files_are_swept(
    services: Services, fake_queue: FakeQueue, alice: UserView
) -> None:
    workspace_id, script_id = finalized_script(services, fake_queue, alice, ["One.", "Two."])
    [first, _] = list_screens(
        uow=services.uow(), files=services.files, user_id=alice.id, script_id=script_id
    )
    upload_image(
        uow=services.uow(), files=services.files, user_id=alice.id, screen_id=first.id,
        stream=io.BytesIO(png_upload(40, 40)),
    )  # fmt: skip
    kept = stored_files(services)  # the image a screen uses
    folder = services.files.workspace_dir(workspace_id)
    orphan = aged(folder / "assets" / "ab" / ("ab" * 32 + ".png"))  # no row names it
    young = aged(folder / "assets" / "cd" / ("cd" * 32 + ".png"), hours=0.1)  # being stored
    cache = aged(folder / "render-cache" / "segments" / "piece.mp4")  # a render's own
    gone = aged(services.files.workspace_dir(999) / "assets" / "ef" / "x.png")  # no workspace
    legacy = aged(services.files.root / "users" / "1" / "assets" / "12" / "y.wav")  # old layout

    assert sweep_unreferenced(uow=services.uow(), files=services.files) == 3

    assert not orphan.exists() and not gone.exists() and not legacy.exists()
    assert young.exists() and cache.exists()
    assert kept <= stored_files(services)
    assert not services.files.workspace_dir(999).exists()


def test_the_media_sweep_command_reports_what_it_removed(services: Services) -> None:
    orphan = aged(services.files.root / "users" / "7" / "assets" / "ab" / "old.mp3")
    done = subprocess.run(
        [sys.executable, "studio.py", "_media", "sweep"],
        cwd=ROOT, env=worker_env(services.settings), capture_output=True, text=True, timeout=60,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    assert "removed 1 unreferenced file(s)" in done.stdout and not orphan.exists()


def test_deleting_a_script_takes_its_files_and_leaves_the_others(
    services: Services, fake_queue: FakeQueue, alice: UserView
) -> None:
    workspace_id, doomed = finalized_script(services, fake_queue, alice, ["Sharks.", "Rays."])
    shared_visual = get_version(uow=services.uow(), user_id=alice.id, script_id=doomed).content
    kept = create_script(
        uow=services.uow(), user_id=alice.id, workspace_id=workspace_id, topic="eels"
    ).id
    content = {"title": "Eels", "scenes": [
        {"narration": "Eels.", "visual": shared_visual.scenes[0].visual},  # the same picture
    ]}  # fmt: skip
    save_version(
        uow=services.uow(), user_id=alice.id, script_id=kept, content=content, base_version=0
    )
    finalize_script(uow=services.uow(), files=services.files, user_id=alice.id, script_id=kept)
    for script_id in (doomed, kept):
        request_batch(
            uow=services.uow(), queue=fake_queue, files=services.files, user_id=alice.id,
            script_id=script_id,
        )  # fmt: skip
    fake_queue.run_all(services)
    doomed_files, kept_files = (media(services, alice, s) for s in (doomed, kept))
    assert len(doomed_files) == 4 and len(kept_files) == 2
    assert len(doomed_files & kept_files) == 1  # the shared picture is one file
    before = stored_files(services)

    delete_script(
        uow=services.uow(), queue=fake_queue, files=services.files, user_id=alice.id,
        script_id=doomed,
    )  # fmt: skip

    scripts = list_scripts(uow=services.uow(), user_id=alice.id, workspace_id=workspace_id)
    assert [s.id for s in scripts] == [kept]
    assert stored_files(services) == before - (doomed_files - kept_files)
    assert media(services, alice, kept) == kept_files  # the other script lost nothing


def media(services: Services, user: UserView, script_id: int) -> set[Path]:
    found = list_screens(
        uow=services.uow(), files=services.files, user_id=user.id, script_id=script_id
    )
    return {path for s in found for path in (s.image, s.audio) if path is not None}
