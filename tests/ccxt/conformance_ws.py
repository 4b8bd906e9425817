#!/usr/bin/env python3
"""Third-party WebSocket conformance: an unmodified ccxt.pro `bitget` against `viper sim`.

Usage: conformance_ws.py REST_BASE_URL   (or set VIPER_SIM_URL)

Only ccxt's URLs are overridden: REST to the base URL, `urls['api']['ws']` to
ws://HOST:PORT/v2/ws/public and /v2/ws/private. Every check awaits a ccxt.pro watch
(each with a timeout, so a silent server fails instead of hanging) and compares what
ccxt parsed with what the simulator itself answers (raw REST via urllib, or the /sim/v1
control plane). Private pushes are provoked with ccxt's own REST methods while the watch
is pending. Prints `PASS name` / `FAIL name: reason` per check and ends with
`N passed, M failed`; exits 0 only if nothing failed.
"""

import asyncio
import base64
import hashlib
import hmac
import json
import os
import sys
import time
import traceback
import urllib.error
import urllib.parse
import urllib.request

import ccxt.pro as ccxtpro

KEY = "bg_viper_sim_key"
SECRET = "viper-sim-secret"
PASSPHRASE = "viper-sim-pass"
BTC = "BTC/USDT:USDT"
PT = "USDT-FUTURES"
WATCH_TIMEOUT = float(os.environ.get("VIPER_CCXT_WS_TIMEOUT", "10"))

BASE = (sys.argv[1] if len(sys.argv) > 1 else os.environ.get("VIPER_SIM_URL", "")).rstrip("/")
if not BASE:
    sys.exit("usage: conformance_ws.py REST_BASE_URL (or set VIPER_SIM_URL)")
_u = urllib.parse.urlsplit(BASE)
WS_BASE = ("wss" if _u.scheme == "https" else "ws") + "://" + _u.netloc
WS_PUBLIC = WS_BASE + "/v2/ws/public"
WS_PRIVATE = WS_BASE + "/v2/ws/private"

# ---------------------------------------------------------------- raw access (blocking; run in a thread)


def _http(method, path, params=None, body=None, signed=False):
    query = urllib.parse.urlencode(params or {})
    request_path = path + ("?" + query if query else "")
    data = json.dumps(body) if body is not None else ""
    headers = {"Content-Type": "application/json"}
    if signed:
        ts = str(int(time.time() * 1000))
        sign = base64.b64encode(hmac.new(SECRET.encode(), (ts + method + request_path + data).encode(),
                                         hashlib.sha256).digest())
        headers.update({"ACCESS-KEY": KEY, "ACCESS-SIGN": sign.decode(), "ACCESS-TIMESTAMP": ts,
                        "ACCESS-PASSPHRASE": PASSPHRASE, "locale": "en-US"})
    req = urllib.request.Request(BASE + request_path, data=data.encode() if data else None,
                                 headers=headers, method=method)
    try:
        with urllib.request.urlopen(req, timeout=10) as resp:
            return json.loads(resp.read())
    except urllib.error.HTTPError as e:
        raw_body = e.read()
        try:
            return json.loads(raw_body or b"{}")
        except ValueError:
            return {"http": e.code, "body": raw_body[:200].decode(errors="replace")}


async def http(method, path, params=None, body=None, signed=False):
    return await asyncio.to_thread(_http, method, path, params, body, signed)


async def raw(path, params=None, signed=False):
    """GET a Bitget endpoint and return its `data`, failing unless code 00000."""
    env = await http("GET", path, params, signed=signed)
    if env.get("code") != "00000":
        raise AssertionError(f"raw {path} answered {env}")
    return env["data"]


async def sim(method, route, body=None):
    return await http(method, "/sim/v1" + route, body=body)


