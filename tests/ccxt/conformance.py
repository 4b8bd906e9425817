#!/usr/bin/env python3
"""Third-party client conformance: an unmodified ccxt `bitget` against `viper sim`.

Usage: conformance.py REST_BASE_URL   (or set VIPER_SIM_URL)

Only ccxt's URLs are overridden. Every check calls ccxt and then compares what
ccxt parsed with what the simulator itself answers (raw REST via urllib, or the
/sim/v1 control plane). Prints `PASS name` / `FAIL name: reason` per check and
ends with `N passed, M failed`; exits 0 only if nothing failed.
"""

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

import ccxt

KEY = "bg_viper_sim_key"
SECRET = "viper-sim-secret"
PASSPHRASE = "viper-sim-pass"
SYMBOLS = ["BTCUSDT", "ETHUSDT", "SOLUSDT", "XRPUSDT"]
BTC = "BTC/USDT:USDT"
PT = "USDT-FUTURES"

BASE = (sys.argv[1] if len(sys.argv) > 1 else os.environ.get("VIPER_SIM_URL", "")).rstrip("/")
if not BASE:
    sys.exit("usage: conformance.py REST_BASE_URL (or set VIPER_SIM_URL)")

# ---------------------------------------------------------------- raw access


def http(method, path, params=None, body=None, signed=False):
    """Raw request to the simulator; returns the decoded JSON (errors included)."""
    query = urllib.parse.urlencode(params or {})
    request_path = path + ("?" + query if query else "")
    data = json.dumps(body) if body is not None else ""
    headers = {"Content-Type": "application/json"}
    if signed:
        ts = str(int(time.time() * 1000))
        prehash = ts + method + request_path + data
        sign = base64.b64encode(hmac.new(SECRET.encode(), prehash.encode(), hashlib.sha256).digest())
        headers.update({
            "ACCESS-KEY": KEY, "ACCESS-SIGN": sign.decode(), "ACCESS-TIMESTAMP": ts,
            "ACCESS-PASSPHRASE": PASSPHRASE, "locale": "en-US",
        })
    req = urllib.request.Request(BASE + request_path, data=data.encode() if data else None,
                                 headers=headers, method=method)
    try:
        with urllib.request.urlopen(req, timeout=10) as resp:
            return json.loads(resp.read())
    except urllib.error.HTTPError as e:
        body = e.read()
        try:
            return json.loads(body or b"{}")
        except ValueError:
            return {"http": e.code, "body": body[:200].decode(errors="replace")}


def raw(path, params=None, signed=False):
    """GET a Bitget endpoint and return its `data`, failing unless code 00000."""
    env = http("GET", path, params, signed=signed)
    if env.get("code") != "00000":
        raise AssertionError(f"raw {path} answered {env}")
    return env["data"]


def sim(method, route, body=None):
    return http(method, "/sim/v1" + route, body=body)


def sim_price(symbol, price):
    out = sim("POST", "/price", {"symbol": symbol, "price": str(price)})
    assert "error" not in out, out


def last_request(path):
    rows = sim("GET", "/requests", None).get("requests", [])
    rows = [r for r in rows if r.get("path") == path]
    return rows[-1] if rows else None


def stable(read_ccxt, read_raw, tries=8):
    """The market ticks every 250 ms: read raw, ccxt, raw and accept the ccxt value
    if it equals a raw read taken around it. Returns (ccxt_value, raw_value)."""
    got = None
    for _ in range(tries):
        before = read_raw()
        got = read_ccxt()
        after = read_raw()
        if got == before or got == after:
            return got, got
    return got, (before, after)


# ---------------------------------------------------------------- reporting

results = []


def check(name):
    def run(fn):
        try:
            fn()
            results.append((name, None))
            print(f"PASS {name}", flush=True)
        except Exception as e:  # noqa: BLE001 - every failure is a reported FAIL
            reason = f"{type(e).__name__}: {e}".replace("\n", " ")[:600]
            results.append((name, reason))
            print(f"FAIL {name}: {reason}", flush=True)
            if os.environ.get("VIPER_CCXT_TRACE"):
                traceback.print_exc()
        return fn
    return run


def eq(what, got, want):
    if got != want:
        raise AssertionError(f"{what}: ccxt has {got!r}, simulator has {want!r}")


def num(s):
    return float(s) if s not in (None, "") else None


