#!/usr/bin/env python3
"""Synthetic retail data for the Retail CRM suite (issue 2, item 5).

Builds a retail chain in an Odoo 18 database that has ``point_of_sale``
installed: stores (``pos.config`` with payment methods and one closed
``pos.session`` per store and month), product categories and products,
salespersons (导购, ``res.users``), members (``res.partner``) with Chinese
names, valid CN mobiles in E.164 and birthdays, and POS orders over 24+ months
with lines, payments and refunds.  Purchases are skewed (a few heavy buyers,
many occasional ones, churners who stop buying) and seasonal (Chinese New
Year, 618, National Day, Double 11).

Master data (a few hundred records) goes through the ORM.  Members, orders,
order lines and payments are loaded set-based with PostgreSQL ``COPY``, in
chunks, with ids taken from the tables' sequences; every column Odoo needs is
written, so Odoo's own views and reports open the records.  The same seed (and
end date) gives the same data.

Library use (the caller owns the cursor and commits)::

    from tools.datagen import generate, verify
    result = generate(env, customers=1000, orders=10000, seed=42)
    problems = verify(env, result=result)

Command line::

    python3 tools/datagen.py -d DB [--db-host H --db-port P --db-user U] \\
        --customers 100000 [--orders 1000000] [--seed 42] [--months 26] [--stores 4] \\
        [--end-date YYYY-MM-DD] [--verify | --verify-only]

How the data looks: members are heavy (3 %), regular (22 %), occasional (55 %)
buyers or churners (20 %, silent for the last 90+ days); 35 % joined before
the history starts.  8 % of orders are walk-ins without a member, about 1.5 %
of member orders get a refund (a negative order whose line points to the
refunded line, a few hours to a week later).  Prices include 13 % VAT (a
price-included ``account.tax`` on every line).  Orders are ``done`` in closed
sessions: no journal entries or stock moves are generated for them.

Speed: with a superuser database role, foreign-key triggers are skipped during
the COPY (``session_replication_role = replica``; ``verify()`` checks every
foreign key afterwards) and, for loads of 200,000+ rows that at least double a
table, secondary indexes are dropped and rebuilt once at the end (inside the
same transaction).  Stored computed fields that other addons add to the loaded
models are computed through the ORM up to 50,000 records; above that they are
listed in the result's ``warnings`` for the addons' own crons to fill.
"""

import os
import sys
import time

if not __package__:  # run as a file (python3 tools/x.py): import tools/ as a package
    sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

from tools import bootstrap, odoo_check

try:
    from tools import datagen_verify as V
    from tools.datagen_generator import generate
    from tools.datagen_plan import DatagenError
except ImportError as exc:  # numpy or Odoo missing: reported in one line by main()
    MISSING = exc
else:
    MISSING = None

__all__ = ["generate", "verify", "main"]


def verify(env, result=None, sample_mobiles=2000):
    """Open what Odoo's views and reports open, and check the data; return problems (strings).

    :param result: the dict ``generate()`` returned, to also check the counts
    """
    return V.verify(env, result=result, sample_mobiles=sample_mobiles)


def parse_args(argv):
    p = bootstrap.connection_parser(
        "Generate synthetic retail data (members, POS orders) into an Odoo 18 database with point_of_sale."
    )
    p.add_argument("--customers", type=int, default=100)
    p.add_argument("--orders", type=int, help="POS orders (default 10 per customer)")
    p.add_argument("--seed", type=int, default=42)
    p.add_argument("--months", type=int, default=26)
    p.add_argument("--stores", type=int, default=4)
    p.add_argument("--end-date", help="YYYY-MM-DD, day after the last generated day (default today)")
    p.add_argument(
        "--verify", action="store_true", help="check the data with Odoo's views/reports afterwards"
    )
    p.add_argument("--verify-only", action="store_true", help="only run the checks")
    return p.parse_args(argv)


def _open(args):
    """The database's registry, or (None, a one-line error)."""
    if MISSING is not None:
        return None, f"cannot import the generator's dependencies ({MISSING}); {odoo_check.ODOO_HELP}"
    try:
        odoo_check.require_odoo()
        return bootstrap.open_registry(args, extra=["--no-http"]), None
    except odoo_check.UserError as exc:
        return None, str(exc)
    except Exception as exc:  # one line for the user
        return None, "cannot open database %r: %s" % (args.database, str(exc).splitlines()[0])


def _generate(env, args):
    result = generate(
        env,
        customers=args.customers,
        orders=args.orders,
        seed=args.seed,
        months=args.months,
        stores=args.stores,
        progress=lambda message: print("  %s" % message, flush=True),
        end_date=args.end_date,
    )
    env.cr.commit()
    _print_result(result)
    return result


def _verify(env, result):
    t0 = time.perf_counter()
    problems = verify(env, result=result)
    elapsed = time.perf_counter() - t0
    print("verify: %s in %.1f s" % ("OK" if not problems else "%d problem(s)" % len(problems), elapsed))
    for p in problems:
        print("  PROBLEM: %s" % p)
    env.cr.rollback()
    return 1 if problems else 0


def main(argv=None):
    args = parse_args(sys.argv[1:] if argv is None else argv)
    registry, error = _open(args)
    if error:
        print("datagen: %s" % error)
        return 2
    from odoo import SUPERUSER_ID, api  # noqa: PLC0415 - imported once Odoo is known to be there

    result = None
    with registry.cursor() as cr:
        env = api.Environment(cr, SUPERUSER_ID, {})
        if not args.verify_only:
            try:
                result = _generate(env, args)
            except DatagenError as exc:
                print("datagen: %s" % exc)
                return 2
        if args.verify or args.verify_only:
            return _verify(env, result)
    return 0


def _print_result(result):
    print("period %s .. %s" % result["period"])
    for model, count in result["counts"].items():
        print("  %-32s %12d" % (model, count))
    print("COPY throughput:")
    for model, r in result["rates"].items():
        print(
            "  %-32s %12d rows  COPY %8.2f s  %10d rows/s  (formatting in Python %.2f s)"
            % (model, r["rows"], r["copy_seconds"], r["rows_per_s"], r["format_seconds"])
        )
    for k, v in result["timings"].items():
        print("  %-32s %8.2f s" % (k, v))
    print("total %.1f s, %d orders/s overall" % (result["seconds"], result["orders_per_s"]))
    for w in result["warnings"]:
        print("  WARNING: %s" % w)


if __name__ == "__main__":
    sys.exit(main())
