"""Run a render's steps on two threads (two cores: at most two encoders at once), each
step as soon as the steps it needs are done, and report weighted progress.

A `light` step (the sound track: one short, small process) runs beside them rather than
in their turn: with a dozen screens of equal length, taking a slot would leave the other
core idle at the end for as long as the sound takes (1.6 s of a 15 s render).

The progress callback is only ever called from the calling thread; if it raises (the
job was cancelled) or a step fails, every running ffmpeg is killed and the error is
raised from `run`.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from concurrent.futures import FIRST_COMPLETED, Future, ThreadPoolExecutor, wait
from dataclasses import dataclass

from core.render.runner import FFmpegRunner
from core.render.spec import RenderProgress

Report = Callable[[float], None]


@dataclass(frozen=True)
class Step:
    name: str
    message: str  # shown while the step runs
    weight: float  # roughly proportional to its run time (frames to encode)
    run: Callable[[Report], None]
    after: tuple[str, ...] = ()
    light: bool = False


class Schedule:
    def __init__(
        self, runner: FFmpegRunner, progress: RenderProgress, *, workers: int = 2, span: int = 99
    ) -> None:
        self._runner = runner
        self._progress = progress
        self._workers = workers
        self._span = span  # the last percent is left for the final rename
        self._lock = threading.Lock()
        self._done: dict[str, float] = {}
        self._message = "Rendering"
        self._reported = -1

    def run(self, steps: list[Step]) -> None:
        total = sum(step.weight for step in steps) or 1.0
        waiting = list(steps)
        running: dict[Future[None], Step] = {}
        # a step may name steps that need no work this time (cached): treat them as done
        finished = {name for step in steps for name in step.after} - {s.name for s in steps}
        with ThreadPoolExecutor(max_workers=self._workers + 1) as pool:
            try:
                while waiting or running:
                    for step in [s for s in waiting if finished.issuperset(s.after)]:
                        busy = [s for s in running.values() if s.light == step.light]
                        if len(busy) >= (1 if step.light else self._workers):
                            continue
                        waiting.remove(step)
                        running[pool.submit(self._run_step, step)] = step
                    if not running:
                        raise RuntimeError(f"Steps wait for unknown steps: {waiting}")
                    done, _ = wait(running, timeout=0.25, return_when=FIRST_COMPLETED)
                    for future in done:
                        future.result()  # re-raises the step's error here
                        finished.add(running.pop(future).name)
                    self._report(total)
            except BaseException:
                self._runner.cancel()
                for future in running:
                    future.cancel()
                raise

    def _run_step(self, step: Step) -> None:
        with self._lock:
            self._message = step.message
            self._done[step.name] = 0.0

        def report(fraction: float) -> None:
            with self._lock:
                self._done[step.name] = step.weight * fraction

        step.run(report)
        report(1.0)

    def _report(self, total: float) -> None:
        with self._lock:
            pct = int(self._span * sum(self._done.values()) / total)
            message = self._message
        if pct != self._reported:
            self._reported = pct
            self._progress(pct, message)
