"""The composition root: builds every service from Settings, for the web process, the
workers and the tests alike. A test passes fakes in as overrides instead of changing a
built object: `build_services(settings, queue=FakeQueue(), renderer=FakeRenderer(),
images=FakeImages())`."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from redis import Redis
from sqlalchemy import Engine
from sqlalchemy.orm import Session, sessionmaker

from core.accounts.credentials import Cipher
from core.accounts.keys import Providers
from core.accounts.throttle import LoginThrottle
from core.media.files import FileStore
from core.notifications.mailer import Mailer, SMTPMailer
from core.providers.registry import Role
from core.render.spec import Renderer
from core.settings import Settings
from core.tasks.answers import AnswerStore
from core.tasks.queue import RQTaskQueue, TaskQueue
from core.uow import UnitOfWork
from db.engine import make_engine, make_session_factory


@dataclass
class Services:
    settings: Settings
    engine: Engine
    session_factory: sessionmaker[Session]
    cipher: Cipher
    files: FileStore
    redis: Redis
    queue: TaskQueue
    providers: Providers
    answers: AnswerStore
    throttle: LoginThrottle
    mailer: Mailer | None = None  # None: this server sends no e-mail
    _renderer: Renderer | None = field(default=None, repr=False)

    def uow(self) -> UnitOfWork:
        return UnitOfWork(self.session_factory)

    def renderer(self) -> Renderer:
        """The video renderer: the given one, else ffmpeg's (built on first use: the web
        process never renders)."""
        if self._renderer is None:
            from core.render.engine import FFmpegRenderer

            self._renderer = FFmpegRenderer()
        return self._renderer


def build_services(
    settings: Settings | None = None,
    *,
    engine: Engine | None = None,
    redis: Redis | None = None,
    queue: TaskQueue | None = None,
    files: FileStore | None = None,
    renderer: Renderer | None = None,
    script_writer: Any = None,
    translator: Any = None,
    images: Any = None,
    voice: Any = None,
    throttle: LoginThrottle | None = None,
    mailer: Mailer | None = None,
) -> Services:
    """Every service, from settings; each keyword replaces the one it names (a provider
    given here serves every user in its role, whatever keys they stored)."""
    settings = settings or Settings()
    engine = engine or make_engine(settings.database_url)
    factory = make_session_factory(engine)
    cipher = Cipher(settings.fernet_keys)
    redis = redis or Redis.from_url(settings.redis_url)
    files = files or FileStore(settings.media_root)
    pinned = {Role.SCRIPT: script_writer, Role.TRANSLATE: translator, Role.IMAGE: images}
    pinned[Role.VOICE] = voice
    return Services(
        settings=settings,
        engine=engine,
        session_factory=factory,
        cipher=cipher,
        files=files,
        redis=redis,
        queue=queue or RQTaskQueue(redis),
        providers=Providers(
            lambda: UnitOfWork(factory),
            cipher,
            settings,
            {role: given for role, given in pinned.items() if given is not None},
        ),
        answers=AnswerStore(files.root / ".answers"),
        throttle=throttle or LoginThrottle(redis),
        mailer=mailer or (SMTPMailer(settings) if settings.smtp_host else None),
        _renderer=renderer,
    )
