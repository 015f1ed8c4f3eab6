"""A single screen's quick preview: real ffmpeg, offline media."""

from __future__ import annotations

import re
import subprocess

import pytest

from core.accounts.users import UserView
from core.bootstrap import Services
from core.errors import InvalidInput, NotFound
from core.media.batch import request_batch
from core.media.probe import ffmpeg_exe
from core.video.preview import latest_preview, request_preview
from tests.fakes import FakeQueue
from tests.integration.test_media_offline import finalized_script, screen_rows


def test_preview_of_one_screen_is_a_short_low_resolution_clip(
    services: Services, fake_queue: FakeQueue, alice: UserView, bob: UserView
) -> None:
    _, script_id = finalized_script(
        services, fake_queue, alice, ["Octopuses taste with their arms.", "Second screen."]
    )
    first = screen_rows(services, script_id)[0]
    with pytest.raises(InvalidInput, match="Screen 1 has no image and no voice-over"):
        request_preview(
            uow=services.uow(), queue=fake_queue, files=services.files, user_id=alice.id,
            screen_id=first.id,
        )  # fmt: skip
    request_batch(
        uow=services.uow(),
        files=services.files,
        queue=fake_queue,
        user_id=alice.id,
        script_id=script_id,
    )
    fake_queue.run_all(services)
    with pytest.raises(NotFound):
        request_preview(
            uow=services.uow(), queue=fake_queue, files=services.files, user_id=bob.id,
            screen_id=first.id,
        )  # fmt: skip
    job = request_preview(
        uow=services.uow(), queue=fake_queue, files=services.files, user_id=alice.id,
        screen_id=first.id,
    )  # fmt: skip
    fake_queue.run_all(services)
    clip = latest_preview(
        uow=services.uow(), files=services.files, user_id=alice.id, screen_id=first.id
    )
    assert clip is not None and job.kind == "screen.preview"
    info = subprocess.run(
        [ffmpeg_exe(), "-hide_banner", "-i", str(clip), "-f", "null", "-"],
        capture_output=True, text=True, check=True,
    ).stderr  # fmt: skip
    assert re.search(r"Video: h264.*720x1280", info) and "Audio: aac" in info
    h, m, s = re.findall(r"time=(\d+):(\d+):([\d.]+)", info)[-1]
    seconds = int(h) * 3600 + int(m) * 60 + float(s)
    voice = screen_rows(services, script_id)[0].duration
    assert voice is not None and abs(seconds - (voice + 0.3)) < 0.2  # voice + default pad
