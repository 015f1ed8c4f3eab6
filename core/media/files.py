"""Files under the media root. Every path is resolved and checked to stay inside it.

media root/
    workspaces/<id>/assets/ab/<sha256>.png   a workspace's images, voices, music, videos
    workspaces/<id>/render-cache/            encoded pieces a re-render reuses
    .tmp/<host>~<pid>~<label>-<random>       files being written (swept once their writer
                                             process is gone)
    .answers/<job record id>.*               vendor answers kept for a retry (tasks/answers)
"""

from __future__ import annotations

import os
import shutil
import socket
import tempfile
import uuid
from pathlib import Path

from core.errors import InvalidInput

WORKSPACES = "workspaces"


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

    def workspace_dir(self, workspace_id: int) -> Path:
        """Everything stored for one workspace lives below this folder."""
        return self.root / WORKSPACES / str(int(workspace_id))

    def remove_workspace(self, workspace_id: int) -> None:
        """Delete a workspace's folder with every file in it."""
        shutil.rmtree(self.workspace_dir(workspace_id), ignore_errors=True)

    @property
    def scratch(self) -> Path:
        """Where files are written before they are renamed into place (same filesystem)."""
        return self.root / ".tmp"

    def scratch_file(self, label: str, suffix: str = "") -> Path:
        """A fresh name in the scratch dir that says which host and process writes it, so
        that `sweep_partials` can remove it once that process is gone."""
        self.scratch.mkdir(parents=True, exist_ok=True)
        return self.scratch / f"{owner_tag()}{label}-{uuid.uuid4().hex[:12]}{suffix}"

    def write_atomic(self, relative: str, data: bytes) -> Path:
        """Write to a temporary file, then rename it over the target: a reader sees the old
        file or the new one, never half of one."""
        target = self.path(relative)
        target.parent.mkdir(parents=True, exist_ok=True)
        self.scratch.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=self.scratch, prefix=owner_tag())
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

    def sweep_partials(self) -> int:
        """Delete temporary files whose writer process on this host is gone (a killed job)."""
        removed = 0
        for path in self.scratch.glob("*") if self.scratch.exists() else []:
            if owner_is_gone(path.name):
                if path.is_dir():
                    shutil.rmtree(path, ignore_errors=True)
                else:
                    path.unlink(missing_ok=True)
                removed += 1
        return removed


def owner_tag() -> str:
    """Scratch names say which host and process write them: `host~pid~…`."""
    return f"{socket.gethostname()}~{os.getpid()}~"


def owner_is_gone(name: str) -> bool:
    """True for a scratch name written by a process of this host that no longer runs."""
    host, _, rest = name.lstrip(".").partition("~")
    pid = rest.split("~", 1)[0]
    if host != socket.gethostname() or not pid.isdigit():
        return False
    try:
        os.kill(int(pid), 0)
    except ProcessLookupError:
        return True
    except PermissionError:
        return False
    return False
