"""The studio's RQ worker: rq's Worker, tuned so a dead worker's job is settled within 2 minutes.

Run it as `rq worker --worker-class jobs.worker.StudioWorker --with-scheduler ...`.

What rq 3.0 does with a job whose worker was SIGKILLed (rq/registry.py,
`StartedJobRegistry.cleanup`, called from `clean_registries` in a worker's
maintenance pass): once the job's entry in the started registry has expired, the
job is retried if it has retries left (`job.retry`: re-queued, or scheduled after
the Retry interval, for the scheduler to enqueue), else moved to the failed
registry. The entry expires `get_heartbeat_ttl` = min(J, time left before the job
timeout) + 60 s after the last heartbeat (rq/worker/base.py), where J is the job
monitoring interval: the parent process sends a heartbeat every J seconds while its
work horse runs. The horse sends none, so a SIGKILLed parent stops them at once
(and the horse, in a process group of its own, would run on unwatched while RQ
retries its job: here it gets SIGKILL when its worker dies, see `_die_with`).

rq only runs maintenance between jobs, when more than M seconds (the maintenance
interval) have passed; an idle worker checks that before each blocking dequeue,
which waits up to D = worker_ttl - 15 s. This class also runs it while a job runs
(at each heartbeat, every J s), and after each pass settles the job records
(`core.tasks.reconcile`). So, from a SIGKILL to a record settled or the job re-queued:

    entry expiry            ≤ J + 60            = 70 s   (J = 10)
    next maintenance pass   ≤ M + max(D, J)     = 35 s   (M = 20, D = 30 - 15)
    worst case, in total    ≤ 105 s  (< 120 s; a retry then waits its Retry interval)

Hence J ≤ 10, worker_ttl ≤ 30 and M ≤ 20 here, whatever the command line says;
STUDIO_MAINTENANCE_INTERVAL lowers M (tests use 1-2 s). A horse killed on its
own (the OOM killer) is seen by its parent at once, and its record settled right
after. The arithmetic needs at least one live worker: the first pass of a new
worker runs as it starts (rq's `work()` begins with a maintenance pass).
"""

from __future__ import annotations

import ctypes
import os
import signal
import sys
from typing import Any

from rq import Worker
from rq.executions import Execution
from rq.job import Job
from rq.queue import Queue

from core.media.sweep import sweep_now
from core.tasks.reconcile import reconcile_jobs
from jobs.run import warm_up, worker_services

HEARTBEAT_S = 10  # J, rq's --job-monitoring-interval (rq's default: 30)
WORKER_TTL_S = 30  # rq's --worker-ttl (default 420, which blocks dequeues for 405 s)
MAINTENANCE_S = 20  # M, rq's --maintenance-interval (default 600)
MAINTENANCE_ENV = "STUDIO_MAINTENANCE_INTERVAL"
PR_SET_PDEATHSIG = 1  # linux/prctl.h


def maintenance_interval() -> int:
    """Seconds between maintenance passes: $STUDIO_MAINTENANCE_INTERVAL, at most 20."""
    raw = os.environ.get(MAINTENANCE_ENV, "").strip()
    return max(1, min(int(raw), MAINTENANCE_S)) if raw.isdigit() else MAINTENANCE_S


class StudioWorker(Worker):
    """rq's forking Worker that keeps JobRecords true when a worker dies (see module doc)."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        for name, cap in (
            ("job_monitoring_interval", HEARTBEAT_S),
            ("worker_ttl", WORKER_TTL_S),
            ("maintenance_interval", maintenance_interval()),
        ):
            kwargs[name] = min(kwargs.get(name) or cap, cap)
        super().__init__(*args, **kwargs)
        self._horse_died = False

    def work(self, *args: Any, **kwargs: Any) -> bool:
        warm_up()  # before the first fork: every work horse then starts with it loaded
        return bool(super().work(*args, **kwargs))

    def run_maintenance_tasks(self) -> None:
        # rq retries or fails abandoned jobs in here; then their records are settled
        super().run_maintenance_tasks()  # type: ignore[no-untyped-call]
        self.reconcile()

    def maintain_heartbeats(self, job: Job, execution: Execution) -> None:
        super().maintain_heartbeats(job, execution)
        if self.should_run_maintenance_tasks:  # rq itself would wait until the job is done
            try:
                self.run_maintenance_tasks()
            except Exception:  # e.g. Redis blinked: the job at hand must go on
                self.log.exception("Worker %s: maintenance during a job failed", self.name)

    def setup_work_horse_signals(self) -> None:
        super().setup_work_horse_signals()  # type: ignore[no-untyped-call]
        _die_with(self.pid)

    def handle_work_horse_killed(self, job: Job, retpid: int, ret_val: int, rusage: Any) -> None:
        super().handle_work_horse_killed(job, retpid, ret_val, rusage)  # type: ignore[no-untyped-call]
        self._horse_died = True

    def execute_job(self, job: Job, queue: Queue) -> None:
        super().execute_job(job, queue)
        if self._horse_died:  # rq has just retried or failed the job: say so at once
            self._horse_died = False
            self.reconcile()

    def reconcile(self) -> int:
        """Settle job records of dead jobs; never lets a database error stop the worker."""
        services = worker_services()  # the same composition root as the jobs
        try:
            fixed = reconcile_jobs(
                uow_factory=services.uow, connection=self.connection, mailer=services.mailer
            )
            sweep_now(services)  # files of killed writers; once an hour, unreferenced ones
        except Exception:
            self.log.exception("Worker %s: could not reconcile job records", self.name)
            return 0
        finally:
            services.engine.dispose()  # no open database connection may cross a fork
        if fixed:
            self.log.info("Worker %s: settled %d job record(s) of dead jobs", self.name, fixed)
        return fixed


def _die_with(worker_pid: int | None) -> None:
    """In a work horse: die when the worker does (Linux), as rq's abandoned-job handling assumes.

    rq puts the horse in a process group of its own, so a worker SIGKILLed alone would
    leave it running, unwatched, while RQ retries its job elsewhere: two runs at once.
    """
    if not sys.platform.startswith("linux") or worker_pid is None:
        return
    ctypes.CDLL(None, use_errno=True).prctl(PR_SET_PDEATHSIG, signal.SIGKILL)
    if os.getppid() != worker_pid:  # the worker died before prctl took effect
        os._exit(1)