async def hold_price(symbol, price, ticks=0):
    """Jump to `price` now; with `ticks`, also queue that many ticks at `price` (250 ms each by
    default). Queued path prices are appended to any still pending, so hold only once."""
    body = {"symbol": symbol, "price": str(price)}
    if ticks:
        body["path"] = [str(price)] * ticks
    out = await sim("POST", "/price", body)
    assert "error" not in out, out
    return out


def num(s):
    return float(s) if s not in (None, "") else None


async def raw_ticker(symbol="BTCUSDT"):
    return (await raw("/api/v2/mix/market/ticker", {"symbol": symbol, "productType": PT}))[0]


async def raw_btc_position():
    rows = await raw("/api/v2/mix/position/all-position", {"productType": PT, "marginCoin": "USDT"}, signed=True)
    return [r for r in rows if r["symbol"] == "BTCUSDT" and num(r["total"])]


async def raw_equity():
    accts = await raw("/api/v2/mix/account/accounts", {"productType": PT}, signed=True)
    return [a for a in accts if a["marginCoin"] == "USDT"][0]


# ---------------------------------------------------------------- reporting

results = []


async def run_check(name, fn):
    try:
        await fn()
        results.append((name, None))
        print(f"PASS {name}", flush=True)
    except Exception as e:  # noqa: BLE001 - every failure is a reported FAIL
        if isinstance(e, asyncio.TimeoutError):
            reason = f"timeout: no matching push within {WATCH_TIMEOUT:g} s"
        else:
            reason = f"{type(e).__name__}: {e}".replace("\n", " ")[:600]
        results.append((name, reason))
        print(f"FAIL {name}: {reason}", flush=True)
        if os.environ.get("VIPER_CCXT_TRACE"):
            traceback.print_exc()


def eq(what, got, want):
    if got != want:
        raise AssertionError(f"{what}: ccxt has {got!r}, simulator has {want!r}")


async def watch_until(watch, pred, what, timeout=WATCH_TIMEOUT):
    """Await `watch()` repeatedly until `pred(value)` is truthy; returns (value, pred result).
    Each await and the whole wait are bounded by `timeout`."""
    deadline = time.monotonic() + timeout
    last = None
    while True:
        left = deadline - time.monotonic()
        if left <= 0:
            raise AssertionError(f"{what}: no matching push within {timeout:g} s; last push parsed as {str(last)[:300]}")
        try:
            last = await asyncio.wait_for(watch(), left)
        except asyncio.TimeoutError:
            seen = "nothing was pushed" if last is None else f"last push parsed as {str(last)[:300]}"
            raise AssertionError(f"{what}: no matching push within {timeout:g} s; {seen}") from None
        hit = pred(last)
        if hit:
            return last, hit


async def while_watching(watch, pred, what, action, settle=1.0, cached=None):
    """Start watching (login + subscribe), give the subscription `settle` s to be acked,
    run `action()` (ccxt REST), then wait for a push satisfying `pred`. The push may beat
    the REST answer that `pred` needs (an order id, say): then ccxt has already parsed it
    into its cache, so `cached()` (ccxt's own cache, e.g. `ex.orders`) is tested as well.
    Returns ((value, pred result), action result)."""
    task = asyncio.create_task(watch_until(watch, pred, what, WATCH_TIMEOUT + settle))
    await asyncio.sleep(settle)
    if task.done():  # failed early (e.g. login refused), or matched too soon: report that
        got = await task
        raise AssertionError(f"{what}: matched before the action ran: {str(got)[:300]}")
    try:
        acted = await action()
    except BaseException:
        task.cancel()
        raise
    while not task.done():
        if cached is not None:
            value = cached()
            hit = pred(value) if value is not None else None
            if hit:
                task.cancel()
                return (value, hit), acted
        await asyncio.wait([task], timeout=0.05)
    return await task, acted


# ---------------------------------------------------------------- the client


