"""A guard against a Streamlit 1.67 race that undid a click on a page link.

Streamlit folds the requests that arrive while a run is pending into one. When the
pending one is the user's click on a page link (a full rerun of page B) and a polling
fragment's timer fires just then (an automatic rerun of that fragment on page A, the
page the browser was leaving), the fold keeps the newer request's page: the app reruns
page A and the click is lost. Seen in the browser tests with the live progress and the
notification bell polling.

The guard drops such a tick: a pending full rerun reruns every fragment anyway, so
nothing the tick would have shown is lost. Every other request folds as before.
"""

from __future__ import annotations

from typing import Any

from streamlit.runtime.scriptrunner_utils import script_requests as requests

ORIGINAL = requests.ScriptRequests._request_rerun_locked  # Streamlit's own fold


def _fold(self: Any, new_data: requests.RerunData) -> bool:
    pending = self._rerun_data if self._state == requests.ScriptRequestType.RERUN else None
    if (
        pending is not None
        and requests._is_full_app_rerun(pending)
        and new_data.is_auto_rerun
        and not requests._is_full_app_rerun(new_data)
    ):
        return True  # the pending full rerun runs this fragment too, on the right page
    return bool(ORIGINAL(self, new_data))


def install() -> None:
    """Fold reruns with the guard, in this process (idempotent)."""
    requests.ScriptRequests._request_rerun_locked = _fold  # type: ignore[method-assign]
