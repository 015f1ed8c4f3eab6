"""Side-by-side comparison of two script versions, scene by scene."""

from __future__ import annotations

from dataclasses import dataclass

from core.scripts.content import ScriptContent


@dataclass(frozen=True)
class SceneDiff:
    position: int  # 1-based
    change: str  # "same", "changed", "added", "removed"
    left_narration: str
    right_narration: str
    left_visual: str
    right_visual: str


def diff_contents(left: ScriptContent, right: ScriptContent) -> list[SceneDiff]:
    """Pair scenes by position and say for each whether it changed."""
    rows = []
    for i in range(max(len(left.scenes), len(right.scenes))):
        a = left.scenes[i] if i < len(left.scenes) else None
        b = right.scenes[i] if i < len(right.scenes) else None
        if a is None:
            change = "added"
        elif b is None:
            change = "removed"
        else:
            change = "same" if a == b else "changed"
        rows.append(
            SceneDiff(
                position=i + 1,
                change=change,
                left_narration=a.narration if a else "",
                right_narration=b.narration if b else "",
                left_visual=a.visual if a else "",
                right_visual=b.visual if b else "",
            )
        )
    return rows