def make_exchange():
    api = {k: BASE for k in ["spot", "mix", "user", "p2p", "broker", "margin", "common",
                             "tax", "convert", "copy", "earn", "uta"]}
    api["ws"] = {"public": WS_PUBLIC, "private": WS_PRIVATE,
                 "utaPublic": WS_PUBLIC.replace("/v2/", "/v3/"), "utaPrivate": WS_PRIVATE.replace("/v2/", "/v3/")}
    return ccxtpro.bitget({
        "apiKey": KEY,
        "secret": SECRET,
        "password": PASSPHRASE,
        "urls": {"api": api},
        "options": {"defaultType": "swap", "fetchMarkets": {"types": ["swap"]}, "uta": False},
        "timeout": 10000,
    })


ctx = {}


async def close_quietly(ex):
    try:
        await asyncio.wait_for(ex.close(), 5)
        return True
    except Exception:  # noqa: BLE001 - closing is best effort
        return False

# ---------------------------------------------------------------- public checks


# BTC is held at PRICE for the whole run (about two minutes of ticks): every public value
# has one right answer, and the account's equity only moves with our own fills.
PRICE = 65432.1
HOLD_TICKS = 480


async def check_urls(ex):
    eq("ws public URL", ex.urls["api"]["ws"]["public"], WS_PUBLIC)
    eq("ws private URL", ex.urls["api"]["ws"]["private"], WS_PRIVATE)
    await ex.load_markets()
    assert BTC in ex.markets, f"{BTC} missing from ccxt markets"
    out = await hold_price("BTCUSDT", PRICE, HOLD_TICKS)
    eq("scripted last", num(out["last"]), PRICE)


async def check_watch_ticker(ex):
    t, _ = await watch_until(lambda: ex.watch_ticker(BTC), lambda t: t["last"] == PRICE,
                             f"ticker last == scripted {PRICE}")
    r = await raw_ticker()
    eq("symbol", t["symbol"], BTC)
    eq("last vs REST lastPr", t["last"], num(r["lastPr"]))
    eq("bid vs REST bidPr", t["bid"], num(r["bidPr"]))
    eq("ask vs REST askPr", t["ask"], num(r["askPr"]))
    eq("high vs REST high24h", t["high"], num(r["high24h"]))
    eq("low vs REST low24h", t["low"], num(r["low24h"]))
    eq("open vs REST open24h", t["open"], num(r["open24h"]))
    assert t["bid"] <= PRICE <= t["ask"], f"bid/last/ask {t['bid']}/{PRICE}/{t['ask']}"
    now = int(time.time() * 1000)
    assert isinstance(t["timestamp"], int) and abs(t["timestamp"] - now) < 10000, f"timestamp {t['timestamp']}"


def check_book_shape(ob, last, depth=None):
    bids, asks = ob["bids"], ob["asks"]
    assert bids and asks, f"empty side: {len(bids)} bids, {len(asks)} asks"
    if depth is not None:
        assert len(bids) <= depth and len(asks) <= depth, f"{len(bids)}/{len(asks)} levels > {depth}"
    bp, ap = [b[0] for b in bids], [a[0] for a in asks]
    eq("bids sorted descending", bp, sorted(bp, reverse=True))
    eq("asks sorted ascending", ap, sorted(ap))
    assert len(set(bp)) == len(bp) and len(set(ap)) == len(ap), "duplicate price levels"
    assert all(b[1] > 0 for b in bids + asks), "a level with non-positive size"
    assert bp[0] <= last <= ap[0], f"best bid {bp[0]} / ask {ap[0]} do not bracket last {last}"
    assert bp[0] < ap[0], f"crossed book {bp[0]} >= {ap[0]}"