# ---------------------------------------------------------------- the client

api = {k: BASE for k in ["spot", "mix", "user", "p2p", "broker", "margin", "common",
                         "tax", "convert", "copy", "earn", "uta"]}
ex = ccxt.bitget({
    "apiKey": KEY,
    "secret": SECRET,
    "password": PASSPHRASE,
    "urls": {"api": api},
    "options": {"defaultType": "swap", "fetchMarkets": {"types": ["swap"]}, "uta": False},
    "timeout": 10000,
})

try:
    reset = sim("POST", "/reset")
except OSError as e:
    sys.exit(f"cannot reach the simulator at {BASE}: {e}")
if reset.get("reset") is not True:
    sys.exit(f"could not reset the simulator at {BASE}: {reset}")

ctx = {}  # ids shared between checks


def btc_last():
    return num(raw("/api/v2/mix/market/ticker", {"symbol": "BTCUSDT", "productType": PT})[0]["lastPr"])


# ---------------------------------------------------------------- public


@check("load_markets")
def _():
    markets = ex.load_markets()
    contracts = {c["symbol"]: c for c in raw("/api/v2/mix/market/contracts", {"productType": PT})}
    for sid in SYMBOLS:
        sym = sid[:-4] + "/USDT:USDT"
        assert sym in markets, f"{sym} missing from ccxt markets {sorted(markets)}"
        m = markets[sym]
        eq(f"{sym} id", m["id"], sid)
        assert m["swap"] and m["linear"] and m["settle"] == "USDT", f"{sym} is not a linear USDT swap: {m['type']}"
        c = contracts[sid]
        tick = int(c["priceEndStep"]) * 10 ** -int(c["pricePlace"])
        eq(f"{sym} price precision", m["precision"]["price"], float(f"{tick:.{int(c['pricePlace'])}f}"))
        eq(f"{sym} amount precision", m["precision"]["amount"], num(c["sizeMultiplier"]))
        eq(f"{sym} min cost", m["limits"]["cost"]["min"], num(c["minTradeUSDT"]))
        eq(f"{sym} min amount", m["limits"]["amount"]["min"], num(c["minTradeNum"]))
    m = markets[BTC]
    eq("BTC price tick", m["precision"]["price"], 0.1)
    eq("BTC size step", m["precision"]["amount"], 0.0001)
    eq("BTC min notional", m["limits"]["cost"]["min"], 5.0)


@check("fetch_time")
def _():
    got = ex.fetch_time()
    server = int(raw("/api/v2/public/time")["serverTime"])
    assert isinstance(got, int), f"not an int: {got!r}"
    assert abs(got - server) < 5000, f"ccxt {got} vs simulator {server}"


@check("fetch_ticker")
def _():
    got, want = stable(lambda: ex.fetch_ticker(BTC)["last"], btc_last)
    eq("BTC last", got, want)
    t = ex.fetch_ticker(BTC)
    eq("symbol", t["symbol"], BTC)
    assert t["bid"] and t["ask"] and t["bid"] <= t["ask"], f"bid/ask {t['bid']}/{t['ask']}"


@check("fetch_tickers")
def _():
    def ccxt_lasts():
        ts = ex.fetch_tickers([s[:-4] + "/USDT:USDT" for s in SYMBOLS])
        return {s: ts[s[:-4] + "/USDT:USDT"]["last"] for s in SYMBOLS}

    def raw_lasts():
        rows = raw("/api/v2/mix/market/tickers", {"productType": PT})
        return {r["symbol"]: num(r["lastPr"]) for r in rows if r["symbol"] in SYMBOLS}

    got, want = stable(ccxt_lasts, raw_lasts)
    eq("last prices", got, want)


@check("fetch_order_book")
def _():
    def ccxt_top():
        ob = ex.fetch_order_book(BTC, 5)
        return ob["bids"][0][:2], ob["asks"][0][:2]

    def raw_top():
        d = raw("/api/v2/mix/market/merge-depth", {"symbol": "BTCUSDT", "productType": PT, "limit": "5"})
        return [num(x) for x in d["bids"][0][:2]], [num(x) for x in d["asks"][0][:2]]

    got, want = stable(ccxt_top, raw_top)
    eq("best bid/ask", got, want)
    assert got[0][0] < got[1][0], f"crossed book {got}"


