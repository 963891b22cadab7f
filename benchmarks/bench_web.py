"""Pre-send check over HTTP: open-loop latency at a fixed offered load, and saturation.

    python benchmarks/bench_web.py                 # 500 req/s for 60 s, then saturation
    python benchmarks/bench_web.py --rate 200 --seconds 10 --workers 1

The server is the real one (``uvicorn redline.web.main:app``, what ``redline
serve`` runs) on loopback, with a fresh SQLite store, one user and an API token;
every request is ``POST /api/check`` with ``Authorization: Bearer``.

Open loop (as wrk2 does): request *i* is due at ``t0 + i / rate`` whether or not
earlier ones have answered; its latency is counted from that intended time, so a
stalled server cannot hide its queue (no coordinated omission). The generator
keeps a pool of keep-alive HTTP/1.1 connections and writes raw requests on
asyncio streams, so its own cost per request stays small next to the server's.

The named baseline, measured in the same run: ``GET /healthz`` on the same
server (the HTTP stack with no guard and no auth), at the same offered rate.
Saturation: as many requests as a pool of connections can push in ``--sat-seconds``.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import statistics
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

from redline.web.devserver import running

REPLIES = [
    "亲，可以开发票的，下单时填写抬头就行",
    "特价商品不开发票哦",
    "加我微信转账便宜点",
    "偏远地区需要补10块邮费",
    "好的亲，今天下午五点前发货",
    "亲，这边帮您备注了，请放心",
    "货到付款我们不支持的",
    "您好，请问有什么可以帮您？",
    "质量问题我们包退的，运费我们承担",
    "这个价格已经是最低了，不能再便宜了亲",
]
BUYER = ["能开发票吗", "什么时候发货", "能便宜点吗", "新疆包邮吗", "可以货到付款吗", "在吗"]


def bodies(n: int, seed: int = 7) -> list[bytes]:
    rng = random.Random(seed)
    out = []
    for i in range(n):
        messages = []
        for _ in range(rng.randint(0, 4)):
            messages.append({"role": "buyer", "text": rng.choice(BUYER)})
            messages.append({"role": "agent", "text": rng.choice(REPLIES)})
        messages.append({"role": "buyer", "text": rng.choice(BUYER)})
        messages.append({"role": "agent", "account": "店:小美", "text": rng.choice(REPLIES)})
        conv = {
            "id": f"b{i}",
            "shop": {"cod": rng.random() < 0.3},
            "order": {"buyer": "tb_buyer", "payment": "alipay", "status": "paid"},
            "messages": messages,
        }
        out.append(json.dumps(conv, ensure_ascii=False).encode())
    return out


def request_bytes(method: str, path: str, token: str, body: bytes = b"") -> bytes:
    head = (
        f"{method} {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer {token}\r\n"
        f"Content-Type: application/json\r\nContent-Length: {len(body)}\r\n\r\n"
    )
    return head.encode() + body


async def read_response(reader: asyncio.StreamReader) -> int:
    head = await reader.readuntil(b"\r\n\r\n")
    lines = head.split(b"\r\n")
    status = int(lines[0].split()[1])
    length = 0
    for line in lines[1:]:
        if line[:15].lower() == b"content-length:":
            length = int(line[15:])
    if length:
        await reader.readexactly(length)
    return status


@dataclass
class Result:
    latencies_ms: list[float] = field(default_factory=list)
    errors: int = 0
    sent: int = 0
    elapsed_s: float = 0.0

    def line(self, name: str, rate: float | None) -> str:
        lat = sorted(self.latencies_ms)
        if not lat:
            return f"{name}: no responses, errors {self.errors}"

        def pct(p: float) -> float:
            return lat[min(len(lat) - 1, int(p / 100 * len(lat)))]

        achieved = len(lat) / self.elapsed_s
        offered = f"offered {rate:.0f}/s, " if rate else ""
        return (
            f"{name}: {offered}achieved {achieved:.0f}/s, p50 {pct(50):.2f} ms, "
            f"p90 {pct(90):.2f} ms, p99 {pct(99):.2f} ms, max {lat[-1]:.2f} ms, "
            f"mean {statistics.fmean(lat):.2f} ms, errors {self.errors}, n {len(lat)}"
        )


async def open_loop(
    port: int,
    token: str,
    payloads: list[bytes],
    path: str,
    rate: float,
    seconds: float,
    connections: int,
) -> Result:
    method = "POST" if path == "/api/check" else "GET"
    reqs = [request_bytes(method, path, token, b if method == "POST" else b"") for b in payloads]
    pool: asyncio.Queue[tuple[asyncio.StreamReader, asyncio.StreamWriter]] = asyncio.Queue()
    for _ in range(connections):
        pool.put_nowait(await asyncio.open_connection("127.0.0.1", port))
    result = Result()
    total = int(rate * seconds)
    loop = asyncio.get_running_loop()
    t0 = loop.time() + 0.05

    async def one(i: int, due: float) -> None:
        conn = await pool.get()
        reader, writer = conn
        try:
            writer.write(reqs[i % len(reqs)])
            status = await read_response(reader)
            if status != 200:
                result.errors += 1
            else:
                result.latencies_ms.append((loop.time() - due) * 1000)
            pool.put_nowait(conn)
        except (OSError, asyncio.IncompleteReadError):
            result.errors += 1
            pool.put_nowait(await asyncio.open_connection("127.0.0.1", port))

    tasks = []
    for i in range(total):
        due = t0 + i / rate
        delay = due - loop.time()
        if delay > 0:
            await asyncio.sleep(delay)
        tasks.append(asyncio.create_task(one(i, due)))
        result.sent += 1
    await asyncio.gather(*tasks)
    result.elapsed_s = loop.time() - t0
    while not pool.empty():
        _, w = pool.get_nowait()
        w.close()
    return result


async def closed_loop(
    port: int, token: str, payloads: list[bytes], seconds: float, connections: int
) -> Result:
    reqs = [request_bytes("POST", "/api/check", token, b) for b in payloads]
    result = Result()
    loop = asyncio.get_running_loop()
    stop = loop.time() + seconds

    async def worker(k: int) -> None:
        reader, writer = await asyncio.open_connection("127.0.0.1", port)
        i = k
        while loop.time() < stop:
            start = loop.time()
            writer.write(reqs[i % len(reqs)])
            status = await read_response(reader)
            if status == 200:
                result.latencies_ms.append((loop.time() - start) * 1000)
            else:
                result.errors += 1
            i += connections
        writer.close()

    t0 = loop.time()
    await asyncio.gather(*(worker(k) for k in range(connections)))
    result.elapsed_s = loop.time() - t0
    return result


def make_store(workdir: Path) -> tuple[Path, str]:
    """A fresh store with one agent; its path and an API token."""
    from redline.store import open_store, writing
    from redline.store.accounts import add_user, create_token

    db = workdir / "bench.db"
    engine = open_store(str(db))
    with writing(engine) as s:
        add_user(s, "bench", "agent", "bench-password")
        token = create_token(s, "bench", "benchmark")
    engine.dispose()
    return db, token


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--rate", type=float, default=500)
    ap.add_argument("--seconds", type=float, default=60)
    ap.add_argument("--connections", type=int, default=64)
    ap.add_argument("--workers", type=int, default=1, help="uvicorn worker processes")
    ap.add_argument("--sat-seconds", type=float, default=15)
    ap.add_argument("--sat-connections", type=int, default=32)
    args = ap.parse_args()
    payloads = bodies(1000)
    with tempfile.TemporaryDirectory() as tmp:
        db, token = make_store(Path(tmp))
        with running(db, workers=args.workers) as url:
            port = int(url.rsplit(":", 1)[1])
            # Warm up: imports, the guard's first batch, connection setup.
            asyncio.run(open_loop(port, token, payloads, "/api/check", 200, 3, 16))
            print(
                f"server: uvicorn, {args.workers} worker(s); {os.cpu_count()} CPUs; "
                f"generator in this process"
            )
            base = asyncio.run(
                open_loop(
                    port,
                    token,
                    payloads,
                    "/healthz",
                    args.rate,
                    min(args.seconds, 20),
                    args.connections,
                )
            )
            print(base.line("baseline GET /healthz", args.rate))
            check = asyncio.run(
                open_loop(
                    port, token, payloads, "/api/check", args.rate, args.seconds, args.connections
                )
            )
            print(check.line("POST /api/check", args.rate))
            ok = (
                not check.errors
                and check.latencies_ms
                and sorted(check.latencies_ms)[int(0.99 * len(check.latencies_ms))] < 20
            )
            print(
                f"target p99 < 20 ms with no errors at {args.rate:.0f}/s: "
                f"{'met' if ok else 'NOT met'}"
            )
            sat = asyncio.run(
                closed_loop(port, token, payloads, args.sat_seconds, args.sat_connections)
            )
            print(sat.line(f"saturation ({args.sat_connections} connections, closed loop)", None))
            b50 = sorted(base.latencies_ms)[len(base.latencies_ms) // 2]
            c50 = sorted(check.latencies_ms)[len(check.latencies_ms) // 2]
            print(f"ratio p50 check / p50 healthz: {c50 / b50:.2f}x")


if __name__ == "__main__":
    main()