async def check_watch_order_book(ex):
    # `books` (no limit): a snapshot, then incremental updates carrying a CRC-32 checksum that
    # ccxt verifies on every update (a mismatch rejects the watch with ChecksumError).
    n = {"pushes": 0}

    def enough(ob):
        n["pushes"] += 1
        return n["pushes"] >= 6 and ob["bids"] and ob["asks"] and ob["bids"][0][0] <= PRICE <= ob["asks"][0][0]

    ob, _ = await watch_until(lambda: ex.watch_order_book(BTC), enough,
                              "6 book pushes (snapshot + checksummed updates) around the held price")
    eq("symbol", ob["symbol"], BTC)
    check_book_shape(ob, PRICE)
    depth = await raw("/api/v2/mix/market/merge-depth", {"symbol": "BTCUSDT", "productType": PT, "limit": "max"})
    eq("ccxt levels vs REST levels", (len(ob["bids"]), len(ob["asks"])), (len(depth["bids"]), len(depth["asks"])))
    eq("bid prices vs REST", [b[0] for b in ob["bids"]], [num(b[0]) for b in depth["bids"]])
    eq("ask prices vs REST", [a[0] for a in ob["asks"]], [num(a[0]) for a in depth["asks"]])


async def check_watch_order_book_5(_ex):
    # its own client: ccxt keeps one book per symbol, which the `books` deltas would extend
    ex = make_exchange()
    try:
        ob, _ = await watch_until(lambda: ex.watch_order_book(BTC, 5),
                                  lambda ob: ob["bids"] and ob["bids"][0][0] <= PRICE <= ob["asks"][0][0],
                                  "books5 around the held price")
        eq("bid levels", len(ob["bids"]), 5)
        eq("ask levels", len(ob["asks"]), 5)
        check_book_shape(ob, PRICE, 5)
        depth = await raw("/api/v2/mix/market/merge-depth", {"symbol": "BTCUSDT", "productType": PT, "limit": "5"})
        eq("bid prices vs REST", [b[0] for b in ob["bids"]], [num(b[0]) for b in depth["bids"][:5]])
        eq("ask prices vs REST", [a[0] for a in ob["asks"]], [num(a[0]) for a in depth["asks"][:5]])
    finally:
        await close_quietly(ex)


async def check_watch_order_book_checksum_error(_ex):
    # the simulator's corrupt_book fault sends one wrong checksum: ccxt must notice it (this
    # proves the checksums of the previous check were really compared, not skipped)
    ex = make_exchange()
    try:
        await watch_until(lambda: ex.watch_order_book(BTC), lambda ob: ob["bids"], "books snapshot")
        out = await sim("POST", "/ws", {"action": "corrupt_book", "scope": "public"})
        assert out.get("connections", 0) >= 1, f"corrupt_book reached no connection: {out}"
        # ccxt's checksum failure path (handle_check_sum_error) first un-watches the book; the
        # unsubscribe ack rejects the pending watch with UnsubscribeError, then ChecksumError
        try:
            await watch_until(lambda: ex.watch_order_book(BTC), lambda ob: False, "ChecksumError")
        except (ccxtpro.ChecksumError, ccxtpro.UnsubscribeError):
            pass
        else:
            raise AssertionError("ccxt accepted a corrupted checksum")
        client = ex.clients.get(WS_PUBLIC)
        assert client is not None and f"orderbook:{BTC}" not in client.subscriptions, \
            "the book is still subscribed after the checksum error"
    finally:
        await close_quietly(ex)


async def check_watch_trades(ex):
    trades, _ = await watch_until(lambda: ex.watch_trades(BTC),
                                  lambda ts: any(t["price"] == PRICE for t in ts),
                                  f"a public trade at the held {PRICE}")
    rest = await raw("/api/v2/mix/market/fills", {"symbol": "BTCUSDT", "productType": PT, "limit": "100"})
    by_id = {r["tradeId"]: r for r in rest}
    matched = [t for t in trades if t["id"] in by_id]
    assert matched, f"none of the watched trade ids {[t['id'] for t in trades][:5]} among REST recent fills"
    for t in matched:
        r = by_id[t["id"]]
        eq("symbol", t["symbol"], BTC)
        eq(f"trade {t['id']} price", t["price"], num(r["price"]))
        eq(f"trade {t['id']} amount", t["amount"], num(r["size"]))
        eq(f"trade {t['id']} side", t["side"], r["side"])
        eq(f"trade {t['id']} timestamp", t["timestamp"], int(r["ts"]))
    ts = [t["timestamp"] for t in trades]
    eq("trades sorted by time", ts, sorted(ts))


