"""Time the claim export on PostgreSQL next to a raw COPY of the same query.

    createdb -h 127.0.0.1 -U postgres ct_bench
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/ct_bench \\
        .venv/bin/python bench/export.py --claims 1000000 --links 1000000

It migrates the database and tops it up with generate_claims to --claims claims and
--links links, then, in one run, streams the unfiltered /claims/export.csv through
Django (as a WSGI server would read it) and a raw `COPY (the same query) TO STDOUT`,
and a COPY of the bare claims table (the physical limit), and prints rows per second,
MB per second, peak memory (the process's resident set high-water mark, reset before
each) and the export's share of raw COPY's and of the bare table's speed.
"""

import argparse
import os
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "tracker.settings")
os.environ.setdefault("SECRET_KEY", "bench-only")
os.environ.setdefault("ALLOWED_HOSTS", "testserver")

import django

django.setup()

from django.core.management import call_command
from django.db import connection
from django.test import Client, RequestFactory

from claims import export
from claims.filters import ClaimFilter
from claims.models import Claim, Link


def peak_reset():
    """Reset the resident set's high-water mark (Linux: /proc/self/clear_refs)."""
    Path("/proc/self/clear_refs").write_text("5")


def memory(field):
    """A /proc/self/status field (VmRSS, VmHWM) in MB."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith(f"{field}:"):
            return int(line.split()[1]) / 1024
    raise RuntimeError(f"No {field} in /proc/self/status")


def measure(label, read):
    """Run `read()` (returns bytes read), print and return its figures."""
    peak_reset()
    start_rss = memory("VmRSS")
    started = time.perf_counter()
    size = read()
    seconds = time.perf_counter() - started
    peak = memory("VmHWM")
    return {
        "label": label,
        "seconds": seconds,
        "bytes": size,
        "peak": peak,
        "growth": peak - start_rss,
    }


def raw_copy(statement):
    def read():
        size = 0
        with connection.cursor() as cursor, cursor.copy(statement) as copy:
            for row in copy:
                size += len(row)
        return size

    return read


def through_django():
    response = Client().get("/claims/export.csv")
    assert response.status_code == 200, response.status_code
    size = 0
    for chunk in response:
        size += len(chunk)
    response.close()
    return size


def top_up(claims, links, seed):
    have_claims, have_links = Claim.objects.count(), Link.objects.count()
    if have_claims >= claims:
        return
    new = claims - have_claims
    new_links = min(max(0, links - have_links), new * ((new - 1) // 2))
    print(f"Generating {new} claims and {new_links} links (have {have_claims}, {have_links})...")
    started = time.perf_counter()
    call_command("generate_claims", claims=new, links=new_links, seed=seed, verbosity=2)
    print(f"Generated in {time.perf_counter() - started:.0f} s.")


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--claims", type=int, default=1_000_000)
    parser.add_argument("--links", type=int, default=1_000_000)
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()
    if connection.vendor != "postgresql":
        sys.exit("Set DATABASE_URL to a PostgreSQL database: COPY is what this measures.")

    call_command("migrate", verbosity=0)
    top_up(args.claims, args.links, args.seed)
    rows = Claim.objects.count()
    print(f"{rows} claims, {Link.objects.count()} links; PostgreSQL {connection.pg_version}.")

    # The view's own query: the list's FilterSet, unfiltered, and the export's cells.
    filters = ClaimFilter({}, queryset=Claim.objects.all())
    assert filters.is_valid()
    request = RequestFactory().get("/claims/export.csv")
    statement = export.claim_copy_sql(filters.qs, export._permalink_parts(request))

    runs = [
        measure("raw COPY of the same query", raw_copy(statement)),
        measure("GET /claims/export.csv", through_django),
    ]
    plain = "COPY (SELECT * FROM claims_claim) TO STDOUT WITH (FORMAT csv)"
    reference = measure("reference: COPY of the claims table alone", raw_copy(plain))

    print()
    print(f"{'':44} {'rows/s':>9} {'MB/s':>7} {'seconds':>8} {'MB':>7} {'peak MB':>8} {'+MB':>6}")
    for run in [*runs, reference]:
        print(
            f"{run['label']:44} {rows / run['seconds']:9.0f} "
            f"{run['bytes'] / 1e6 / run['seconds']:7.1f} {run['seconds']:8.1f} "
            f"{run['bytes'] / 1e6:7.1f} {run['peak']:8.0f} {run['growth']:6.0f}"
        )
    raw, view = runs
    ratio = raw["seconds"] / view["seconds"]
    print()
    print(f"Export throughput / raw COPY throughput: {ratio:.2f} (target >= 0.67)")
    # Rows per second: the export writes every claim once, as the bare table copy does.
    bare = reference["seconds"] / view["seconds"]
    print(f"Export throughput / bare claims-table COPY: {bare:.2f} (target >= 0.5)")
    print(f"Export peak memory (resident set): {view['peak']:.0f} MB (target < 150 MB)")


if __name__ == "__main__":
    main()
