"""Load on `c360 serve`: the real command as a subprocess on 127.0.0.1 over a published version, and
bounded concurrent clients (a count of requests and a time limit) looking up random phones (in written
forms of the contract), external_userids and customer_ids drawn from the published version. Latency is
measured per request by the clients; figures go to docs/benchmarks.md.

Two kinds of load: ``--concurrency N`` closed-loop clients (each sends its next request when the last one
is answered: throughput at saturation, and latency that is mostly queueing), or ``--rate R`` lookups a
second arriving on schedule whatever the answers (open loop: latency measured from each request's
scheduled time, so a slow answer also counts against the requests queued behind it) — the way to read
"p99 at 500 lookups/s".

    .venv/bin/python -m bench.serve_load --data-dir /tmp/c360-bench/run_p1000000/data --requests 30000
    .venv/bin/python -m bench.serve_load --data-dir /tmp/c360-bench/run_p1000000/data --requests 30000 --rate 500
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import signal
import statistics
import subprocess
import sys
import time
import urllib.parse
import urllib.request
from datetime import UTC, datetime
from pathlib import Path

import duckdb

from bench.harness import BENCHMARKS_MD, machine
from orchestration.serve.auth import KEYS_ENV

KINDS = ("phone", "external_userid", "customer_id")
PHONE_FORMS = ("{}", "+86 {} {} {}", "86-{}", "0086{}")
WARM_UP = 500


def sample_identifiers(published: Path, per_kind: int, seed: int) -> list[tuple[str, str]]:
    """(kind, value) pairs drawn from the published lookup index, shuffled; phones in written forms."""
    rng = random.Random(seed)
    pairs = []
    with duckdb.connect(str(published), read_only=True) as con:
        con.execute("select setseed(?)", [rng.random() * 2 - 1])
        for kind in KINDS:
            values = [v for (v,) in con.execute(
                "select lookup_value from c360.customer_lookup where lookup_kind = ? order by random() limit ?",
                [kind, per_kind]).fetchall()]
            pairs += [(kind, _written(kind, v, rng)) for v in values]
    rng.shuffle(pairs)
    return pairs


def _written(kind: str, value: str, rng: random.Random) -> str:
    if kind != "phone" or len(value) != 11:
        return value
    form = rng.choice(PHONE_FORMS)
    return form.format(value[:3], value[3:7], value[7:]) if form.count("{}") == 3 else form.format(value)


def start_service(data_dir: Path, port: int, key: str, workers: int) -> subprocess.Popen:
    env = {**os.environ, "C360_DATA_DIR": str(data_dir), KEYS_ENV: f"masked:{key}"}
    c360 = Path(sys.executable).with_name("c360")
    process = subprocess.Popen([str(c360), "serve", "--port", str(port), "--workers", str(workers)], env=env,
                               stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=2) as response:
                if json.loads(response.read())["status"] == "ok":
                    return process
        except OSError:
            time.sleep(0.2)
    process.kill()
    raise RuntimeError("c360 serve did not come up")


async def _lookup(reader: asyncio.StreamReader, writer: asyncio.StreamWriter, key: str, kind: str, value: str) -> int:
    """One lookup on a keep-alive HTTP/1.1 connection (the bench's client only; the service is uvicorn's)."""
    path = "/v1/lookup?" + urllib.parse.urlencode({kind: value})
    writer.write(f"GET {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer {key}\r\n\r\n".encode())
    head = await reader.readuntil(b"\r\n\r\n")
    length = next(int(line.split(b":")[1]) for line in head.split(b"\r\n") if line.lower().startswith(b"content-length"))
    await reader.readexactly(length)
    return int(head.split(b" ", 2)[1])


async def _client(port: int, key: str, work: list, latencies: list, statuses: dict, deadline: float) -> None:
    """One closed-loop client: one connection, its next request when the last one is answered."""
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    try:
        while work and time.perf_counter() < deadline:
            kind, value = work.pop()
            started = time.perf_counter()
            status = await _lookup(reader, writer, key, kind, value)
            latencies.append(time.perf_counter() - started)
            statuses[status] = statuses.get(status, 0) + 1
    finally:
        writer.close()


def arrival_times(count: int, rate: float, seconds: float) -> list[float]:
    """Offsets (s) at which an open-loop load sends its requests: evenly spaced, within ``seconds``."""
    return [i / rate for i in range(count) if i / rate < seconds]


async def _open_loop(port: int, key: str, pairs: list, rate: float, connections: int, seconds: float) -> tuple[list, dict, float]:
    pool: asyncio.Queue = asyncio.Queue()
    for _ in range(connections):
        pool.put_nowait(await asyncio.open_connection("127.0.0.1", port))
    latencies: list[float] = []
    statuses: dict[int, int] = {}

    async def send(scheduled: float, kind: str, value: str) -> None:
        reader, writer = await pool.get()
        try:
            status = await _lookup(reader, writer, key, kind, value)
        finally:
            pool.put_nowait((reader, writer))
        latencies.append(time.perf_counter() - scheduled)  # from the scheduled time: queueing counts
        statuses[status] = statuses.get(status, 0) + 1

    started = time.perf_counter()
    sending = []
    for offset, (kind, value) in zip(arrival_times(len(pairs), rate, seconds), pairs, strict=False):
        delay = started + offset - time.perf_counter()
        if delay > 0:
            await asyncio.sleep(delay)
        sending.append(asyncio.create_task(send(started + offset, kind, value)))
    await asyncio.gather(*sending)
    wall = time.perf_counter() - started
    while not pool.empty():
        pool.get_nowait()[1].close()
    return latencies, statuses, wall


async def _load(port: int, key: str, pairs: list, concurrency: int, seconds: float) -> tuple[list, dict, float]:
    latencies: list[float] = []
    statuses: dict[int, int] = {}
    work = list(reversed(pairs))
    started = time.perf_counter()
    await asyncio.gather(*(_client(port, key, work, latencies, statuses, started + seconds) for _ in range(concurrency)))
    return latencies, statuses, time.perf_counter() - started


def session_cpu_seconds(session: int) -> float:
    """CPU seconds (user + system) of every live process of a session (the service and its workers)."""
    total = 0
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(fields[3]) == session:  # field 6 of stat, after pid and (comm)
            total += int(fields[11]) + int(fields[12])
    return total / os.sysconf("SC_CLK_TCK")


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(share * len(ordered)))]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="bench.serve_load", description=__doc__.split("\n\n")[0])
    parser.add_argument("--data-dir", required=True, help="a data folder with a published version")
    parser.add_argument("--requests", type=int, default=30000, help="lookups to send (after a warm-up of 500)")
    parser.add_argument("--seconds", type=float, default=120, help="stop sending after this long")
    parser.add_argument("--concurrency", type=int, default=16, help="clients at once, each one request at a time; "
                        "with --rate, the connections requests are sent on")
    parser.add_argument("--rate", type=float, default=0, help="open loop: lookups a second, sent on schedule")
    parser.add_argument("--port", type=int, default=18361)
    parser.add_argument("--workers", type=int, default=2, help="c360 serve --workers")
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--no-markdown", action="store_true")
    args = parser.parse_args(argv)

    data_dir = Path(args.data_dir).resolve()
    published = data_dir / "published.duckdb"
    with duckdb.connect(str(published), read_only=True) as con:
        persons = con.execute("select count(*) from c360.customers").fetchone()[0]
    pairs = sample_identifiers(published, (args.requests + WARM_UP) // len(KINDS) + 1, args.seed)
    key = os.urandom(16).hex()
    process = start_service(data_dir, args.port, key, args.workers)
    try:
        asyncio.run(_load(args.port, key, pairs[:WARM_UP], args.concurrency, args.seconds))
        cpu_before = session_cpu_seconds(process.pid)
        measured = pairs[WARM_UP:WARM_UP + args.requests]
        if args.rate:
            latencies, statuses, wall = asyncio.run(
                _open_loop(args.port, key, measured, args.rate, args.concurrency, args.seconds))
        else:
            latencies, statuses, wall = asyncio.run(_load(args.port, key, measured, args.concurrency, args.seconds))
        service_cpu = session_cpu_seconds(process.pid) - cpu_before
    finally:
        os.killpg(process.pid, signal.SIGTERM)
        process.wait(timeout=30)
    report = {
        "when": datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC"),
        "customers": persons, "requests": len(latencies), "concurrency": args.concurrency, "workers": args.workers,
        "rate": args.rate,
        "statuses": statuses,
        "seconds": wall, "per_second": len(latencies) / wall,
        "p50_ms": percentile(latencies, 0.50) * 1000, "p90_ms": percentile(latencies, 0.90) * 1000,
        "p99_ms": percentile(latencies, 0.99) * 1000, "max_ms": max(latencies) * 1000,
        "mean_ms": statistics.fmean(latencies) * 1000, "machine": machine(),
        "service_cpu_ms_per_lookup": service_cpu * 1000 / len(latencies), "load_average": os.getloadavg()[0],
        "command": "python -m bench.serve_load " + " ".join(argv if argv is not None else sys.argv[1:]),
    }
    print(json.dumps(report, indent=2))
    if not args.no_markdown:
        append_markdown(report)
    return 0 if set(statuses) == {200} else 1


def _load_described(report: dict) -> str:
    if report["rate"]:
        return (f"open loop at {report['rate']:.0f} lookups/s on {report['concurrency']} keep-alive connections "
                "(latency from each request's scheduled time)")
    return f"{report['concurrency']} closed-loop keep-alive clients"


def append_markdown(report: dict) -> None:
    m = report["machine"]
    lines = [
        "", f"## c360 serve under load — {report['when']}", "",
        f"Machine: {m['cores']} cores (service and load generator on the same cores), {m['memory_gib']} GiB; "
        f"duckdb {m['duckdb']}. Published version of {report['customers']:,} customers. `{report['command']}`: "
        f"`c360 serve --workers {report['workers']}`, " + _load_described(report) + ", lookups by random phone (written forms), "
        f"external_userid and customer_id, after a warm-up of {WARM_UP}.",
        "",
        "| lookups | seconds | lookups/s | p50 ms | p90 ms | p99 ms | max ms | service CPU ms / lookup | load average | statuses |",
        "|---:|---:|---:|---:|---:|---:|---:|---:|---:|---|",
        f"| {report['requests']:,} | {report['seconds']:.1f} | **{report['per_second']:.0f}** | {report['p50_ms']:.1f} | "
        f"{report['p90_ms']:.1f} | **{report['p99_ms']:.1f}** | {report['max_ms']:.1f} | "
        f"{report['service_cpu_ms_per_lookup']:.2f} | {report['load_average']:.1f} | "
        + ", ".join(f"{s}: {n}" for s, n in sorted(report["statuses"].items())) + " |",
        "",
    ]
    with BENCHMARKS_MD.open("a", encoding="utf-8") as handle:
        handle.write("\n".join(lines))


if __name__ == "__main__":
    sys.exit(main())
