"""Gunicorn's settings: it reads this file from the working directory on start."""

bind = "0.0.0.0:8000"
workers = 3
# Threaded workers keep their heartbeat while a thread streams a long CSV export,
# so a download slower than the timeout is not killed half-way (a sync worker
# would be, and the researcher would get a silently truncated file).
worker_class = "gthread"
threads = 4
