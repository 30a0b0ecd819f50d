#!/usr/bin/env python3
"""Backtest of the RFM churn models and scoring (issue 14, item 7).

Reads transactions from a CSV file (header ``customer,date,amount`` and
optionally ``order_id,refund_of``) or from a database's paid POS orders,
splits the history at ``end - holdout`` into a calibration period and a
holdout, fits BG/NBD and MBG/NBD on the calibration period and prints, per
calibration frequency (repeat purchase days 0, 1, ..., 7+) and in total, the
repeat purchase days each model predicts for the holdout against the actual
ones, then the segment distribution at ``end`` with the addon's defaults.

The definitions (visit = purchase day, refunds netted into their original
order, scoring and segments) are the addon's: the computations are imported
from ``retail_crm_rfm/tools`` (no Odoo needed)::

    python3 tools/rfm_backtest.py --csv transactions.csv [--end 2025-12-31]
    python3 tools/rfm_backtest.py --db DB [--company 1] [--tz Asia/Shanghai]
"""

import argparse
import csv
import importlib.util
import os
import sys
from datetime import date

from dateutil.relativedelta import relativedelta

if not __package__:  # run as a file (python3 tools/x.py): import tools/ as a package
    sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

from tools import bootstrap

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def _load_addon_tools():
    """The addon's pure modules, imported without Odoo."""
    path = os.path.join(REPO, "retail_crm_rfm", "tools")
    name = "retail_crm_rfm_tools"
    if name not in sys.modules:
        spec = importlib.util.spec_from_file_location(
            name, os.path.join(path, "__init__.py"), submodule_search_locations=[path]
        )
        module = importlib.util.module_from_spec(spec)
        sys.modules[name] = module
        spec.loader.exec_module(module)
    from retail_crm_rfm_tools import crosssell, rfm_engine, rfm_models, rfm_pipeline  # noqa: PLC0415

    return rfm_engine, rfm_models, rfm_pipeline, crosssell


engine, stats, pipeline, crosssell = _load_addon_tools()

SEGMENT_NAMES = {
    "HHH": "Champions 重要价值",
    "LHH": "Important to retain 重要保持",
    "HLH": "Important to develop 重要发展",
    "LLH": "Important to win back 重要挽留",
    "HHL": "Regular value 一般价值",
    "LHL": "Regular to keep 一般保持",
    "HLL": "Regular to develop 一般发展",
    "LLL": "Potential 潜在客户",
}


def read_csv(path):
    """Rows (customer, date, amount, order_id or None, refund_of or None)."""
    rows = []
    with open(path, newline="", encoding="utf-8") as handle:
        for record in csv.DictReader(handle):
            rows.append(
                (
                    record["customer"],
                    date.fromisoformat(record["date"].strip()[:10]),
                    float(record["amount"]),
                    (record.get("order_id") or "").strip() or None,
                    (record.get("refund_of") or "").strip() or None,
                )
            )
    return rows


def read_database(dbname, company, tz, host=None, port=None, user=None, password=None):
    """The same rows from the paid POS orders of a company (refund_of from the refund lines)."""
    import psycopg2  # noqa: PLC0415

    conn = psycopg2.connect(dbname=dbname, host=host, port=port, user=user, password=password)
    try:
        with conn.cursor() as cr:
            cr.execute(
                """
                SELECT o.partner_id, (o.date_order AT TIME ZONE 'UTC' AT TIME ZONE %(tz)s)::date,
                       o.amount_total / COALESCE(NULLIF(o.currency_rate, 0), 1), o.id,
                       (SELECT min(ol.order_id) FROM pos_order_line l
                          JOIN pos_order_line ol ON ol.id = l.refunded_orderline_id
                         WHERE l.order_id = o.id AND o.amount_total < 0)
                  FROM pos_order o
                 WHERE o.company_id = %(company)s AND o.partner_id IS NOT NULL
                   AND o.state IN ('paid', 'done', 'invoiced')
                """,
                {"tz": tz, "company": company},
            )
            return [(p, d, float(a), i, r) for p, d, a, i, r in cr.fetchall()]
    finally:
        conn.close()


