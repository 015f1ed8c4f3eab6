"""Every kind of background job, in one table. Adding a kind is one entry plus its body.

A paid kind's vendor budget (`Budget.seconds`: calls × timeout × SDK tries) stays at
least a minute inside its job timeout, so the job, not RQ, decides what a slow vendor
means (tests/integration/test_job_kinds.py checks it).
"""

from __future__ import annotations

from core.media.generate import generate_image_body, generate_voice_body
from core.notifications.notice_kinds import RENDER_READY
from core.providers.base import Budget
from core.scripts.writing import generate_script_body, translate_script_body
from core.tasks.kinds import TaskKind
from core.video.preview import render_preview_body
from core.video.renders import render_video_body

# An LLM is asked up to twice for a reply in the right shape.
LLM_BUDGET = Budget(timeout=60, retries=1, calls=2)

KINDS: dict[str, TaskKind] = {
    kind.name: kind
    for kind in [
        TaskKind(
            "script.generate", "Writing the script", target="script", queue="llm",
            timeout=300, retries=2, body=generate_script_body,
            paid=True, exclusive=True, budget=LLM_BUDGET, page="script",
        ),
        TaskKind(
            "script.translate", "Translating", target="script", queue="llm",
            timeout=300, retries=2, body=translate_script_body,
            paid=True, exclusive=True, budget=LLM_BUDGET, page="script",
        ),
        TaskKind(
            "screen.image", "Drawing the image", target="screen", queue="media",
            timeout=300, retries=3, body=generate_image_body,
            paid=True, exclusive=True, budget=Budget(timeout=120, retries=1),
        ),
        TaskKind(
            "screen.voice", "Recording the voice-over", target="screen", queue="media",
            timeout=240, retries=3, body=generate_voice_body,
            paid=True, exclusive=True, budget=Budget(timeout=90),
        ),
        TaskKind(
            "screen.preview", "Rendering the preview", target="screen", queue="render",
            timeout=300, retries=1, body=render_preview_body, exclusive=True,
        ),
        TaskKind(
            "script.render", "Rendering the video", target="render", queue="render",
            timeout=1800, retries=1, body=render_video_body, exclusive=True,
            page="video", notice=RENDER_READY,
        ),
    ]
}  # fmt: skip
