"""A local stand-in for the OpenAI HTTP API (and OpenAI-compatible servers).

It speaks the documented wire format of `POST /v1/chat/completions`,
`POST /v1/images/generations` and `GET /v1/models`, so adapters are exercised
through the real SDK via `base_url`.
Tests script replies in a FIFO queue; every request is recorded.
"""

from __future__ import annotations

import base64
import io
import itertools
import json
import threading
import time
from collections import deque
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from PIL import Image

DEFAULT_MODELS = ("gpt-4o-mini", "gpt-4.1", "gpt-4.1-mini", "text-embedding-3-small")
# The SDK honours this header on 429/5xx: it keeps retry tests fast.
FAST_RETRY = {"retry-after-ms": "10"}


@dataclass(frozen=True)
class Reply:
    """One scripted HTTP response."""

    status: int
    body: bytes
    headers: dict[str, str] = field(default_factory=dict)
    content_type: str = "application/json"
    delay: float = 0.0  # seconds the server thinks before it answers


@dataclass(frozen=True)
class RecordedRequest:
    method: str
    path: str
    headers: dict[str, str]  # lower-cased names
    body: Any  # parsed JSON, or None

    @property
    def response_format(self) -> dict[str, Any] | None:
        return self.body.get("response_format") if isinstance(self.body, dict) else None

    @property
    def prompt(self) -> str:
        """All message contents joined (or an image request's `prompt`): what the model was told."""
        if isinstance(self.body, dict) and isinstance(self.body.get("prompt"), str):
            return str(self.body["prompt"])
        messages = self.body.get("messages", []) if isinstance(self.body, dict) else []
        return "\n".join(str(m.get("content", "")) for m in messages)


def error_body(message: str, *, type: str, code: str | None = None) -> dict[str, Any]:
    """OpenAI's documented error object."""
    return {"error": {"message": message, "type": type, "param": None, "code": code}}


_ids = itertools.count(1)


def chat_completion(
    content: str | None,
    *,
    model: str = "gpt-4o-mini",
    refusal: str | None = None,
    finish_reason: str = "stop",
) -> dict[str, Any]:
    """A `chat.completion` object with one choice."""
    return {
        "id": f"chatcmpl-standin{next(_ids)}",
        "object": "chat.completion",
        "created": int(time.time()),
        "model": model,
        "choices": [
            {
                "index": 0,
                "message": {"role": "assistant", "content": content, "refusal": refusal},
                "logprobs": None,
                "finish_reason": finish_reason,
            }
        ],
        "usage": {"prompt_tokens": 42, "completion_tokens": 17, "total_tokens": 59},
    }


def png_bytes(width: int, height: int, colour: tuple[int, int, int] = (40, 90, 160)) -> bytes:
    """A PNG of the given size: a vertical gradient from `colour` down to black."""
    shade = Image.linear_gradient("L").resize((width, height))
    black = Image.new("RGB", (width, height))
    image = Image.composite(black, Image.new("RGB", (width, height), colour), shade)
    out = io.BytesIO()
    image.save(out, format="PNG")
    return out.getvalue()


def images_response(*b64_images: str, size: str = "1024x1024") -> dict[str, Any]:
    """An `ImagesResponse` as GPT image models send it: base64 data, never URLs."""
    return {
        "created": int(time.time()),
        "background": "opaque",
        "output_format": "png",
        "quality": "medium",
        "size": size,
        "data": [{"b64_json": data} for data in b64_images],
        "usage": {
            "input_tokens": 50,
            "input_tokens_details": {"image_tokens": 0, "text_tokens": 50},
            "output_tokens": 1056,
            "total_tokens": 1106,
        },
    }


def _parse_size(size: Any) -> tuple[int, int]:
    """'1024x1536' -> (1024, 1536); 'auto', absent or malformed -> a square."""
    try:
        width, height = (int(part) for part in str(size).split("x"))
    except ValueError:
        return 1024, 1024
    return width, height


def sample_from_schema(schema: dict[str, Any], defs: dict[str, Any] | None = None) -> Any:
    """The smallest value that satisfies a (strict, pydantic-made) JSON schema."""
    defs = defs if defs is not None else schema.get("$defs", {})
    if "$ref" in schema:
        return sample_from_schema(defs[schema["$ref"].rsplit("/", 1)[-1]], defs)
    kind = schema.get("type")
    if kind == "object":
        props = schema.get("properties", {})
        return {name: sample_from_schema(props[name], defs) for name in schema.get("required", [])}
    if kind == "array":
        count = max(1, schema.get("minItems", 1))
        return [sample_from_schema(schema.get("items", {}), defs) for _ in range(count)]
    if kind in ("integer", "number"):
        return schema.get("minimum", 1)
    if kind == "boolean":
        return True
    return "Sample text from the stand-in."


