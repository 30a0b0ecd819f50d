"""Checks for data loaded by ``tools/datagen.py``.

Opens what Odoo's own screens open (the POS order list and form, the POS
orders report grouped by month and point of sale, the customer form, the
session form) and checks with SQL that the amounts are consistent.  Returns a
list of problems, empty when everything is fine.
"""

import datetime
import traceback

import phonenumbers

from tools.datagen_plan import LOADED_TABLES
from tools.datagen_views import view_spec

try:
    from odoo.tools import SQL
except ImportError:  # datagen.py reports the missing Odoo itself
    SQL = None

LIST_LIMIT = 80
REPORT_FULL_LIMIT = 3_000_000  # above this many order lines the report check covers the last 3 months


class Verifier:
    """Each check opens a screen or runs SQL, and adds what it finds to ``problems``."""

    def __init__(self, env, result=None, sample_mobiles=2000):
        self.env, self.cr, self.result = env, env.cr, result
        self.sample_mobiles = sample_mobiles
        self.problems = []
        self.n_orders = 0

    def check(self, label, method):
        """Run one check in a savepoint; any exception becomes a reported problem."""
        try:
            with self.cr.savepoint():
                method()
        except Exception as exc:  # every failure becomes a reported problem
            tb = traceback.format_exc(limit=-3).strip().splitlines()
            where = tb[-3].strip() if len(tb) > 2 else ""
            self.problems.append(f"{label}: {type(exc).__name__}: {str(exc).splitlines()[0][:300]} [{where}]")
        finally:
            self.env.invalidate_all()

    def order_list(self):
        """Point of Sale > Orders, as a manager and as a cashier."""
        env, cr, problems, n_orders = self.env, self.cr, self.problems, self.n_orders
        Order = env["pos.order"]
        spec = view_spec(Order, "list")
        res = Order.web_search_read([], spec, limit=LIST_LIMIT, count_limit=10001)
        if not res["records"]:
            problems.append("pos.order list view shows no records")
        expected = min(n_orders, 10001)
        if res["length"] != expected:
            problems.append("pos.order list count %s, expected %s" % (res["length"], expected))
        # the same list for a cashier/salesperson (record rules)
        cr.execute(
            """SELECT u.id FROM res_users u JOIN res_groups_users_rel r ON r.uid = u.id
                       WHERE r.gid = %s AND u.active AND u.share IS NOT TRUE ORDER BY u.id LIMIT 1""",
            [env.ref("point_of_sale.group_pos_user").id],
        )
        row = cr.fetchone()
        if row:
            Order.with_user(row[0]).web_search_read([], spec, limit=LIST_LIMIT)

    def order_form(self):
        """The newest order, the oldest and a refund."""
        cr, problems = self.cr, self.problems
        Order = self.env["pos.order"]
        spec = view_spec(Order, "form")
        cr.execute("SELECT id FROM pos_order ORDER BY date_order DESC, id DESC LIMIT 1")
        ids = [r[0] for r in cr.fetchall()]
        cr.execute("SELECT id FROM pos_order ORDER BY date_order, id LIMIT 1")
        ids += [r[0] for r in cr.fetchall()]
        cr.execute("""SELECT l.order_id, o.id FROM pos_order_line l
                        JOIN pos_order_line src ON src.id = l.refunded_orderline_id
                        JOIN pos_order o ON o.id = src.order_id
                       ORDER BY l.id DESC LIMIT 1""")
        refund = cr.fetchone()
        if refund:
            ids += list(refund)
        recs = Order.browse(ids).web_read(spec)
        if len(recs) != len(ids):
            problems.append("pos.order form read returned %d of %d records" % (len(recs), len(ids)))
        if refund:
            r = Order.browse(refund[0])
            if r.refunded_order_id.id != refund[1]:
                problems.append(
                    "refund order %s: refunded_order_id %s, expected %s"
                    % (r.name, r.refunded_order_id.id, refund[1])
                )
            if Order.browse(refund[1]).refund_orders_count < 1:
                problems.append("refunded order %s shows no refund" % refund[1])
        else:
            problems.append("no refund order found")

    def report(self):
        """Reporting > Orders: pivot and graph by month and point of sale."""
        env, cr, problems = self.env, self.cr, self.problems
        Report = env["report.pos.order"]
        cr.execute(
            "SELECT count(*), max(date_order) FROM pos_order_line l JOIN pos_order o ON o.id = l.order_id"
        )
        n_lines, last = cr.fetchone()
        domain = []
        where = SQL()
        if n_lines > REPORT_FULL_LIMIT:
            start = last.replace(day=1, hour=0, minute=0, second=0, microsecond=0)
            for _i in range(2):
                start = (start.replace(day=1) - datetime.timedelta(days=1)).replace(day=1)
            domain = [("date", ">=", start)]
            where = SQL("WHERE o.date_order >= %s", start)
        groups = Report.read_group(
            domain,
            ["price_total:sum", "product_qty:sum", "order_id:count_distinct"],
            ["date:month", "config_id"],
            lazy=False,
        )
        if not groups:
            problems.append("report.pos.order: no groups")
            return
        total = round(sum(g["price_total"] or 0.0 for g in groups), 2)
        cr.execute(
            SQL(
                "SELECT COALESCE(ROUND(SUM(l.price_subtotal_incl), 2), 0) FROM pos_order_line l "
                "JOIN pos_order o ON o.id = l.order_id %s",
                where,
            )
        )
        expected = float(cr.fetchone()[0])
        if abs(total - expected) > 0.01 * max(1, len(groups)):
            problems.append("report.pos.order total %.2f != order lines %.2f" % (total, expected))
        # the web client's call for the pivot view
        Report.web_read_group(domain, ["price_total:sum"], ["date:month", "config_id"], lazy=False)

    def partner_form(self):
        """The customer form of the busiest members."""
        env, cr, problems = self.env, self.cr, self.problems
        Partner = env["res.partner"]
        spec = view_spec(Partner, "form")
        cr.execute("""SELECT partner_id FROM pos_order WHERE partner_id IS NOT NULL
                       GROUP BY partner_id ORDER BY count(*) DESC, partner_id LIMIT 2""")
        ids = [r[0] for r in cr.fetchall()]
        cr.execute("SELECT max(partner_id) FROM pos_order")
        ids += [r[0] for r in cr.fetchall() if r[0]]
        recs = Partner.browse(ids).web_read(spec)
        if len(recs) != len(ids):
            problems.append("res.partner form read returned %d of %d" % (len(recs), len(ids)))
        for p in Partner.browse(ids):
            cr.execute("SELECT count(*) FROM pos_order WHERE partner_id = %s", [p.id])
            n = cr.fetchone()[0]
            if "pos_order_count" in p._fields and p.pos_order_count != n:
                problems.append("partner %s: pos_order_count %s != %s" % (p.id, p.pos_order_count, n))
        Partner.web_search_read([("customer_rank", ">", 0)], view_spec(Partner, "list"), limit=LIST_LIMIT)

    def sessions(self):
        """The session form and its totals."""
        env, cr, problems = self.env, self.cr, self.problems
        Session = env["pos.session"]
        spec = view_spec(Session, "form")
        cr.execute("""SELECT session_id FROM pos_order GROUP BY session_id
                       ORDER BY count(*) DESC, session_id LIMIT 2""")
        ids = [r[0] for r in cr.fetchall()]
        Session.browse(ids).web_read(spec)
        Session.web_search_read([], view_spec(Session, "list"), limit=LIST_LIMIT)
        for s in Session.browse(ids):
            cr.execute("SELECT COALESCE(SUM(amount), 0) FROM pos_payment WHERE session_id = %s", [s.id])
            paid = float(cr.fetchone()[0])
            if abs(s.total_payments_amount - paid) > 0.005:
                problems.append(
                    "session %s: total_payments_amount %.2f != payments %.2f"
                    % (s.name, s.total_payments_amount, paid)
                )
            cr.execute("SELECT count(*) FROM pos_order WHERE session_id = %s", [s.id])
            if s.order_count != cr.fetchone()[0]:
                problems.append("session %s: order_count mismatch" % s.name)

    def amounts(self):
        """SQL consistency over every order."""
        cr, problems = self.cr, self.problems
        cr.execute("""
            WITH l AS (SELECT order_id, SUM(price_subtotal_incl) AS incl,
                              SUM(price_subtotal_incl - price_subtotal) AS tax, COUNT(*) AS n
                         FROM pos_order_line GROUP BY order_id),
                 p AS (SELECT pos_order_id, SUM(amount) AS amount, COUNT(*) AS n
                         FROM pos_payment GROUP BY pos_order_id)
            SELECT COUNT(*) FILTER (WHERE l.order_id IS NULL),
                   COUNT(*) FILTER (WHERE ABS(o.amount_total - COALESCE(l.incl, 0)) > 0.005),
                   COUNT(*) FILTER (WHERE ABS(o.amount_tax - COALESCE(l.tax, 0)) > 0.005),
                   COUNT(*) FILTER (WHERE ABS(o.amount_paid - COALESCE(p.amount, 0)) > 0.005),
                   COUNT(*) FILTER (WHERE ABS(o.amount_paid - o.amount_total) > 0.005),
                   COUNT(*) FILTER (WHERE o.config_id IS DISTINCT FROM s.config_id),
                   COUNT(*) FILTER (WHERE o.state NOT IN ('paid', 'done', 'invoiced')),
                   COUNT(*)
              FROM pos_order o
              JOIN pos_session s ON s.id = o.session_id
              LEFT JOIN l ON l.order_id = o.id
              LEFT JOIN p ON p.pos_order_id = o.id
             WHERE o.state != 'cancel' AND o.state != 'draft'
        """)
        no_lines, bad_total, bad_tax, bad_paid, unpaid, bad_config, bad_state, n = cr.fetchone()
        for count, what in (
            (no_lines, "orders without lines"),
            (bad_total, "orders whose amount_total != sum of line totals"),
            (bad_tax, "orders whose amount_tax != sum of line taxes"),
            (bad_paid, "orders whose amount_paid != sum of payments"),
            (unpaid, "orders whose amount_paid != amount_total"),
            (bad_config, "orders whose config differs from their session's"),
            (bad_state, "orders in an unexpected state"),
        ):
            if count:
                problems.append("%d of %d %s" % (count, n, what))
        cr.execute("""SELECT COUNT(*) FROM (SELECT session_id, pos_reference FROM pos_order
                       WHERE pos_reference IS NOT NULL GROUP BY 1, 2 HAVING COUNT(*) > 1) d""")
        dup = cr.fetchone()[0]
        if dup:
            problems.append("%d duplicate receipt numbers (pos_reference) within a session" % dup)
        cr.execute("""SELECT COUNT(*) FROM pos_order_line l JOIN pos_order_line src ON src.id = l.refunded_orderline_id
                       WHERE l.qty >= 0 OR l.product_id != src.product_id OR -l.qty > src.qty""")
        bad_ref = cr.fetchone()[0]
        if bad_ref:
            problems.append("%d refund lines inconsistent with the line they refund" % bad_ref)

    def foreign_keys(self):
        """Foreign keys: the bulk load may skip PostgreSQL's per-row checks."""
        cr, problems = self.cr, self.problems
        for table in LOADED_TABLES:
            cr.execute(
                """
                SELECT a.attname, r.relname, ra.attname
                  FROM pg_constraint c
                  JOIN pg_attribute a ON a.attrelid = c.conrelid AND a.attnum = c.conkey[1]
                  JOIN pg_class r ON r.oid = c.confrelid
                  JOIN pg_attribute ra ON ra.attrelid = c.confrelid AND ra.attnum = c.confkey[1]
                 WHERE c.contype = 'f' AND c.conrelid = %s::regclass AND array_length(c.conkey, 1) = 1
                 ORDER BY a.attname""",
                [table],
            )
            fks = cr.fetchall()
            if not fks:
                continue
            filters, joins = [], []
            for k, (col, ref_table, ref_col) in enumerate(fks):
                alias = "r%d" % k
                joins.append(
                    SQL(
                        "LEFT JOIN %s %s ON %s = %s",
                        SQL.identifier(ref_table),
                        SQL.identifier(alias),
                        SQL.identifier(alias, ref_col),
                        SQL.identifier("t", col),
                    )
                )
                filters.append(
                    SQL(
                        "COUNT(*) FILTER (WHERE %s IS NOT NULL AND %s IS NULL)",
                        SQL.identifier("t", col),
                        SQL.identifier(alias, ref_col),
                    )
                )
            cr.execute(
                SQL(
                    "SELECT %s FROM %s t %s",
                    SQL(", ").join(filters),
                    SQL.identifier(table),
                    SQL(" ").join(joins),
                )
            )
            for (col, ref_table, _ref_col), bad in zip(fks, cr.fetchone(), strict=True):
                if bad:
                    problems.append(
                        "%d rows of %s.%s point to missing %s rows" % (bad, table, col, ref_table)
                    )

    def mobiles(self):
        """Members' mobiles are valid E.164 numbers, each used once."""
        env, cr, problems, sample_mobiles = self.env, self.cr, self.problems, self.sample_mobiles
        col = SQL.identifier("mobile" if "mobile" in env["res.partner"]._fields else "phone")
        cr.execute(
            SQL(
                "SELECT id, %s FROM res_partner WHERE ref ~ '^M[0-9]{9}$' ORDER BY id DESC LIMIT %s",
                col,
                sample_mobiles,
            )
        )
        bad = []
        rows = cr.fetchall()
        for pid, number in rows:
            try:
                parsed = phonenumbers.parse(number or "", None)
                ok = (
                    phonenumbers.is_valid_number(parsed)
                    and phonenumbers.format_number(parsed, phonenumbers.PhoneNumberFormat.E164) == number
                )
            except phonenumbers.NumberParseException:
                ok = False
            if not ok:
                bad.append((pid, number))
        if bad:
            problems.append("%d invalid member mobiles, e.g. %s" % (len(bad), bad[:3]))
        cr.execute(
            SQL(
                """SELECT COUNT(*) FROM (SELECT %s FROM res_partner WHERE ref ~ '^M[0-9]{9}$'
                           GROUP BY 1 HAVING COUNT(*) > 1) d""",
                col,
            )
        )
        dup = cr.fetchone()[0]
        if dup:
            problems.append("%d member mobiles used more than once" % dup)

    def member_numbers(self):
        """The next member enrolled gets a number in the generated members'
        format, after theirs (one sequence for both)."""
        env, cr, problems = self.env, self.cr, self.problems
        Partner = env["res.partner"]
        if "retail_member_number" not in Partner._fields:
            return
        cr.execute(
            "SELECT retail_member_number FROM res_partner WHERE ref ~ '^M[0-9]{9}$' "
            "AND retail_member_number IS NOT NULL ORDER BY id DESC LIMIT 1"
        )
        row = cr.fetchone()
        if not row:
            return
        # a mobile no member holds (generated mobiles are spread over the whole range)
        cr.execute(
            "SELECT n FROM generate_series(1, 1000) n WHERE NOT EXISTS (SELECT 1 FROM res_partner "
            "WHERE mobile = '+86199000' || lpad(n::text, 5, '0')) LIMIT 1"
        )
        mobile = "+86199000%05d" % cr.fetchone()[0]
        savepoint = cr.savepoint()
        try:
            # rolled back; the sequence keeps the number taken (a gap, as any enrolment rolled back)
            enrolled = Partner.create(
                {"name": "核对会员编号", "mobile": mobile, "retail_is_member": True}
            ).retail_member_number
        finally:
            savepoint.close(rollback=True)
        last = row[0]
        if len(enrolled) != len(last) or enrolled[:1] != last[:1] or enrolled <= last:
            problems.append(f"member number {enrolled} enrolled after the generated {last}: another format")

    def counts(self):
        """Counts against what generate() reported."""
        cr, problems, result = self.cr, self.problems, self.result
        sess = result.get("session_ids") or []
        cr.execute("SELECT COUNT(*) FROM pos_order WHERE session_id = ANY(%s)", [sess])
        got = cr.fetchone()[0]
        want = result["counts"].get("pos.order")
        if want is not None and got != want:
            problems.append("pos.order count %s, generate() reported %s" % (got, want))
        lo, hi = result["customer_ids"]
        cr.execute("SELECT COUNT(*) FROM res_partner WHERE id BETWEEN %s AND %s", [lo, hi])
        got = cr.fetchone()[0]
        if got != result["counts"].get("res.partner"):
            problems.append(
                "res.partner count %s, generate() reported %s" % (got, result["counts"].get("res.partner"))
            )
        cr.execute(
            """SELECT COUNT(*) FROM pos_order_line l JOIN pos_order o ON o.id = l.order_id
                       WHERE o.session_id = ANY(%s)""",
            [sess],
        )
        got = cr.fetchone()[0]
        if got != result["counts"].get("pos.order.line"):
            problems.append(
                "pos.order.line count %s, generate() reported %s"
                % (got, result["counts"].get("pos.order.line"))
            )

    def run(self):
        self.cr.execute("SELECT count(*) FROM pos_order")
        self.n_orders = self.cr.fetchone()[0]
        if not self.n_orders:
            return ["no POS orders in the database"]
        checks = [
            ("pos.order list view", self.order_list),
            ("pos.order form view", self.order_form),
            ("report.pos.order by month and config", self.report),
            ("res.partner form view", self.partner_form),
            ("pos.session form and totals", self.sessions),
            ("order amounts (SQL)", self.amounts),
            ("foreign keys", self.foreign_keys),
            ("member mobiles", self.mobiles),
            ("member numbers", self.member_numbers),
        ]
        if self.result:
            checks.append(("counts", self.counts))
        for label, method in checks:
            self.check(label, method)
        return self.problems


def verify(env, result=None, sample_mobiles=2000):
    """The problems found in the generated data; empty when everything is fine."""
    return Verifier(env, result, sample_mobiles).run()