@check("fetch_ohlcv")
def _():
    rows = ex.fetch_ohlcv(BTC, "1m", limit=5)
    assert len(rows) >= 2, f"{len(rows)} candles"
    sent = last_request("/api/v2/mix/market/candles")
    assert sent, "the simulator saw no candles request"
    raws = raw(sent["path"], dict(urllib.parse.parse_qsl(sent["query"])))
    want = [[int(r[0])] + [num(x) for x in r[1:6]] for r in raws]
    # the newest candle is still forming: compare the closed ones
    eq("closed candles [ts,o,h,l,c,v]", rows[:-1], want[:-1])
    eq("newest candle ts", rows[-1][0], want[-1][0])


# ---------------------------------------------------------------- account


@check("fetch_balance")
def _():
    bal = ex.fetch_balance()
    acct = [a for a in raw("/api/v2/mix/account/accounts", {"productType": PT}, signed=True)
            if a["marginCoin"] == "USDT"][0]
    eq("USDT total", bal["USDT"]["total"], num(acct["accountEquity"]))
    eq("USDT free", bal["USDT"]["free"], num(acct["maxTransferOut"]))
    eq("USDT total (default account)", bal["USDT"]["total"], 1000.0)


def raw_account(symbol):
    return raw("/api/v2/mix/account/account",
               {"symbol": symbol, "productType": PT, "marginCoin": "USDT"}, signed=True)


@check("set_leverage")
def _():
    ex.set_leverage(5, BTC)
    a = raw_account("BTCUSDT")
    eq("crossedMarginLeverage", 5.0, num(a["crossedMarginLeverage"]))


@check("set_margin_mode")
def _():
    ex.set_margin_mode("isolated", "SOL/USDT:USDT")
    eq("SOL marginMode", "isolated", raw_account("SOLUSDT")["marginMode"])
    ex.set_margin_mode("cross", "SOL/USDT:USDT")
    eq("SOL marginMode", "crossed", raw_account("SOLUSDT")["marginMode"])


# ---------------------------------------------------------------- orders


def raw_detail(order_id):
    return raw("/api/v2/mix/order/detail",
               {"symbol": "BTCUSDT", "productType": PT, "orderId": order_id}, signed=True)


@check("create_order market + TP/SL")
def _():
    sim_price("BTCUSDT", "65000")
    last = btc_last()
    tp, sl = round(last * 1.10, 1), round(last * 0.90, 1)
    o = ex.create_order(BTC, "market", "buy", 0.01, None,
                        {"takeProfit": {"triggerPrice": tp}, "stopLoss": {"triggerPrice": sl}})
    assert o["id"], f"no order id in {o}"
    ctx["market"], ctx["tp"], ctx["sl"] = o["id"], tp, sl
    d = raw_detail(o["id"])
    eq("orderId", o["id"], d["orderId"])
    eq("state", "filled", d["state"])
    eq("presetStopSurplusPrice", tp, num(d.get("presetStopSurplusPrice")))
    eq("presetStopLossPrice", sl, num(d.get("presetStopLossPrice")))
    sent = last_request("/api/v2/mix/order/place-order")
    assert sent, "simulator saw no place-order"


@check("fetch_order (market)")
def _():
    o = ex.fetch_order(ctx["market"], BTC)
    d = raw_detail(ctx["market"])
    eq("id", o["id"], d["orderId"])
    eq("status", o["status"], "closed")
    eq("filled", o["filled"], num(d["baseVolume"]))
    eq("amount", o["amount"], num(d["size"]))
    eq("average", o["average"], num(d["priceAvg"]))
    eq("side", o["side"], d["side"])
    eq("takeProfitPrice", o["takeProfitPrice"], num(d.get("presetStopSurplusPrice")))
    eq("stopLossPrice", o["stopLossPrice"], num(d.get("presetStopLossPrice")))


@check("fetch_positions")
def _():
    ps = [p for p in ex.fetch_positions([BTC]) if p["symbol"] == BTC and p["contracts"]]
    rows = [r for r in raw("/api/v2/mix/position/all-position",
                           {"productType": PT, "marginCoin": "USDT"}, signed=True)
            if r["symbol"] == "BTCUSDT"]
    assert len(ps) == 1 and len(rows) == 1, f"ccxt {len(ps)} / simulator {len(rows)} BTC positions"
    p, r = ps[0], rows[0]
    eq("contracts", p["contracts"], num(r["total"]))
    eq("contracts (order size)", p["contracts"], 0.01)
    eq("side", p["side"], r["holdSide"])
    eq("entryPrice", p["entryPrice"], num(r["openPriceAvg"]))
    eq("leverage", p["leverage"], num(r["leverage"]))
    eq("marginMode", p["marginMode"], "cross")
    n = [a for a in sim("GET", "/state")["accounts"] if a["positions"]]
    assert n, "simulator state shows no position"