def backtest(rows, end=None, holdout_months=6, window_months=12, lookback_months=24, recency_days=90, cut=4):
    """Holdout checks of both models and the segment distribution at ``end``."""
    end = end or max(row[1] for row in rows)
    cal_end = end - relativedelta(months=holdout_months)
    origin = min(row[1] for row in rows)
    ordinal = [(c, (d - origin).days, a, o, r) for c, d, a, o, r in rows]
    summary = pipeline.summarize_transactions(
        ordinal,
        (end - origin).days,
        (end - relativedelta(months=window_months) - origin).days,
        (cal_end - origin).days,
    )
    holdout_weeks = (end - cal_end).days / 7.0
    cal = summary["cal_x"] >= 0
    checks = [
        stats.holdout_check(
            kind,
            summary["cal_x"][cal],
            summary["cal_t_x"][cal] / 7.0,
            summary["cal_T"][cal] / 7.0,
            holdout_weeks,
            summary["hold_x"][cal],
        )
        for kind in stats.MODELS
    ]
    best = stats.choose_model(checks)
    scored = summary["recency"] < (end - (end - relativedelta(months=lookback_months))).days
    rec, freq, mon = (summary[name][scored] for name in ("recency", "frequency", "monetary"))
    _r, f_score, m_score = engine.rfm_scores(rec, freq, mon)
    index = engine.segment_index(rec, freq, f_score, m_score, cut=cut, recency_days=recency_days)
    segments = {code: int((index == i).sum()) for i, code in enumerate(engine.SEGMENT_CODES)}
    return {
        "end": end,
        "calibration_end": cal_end,
        "holdout_weeks": holdout_weeks,
        "summary": summary,
        "checks": checks,
        "chosen": best.kind if best else None,
        "segments": segments,
        "scored": int(scored.sum()),
    }


def report(result, out=sys.stdout):
    write = out.write
    write(
        f"calibration up to {result['calibration_end']}, holdout {result['holdout_weeks']:.1f} weeks "
        f"up to {result['end']}\n"
    )
    checks = result["checks"]
    kinds = [check.kind for check in checks]
    write(f"{'repeat days (calibration)':>26} {'customers':>10} {'actual':>9}")
    write("".join(f" {kind:>9}" for kind in kinds) + "\n")
    rows = next((check.rows for check in checks if check.rows), [])
    for index, (bucket, customers, actual, _p) in enumerate(rows):
        label = f"{bucket}+" if index == len(rows) - 1 else str(bucket)
        write(f"{label:>26} {customers:>10} {actual:>9.0f}")
        for check in checks:
            write(f" {check.rows[index][3]:>9.1f}" if check.rows else f" {'-':>9}")
        write("\n")
    write(f"{'total':>26} {sum(r[1] for r in rows):>10} {sum(r[2] for r in rows):>9.0f}")
    write("".join(f" {check.predicted:>9.1f}" for check in checks) + "\n")
    write(f"{'holdout error':>26} {'':>10} {'':>9}")
    write("".join(f" {check.error:>9.4f}" for check in checks) + "\n")
    for check in checks:
        if not check.rows:
            write(f"{check.kind}: {check.fit.message}\n")
    write(f"chosen model: {result['chosen'] or 'none'}\n\n")
    write(f"segments at {result['end']} ({result['scored']} customers scored):\n")
    for code in engine.SEGMENT_CODES:
        count = result["segments"][code]
        share = 100.0 * count / max(result["scored"], 1)
        write(f"  {code} {SEGMENT_NAMES[code]:<32} {count:>8} {share:6.1f} %\n")


def read_baskets(dbname, company, tz, host=None, port=None, user=None, password=None):
    """(order id, customer, local day, product) of the paid member orders, net of refunds
    (a line a paid refund points to leaves its basket), as in the addon's rule mining."""
    import psycopg2  # noqa: PLC0415

    conn = psycopg2.connect(dbname=dbname, host=host, port=port, user=user, password=password)
    try:
        with conn.cursor() as cr:
            cr.execute(
                """
                WITH refunded AS (
                    SELECT DISTINCT r.refunded_orderline_id AS line_id FROM pos_order_line r
                      JOIN pos_order ro ON ro.id = r.order_id
                     WHERE r.refunded_orderline_id IS NOT NULL AND ro.company_id = %(company)s
                       AND ro.state IN ('paid', 'done', 'invoiced'))
                SELECT DISTINCT o.id, o.partner_id, (o.date_order AT TIME ZONE 'UTC' AT TIME ZONE %(tz)s)::date,
                       l.product_id
                  FROM pos_order o JOIN pos_order_line l ON l.order_id = o.id
                  LEFT JOIN refunded f ON f.line_id = l.id
                 WHERE o.company_id = %(company)s AND o.partner_id IS NOT NULL AND l.qty > 0
                   AND o.state IN ('paid', 'done', 'invoiced') AND f.line_id IS NULL
                """,
                {"tz": tz, "company": company},
            )
            return cr.fetchall()
    finally:
        conn.close()


