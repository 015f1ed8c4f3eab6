"""A guard against a Streamlit 1.67 race that undid a click on a page link.

Streamlit folds the requests that arrive while a run is pending into one, and the newer
request's page wins. So when the pending request is the user's click on a page link (a
full rerun of page B, sent by the browser) and then
- a polling fragment's timer fires (an automatic rerun of that fragment on page A, the
  page being left), or
- the running script itself calls st.rerun() (after queueing a batch, say: page A),
the app reruns page A and the click is lost. Both were seen in the browser tests.

The guard drops such a second request while a full rerun sent by the browser is
pending: that rerun runs the whole page, every fragment in it, on the page the user
chose, so nothing the dropped request would have shown is lost. Every other request
folds as before.
"""

from __future__ import annotations

from typing import Any

from streamlit.runtime.scriptrunner_utils import script_requests as requests

ORIGINAL = requests.ScriptRequests._request_rerun_locked  # Streamlit's own fold


def _from_browser(data: requests.RerunData) -> bool:
    return data.widget_states is not None  # the script's own reruns carry no widget states


def _fold(self: Any, new_data: requests.RerunData) -> bool:
    pending = self._rerun_data if self._state == requests.ScriptRequestType.RERUN else None
    if (
        pending is not None
        and requests._is_full_app_rerun(pending)
        and _from_browser(pending)
        and (
            (new_data.is_auto_rerun and not requests._is_full_app_rerun(new_data))
            or not _from_browser(new_data)
        )
    ):
        return True  # the pending full rerun covers it, on the page the user chose
    return bool(ORIGINAL(self, new_data))


def install() -> None:
    """Fold reruns with the guard, in this process (idempotent)."""
    requests.ScriptRequests._request_rerun_locked = _fold  # type: ignore[method-assign]
