"""A local stand-in for the ElevenLabs HTTP API.

It speaks the documented wire format of `POST /v1/text-to-speech/{voice_id}/with-timestamps`,
`GET /v2/voices` (paged), `GET /v1/voices` and `GET /v1/user`, so adapters are exercised
through the official SDK via `base_url` (the host only: the SDK's paths start with `v1/`).
Tests script replies in a FIFO queue; every request is recorded.
"""

from __future__ import annotations

import base64
import functools
import json
import math
import subprocess
import threading
from collections import deque
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlsplit

import imageio_ffmpeg

from tests.standins.openai_server import Reply

SECONDS_PER_CHARACTER = 0.06
RACHEL = {
    "voice_id": "21m00Tcm4TlvDq8ikWAM",
    "name": "Rachel",
    "category": "premade",
    "labels": {"accent": "american", "gender": "female", "use_case": "narration"},
    "verified_languages": [
        {"language": "en", "model_id": "eleven_multilingual_v2", "accent": "american"}
    ],
}
AARAV = {
    "voice_id": "aaRavHindi0000000001",
    "name": "Aarav",
    "category": "professional",
    "labels": {"language": "hi", "gender": "male"},
}
NO_LANGUAGE = {"voice_id": "plainVoice0000000002", "name": "Plain", "category": "cloned"}
DEFAULT_VOICES = (RACHEL, AARAV, NO_LANGUAGE)


@dataclass(frozen=True)
class RecordedRequest:
    method: str
    path: str
    query: dict[str, str]
    headers: dict[str, str]  # lower-cased names
    body: Any  # parsed JSON, or None


def error_body(status: str, message: str) -> dict[str, Any]:
    """ElevenLabs' documented error object: `{"detail": {"status": ..., "message": ...}}`."""
    return {"detail": {"status": status, "message": message}}


@functools.cache
def silent_mp3(tenths_of_second: int) -> bytes:
    """Real MP3 bytes (mono silence) encoded by the ffmpeg that imageio-ffmpeg ships."""
    command = [
        imageio_ffmpeg.get_ffmpeg_exe(),
        *("-hide_banner", "-loglevel", "error", "-f", "lavfi"),
        *("-i", "anullsrc=r=44100:cl=mono", "-t", f"{tenths_of_second / 10:.1f}"),
        *("-c:a", "libmp3lame", "-b:a", "32k", "-f", "mp3", "-"),
    ]
    return subprocess.run(command, capture_output=True, check=True, timeout=30).stdout


def speech_with_timestamps(text: str) -> dict[str, Any]:
    """A with-timestamps reply: MP3 as long as the text, one time span per character."""
    characters = list(text)
    starts = [round(i * SECONDS_PER_CHARACTER, 3) for i in range(len(characters))]
    ends = [round((i + 1) * SECONDS_PER_CHARACTER, 3) for i in range(len(characters))]
    alignment = {
        "characters": characters,
        "character_start_times_seconds": starts,
        "character_end_times_seconds": ends,
    }
    audio = silent_mp3(max(1, math.ceil(len(characters) * SECONDS_PER_CHARACTER * 10)))
    return {
        "audio_base64": base64.b64encode(audio).decode(),
        "alignment": alignment,
        "normalized_alignment": alignment,
    }