async def check_watch_ohlcv(ex):
    rows, _ = await watch_until(lambda: ex.watch_ohlcv(BTC, "1m"), lambda rows: len(rows) >= 1,
                                "a candle1m push")
    c = rows[-1]
    rest = await raw("/api/v2/mix/market/candles",
                     {"symbol": "BTCUSDT", "productType": PT, "granularity": "1m", "limit": "5"})
    by_ts = {int(r[0]): r for r in rest}
    assert c[0] in by_ts, f"candle ts {c[0]} not among REST candles {sorted(by_ts)}"
    eq("open vs REST", c[1], num(by_ts[c[0]][1]))
    assert c[3] <= c[1] <= c[2] and c[3] <= c[4] <= c[2], f"inconsistent candle {c}"


# ---------------------------------------------------------------- private checks


async def check_watch_balance(ex):
    # flat account: the snapshot pushed right after subscribing equals REST exactly
    bal, _ = await watch_until(lambda: ex.watch_balance(), lambda b: "USDT" in b, "account snapshot")
    acct = await raw_equity()
    eq("USDT total vs REST accountEquity", bal["USDT"]["total"], num(acct["accountEquity"]))
    eq("USDT free vs REST maxTransferOut", bal["USDT"]["free"], num(acct["maxTransferOut"]))
    eq("USDT total (default account)", bal["USDT"]["total"], 1000.0)


def positions_cache(ex):
    return lambda: list((ex.positions or {}).get(PT) or [])


async def check_watch_orders(ex):
    last = num((await raw_ticker())["lastPr"])
    price = round(last * 0.8, 1)

    async def place():
        return await ex.create_order(BTC, "limit", "buy", 0.01, price)

    created = {}

    async def place_and_remember():
        o = await place()
        created["id"] = o["id"]
        return o

    def find(status):
        return lambda os_: next((o for o in os_ if o["id"] == created.get("id") and o["status"] == status), None)

    (_, o), rest_o = await while_watching(lambda: ex.watch_orders(BTC), find("open"),
                                          "orders push of the new limit order", place_and_remember,
                                          cached=lambda: list(ex.orders or []))
    d = await raw("/api/v2/mix/order/detail",
                  {"symbol": "BTCUSDT", "productType": PT, "orderId": rest_o["id"]}, signed=True)
    eq("id", o["id"], d["orderId"])
    eq("id vs create_order", o["id"], rest_o["id"])
    eq("REST state", d["state"], "live")
    eq("symbol", o["symbol"], BTC)
    eq("status", o["status"], "open")
    eq("side", o["side"], "buy")
    eq("type", o["type"], "limit")
    eq("price", o["price"], price)
    eq("amount", o["amount"], num(d["size"]))
    ctx["limit"] = o["id"]

    async def cancel():
        return await ex.cancel_order(created["id"], BTC)

    (_, o), _ = await while_watching(lambda: ex.watch_orders(BTC), find("canceled"),
                                     "orders push of the cancel", cancel, settle=0.2,
                                     cached=lambda: list(ex.orders or []))
    d = await raw("/api/v2/mix/order/detail",
                  {"symbol": "BTCUSDT", "productType": PT, "orderId": created["id"]}, signed=True)
    eq("REST state after cancel", d["state"], "canceled")
    eq("status after cancel", o["status"], "canceled")


