"""A vendor's answer, kept on disk under its job record's id the moment it arrives.

Whatever fails after that (a database write, a killed worker, a timeout), the next
attempt of the same job, automatic or by the user's Retry, finds the answer here and
does not pay the vendor again:

    .answers/<record id>.pending   a call is under way (written before asking the vendor)
    .answers/<record id>.bin       the answer's data (image or audio bytes)
    .answers/<record id>.json      its fields; written last, so its presence means "kept"

A `.pending` mark with no answer means an attempt died while the vendor worked: the
answer may have been paid for and was lost. The automatic retry of that attempt (same
queue id) then stops with a message instead of paying again blindly; the user's Retry
(a new queue id) asks again.
The answer is dropped once its job succeeds.
"""

from __future__ import annotations

import json
import os
import tempfile
import time
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import TypeVar

from core.errors import ProviderError

T = TypeVar("T")
Answer = tuple[dict[str, object], bytes]  # a vendor's answer as kept on disk: fields, data
INTERRUPTED = (
    "The worker stopped while the provider was still working on this, so its answer was "
    "lost. Press Retry to ask again."
)


class AnswerStore:
    def __init__(self, root: Path) -> None:
        self.root = root

    def once(
        self,
        record_id: int,
        attempt: str,
        call: Callable[[], T],
        *,
        dump: Callable[[T], Answer],
        load: Callable[[dict[str, object], bytes], T],
    ) -> T:
        """`call()`'s result for this record: the kept one if there is one, else a new one,
        kept before it is returned. `attempt` is the queue's id of this attempt: RQ's own
        retries keep it, the user's Retry gets a new one."""
        kept = self._read(record_id)
        if kept is not None:
            return load(*kept)
        pending = self._file(record_id, ".pending")
        if pending.exists() and pending.read_text() == attempt:
            raise ProviderError(INTERRUPTED)
        self.root.mkdir(parents=True, exist_ok=True)
        self._write(record_id, ".pending", attempt.encode())
        try:
            result = call()
        except BaseException:
            pending.unlink(missing_ok=True)  # the vendor refused or never answered
            raise
        fields, data = dump(result)
        self._write(record_id, ".bin", data)
        self._write(record_id, ".json", json.dumps(fields).encode())
        pending.unlink(missing_ok=True)
        return result

    def has(self, record_id: int) -> bool:
        """Whether an answer for the record is kept (a retry would not pay again)."""
        return self._file(record_id, ".json").exists()

    def clear(self, record_id: int) -> None:
        """Forget everything kept for the record (its job is done, or gone)."""
        for suffix in (".json", ".bin", ".pending"):
            self._file(record_id, suffix).unlink(missing_ok=True)

    def sweep(self, keep: Callable[[Iterable[int]], set[int]], min_age_s: float = 3600) -> int:
        """Clear what is kept for records that `keep` does not name (gone or done), once
        older than `min_age_s`; return how many records were cleared."""
        if not self.root.is_dir():
            return 0
        old = time.time() - min_age_s
        kept: set[int] = set()
        for path in self.root.iterdir():
            if path.stat().st_mtime >= old:
                continue
            stem = path.name.split(".", 1)[0]
            if stem.isdigit():
                kept.add(int(stem))
            elif path.name.startswith("."):  # a write cut short by a kill
                path.unlink(missing_ok=True)
        wanted = keep(kept)
        for record_id in kept - wanted:
            self.clear(record_id)
        return len(kept - wanted)

    def _read(self, record_id: int) -> Answer | None:
        fields = self._file(record_id, ".json")
        if not fields.exists():
            return None
        return json.loads(fields.read_text()), self._file(record_id, ".bin").read_bytes()

    def _write(self, record_id: int, suffix: str, data: bytes) -> None:
        fd, tmp = tempfile.mkstemp(dir=self.root, prefix=f".{record_id}")
        try:
            with os.fdopen(fd, "wb") as fh:
                fh.write(data)
                fh.flush()
                os.fsync(fh.fileno())
            os.replace(tmp, self._file(record_id, suffix))
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise

    def _file(self, record_id: int, suffix: str) -> Path:
        return self.root / f"{int(record_id)}{suffix}"
