"""Eight readers at once: the reading pages through gunicorn, under concurrent load.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/ct_bench \\
        .venv/bin/python bench/load.py [--readers 8] [--seconds 60]

It starts gunicorn with the project's gunicorn.conf.py (3 workers of 4 threads) on a
free port, and runs --readers threads that each request the pages of
bench/pages.py in turn, in their own random order, for --seconds (each finishes
the round it is in). It prints each
page's median and 95th percentile and the overall ones, the errors (any status but
200, any failed connection) and the throughput, next to the references measured
in the same run: one reader alone (the same pages, once each, no contention) and a
plain count(*) of the claims.
"""

import argparse
import http.client
import os
import random
import statistics
import sys
import tempfile
import threading
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "tracker.settings")
os.environ.setdefault("SECRET_KEY", "bench-only")

import django

django.setup()

from django.db import connection
from pages import reading_pages, timed
from slow_clients import free_port, start_gunicorn

from claims.models import Claim


def get(port, url):
    """(status, seconds) for one GET, the body read; status 0 when it failed."""
    start = time.perf_counter()
    try:
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        conn.request("GET", url)
        response = conn.getresponse()
        response.read()
        status = response.status
        conn.close()
    except OSError:
        status = 0
    return status, time.perf_counter() - start


def percentile(values, share):
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(share * len(ordered)))]


def ms(seconds):
    return f"{seconds * 1000:,.0f} ms"


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--readers", type=int, default=8)
    parser.add_argument("--seconds", type=float, default=60)
    args = parser.parse_args()

    pages = reading_pages()
    reference, claims = timed(lambda: Claim.objects.count(), 3)
    connection.close()
    port = free_port()
    with tempfile.TemporaryDirectory() as folder:
        server = start_gunicorn(port, Path(folder))
        try:
            for url in pages:  # warm every worker's caches a little
                get(port, url)
            alone = {url: get(port, url)[1] for url in pages}
            results = []  # (url, status, seconds)
            lock = threading.Lock()
            deadline = time.monotonic() + args.seconds

            def reader(seed):
                order = random.Random(seed)
                while time.monotonic() < deadline:
                    for url in order.sample(pages, len(pages)):
                        status, seconds = get(port, url)
                        with lock:
                            results.append((url, status, seconds))

            threads = [threading.Thread(target=reader, args=(n,)) for n in range(args.readers)]
            started = time.monotonic()
            for thread in threads:
                thread.start()
            for thread in threads:
                thread.join()
            elapsed = time.monotonic() - started
        finally:
            server.terminate()
            server.wait()

    print(
        f"{connection.vendor}, {claims:,} claims; {args.readers} readers for {elapsed:.0f} s; "
        f"reference count(*): {ms(reference)}"
    )
    print(f"{'page':58} {'alone':>9} {'median':>9} {'p95':>9} {'requests':>9}")
    for url in pages:
        times = [seconds for page, _, seconds in results if page == url]
        print(
            f"{url[:58]:58} {ms(alone[url]):>9} {ms(statistics.median(times)):>9} "
            f"{ms(percentile(times, 0.95)):>9} {len(times):>9,}"
        )
    times = [seconds for _, _, seconds in results]
    errors = [(url, status) for url, status, _ in results if status != 200]
    print(
        f"all pages: {len(results):,} requests, {len(results) / elapsed:.1f} per second, "
        f"median {ms(statistics.median(times))}, p95 {ms(percentile(times, 0.95))}, "
        f"{len(errors)} errors"
    )
    for url, status in errors[:10]:
        print(f"  error: {status or 'no answer'} {url}")


if __name__ == "__main__":
    main()