async def check_watch_orders_trigger(ex):
    trig = round(PRICE * 1.2, 1)
    created = {}

    async def place():
        o = await ex.create_order(BTC, "limit", "buy", 0.01, round(trig + 10, 1), {"triggerPrice": trig})
        created["id"] = o["id"]
        return o

    def find(status):
        return lambda os_: next((o for o in os_ if o["id"] == created.get("id") and o["status"] == status), None)

    cache = lambda: list(ex.triggerOrders or [])  # noqa: E731
    (_, o), _ = await while_watching(lambda: ex.watch_orders(BTC, None, None, {"trigger": True}), find("open"),
                                     "orders-algo push of the new trigger order", place, cached=cache)
    plans = await raw("/api/v2/mix/order/orders-plan-pending",
                      {"productType": PT, "symbol": "BTCUSDT", "planType": "normal_plan"}, signed=True)
    ids = [x["orderId"] for x in (plans.get("entrustedList") or [])]
    assert created["id"] in ids, f"{created['id']} not among the simulator's pending plans {ids}"
    eq("triggerPrice", o["triggerPrice"], trig)
    eq("side", o["side"], "buy")
    eq("amount", o["amount"], 0.01)

    async def cancel():
        return await ex.cancel_order(created["id"], BTC, {"trigger": True})

    (_, o), _ = await while_watching(lambda: ex.watch_orders(BTC, None, None, {"trigger": True}),
                                     find("canceled"), "orders-algo push of the cancel", cancel,
                                     settle=0.2, cached=cache)
    eq("status after cancel", o["status"], "canceled")


async def check_watch_orders_market_fill(ex):
    created = {}

    async def buy():
        o = await ex.create_order(BTC, "market", "buy", 0.01)
        created["id"] = o["id"]
        return o

    (_, o), _ = await while_watching(
        lambda: ex.watch_orders(),  # no symbol: the USDT-M (linear) subscription
        lambda os_: next((x for x in os_ if x["id"] == created.get("id") and x["status"] == "closed"), None),
        "orders push of the filled market order", buy, settle=0.3, cached=lambda: list(ex.orders or []))
    d = await raw("/api/v2/mix/order/detail",
                  {"symbol": "BTCUSDT", "productType": PT, "orderId": created["id"]}, signed=True)
    eq("REST state", d["state"], "filled")
    eq("status", o["status"], "closed")
    eq("filled", o["filled"], num(d["baseVolume"]))
    eq("average", o["average"], num(d["priceAvg"]))
    eq("type", o["type"], "market")
    ctx["market"] = o["id"]


async def check_watch_positions(ex):
    # the market buy of the previous check opened 0.01 long; this adds 0.01 more
    async def buy():
        return await ex.create_order(BTC, "market", "buy", 0.01)

    want = 0.02 if ctx.get("market") else 0.01
    (_, p), _ = await while_watching(
        lambda: ex.watch_positions([BTC]),
        lambda ps: next((x for x in ps if x["symbol"] == BTC and x["contracts"] == want), None),
        f"positions push with {want} BTC", buy, cached=positions_cache(ex))
    rows = await raw_btc_position()
    assert len(rows) == 1, f"simulator has {len(rows)} BTC positions"
    r = rows[0]
    eq("contracts vs REST total", p["contracts"], num(r["total"]))
    eq("side", p["side"], r["holdSide"])
    eq("side (long)", p["side"], "long")
    eq("entryPrice vs REST openPriceAvg", p["entryPrice"], num(r["openPriceAvg"]))
    eq("leverage vs REST", p["leverage"], num(r["leverage"]))
    eq("marginMode", p["marginMode"], "cross")

    async def close():
        return await ex.create_order(BTC, "market", "sell", want, None, {"reduceOnly": True})

    (_, p), _ = await while_watching(
        lambda: ex.watch_positions([BTC]),
        # a closed position just disappears from the snapshot (ccxt then yields no BTC row)
        lambda ps: None if any(x["symbol"] == BTC and x["contracts"] for x in ps) else "flat",
        "positions push without the closed position", close, settle=0.2, cached=positions_cache(ex))
    eq("REST BTC positions after close", await raw_btc_position(), [])


