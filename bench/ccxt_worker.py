#!/usr/bin/env python3
"""ccxt workers for viper-bench: the same stdin/stdout protocol as the Rust workers.

Usage: ccxt_worker.py sync|async|pro REST_BASE_URL

Commands, one per line, each answered with one JSON line:
  orders N  -> {"lat_us": [...]}  N rounds of create (resting limit buy) + fetch + cancel
  ticker N  -> {"lat_us": [...]}  N fetch_ticker calls
  ws S      -> {"frames": K}      (pro) ticker and order-book updates of 4 symbols for S s
Only ccxt's URLs are overridden; its own rate limiter is off (the simulator's is too).
"""

import asyncio
import json
import os
import sys
import time
import urllib.parse

KIND, BASE = sys.argv[1], sys.argv[2].rstrip("/")
SYM = "BTC/USDT:USDT"
SYMS = ["BTC/USDT:USDT", "ETH/USDT:USDT", "SOL/USDT:USDT", "XRP/USDT:USDT"]
_u = urllib.parse.urlsplit(BASE)
WS = f"ws://{_u.netloc}/v2/ws"


def config():
    api = {k: BASE for k in ["spot", "mix", "user", "p2p", "broker", "margin", "common",
                             "tax", "convert", "copy", "earn", "uta"]}
    api["ws"] = {"public": WS + "/public", "private": WS + "/private",
                 "utaPublic": WS.replace("/v2/", "/v3/") + "/public",
                 "utaPrivate": WS.replace("/v2/", "/v3/") + "/private"}
    return {"apiKey": "bg_viper_sim_key", "secret": "viper-sim-secret",
            "password": "viper-sim-pass", "urls": {"api": api}, "enableRateLimit": False,
            "options": {"defaultType": "swap", "fetchMarkets": {"types": ["swap"]}, "uta": False},
            "timeout": 10000}


def answer(obj):
    sys.stdout.write(json.dumps(obj) + "\n")
    sys.stdout.flush()


class Sync:
    def __init__(self):
        import ccxt
        self.ex = ccxt.bitget(config())
        self.ex.load_markets()
        last = self.ex.fetch_ticker(SYM)["last"]
        self.price = float(self.ex.price_to_precision(SYM, last * 0.97))
        self.seq = 0

    def orders(self, n):
        lat = []
        for _ in range(n):
            self.seq += 1
            oid = f"bcs{os.getpid()}n{self.seq}"
            t = time.perf_counter_ns()
            o = self.ex.create_order(SYM, "limit", "buy", 0.0001, self.price, {"clientOid": oid})
            self.ex.fetch_order(o["id"], SYM)
            self.ex.cancel_order(o["id"], SYM)
            lat.append((time.perf_counter_ns() - t) / 1000)
        return lat

    def ticker(self, n):
        lat = []
        for _ in range(n):
            t = time.perf_counter_ns()
            self.ex.fetch_ticker(SYM)
            lat.append((time.perf_counter_ns() - t) / 1000)
        return lat


class Async:
    def __init__(self, pro=False):
        if pro:
            import ccxt.pro as mod
        else:
            import ccxt.async_support as mod
        self.ex = mod.bitget(config())
        self.seq = 0
        self.price = None

    async def start(self):
        await self.ex.load_markets()
        last = (await self.ex.fetch_ticker(SYM))["last"]
        self.price = float(self.ex.price_to_precision(SYM, last * 0.97))

    async def _orders(self, n):
        lat = []
        for _ in range(n):
            self.seq += 1
            oid = f"bca{os.getpid()}n{self.seq}"
            t = time.perf_counter_ns()
            o = await self.ex.create_order(SYM, "limit", "buy", 0.0001, self.price,
                                           {"clientOid": oid})
            await self.ex.fetch_order(o["id"], SYM)
            await self.ex.cancel_order(o["id"], SYM)
            lat.append((time.perf_counter_ns() - t) / 1000)
        return lat

    async def _ticker(self, n):
        lat = []
        for _ in range(n):
            t = time.perf_counter_ns()
            await self.ex.fetch_ticker(SYM)
            lat.append((time.perf_counter_ns() - t) / 1000)
        return lat

    async def _ws(self, secs):
        count = [0]
        end = time.monotonic() + secs

        async def pump(watch, sym):
            while time.monotonic() < end:
                try:
                    await asyncio.wait_for(watch(sym), timeout=max(0.01, end - time.monotonic()))
                    count[0] += 1
                except asyncio.TimeoutError:
                    break

        await asyncio.gather(*[pump(w, s) for s in SYMS
                               for w in (self.ex.watch_ticker, self.ex.watch_order_book)])
        return count[0]



def serve(w, line):
    cmd, n = line.split()[0], int(line.split()[1])
    if cmd == "orders":
        return {"lat_us": w.orders(n)}
    if cmd == "ticker":
        return {"lat_us": w.ticker(n)}
    return {"error": f"unknown command {cmd}"}


async def serve_async(w):
    # The event loop keeps running while we wait for the next command (stdin is read in a
    # thread), so aiohttp sees the server close idle keep-alive connections, as in any
    # long-running asyncio program.
    await w.start()
    loop = asyncio.get_running_loop()
    while True:
        line = await loop.run_in_executor(None, sys.stdin.readline)
        if not line.strip() or line.split()[0] == "quit":
            break
        cmd, n = line.split()[0], int(line.split()[1])
        if cmd == "orders":
            answer({"lat_us": await w._orders(n)})
        elif cmd == "ticker":
            answer({"lat_us": await w._ticker(n)})
        elif cmd == "ws":
            answer({"frames": await w._ws(n)})
        else:
            answer({"error": f"unknown command {cmd}"})
    await w.ex.close()


def main():
    if KIND == "sync":
        w = Sync()
        for line in sys.stdin:
            if not line.strip() or line.split()[0] == "quit":
                break
            answer(serve(w, line))
    else:
        asyncio.run(serve_async(Async(pro=(KIND == "pro"))))


if __name__ == "__main__":
    main()
