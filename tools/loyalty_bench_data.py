"""The data of tools/bench_loyalty.py: the synthetic members and orders it
inserts once with parameterised SQL (tagged so later runs reuse them), their
clean-up, the POS session it syncs into and the order payload the till sends."""

import random
import sys
import time
import uuid as uuidlib

from odoo.tools import SQL

BENCH_REF = "loy-bench"
ORDER_PREFIX = "LOYBENCH/"


def generate(env, args, company, session):
    """Insert the synthetic members and orders once (parameterised SQL)."""
    cr = env.cr
    cr.execute(SQL("SELECT count(*) FROM res_partner WHERE ref = %s", BENCH_REF))
    have_members = cr.fetchone()[0]
    cr.execute(SQL("SELECT count(*) FROM pos_order WHERE name LIKE %s", ORDER_PREFIX + "%"))
    have_orders = cr.fetchone()[0]
    if have_members == args.members and have_orders == args.orders:
        return False
    cleanup(env)
    cr.execute(
        SQL(
            """
            INSERT INTO res_partner (name, ref, active, type, autopost_bills, company_id, lang,
                                     mobile, retail_is_member, retail_join_date,
                                     create_date, write_date, create_uid, write_uid)
            SELECT 'Bench member ' || g, %(ref)s, true, 'contact', 'ask', NULL, 'en_US',
                   '+86139' || lpad(g::text, 8, '0'), true, current_date,
                   now(), now(), 1, 1
              FROM generate_series(1, %(n)s) AS g
            """,
            ref=BENCH_REF,
            n=args.members,
        )
    )
    cr.execute(
        SQL(
            "UPDATE res_partner SET commercial_partner_id = id, complete_name = name WHERE ref = %s",
            BENCH_REF,
        )
    )
    cr.execute(SQL("SELECT min(id), max(id) FROM res_partner WHERE ref = %s", BENCH_REF))
    low, high = cr.fetchone()
    cr.execute(SQL("SET LOCAL work_mem = '256MB'"))
    # skewed histories: a few members have very many orders, most have few
    cr.execute(
        SQL(
            """
            INSERT INTO pos_order (name, company_id, session_id, partner_id, state, date_order,
                                   amount_tax, amount_total, amount_paid, amount_return,
                                   currency_rate, create_date, write_date, create_uid, write_uid)
            SELECT %(prefix)s || g, %(company)s, %(session)s,
                   %(low)s + floor((%(high)s - %(low)s + 1) * power(random(), 1.6))::int,
                   'done',
                   now() AT TIME ZONE 'UTC' - make_interval(secs => random() * %(span)s),
                   0, t.amount, t.amount, 0, 1, now(), now(), 1, 1
              FROM generate_series(1, %(m)s) AS g,
                   LATERAL (SELECT (CASE WHEN random() < 0.03 THEN -1 ELSE 1 END
                                    * round((20 + 600 * power(random(), 3))::numeric, 2)) + 0 * g AS amount) t
            """,
            prefix=ORDER_PREFIX,
            company=company.id,
            session=session.id,
            low=low,
            high=high,
            span=args.years * 365.25 * 86400,
            m=args.orders,
        )
    )
    cr.execute(SQL("ANALYZE pos_order"))
    cr.execute(SQL("ANALYZE res_partner"))
    cr.commit()
    env.invalidate_all()
    return True


def cleanup(env):
    cr = env.cr
    cr.execute(SQL("DELETE FROM pos_order WHERE name LIKE %s", ORDER_PREFIX + "%"))
    cr.execute(
        SQL(
            "DELETE FROM retail_crm_tier_history WHERE partner_id IN "
            "(SELECT id FROM res_partner WHERE ref = %s)",
            BENCH_REF,
        )
    )
    cr.execute(SQL("DELETE FROM res_partner WHERE ref = %s", BENCH_REF))
    cr.commit()
    env.invalidate_all()


def open_session(env, company):
    config = env["pos.config"].search(
        [("company_id", "=", company.id), ("payment_method_ids.is_cash_count", "=", True)], limit=1
    )
    if not config:
        sys.exit(
            "No pos.config with a cash payment method in %s: install demo data or run "
            "tools/datagen.py first." % company.name
        )
    if not config.current_session_id:
        config.open_ui()
        config.current_session_id.set_opening_control(0, None)
    return config, config.current_session_id


def order_payload(env, config, session, product, partner_id, cash_pm):
    price = product.lst_price or 10.0
    uid = str(uuidlib.uuid4())
    return {
        "amount_paid": price,
        "amount_return": 0,
        "amount_tax": 0,
        "amount_total": price,
        "date_order": time.strftime("%Y-%m-%d %H:%M:%S", time.gmtime()),
        "fiscal_position_id": False,
        "pricelist_id": config.pricelist_id.id,
        "name": "Order %s" % uid,
        "last_order_preparation_change": "{}",
        "lines": [
            (
                0,
                0,
                {
                    "id": random.randint(1, 10**9),
                    "pack_lot_ids": [],
                    "price_unit": price,
                    "product_id": product.id,
                    "price_subtotal": price,
                    "price_subtotal_incl": price,
                    "qty": 1,
                    "tax_ids": [(6, 0, [])],
                },
            )
        ],
        "partner_id": partner_id,
        "session_id": session.id,
        "sequence_number": 1,
        "payment_ids": [
            (
                0,
                0,
                {
                    "amount": price,
                    "name": time.strftime("%Y-%m-%d %H:%M:%S"),
                    "payment_method_id": cash_pm.id,
                },
            )
        ],
        "uuid": uid,
        "user_id": env.uid,
        "to_invoice": False,
    }