async def check_watch_my_trades(ex):
    created = {}

    async def buy():
        o = await ex.create_order(BTC, "market", "buy", 0.01)
        created["id"] = o["id"]
        return o

    (_, t), _ = await while_watching(
        lambda: ex.watch_my_trades(BTC),
        lambda ts: next((x for x in ts if x["order"] == created.get("id")), None),
        "fill push of a market order", buy, cached=lambda: list(ex.myTrades or []))
    fills = (await raw("/api/v2/mix/order/fills", {"productType": PT, "symbol": "BTCUSDT"},
                       signed=True)).get("fillList") or []
    f = [x for x in fills if x["tradeId"] == t["id"]]
    assert f, f"trade {t['id']} not among REST fills"
    eq("price", t["price"], num(f[0]["price"]))
    eq("amount", t["amount"], num(f[0]["baseVolume"]))
    eq("side", t["side"], f[0]["side"])
    await ex.create_order(BTC, "market", "sell", 0.01, None, {"reduceOnly": True})


async def check_watch_balance_fills(ex):
    # account pushes follow fills; the price is held, so the equity a push carries stays
    # what REST reports until our next trade
    for side, params, what in [("buy", {}, "open"), ("sell", {"reduceOnly": True}, "close")]:
        seen = {}

        async def trade(side=side, params=params, seen=seen):
            seen["before"] = ex.balance["USDT"]["total"]
            return await ex.create_order(BTC, "market", side, 0.01, None, params)

        (bal, _), _ = await while_watching(
            lambda: ex.watch_balance(),
            lambda b, seen=seen: "before" in seen and b["USDT"]["total"] != seen["before"],
            f"account push after the {what} fill", trade, settle=0.3, cached=lambda: ex.balance)
        acct = await raw_equity()
        eq(f"USDT total after {what} vs REST accountEquity", bal["USDT"]["total"], num(acct["accountEquity"]))
        eq(f"USDT free after {what} vs REST maxTransferOut", bal["USDT"]["free"], num(acct["maxTransferOut"]))
    assert bal["USDT"]["total"] < 1000.0, f"equity {bal['USDT']['total']}: the fees did not reach it"


# ---------------------------------------------------------------- main


async def main():
    try:
        reset = await sim("POST", "/reset")
    except OSError as e:
        sys.exit(f"cannot reach the simulator at {BASE}: {e}")
    if reset.get("reset") is not True:
        sys.exit(f"could not reset the simulator at {BASE}: {reset}")

    ex = make_exchange()
    checks = [
        ("ws urls + load_markets", check_urls),
        ("watch_ticker", check_watch_ticker),
        ("watch_order_book (books, checksum)", check_watch_order_book),
        ("watch_order_book limit 5 (books5)", check_watch_order_book_5),
        ("watch_order_book corrupted checksum -> ChecksumError", check_watch_order_book_checksum_error),
        ("watch_trades", check_watch_trades),
        ("watch_ohlcv", check_watch_ohlcv),
        ("watch_balance (login)", check_watch_balance),
        ("watch_orders limit open + cancel", check_watch_orders),
        ("watch_orders trigger (orders-algo)", check_watch_orders_trigger),
        ("watch_orders market fill", check_watch_orders_market_fill),
        ("watch_positions", check_watch_positions),
        ("watch_my_trades", check_watch_my_trades),
        ("watch_balance after fills", check_watch_balance_fills),
    ]
    closed = False
    try:
        for name, fn in checks:
            await run_check(name, lambda fn=fn: fn(ex))
    finally:
        closed = await close_quietly(ex)

    failed = [r for r in results if r[1] is not None]
    print(f"{len(results) - len(failed)} passed, {len(failed)} failed", flush=True)
    return (1 if failed else 0), closed


if __name__ == "__main__":
    code, closed = asyncio.run(main())
    if not closed:
        # a hung server left sockets open: skip the finalizers' warnings so the summary
        # stays the last line
        sys.stdout.flush()
        sys.stderr.flush()
        os._exit(code)
    sys.exit(code)
