"""Files under the media root. Every path is resolved and checked to stay inside it."""

from __future__ import annotations

import os
import socket
import tempfile
from pathlib import Path

from core.errors import InvalidInput


class FileStore:
    def __init__(self, root: Path) -> None:
        self.root = root.resolve()
        self.root.mkdir(parents=True, exist_ok=True)

    def path(self, relative: str) -> Path:
        """Absolute path for a relative name; refuses anything that escapes the root."""
        target = (self.root / relative).resolve()
        if not target.is_relative_to(self.root):
            raise InvalidInput("That file path is not allowed.")
        return target

    @property
    def scratch(self) -> Path:
        """Where files are written before they are renamed into place (same filesystem)."""
        return self.root / ".tmp"

    def write_atomic(self, relative: str, data: bytes) -> Path:
        """Write to a temporary file, then rename it over the target: a reader sees the old
        file or the new one, never half of one."""
        target = self.path(relative)
        target.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=self._scratch_dir(), prefix=_owner_tag())
        try:
            with os.fdopen(fd, "wb") as fh:
                fh.write(data)
                fh.flush()
                os.fsync(fh.fileno())
            os.replace(tmp, target)
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise
        return target

    def _scratch_dir(self) -> Path:
        self.scratch.mkdir(exist_ok=True)
        return self.scratch

    def sweep_partials(self) -> int:
        """Delete temporary files whose writer process on this host is gone (a killed job)."""
        removed = 0
        host = socket.gethostname()
        for path in self.scratch.glob("*") if self.scratch.exists() else []:
            owner_host, _, rest = path.name.partition("~")
            pid = rest.split("~", 1)[0]
            if owner_host == host and pid.isdigit() and not _alive(int(pid)):
                path.unlink(missing_ok=True)
                removed += 1
        return removed


def _owner_tag() -> str:
    """Temporary names say which host and process write them: `host~pid~…`."""
    return f"{socket.gethostname()}~{os.getpid()}~"


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True
