"""The one error hierarchy of the service layer.

    StudioError
    ├── NotFound            the thing does not exist, or is not the user's (same message)
    ├── PermissionDenied    the user may see it but not do this
    ├── InvalidInput        bad input; nothing was changed
    │   └── Conflict        someone saved in between; nothing was overwritten
    ├── QuotaExceeded       a plan limit or rate limit stops the work before it is queued
    ├── RenderFailed        ffmpeg refused these inputs: the same render would fail again
    └── ProviderError       a vendor or offline provider failed
        ├── RateLimited
        ├── ProviderUnavailable
        ├── ContentRejected
        ├── BadCredentials  the key is wrong: never retried, the user must fix it
        └── InvalidOutput   the model answered, but not in the expected shape

Pages show `str(error)` to the user: messages are written for people.
"""

from __future__ import annotations


class StudioError(Exception):
    """Base of every error the service layer raises on purpose."""


class NotFound(StudioError):
    pass


class PermissionDenied(StudioError):
    pass


class InvalidInput(StudioError):
    pass


class Conflict(InvalidInput):
    pass


class QuotaExceeded(StudioError):
    pass


class RenderFailed(StudioError):
    pass


class ProviderError(StudioError):
    retryable = False


class RateLimited(ProviderError):
    retryable = True


class ProviderUnavailable(ProviderError):
    retryable = True


class ContentRejected(ProviderError):
    pass


class BadCredentials(ProviderError):
    pass


class InvalidOutput(ProviderError):
    pass