class ElevenLabsStandin:
    """Background HTTP server on 127.0.0.1 with scripted replies.

    With an empty queue it speaks the request's text, lists `self.voices` (at most
    `self.voices_page_limit` per /v2 page) and describes a user. If `self.accepted_keys` is
    not empty, other keys get ElevenLabs' 401 `invalid_api_key`.
    """

    def __init__(self) -> None:
        self.requests: list[RecordedRequest] = []
        self.voices: list[dict[str, Any]] = [dict(v) for v in DEFAULT_VOICES]
        self.voices_page_limit = 100
        self.accepted_keys: set[str] = set()
        self._queue: deque[Reply] = deque()
        self._lock = threading.Lock()
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), _handler_for(self))
        self._thread = threading.Thread(
            target=self._server.serve_forever, kwargs={"poll_interval": 0.01}, daemon=True
        )

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self._server.server_address[1]}"

    @property
    def request_count(self) -> int:
        with self._lock:
            return len(self.requests)

    def start(self) -> ElevenLabsStandin:
        self._thread.start()
        return self

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()
        self._thread.join(timeout=5)

    # --- scripting replies -------------------------------------------------
    def enqueue(self, reply: Reply) -> None:
        with self._lock:
            self._queue.append(reply)

    def reply_json(self, status: int, body: Any, headers: dict[str, str] | None = None) -> None:
        self.enqueue(Reply(status, json.dumps(body).encode(), dict(headers or {})))

    def reply_error(
        self, http_status: int, status: str, message: str, headers: dict[str, str] | None = None
    ) -> None:
        self.reply_json(http_status, error_body(status, message), headers)

    # --- serving -------------------------------------------------------------
    def _next_reply(self, request: RecordedRequest) -> Reply:
        with self._lock:
            self.requests.append(request)
            if self._queue:
                return self._queue.popleft()
        return self._default_reply(request)

    def _default_reply(self, request: RecordedRequest) -> Reply:
        key = request.headers.get("xi-api-key", "")
        if not key or (self.accepted_keys and key not in self.accepted_keys):
            return _json(401, error_body("invalid_api_key", "Invalid API key"))
        parts = request.path.strip("/").split("/")
        if request.method == "POST" and parts[1::2] == ["text-to-speech", "with-timestamps"]:
            text = request.body.get("text", "") if isinstance(request.body, dict) else ""
            return _json(200, speech_with_timestamps(text))
        if request.method == "GET" and request.path == "/v2/voices":
            return _json(200, self._voices_page(request.query))
        if request.method == "GET" and request.path == "/v1/voices":
            return _json(200, {"voices": self.voices})
        if request.method == "GET" and request.path == "/v1/user":
            return _json(200, _user())
        return _json(404, {"detail": "Not Found"})

    def _voices_page(self, query: dict[str, str]) -> dict[str, Any]:
        size = min(int(query.get("page_size", 10)), self.voices_page_limit)
        offset = int(query.get("next_page_token") or 0)
        page = self.voices[offset : offset + size]
        more = offset + size < len(self.voices)
        return {
            "voices": page,
            "has_more": more,
            "total_count": len(self.voices),
            "next_page_token": str(offset + size) if more else None,
        }


def _json(status: int, body: Any) -> Reply:
    return Reply(status, json.dumps(body).encode())


def _user() -> dict[str, Any]:
    return {
        "user_id": "standin-user",
        "workspace_id": "standin-workspace",
        "subscription": {"tier": "creator", "character_count": 1200, "character_limit": 100000},
        "is_new_user": False,
        "can_use_delayed_payment_methods": False,
        "is_onboarding_completed": True,
        "is_onboarding_checklist_completed": True,
        "created_at": 1_700_000_000,
        "seat_type": "workspace_admin",
    }


def _handler_for(standin: ElevenLabsStandin) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            self._serve(None)

        def do_POST(self) -> None:
            raw = self.rfile.read(int(self.headers.get("content-length") or 0))
            try:
                body = json.loads(raw) if raw else None
            except ValueError:
                body = None
            self._serve(body)

        def _serve(self, body: Any) -> None:
            url = urlsplit(self.path)
            query = {name: values[-1] for name, values in parse_qs(url.query).items()}
            headers = {name.lower(): value for name, value in self.headers.items()}
            request = RecordedRequest(self.command, url.path, query, headers, body)
            reply = standin._next_reply(request)
            self.send_response(reply.status)
            self.send_header("content-type", reply.content_type)
            self.send_header("content-length", str(len(reply.body)))
            for name, value in reply.headers.items():
                self.send_header(name, value)
            self.end_headers()
            self.wfile.write(reply.body)

        def log_message(self, format: str, *args: Any) -> None:
            pass  # keep test output quiet

    return Handler
