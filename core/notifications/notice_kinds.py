"""Every kind of notification, in one table. Adding a kind is one entry here; whoever
calls `notify(kind=...)` for it (a hook in the feature that has the news) says when.

Settings › Notifications shows one checkbox per kind, labelled as here and ticked by
`on` until the user changes it. Kinds to come, for example:

    NoticeKind("team.invitation", "You are invited to a team", "✉️"),
    NoticeKind("publish.done", "A video was published", "📺"),
    NoticeKind("publish.failed", "Publishing a video failed", "⚠️"),
    NoticeKind("channel.reconnect", "A channel must be connected again", "🔌"),
    NoticeKind("billing.limit", "A monthly limit is nearly reached", "📈", on=False),
"""

from __future__ import annotations

from dataclasses import dataclass

from core.accounts.preferences import Preferences


@dataclass(frozen=True)
class NoticeKind:
    name: str  # stored in every notification: "render.ready"
    label: str  # the checkbox in the preferences: "A video is ready"
    icon: str  # beside the notification in the list
    on: bool = True  # whether a user who never chose gets it


JOB_FAILED = "job.failed"
BATCH_FINISHED = "batch.finished"
BATCH_FAILED = "batch.failed"
RENDER_READY = "render.ready"

KINDS: dict[str, NoticeKind] = {
    kind.name: kind
    for kind in [
        NoticeKind(RENDER_READY, "A video is ready", "🎬"),
        NoticeKind(BATCH_FINISHED, "A batch of images and voice-overs is done", "✅"),
        NoticeKind(BATCH_FAILED, "Some jobs of a batch failed", "⚠️"),
        NoticeKind(JOB_FAILED, "A job failed", "❌"),
    ]
}


def wants(preferences: Preferences, kind: str) -> bool:
    """Whether the user gets notifications of this kind (KeyError for an unknown kind)."""
    spec = KINDS[kind]
    if spec.on:
        return kind not in preferences.muted
    return kind in preferences.wanted


def choices(*, on: set[str], email: bool) -> dict[str, object]:
    """The preference changes that leave exactly the kinds in `on` switched on."""
    return {
        "muted": sorted(k for k, spec in KINDS.items() if spec.on and k not in on),
        "wanted": sorted(k for k, spec in KINDS.items() if not spec.on and k in on),
        "email": email,
    }
