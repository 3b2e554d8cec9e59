"""The physical reference the benchmarks print beside their figures, measured in the
same run: a bare count(*) of the claims, the cost of touching every row once."""

import statistics
import time

from django.db import connection


def count_claims(repeat=5):
    """Median seconds of `SELECT count(*) FROM claims_claim` over `repeat` runs."""
    runs = []
    for _ in range(repeat):
        started = time.perf_counter()
        with connection.cursor() as cursor:
            cursor.execute("SELECT count(*) FROM claims_claim")
            cursor.fetchone()
        runs.append(time.perf_counter() - started)
    return statistics.median(runs)