class OpenAIStandin:
    """Background HTTP server on 127.0.0.1 with scripted replies.

    With an empty queue, chat completions answer with the smallest value that fits
    the request's `response_format` JSON schema (or plain text), image generations
    with a gradient PNG of the requested `size`, and `/v1/models` lists `self.models`.
    """

    def __init__(self) -> None:
        self.requests: list[RecordedRequest] = []
        self.models: list[str] = list(DEFAULT_MODELS)
        self._queue: deque[Reply] = deque()
        self._lock = threading.Lock()
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), _handler_for(self))
        self._thread = threading.Thread(
            target=self._server.serve_forever, kwargs={"poll_interval": 0.01}, daemon=True
        )

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self._server.server_address[1]}/v1"

    def start(self) -> OpenAIStandin:
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

    def reply_json(
        self, status: int, body: Any, headers: dict[str, str] | None = None, delay: float = 0.0
    ) -> None:
        self.enqueue(Reply(status, json.dumps(body).encode(), dict(headers or {}), delay=delay))

    def reply_content(self, content: str | None, delay: float = 0.0, **kwargs: Any) -> None:
        """A 200 chat completion whose message content is `content` (raw text)."""
        self.reply_json(200, chat_completion(content, **kwargs), delay=delay)

    def reply_structured(self, value: Any, delay: float = 0.0, **kwargs: Any) -> None:
        """A 200 chat completion whose content is `value` serialised as JSON."""
        self.reply_content(json.dumps(value, ensure_ascii=False), delay=delay, **kwargs)

    def reply_image(self, data: bytes | str, *, size: str = "1024x1024") -> None:
        """A 200 image generation whose one image is `data` (bytes are base64-encoded)."""
        encoded = base64.b64encode(data).decode() if isinstance(data, bytes) else data
        self.reply_json(200, images_response(encoded, size=size))

    def reply_error(
        self,
        status: int,
        message: str,
        *,
        type: str,
        code: str | None = None,
        headers: dict[str, str] | None = None,
    ) -> None:
        self.reply_json(status, error_body(message, type=type, code=code), headers)

    # --- serving -------------------------------------------------------------
    def _next_reply(self, request: RecordedRequest) -> Reply:
        with self._lock:
            self.requests.append(request)
            if self._queue:
                return self._queue.popleft()
        return self._default_reply(request)

    def _default_reply(self, request: RecordedRequest) -> Reply:
        if request.method == "GET" and request.path == "/v1/models":
            data = [
                {"id": name, "object": "model", "created": 1_700_000_000, "owned_by": "openai"}
                for name in self.models
            ]
            return Reply(200, json.dumps({"object": "list", "data": data}).encode())
        if request.method == "POST" and request.path == "/v1/chat/completions":
            model = request.body.get("model", "gpt-4o-mini")
            schema = ((request.response_format or {}).get("json_schema") or {}).get("schema")
            content = json.dumps(sample_from_schema(schema)) if schema else "Hello."
            return Reply(200, json.dumps(chat_completion(content, model=model)).encode())
        if request.method == "POST" and request.path == "/v1/images/generations":
            size = request.body.get("size", "1024x1024")
            image = base64.b64encode(png_bytes(*_parse_size(size))).decode()
            count = int(request.body.get("n") or 1)
            return Reply(200, json.dumps(images_response(*[image] * count, size=size)).encode())
        body = error_body(f"Unknown path {request.path}", type="invalid_request_error")
        return Reply(404, json.dumps(body).encode())


def _handler_for(standin: OpenAIStandin) -> type[BaseHTTPRequestHandler]:
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
            headers = {name.lower(): value for name, value in self.headers.items()}
            path = self.path.split("?", 1)[0]
            reply = standin._next_reply(RecordedRequest(self.command, path, headers, body))
            time.sleep(reply.delay)
            self.send_response(reply.status)
            self.send_header("content-type", reply.content_type)
            self.send_header("content-length", str(len(reply.body)))
            self.send_header("x-request-id", f"req_standin{len(standin.requests)}")
            for name, value in reply.headers.items():
                self.send_header(name, value)
            self.end_headers()
            self.wfile.write(reply.body)

        def log_message(self, format: str, *args: Any) -> None:
            pass  # keep test output quiet

    return Handler
