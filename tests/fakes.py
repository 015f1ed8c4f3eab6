"""Fakes that record state (no mocks): a queue that remembers what was queued, and a
renderer that remembers what it was asked to render. Pass them to `build_services`."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from PIL import Image

from core.bootstrap import Services
from core.render.spec import RenderInput, RenderProgress, RenderResult
from core.tasks.kinds import TaskKind, kind_of
from core.tasks.runner import run_task


@dataclass
class FakeQueue:
    """Remembers what was queued; `run_all` runs it in this process as an RQ worker would,
    retrying what a run re-raises while the kind has retries left."""

    queued: list[tuple[str, int]] = field(default_factory=list)
    canceled: list[str] = field(default_factory=list)
    depends_on: dict[int, list[str]] = field(default_factory=dict)  # record id → queue job ids
    ids: dict[int, str] = field(default_factory=dict)  # record id → its latest queue job id

    def enqueue(self, kind: TaskKind, record_id: int, depends_on: list[str] | None = None) -> str:
        self.queued.append((kind.name, record_id))
        if depends_on:
            self.depends_on[record_id] = list(depends_on)
        self.ids[record_id] = f"fake-{kind.name}-{record_id}-{len(self.queued)}"
        return self.ids[record_id]

    def cancel(self, job_id: str) -> None:
        self.canceled.append(job_id)

    def is_running(self, job_id: str) -> bool:
        return False

    def run_all(self, services: Services) -> None:
        """Run every queued job in this process, in order, as a worker would."""
        while self.queued:
            name, record_id = self.queued.pop(0)
            kind = kind_of(name)
            left = kind.retries
            while True:
                try:
                    run_task(
                        services=services, kind=kind, record_id=record_id,
                        attempts_left=left, attempt_id=self.ids.get(record_id, ""),
                    )  # fmt: skip
                    break
                except Exception:
                    if left == 0:
                        break
                    left -= 1


@dataclass
class FakeRenderer:
    """Writes a few bytes as the "video" and a thumbnail beside it; `fail` makes it raise."""

    jobs: list[RenderInput] = field(default_factory=list)
    messages: list[str] = field(default_factory=list)
    fail: Exception | None = None

    def render(
        self, job: RenderInput, output: Path, *, cache_dir: Path, progress: RenderProgress
    ) -> RenderResult:
        self.jobs.append(job)
        total = len(job.screens)
        for done, _screen in enumerate(job.screens, start=1):
            self._say(progress, 80 * done // total, f"Encoding screen {done}/{total}")
        if self.fail is not None:
            raise self.fail
        self._say(progress, 90, "Joining")
        self._say(progress, 95, "Mixing audio")
        seconds = sum(s.audio_seconds + job.settings.pad_seconds for s in job.screens)
        width, height = job.settings.size
        # Not a playable MP4, but different bytes for every render, so each is its own asset.
        output.write_bytes(f"fake mp4 #{len(self.jobs)} {job.settings.model_dump_json()}".encode())
        thumbnail = output.with_suffix(".jpg")
        Image.new("RGB", (width // 10, height // 10), (20, 40, 80 + len(self.jobs))).save(
            thumbnail, "JPEG"
        )
        return RenderResult(
            output=output,
            thumbnail=thumbnail,
            duration=round(seconds, 3),
            width=width,
            height=height,
            fps=job.settings.fps,
            segments_encoded=total,
            segments_reused=0,
        )

    def _say(self, progress: RenderProgress, pct: int, message: str) -> None:
        self.messages.append(message)
        progress(pct, message)
