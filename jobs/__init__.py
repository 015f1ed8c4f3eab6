"""RQ job functions: ids in, one core call, progress out.

The job modules are imported with the package so that a worker process loads the
SDKs and the service layer once; RQ forks a work horse per job, which then starts
warm instead of importing everything again (that cost ~0.5 s a job).
"""

from jobs import media, render, scripts

__all__ = ["media", "render", "scripts"]