def crosssell_backtest(rows, end=None, holdout_months=6, window_months=12, k=3, thresholds=(0.05, 10.0, 1.2)):
    """Rules mined on the calibration window; hit rate of each customer's top-k
    recommendations in the holdout against the most bought products (both skip
    what the customer already bought), on the customers with a recommendation."""
    end = end or max(row[2] for row in rows)
    cal_end = end - relativedelta(months=holdout_months)
    cal_start = cal_end - relativedelta(months=window_months)
    baskets, bought, holdout = {}, {}, {}
    for order_id, customer, day, product in rows:
        if day <= cal_end:
            bought.setdefault(customer, set()).add(product)
            if day > cal_start:
                baskets.setdefault(order_id, set()).add(product)
        elif day <= end:
            holdout.setdefault(customer, set()).add(product)
    rules, single, n = crosssell.mine_pairs(baskets.values(), *thresholds)
    by_left = crosssell.index_rules(rules)
    popular = [item for item, _count in single.most_common()]
    reco, base = {}, {}
    for customer, items in bought.items():
        ranked = crosssell.recommend(by_left, items, k)
        if ranked:
            reco[customer] = crosssell.recommend(by_left, items, k, fill=popular)
            base[customer] = crosssell.recommend({}, items, k, fill=popular)
    rule_rate, customers = crosssell.hit_rate(reco, holdout)
    base_rate, _n = crosssell.hit_rate(base, holdout)
    return {
        "calibration": (cal_start, cal_end),
        "end": end,
        "baskets": n,
        "rules": len(rules),
        "customers": customers,
        "rules_hit": rule_rate,
        "popular_hit": base_rate,
        "top_rules": sorted(rules.items(), key=lambda kv: -kv[1][2])[:5],
    }


def report_crosssell(result, out=sys.stdout):
    write = out.write
    start, end = result["calibration"]
    write(
        f"\ncross-sell: rules mined on {result['baskets']} baskets from {start} to {end} "
        f"({result['rules']} product rules), holdout up to {result['end']}\n"
    )
    for (left, right), (support, confidence, lift, _count) in result["top_rules"]:
        write(
            f"  {left} -> {right}: support {support:.2f} %, confidence {confidence:.1f} %, lift {lift:.2f}\n"
        )
    write(f"{'top-3 hit rate on the holdout':<32} {'rules':>8} {'most bought':>12} {'customers':>10}\n")
    write(
        f"{'':<32} {100 * result['rules_hit']:>7.1f}% {100 * result['popular_hit']:>11.1f}% "
        f"{result['customers']:>10}\n"
    )


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    source = parser.add_mutually_exclusive_group(required=True)
    source.add_argument("--csv", help="transactions: customer,date,amount[,order_id,refund_of]")
    source.add_argument("--db", help="database with paid POS orders")
    parser.add_argument("--company", type=int, default=1)
    parser.add_argument("--tz", default="UTC", help="local days in this time zone (database source)")
    bootstrap.add_connection_args(parser, database=None)
    parser.add_argument("--end", type=date.fromisoformat, help="analysis date (default: last transaction)")
    parser.add_argument("--holdout-months", type=int, default=6)
    parser.add_argument("--window-months", type=int, default=12)
    parser.add_argument("--lookback-months", type=int, default=24)
    parser.add_argument("--recency-days", type=int, default=90)
    parser.add_argument("--cut", type=int, default=4)
    parser.add_argument(
        "--crosssell",
        action="store_true",
        help="also backtest the cross-sell recommendations (database source)",
    )
    args = parser.parse_args(argv)
    if args.csv:
        rows = read_csv(args.csv)
    else:
        rows = read_database(args.db, args.company, args.tz, args.db_host, args.db_port, args.db_user)
    if not rows:
        parser.error("no transactions")
    result = backtest(
        rows,
        args.end,
        args.holdout_months,
        args.window_months,
        args.lookback_months,
        args.recency_days,
        args.cut,
    )
    report(result)
    if args.crosssell and args.db:
        baskets = read_baskets(args.db, args.company, args.tz, args.db_host, args.db_port, args.db_user)
        result["crosssell"] = crosssell_backtest(baskets, args.end, args.holdout_months, args.window_months)
        report_crosssell(result["crosssell"])
    return result


if __name__ == "__main__":
    main()
