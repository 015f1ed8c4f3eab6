"""What a script is made of: scenes with narration and visual, as the LLM must return them."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from core.errors import InvalidInput

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


def parse_content(data: ScriptContent | dict[str, Any]) -> ScriptContent:
    """Validate a script; the message names the scene and field that are wrong."""
    if isinstance(data, ScriptContent):
        data = data.model_dump()
    try:
        return ScriptContent.model_validate(data)
    except ValidationError as exc:
        raise InvalidInput(_readable(exc)) from exc


def _readable(exc: ValidationError) -> str:
    problems = []
    for err in exc.errors()[:5]:
        loc = list(err["loc"])
        if loc[:1] == ["scenes"] and len(loc) >= 2 and isinstance(loc[1], int):
            where = f"Scene {loc[1] + 1}" + (f" {loc[2]}" if len(loc) > 2 else "")
        elif loc == ["scenes"]:
            where = "Scenes"
        else:
            where = ".".join(str(p) for p in loc) or "Script"
        message = err["msg"].removeprefix("Value error, ")
        if err["type"] == "too_short" and loc == ["scenes"]:
            message = "a script needs at least one scene"
        elif err["type"] == "too_long" and loc == ["scenes"]:
            message = f"at most {MAX_SCENES} scenes (got {len(err['input'])})"
        problems.append(f"{where}: {message}")
    return "The script is not valid — " + "; ".join(problems) + "."
