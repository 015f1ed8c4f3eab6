"""Background work: the job kinds, their records, the queue, and keeping records true."""
