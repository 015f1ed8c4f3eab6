"""What every OpenAI adapter shares: the endpoint config, the client and the error mapping."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field

import openai

from core.errors import (
    BadCredentials,
    ContentRejected,
    ProviderError,
    ProviderUnavailable,
    RateLimited,
)
from core.providers.base import Budget


@dataclass(frozen=True)
class LLMConfig:
    """Where and how to reach the LLM; `base_url` set means an OpenAI-compatible server."""

    api_key: str = field(repr=False)
    model: str
    base_url: str | None = None

    @property
    def endpoint(self) -> str:
        return self.base_url or "api.openai.com"

    @property
    def vendor(self) -> str:
        return f"The LLM server at {self.base_url}" if self.base_url else "OpenAI"


@contextmanager
def vendor_errors(
    config: LLMConfig, *, service: str = "LLM", not_found: str | None = None
) -> Iterator[None]:
    """Turn SDK exceptions into `core.errors` with messages written for users."""
    try:
        yield
    except openai.AuthenticationError as exc:
        raise BadCredentials(
            f"{config.vendor} rejected the key (invalid key). Check it in Settings → API keys."
        ) from exc
    except openai.PermissionDeniedError as exc:
        raise BadCredentials(
            f"{config.vendor} refused access with this key (no permission for this model or "
            "project). Check it in Settings → API keys."
        ) from exc
    except openai.RateLimitError as exc:
        raise RateLimited(
            f"The {service} at {config.endpoint} is rate-limiting requests or the account is "
            f"out of quota: {api_message(exc)}. Wait a minute and try again."
        ) from exc
    except openai.APITimeoutError as exc:
        raise ProviderUnavailable(
            f"Could not reach the {service} at {config.endpoint}: the request timed out."
        ) from exc
    except openai.APIConnectionError as exc:
        reason = f"Could not reach the {service} at {config.endpoint}: {exc.__cause__ or exc}"
        raise ProviderUnavailable(reason) from exc
    except openai.InternalServerError as exc:
        raise ProviderUnavailable(
            f"The {service} at {config.endpoint} had a server error (HTTP {exc.status_code}); "
            "try again in a moment."
        ) from exc
    except openai.NotFoundError as exc:
        message = not_found or f"Model '{config.model}' not found at the endpoint {config.endpoint}"
        raise ProviderError(message) from exc
    except openai.ContentFilterFinishReasonError as exc:
        raise ContentRejected("The provider's content filter stopped the reply.") from exc
    except openai.BadRequestError as exc:
        if exc.code == "content_policy_violation":
            raise ContentRejected(f"The request was rejected: {api_message(exc)}") from exc
        raise ProviderError(f"The {service} rejected the request: {api_message(exc)}") from exc
    except openai.APIStatusError as exc:
        status, detail = exc.status_code, api_message(exc)
        raise ProviderError(
            f"The {service} at {config.endpoint} answered HTTP {status}: {detail}"
        ) from exc


def api_message(exc: openai.APIError) -> str:
    """The API's own `error.message` rather than the SDK's 'Error code: …' dump."""
    if isinstance(exc.body, dict) and isinstance(exc.body.get("message"), str):
        return str(exc.body["message"])
    return exc.message


def make_client(config: LLMConfig, budget: Budget) -> openai.OpenAI:
    """An SDK client whose every call takes at most the budget's timeout × tries."""
    key, url = config.api_key, config.base_url
    return openai.OpenAI(
        api_key=key, base_url=url, max_retries=budget.retries, timeout=budget.timeout
    )
