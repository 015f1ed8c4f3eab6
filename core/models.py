"""Plain values the service layer hands out (never ORM objects)."""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, ConfigDict, Field, field_validator

MAX_SCENES = 50
MAX_SCENE_TEXT = 2000


class Scene(BaseModel):
    """One scene: what the narrator says and what the screen shows."""

    model_config = ConfigDict(extra="forbid")
    narration: str = Field(min_length=1, max_length=MAX_SCENE_TEXT)
    visual: str = Field(min_length=1, max_length=MAX_SCENE_TEXT)

    @field_validator("narration", "visual")
    @classmethod
    def _not_blank(cls, value: str) -> str:
        value = value.strip()
        if not value:
            raise ValueError("must not be empty")
        return value


class ScriptContent(BaseModel):
    """A structured script: the shape the LLM must return and versions store."""

    model_config = ConfigDict(extra="forbid")
    title: str = Field(min_length=1, max_length=200)
    scenes: list[Scene] = Field(min_length=1, max_length=MAX_SCENES)


class ScriptRequest(BaseModel):
    """What the user asks the writer for."""

    topic: str
    tone: str
    language: str
    target_seconds: int
    scene_count: int


class UserView(BaseModel):
    id: int
    username: str
    display_name: str
    email: str
    role: str
    offline_mode: bool
    onboarded: bool

    @property
    def is_admin(self) -> bool:
        return self.role == "admin"


class IdeaView(BaseModel):
    id: int
    title: str
    description: str
    status: str
    workspace_id: int | None
    created_at: datetime


class WorkspaceView(BaseModel):
    id: int
    title: str
    description: str
    favorite: bool
    script_count: int
    updated_at: datetime


class ScriptView(BaseModel):
    id: int
    workspace_id: int
    title: str
    topic: str
    tone: str
    language: str
    target_seconds: int
    scene_count: int
    status: str
    current_version: int
    finalized_version: int | None
    source_script_id: int | None


class VersionView(BaseModel):
    number: int
    source: str
    note: str
    created_at: datetime
    content: ScriptContent


class ScreenView(BaseModel):
    id: int
    position: int
    narration: str
    visual_prompt: str
    image_asset_id: int | None
    audio_asset_id: int | None


class CredentialView(BaseModel):
    provider: str
    masked: str
    base_url: str
    model: str


class JobView(BaseModel):
    id: int
    kind: str
    target_type: str
    target_id: int
    status: str
    progress: int
    message: str
    error: str
    created_at: datetime

    @property
    def active(self) -> bool:
        return self.status in ("queued", "running")
