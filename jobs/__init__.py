"""RQ job functions: ids in, one core call, progress out.

Every kind of job runs `jobs.run.run_job(kind, record_id)`; what each kind does is its
entry in core/tasks/catalog.py.
"""
