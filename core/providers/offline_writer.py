"""A script writer that needs no key and no network: a template that follows the topic.

It writes English; it is there so that the whole journey works offline, not to
compete with an LLM.
"""

from __future__ import annotations

import re

from core.scripts.content import Scene, ScriptContent, ScriptRequest

WORDS_PER_SECOND = 2.5

_OPENERS = [
    "Have you ever wondered about {topic}?",
    "Here is something most people never notice about {topic}.",
    "Let's look at {topic} in a way you have not seen before.",
]
_MIDDLES = [
    "To begin with, {topic} did not appear out of nowhere; it grew from small steps.",
    "One key idea behind {topic} is simple: small causes can have large effects.",
    "People who study {topic} point to a surprising detail that changes the picture.",
    "In everyday life, {topic} shows up more often than you might expect.",
    "There is also a common myth about {topic} that deserves a closer look.",
    "Experts agree that the future of {topic} depends on choices made today.",
    "A useful way to remember {topic} is to picture it as a story with a turning point.",
    "Numbers help too: even rough figures make {topic} easier to grasp.",
]
_CLOSER = "So next time you think about {topic}, remember what you saw here, and share it."
_FILLER = [
    "Take a moment to picture it.",
    "That matters more than it seems.",
    "Keep that in mind.",
    "It is worth a second thought.",
]
_SHOTS = [
    "wide establishing shot",
    "close-up detail",
    "illustrated diagram",
    "dramatic low-angle view",
    "bird's-eye view",
    "soft-focus background with bold shapes",
]


class OfflineScriptWriter:
    name = "offline"

    def write_script(self, request: ScriptRequest) -> ScriptContent:
        topic = _topic_phrase(request.topic)
        count = request.scene_count
        words_each = max(6, round(request.target_seconds * WORDS_PER_SECOND / count))
        scenes = []
        for i in range(count):
            if i == 0:
                base = _OPENERS[len(topic) % len(_OPENERS)]
            elif i == count - 1 and count > 1:
                base = _CLOSER
            else:
                base = _MIDDLES[(i - 1) % len(_MIDDLES)]
            narration = _fit(base.format(topic=topic), words_each, i)
            shot = _SHOTS[i % len(_SHOTS)]
            visual = f"{shot} of {topic}, {request.tone} mood, scene {i + 1} of {count}"
            scenes.append(Scene(narration=narration, visual=visual))
        return ScriptContent(title=_title(request.topic), scenes=scenes)


def _topic_phrase(topic: str) -> str:
    phrase = re.sub(r"\s+", " ", topic).strip().rstrip(".!?")
    return phrase[:120] or "this topic"


def _title(topic: str) -> str:
    phrase = _topic_phrase(topic)
    return phrase[:1].upper() + phrase[1:]


def _fit(sentence: str, words: int, seed: int) -> str:
    """Pad with short neutral sentences until the narration is about `words` long."""
    parts = [sentence]
    k = seed
    while len(" ".join(parts).split()) + 3 <= words:
        parts.append(_FILLER[k % len(_FILLER)])
        k += 1
    return " ".join(parts)
