"""Notifications: what happened while the user looked elsewhere (a batch ended, a video is
ready, a job failed), kept in their notification centre and, if they ask, e-mailed."""
