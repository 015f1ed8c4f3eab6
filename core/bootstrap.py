"""The composition root: builds every service from Settings (tests pass overrides)."""

from __future__ import annotations

from dataclasses import dataclass
from functools import partial

from redis import Redis
from sqlalchemy import Engine
from sqlalchemy.orm import Session, sessionmaker

from core.files import FileStore
from core.generation import generate_script_body, translate_script_body
from core.llm import LLMChooser
from core.media import generate_image_body, generate_voice_body
from core.media_providers import MediaChooser
from core.preview import render_preview_body
from core.queue import RQTaskQueue, TaskQueue
from core.render.models import Renderer
from core.renders import render_video_body
from core.settings import Settings
from core.tasks import ProgressFn, TaskBody
from core.uow import UnitOfWork
from core.vault import Cipher
from db.engine import make_engine, make_session_factory
from db.models import JobRecord


@dataclass
class Services:
    settings: Settings
    engine: Engine
    session_factory: sessionmaker[Session]
    cipher: Cipher
    files: FileStore
    queue: TaskQueue
    llm: LLMChooser
    media: MediaChooser
    renderer: Renderer | None = None  # None: the ffmpeg renderer; tests set a fake

    def uow(self) -> UnitOfWork:
        return UnitOfWork(self.session_factory)

    def task_body(self, kind: str) -> TaskBody:
        """What the worker runs for a job kind, wired to these services."""
        bodies: dict[str, TaskBody] = {
            "script.generate": partial(generate_script_body, self.llm),
            "script.translate": partial(translate_script_body, self.llm),
            "screen.image": partial(generate_image_body, self.media, self.files),
            "screen.voice": partial(generate_voice_body, self.media, self.files),
            "script.render": self._render_body,
            "screen.preview": self._preview_body,
        }
        return bodies[kind]

    def _render_body(self, uow: UnitOfWork, record: JobRecord, progress: ProgressFn) -> str:
        return render_video_body(self.video_renderer(), self.files, uow, record, progress)

    def _preview_body(self, uow: UnitOfWork, record: JobRecord, progress: ProgressFn) -> str:
        return render_preview_body(self.video_renderer(), self.files, uow, record, progress)

    def video_renderer(self) -> Renderer:
        if self.renderer is None:
            # Imported on first use: the web process never renders.
            from core.render.engine import FFmpegRenderer

            self.renderer = FFmpegRenderer()
        return self.renderer


def build_services(settings: Settings | None = None, *, queue: TaskQueue | None = None) -> Services:
    settings = settings or Settings()
    engine = make_engine(settings.database_url)
    factory = make_session_factory(engine)
    cipher = Cipher(settings.fernet_keys)
    if queue is None:
        queue = RQTaskQueue(Redis.from_url(settings.redis_url))
    return Services(
        settings=settings,
        engine=engine,
        session_factory=factory,
        cipher=cipher,
        files=FileStore(settings.media_root),
        queue=queue,
        llm=LLMChooser(lambda: UnitOfWork(factory), cipher, settings),
        media=MediaChooser(lambda: UnitOfWork(factory), cipher, settings),
    )
