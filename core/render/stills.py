"""Each screen's still, prepared once per render for ffmpeg and shared by the commands
that draw it: its own, and the next screen's (which draws this screen's last frames into
the transition). Preparing one takes ~60 ms of Pillow work and writes a ~7 MB PPM, so it
is removed after its last planned use. A still depends on the image and the export
settings only, so screens showing the same image share one."""

from __future__ import annotations

import threading
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from core.render.plan import SegmentPlan
from core.render.segments import prepare_image
from core.render.spec import ExportSettings


class Stills:
    def __init__(self, folder: Path, settings: ExportSettings) -> None:
        self._folder, self._settings = folder, settings
        self._uses: Counter[str] = Counter()
        self._lock = threading.Lock()
        self._ready: dict[str, Path] = {}
        self._making: dict[str, threading.Lock] = {}

    def expect(self, segment: SegmentPlan) -> None:
        """Count one more command that will draw this screen."""
        self._uses[segment.image_hash] += 1

    @contextmanager
    def use(self, segment: SegmentPlan) -> Iterator[Path]:
        key = segment.image_hash
        with self._lock:
            making = self._making.setdefault(key, threading.Lock())
        with making:  # a second user waits for the first one's still
            if key not in self._ready:
                path = self._folder / f"{key}.ppm"
                self._ready[key] = prepare_image(segment, self._settings, path)
        try:
            yield self._ready[key]
        finally:
            with self._lock:
                self._uses[key] -= 1
                if self._uses[key] <= 0:
                    self._ready[key].unlink(missing_ok=True)