def raw_tpsl():
    d = raw("/api/v2/mix/order/orders-plan-pending",
            {"productType": PT, "symbol": "BTCUSDT", "planType": "profit_loss"}, signed=True)
    return {o["orderId"]: o for o in (d.get("entrustedList") or [])}


@check("fetch_open_orders profit_loss (TP/SL made by the fill)")
def _():
    got = {o["id"]: o for o in ex.fetch_open_orders(BTC, None, None, {"planType": "profit_loss"})}
    want = raw_tpsl()
    eq("plan ids", sorted(got), sorted(want))
    by_type = {want[i]["planType"]: got[i] for i in want}
    assert set(by_type) == {"pos_profit", "pos_loss"}, f"plan types {sorted(by_type)}"
    eq("pos_profit triggerPrice", by_type["pos_profit"]["triggerPrice"], ctx["tp"])
    eq("pos_loss triggerPrice", by_type["pos_loss"]["triggerPrice"], ctx["sl"])
    for o in got.values():
        eq("plan side", o["side"], "sell")


@check("cancel_order position stop loss")
def _():
    # cancel-plan-order defaults to planType normal_plan: TP/SL plans need planType
    ctx["pos_loss"] = [i for i, o in raw_tpsl().items() if o["planType"] == "pos_loss"][0]
    ex.cancel_order(ctx["pos_loss"], BTC, {"trigger": True, "planType": "pos_loss"})
    assert ctx["pos_loss"] not in raw_tpsl(), "pos_loss plan still pending in the simulator"
    left = [o["id"] for o in ex.fetch_open_orders(BTC, None, None, {"planType": "profit_loss"})]
    assert ctx["pos_loss"] not in left, "ccxt still lists the pos_loss plan"


@check("create_order stopLossPrice (position stop loss)")
def _():
    sl = round(btc_last() * 0.85, 1)
    o = ex.create_order(BTC, "market", "sell", 0.01, None, {"stopLossPrice": sl})
    plans = raw_tpsl()
    assert o["id"] in plans, f"{o['id']} not among the simulator's TP/SL plans {list(plans)}"
    eq("planType", plans[o["id"]]["planType"], "pos_loss")
    eq("triggerPrice", sl, num(plans[o["id"]]["triggerPrice"]))
    got = {x["id"]: x for x in ex.fetch_open_orders(BTC, None, None, {"planType": "profit_loss"})}
    eq("ccxt triggerPrice", got[o["id"]]["triggerPrice"], sl)


@check("create_order limit + TP/SL")
def _():
    last = btc_last()
    price = round(last * 0.8, 1)
    # long TP must be above the order price and the mark; SL below the order price
    tp, sl = round(last * 1.1, 1), round(price * 0.9, 1)
    o = ex.create_order(BTC, "limit", "buy", 0.01, price,
                        {"takeProfit": {"triggerPrice": tp}, "stopLoss": {"triggerPrice": sl}})
    ctx["limit"] = o["id"]
    ctx["limit_price"] = price
    d = raw_detail(o["id"])
    eq("orderId", o["id"], d["orderId"])
    eq("state", "live", d["state"])
    eq("price", price, num(d["price"]))
    eq("presetStopSurplusPrice", tp, num(d.get("presetStopSurplusPrice")))
    eq("presetStopLossPrice", sl, num(d.get("presetStopLossPrice")))


@check("fetch_order (limit)")
def _():
    o = ex.fetch_order(ctx["limit"], BTC)
    eq("id", o["id"], ctx["limit"])
    eq("status", o["status"], "open")
    eq("price", o["price"], ctx["limit_price"])
    eq("type", o["type"], "limit")
    eq("filled", o["filled"], 0.0)


