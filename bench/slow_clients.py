"""Slow downloads must not starve the site: claim pages while 50 clients crawl the export.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/ct_slow \\
        .venv/bin/python bench/slow_clients.py [--clients 50] [--rate 50] [--seconds 40]

Needs nginx (Debian: apt-get install nginx) and a filled database
(`manage.py generate_claims --claims 20000 --links 20000` makes the export about
8 MB, so a download at 50 kB/s lasts minutes, longer than the measurement).

It starts gunicorn with the project's gunicorn.conf.py (only the address changed)
and, in front of it, nginx with the docker-compose proxy's own directives
(deploy/nginx/proxy.conf). Then, once straight to gunicorn and once through nginx:
--clients clients download /claims/export.csv, each reading --rate kB/s, and four
readers fetch claim pages in a loop for --seconds. It prints the claim pages'
latency (median, 95th percentile, slowest), the requests that failed (an error, a
timeout of 10 s, a status other than 200) and what the slow downloads received.
"""

import argparse
import asyncio
import os
import random
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
TIMEOUT = 10.0


def free_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_for(port, seconds=30):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=1).close()
            return
        except OSError:
            time.sleep(0.2)
    raise SystemExit(f"Nothing answered on port {port}.")


def start_gunicorn(port, folder):
    environment = {
        **os.environ,
        "SECRET_KEY": os.environ.get("SECRET_KEY", "bench-only"),
        "ALLOWED_HOSTS": "127.0.0.1",
        "DEBUG": "",
        "LOG_LEVEL": "WARNING",
    }
    log = open(folder / "gunicorn.log", "w")
    process = subprocess.Popen(
        [str(ROOT / ".venv/bin/gunicorn"), "tracker.wsgi", "--bind", f"127.0.0.1:{port}"],
        cwd=ROOT,
        env=environment,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    return started(process, port, folder / "gunicorn.log")


def started(process, port, log):
    """`process` once it answers on `port`; else its log's end, and exit."""
    try:
        wait_for(port)
    except SystemExit:
        process.kill()
        print(log.read_text()[-2000:])
        raise
    return process


def start_nginx(port, upstream, folder):
    nginx = shutil.which("nginx") or "/usr/sbin/nginx"
    if not Path(nginx).exists():
        raise SystemExit("nginx is not installed (Debian: apt-get install nginx).")
    temp = {name: folder / name for name in ("body", "proxy", "fastcgi", "uwsgi", "scgi")}
    for path in temp.values():
        path.mkdir()
    user = "user root;" if os.geteuid() == 0 else ""
    config = folder / "nginx.conf"
    config.write_text(
        f"""
{user}
daemon off;
worker_processes auto;
pid {folder}/nginx.pid;
error_log {folder}/nginx-error.log warn;
events {{ worker_connections 4096; }}
http {{
    access_log off;
    client_body_temp_path {temp["body"]};
    proxy_temp_path {temp["proxy"]};
    fastcgi_temp_path {temp["fastcgi"]};
    uwsgi_temp_path {temp["uwsgi"]};
    scgi_temp_path {temp["scgi"]};
    upstream app {{ server 127.0.0.1:{upstream}; keepalive 16; }}
    server {{
        listen 127.0.0.1:{port};
        location / {{
            include {ROOT}/deploy/nginx/proxy.conf;
            proxy_pass http://app;
        }}
    }}
}}
"""
    )
    log = open(folder / "nginx.log", "w")
    process = subprocess.Popen([nginx, "-c", str(config)], stderr=log)
    return started(process, port, folder / "nginx.log")


async def get(port, path, timeout=TIMEOUT):
    """(status, seconds) of a whole GET, or (error text, seconds)."""
    start = time.perf_counter()
    try:
        async with asyncio.timeout(timeout):
            reader, writer = await asyncio.open_connection("127.0.0.1", port)
            writer.write(f"GET {path} HTTP/1.0\r\nHost: 127.0.0.1\r\n\r\n".encode())
            await writer.drain()
            data = await reader.read()
            writer.close()
        status = int(data.split(b" ", 2)[1]) if data.startswith(b"HTTP/") else "no response"
    except TimeoutError:
        status = "timeout"
    except OSError as error:
        status = type(error).__name__
    return status, time.perf_counter() - start


async def slow_download(port, rate, stop, result):
    """Download the export at `rate` bytes a second until `stop` is set."""
    try:
        reader, writer = await asyncio.open_connection("127.0.0.1", port)
        writer.write(b"GET /claims/export.csv HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n")
        await writer.drain()
        head = await asyncio.wait_for(reader.readuntil(b"\r\n\r\n"), 120)
        result["status"] = int(head.split(b" ", 2)[1])
        chunk = max(1, rate // 10)
        while not stop.is_set():
            data = await reader.read(chunk)
            if not data:
                result["ended"] = True
                break
            result["bytes"] = result.get("bytes", 0) + len(data)
            await asyncio.sleep(0.1)
        writer.close()
    except (OSError, asyncio.IncompleteReadError, TimeoutError) as error:
        result["error"] = type(error).__name__


async def reader_loop(port, ids, until, latencies, failures):
    while time.monotonic() < until:
        path = f"/claims/{random.choice(ids)}/"
        status, seconds = await get(port, path)
        if status == 200:
            latencies.append(seconds)
        else:
            failures.append(f"{path}: {status}")


async def scenario(port, ids, clients, rate, seconds):
    stop = asyncio.Event()
    downloads = [{} for _ in range(clients)]
    tasks = [asyncio.create_task(slow_download(port, rate, stop, d)) for d in downloads]
    await asyncio.sleep(3)  # every download under way
    latencies, failures = [], []
    until = time.monotonic() + seconds
    await asyncio.gather(*(reader_loop(port, ids, until, latencies, failures) for _ in range(4)))
    stop.set()
    await asyncio.gather(*tasks)
    return latencies, failures, downloads


def report(name, latencies, failures, downloads, clients):
    if latencies:
        ordered = sorted(latencies)
        p95 = ordered[min(len(ordered) - 1, int(len(ordered) * 0.95))]
        timing = (
            f"median {statistics.median(ordered) * 1000:,.0f} ms, "
            f"p95 {p95 * 1000:,.0f} ms, slowest {ordered[-1] * 1000:,.0f} ms"
        )
    else:
        timing = "no page answered"
    started = sum(1 for d in downloads if d.get("status") == 200)
    broken = [d for d in downloads if "error" in d or d.get("status") not in (200, None)]
    received = sum(d.get("bytes", 0) for d in downloads) / clients / 1024
    print(f"{name}")
    print(f"  claim pages: {len(latencies):,} served, {len(failures):,} failed; {timing}")
    print(
        f"  slow downloads: {started}/{clients} under way, {len(broken)} failed, "
        f"{received:,.0f} kB each on average"
    )
    for failure in failures[:5]:
        print(f"    {failure}")


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--clients", type=int, default=50)
    parser.add_argument("--rate", type=int, default=50, help="kB/s per download")
    parser.add_argument("--seconds", type=int, default=40)
    parser.add_argument("--direct", action=argparse.BooleanOptionalAction, default=True)
    options = parser.parse_args()

    sys.path.insert(0, str(ROOT))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "tracker.settings")
    os.environ.setdefault("SECRET_KEY", "bench-only")
    import django

    django.setup()
    from claims.models import Claim

    ids = list(Claim.objects.order_by("?").values_list("pk", flat=True)[:500])
    print(f"{Claim.objects.count():,} claims; {options.clients} downloads at {options.rate} kB/s")

    with tempfile.TemporaryDirectory() as name:
        folder = Path(name)
        app, proxy = free_port(), free_port()
        gunicorn = start_gunicorn(app, folder)
        nginx = start_nginx(proxy, app, folder)
        try:
            rate = options.rate * 1024
            size_status, _ = asyncio.run(get(app, "/claims/export.csv", timeout=600))
            print(f"  (the export answers {size_status} at full speed)")
            runs = [("through nginx (deploy/nginx/proxy.conf)", proxy)]
            if options.direct:
                runs.append(("straight to gunicorn, no proxy", app))
            for label, port in runs:
                results = asyncio.run(scenario(port, ids, options.clients, rate, options.seconds))
                report(label, *results, options.clients)
        finally:
            nginx.send_signal(signal.SIGQUIT)
            gunicorn.send_signal(signal.SIGTERM)
            nginx.wait(30)
            gunicorn.wait(30)


if __name__ == "__main__":
    main()