@check("fetch_open_orders")
def _():
    ids = [o["id"] for o in ex.fetch_open_orders(BTC)]
    raw_ids = [o["orderId"] for o in (raw("/api/v2/mix/order/orders-pending",
                                          {"productType": PT, "symbol": "BTCUSDT"},
                                          signed=True).get("entrustedList") or [])]
    eq("open order ids", sorted(ids), sorted(raw_ids))
    assert ctx["limit"] in ids, f"{ctx['limit']} not in {ids}"


@check("cancel_order")
def _():
    o = ex.cancel_order(ctx["limit"], BTC)
    eq("id", o["id"], ctx["limit"])
    eq("simulator state", raw_detail(ctx["limit"])["state"], "canceled")
    eq("ccxt status after cancel", ex.fetch_order(ctx["limit"], BTC)["status"], "canceled")
    assert ctx["limit"] not in [x["id"] for x in ex.fetch_open_orders(BTC)], "still open"


@check("fetch_closed_orders")
def _():
    closed = {o["id"]: o for o in ex.fetch_closed_orders(BTC)}
    assert ctx["market"] in closed, f"{ctx['market']} not in {list(closed)}"
    eq("filled", closed[ctx["market"]]["filled"], num(raw_detail(ctx["market"])["baseVolume"]))
    assert ctx["limit"] not in closed, "a canceled order listed as closed"


@check("fetch_my_trades")
def _():
    trades = [t for t in ex.fetch_my_trades(BTC) if t["order"] == ctx["market"]]
    fills = [f for f in (raw("/api/v2/mix/order/fills", {"productType": PT, "symbol": "BTCUSDT"},
                             signed=True).get("fillList") or []) if f["orderId"] == ctx["market"]]
    assert trades, "no ccxt trade for the market order"
    eq("trade ids", sorted(t["id"] for t in trades), sorted(f["tradeId"] for f in fills))
    eq("amount sum", round(sum(t["amount"] for t in trades), 8), 0.01)
    by_id = {f["tradeId"]: f for f in fills}
    for t in trades:
        eq("price", t["price"], num(by_id[t["id"]]["price"]))
        eq("side", t["side"], by_id[t["id"]]["side"])


# ---------------------------------------------------------------- trigger (plan) orders


def raw_plans():
    d = raw("/api/v2/mix/order/orders-plan-pending",
            {"productType": PT, "symbol": "BTCUSDT", "planType": "normal_plan"}, signed=True)
    return [o["orderId"] for o in (d.get("entrustedList") or [])]


@check("create trigger order")
def _():
    last = btc_last()
    trig = round(last * 1.2, 1)
    o = ex.create_order(BTC, "limit", "buy", 0.01, round(trig + 10, 1), {"triggerPrice": trig})
    assert o["id"], f"no id in {o}"
    ctx["plan"] = o["id"]
    ctx["plan_trigger"] = trig
    assert o["id"] in raw_plans(), f"{o['id']} not among the simulator's pending plans"


@check("fetch_open_orders trigger")
def _():
    orders = {o["id"]: o for o in ex.fetch_open_orders(BTC, None, None, {"trigger": True})}
    eq("plan ids", sorted(orders), sorted(raw_plans()))
    o = orders[ctx["plan"]]
    eq("triggerPrice", o["triggerPrice"], ctx["plan_trigger"])
    eq("status", o["status"], "open")


@check("cancel trigger order")
def _():
    ex.cancel_order(ctx["plan"], BTC, {"trigger": True})
    assert ctx["plan"] not in raw_plans(), "plan still pending in the simulator"
    left = [o["id"] for o in ex.fetch_open_orders(BTC, None, None, {"trigger": True})]
    assert ctx["plan"] not in left, "ccxt still lists the plan"


@check("close position (reduceOnly market)")
def _():
    ex.create_order(BTC, "market", "sell", 0.01, None, {"reduceOnly": True})
    rows = [r for r in raw("/api/v2/mix/position/all-position",
                           {"productType": PT, "marginCoin": "USDT"}, signed=True)
            if r["symbol"] == "BTCUSDT" and num(r["total"])]
    eq("BTC positions left", len(rows), 0)
    eq("ccxt positions left", [p for p in ex.fetch_positions([BTC]) if p["contracts"]], [])
    eq("TP/SL plans left (auto-cancelled with the position)", list(raw_tpsl()), [])


# ---------------------------------------------------------------- summary

failed = [r for r in results if r[1] is not None]
print(f"{len(results) - len(failed)} passed, {len(failed)} failed")
sys.exit(1 if failed else 0)
