"""The mining of ``retail.crm.rfm.rule.run._mine``: one read, counts on arrays.

The window's basket items (paid member orders net of refunds: the lines of
refund orders and the lines a paid refund points to are left out) are read
once, by a binary COPY of (order, member, product) in ranges of order ids
(ids grow with the order date: the window is a slice of the order lines,
read through the ``order_id`` index), and kept as sorted integer arrays of
distinct (basket, item) rows at both levels (``MinedBaskets``). Every count
is then taken from them with numpy (``tools/basket_counts.py``), never from
the order lines again:

- single items: a ``bincount`` of the items;
- pairs: only the items frequent enough on their own (a pair is never more
  frequent than either of its items: minimum support prunes before
  pairing), only the baskets with two of them; one integer code per pair and
  member, counted by one sort;
- triples (category level): only the items of a frequent pair, only the
  baskets with three of them; the antecedent pair's count comes from the
  pair table already computed (a frequent triple's pairs are frequent).

The counts reaching the minimum support go to small temporary tables, from
which SQL writes the rules with the measures of ``tools/crosssell.py``
(confidence and lift compared in SQL as before).
"""

import io

import numpy as np

from odoo.tools import SQL

from ..tools import basket_counts
from ..tools.paid_states import PAID_STATES

# per sort/hash node, for the mining statements only (SET LOCAL, reset after)
MINING_WORK_MEM = "256MB"
# order ids per COPY of the window's basket items (bounds the memory of one read)
READ_ORDER_IDS = 1_000_000
LEVELS = ("category", "product")


class MinedBaskets:
    """The window's baskets as sorted arrays of distinct (basket, item) rows per level."""

    __slots__ = ("count", "rows")

    def __init__(self, count, rows):
        self.count = count  # baskets (orders with at least one item)
        self.rows = rows  # level -> (basket, partner, item) int32 arrays

    def __bool__(self):
        return bool(self.count)

    def nbytes(self):
        return sum(array.nbytes for arrays in self.rows.values() for array in arrays)


class RuleMining:
    """Mixin of ``retail.crm.rfm.rule.run``: the mining statements."""

    # no instance attributes of its own: Odoo models have fixed slots
    __slots__ = ()

    def _set_mining_work_mem(self, value=MINING_WORK_MEM):
        """Set ``work_mem`` for the rest of the transaction; returns the previous value.

        The mining statements also run without JIT compilation (``jit`` off
        until the end of the transaction): their large cost estimates make
        PostgreSQL compile and optimise them, which took longer than the
        statement itself (2.0 s of 3.0 s for the triples on 100k members)."""
        cr = self.env.cr
        cr.execute(SQL("SELECT current_setting('work_mem')"))
        previous = cr.fetchone()[0]
        cr.execute(SQL("SELECT set_config('work_mem', %s, true), set_config('jit', 'off', true)", value))
        return previous

    def _load_baskets(self, start, end):
        """The baskets of the window (``MinedBaskets``).

        One row per order with at least one item: the member, the distinct
        products and the distinct categories. The lines of refund orders
        (negative quantities) and the lines a paid refund points to are left
        out."""
        cr = self.env.cr
        self._drop_mining_tables()
        # the ids of the window's orders: their lines are read through the
        # order_id index on that range only
        cr.execute(
            SQL(
                "SELECT min(id), max(id) FROM pos_order WHERE company_id = %s AND date_order >= %s AND date_order < %s",
                self.company_id.id,
                start,
                end,
            )
        )
        low, high = cr.fetchone()
        # the lines a paid refund of the company points to (the refund lines by
        # their partial index, each one's order by its primary key)
        cr.execute(
            SQL(
                """
            CREATE TEMP TABLE rfm_rule_refunded ON COMMIT DROP AS
            SELECT DISTINCT r.refunded_orderline_id AS line_id
              FROM pos_order_line r,
                   LATERAL (SELECT 1 FROM pos_order ro
                             WHERE ro.id = r.order_id AND ro.company_id = %(company)s
                               AND ro.state IN %(states)s LIMIT 1) AS ro
             WHERE r.refunded_orderline_id IS NOT NULL
            """,
                company=self.company_id.id,
                states=PAID_STATES,
            )
        )
        cr.execute(SQL("ANALYZE rfm_rule_refunded"))
        # the category of every product (a missing category: -1)
        cr.execute(
            SQL(
                """SELECT p.id, COALESCE(t.categ_id, -1) FROM product_product p
                     JOIN product_template t ON t.id = p.product_tmpl_id"""
            )
        )
        pairs = np.array(cr.fetchall(), dtype=np.int64).reshape(-1, 2)
        categ_of = np.full(int(pairs[:, 0].max()) + 1 if pairs.size else 1, -1, dtype=np.int32)
        categ_of[pairs[:, 0]] = pairs[:, 1]
        rows = {level: [] for level in LEVELS}
        refused = self._refused_ids()
        low = low or 0
        while high is not None and low <= high:
            top = min(low + READ_ORDER_IDS - 1, high)
            buffer = io.BytesIO()
            query = SQL(
                """
                COPY (
                SELECT l.order_id, o.partner_id, l.product_id
                  FROM pos_order o
                  JOIN pos_order_line l ON l.order_id = o.id
                 WHERE o.company_id = %(company)s AND o.partner_id IS NOT NULL
                   AND o.state IN %(states)s AND o.date_order >= %(start)s AND o.date_order < %(end)s
                   AND o.id BETWEEN %(low)s AND %(high)s AND l.order_id BETWEEN %(low)s AND %(high)s
                   AND l.qty > 0 AND NOT (o.partner_id = ANY(%(refused)s::int[]))
                   AND NOT EXISTS (SELECT 1 FROM rfm_rule_refunded f WHERE f.line_id = l.id)
                ) TO STDOUT WITH (FORMAT binary)
                """,
                company=self.company_id.id,
                states=PAID_STATES,
                start=start,
                end=end,
                refused=refused,
                low=low,
                high=top,
            )
            cr.copy_expert(cr._format(query), buffer)
            order, partner, product = basket_counts.parse_binary_int4(buffer.getbuffer(), 3)
            del buffer
            product_rows = basket_counts.distinct_items(order, partner, product)
            rows["product"].append(product_rows)
            rows["category"].append(
                basket_counts.distinct_items(product_rows[0], product_rows[1], categ_of[product_rows[2]])
            )
            low = top + 1
        rows = {
            level: tuple(np.concatenate([chunk[i] for chunk in chunks]) for i in range(3))
            if chunks
            else tuple(np.zeros(0, dtype=np.int32) for i in range(3))
            for level, chunks in rows.items()
        }
        return MinedBaskets(basket_counts.basket_count(rows["product"][0]), rows)

    def _drop_mining_tables(self):
        for table in ("rfm_rule_refunded", "rfm_rule_single", "rfm_rule_pairs", "rfm_rule_triples"):
            self.env.cr.execute(SQL("DROP TABLE IF EXISTS %s", SQL.identifier(table)))

    def _count_singles(self, level, baskets):
        """Baskets per item of the level into ``rfm_rule_single`` (replaced);
        returns the counts per item id."""
        cr = self.env.cr
        item = baskets.rows[level][2]
        counts = basket_counts.item_counts(item, int(item.max()) + 1 if item.size else 0)
        items = np.flatnonzero(counts)
        cr.execute(SQL("DROP TABLE IF EXISTS rfm_rule_single"))
        cr.execute(
            SQL(
                """
            CREATE TEMP TABLE rfm_rule_single ON COMMIT DROP AS
            SELECT i.item, i.cnt FROM unnest(%s::int[], %s::bigint[]) AS i(item, cnt)
            """,
                items.tolist(),
                counts[items].tolist(),
            )
        )
        return counts

    def _insert_pair_rules(self, level, baskets, params):
        """Pairs counted once (a < b) from the baskets with two frequent items
        or more into ``rfm_rule_pairs``, then both directions inserted."""
        if not baskets:
            return 0
        cr = self.env.cr
        counts = self._count_singles(level, baskets)
        threshold = basket_counts.frequent_threshold(params["min_support"], baskets.count)
        items, found, customers = basket_counts.count_combinations(
            *baskets.rows[level], 2, keep_items=counts >= threshold
        )
        keep = found >= threshold
        cr.execute(SQL("DROP TABLE IF EXISTS rfm_rule_pairs"))
        cr.execute(
            SQL(
                """
            CREATE TEMP TABLE rfm_rule_pairs ON COMMIT DROP AS
            SELECT p.a, p.b, p.cnt, p.customers
              FROM unnest(%s::int[], %s::int[], %s::numeric[], %s::bigint[]) AS p(a, b, cnt, customers)
            """,
                items[keep, 0].tolist(),
                items[keep, 1].tolist(),
                found[keep].tolist(),
                customers[keep].tolist(),
            )
        )
        if level == "product":
            columns = SQL("antecedent_product_id, consequent_product_id, antecedent_tmpl_id")
            values = SQL("d.a, d.b, (SELECT product_tmpl_id FROM product_product WHERE id = d.a)")
        else:
            columns = SQL("antecedent_categ_id, consequent_categ_id, antecedent_tmpl_id")
            values = SQL("d.a, d.b, NULL::int")
        cr.execute(
            SQL(
                """
            WITH directed AS (
                SELECT p.a, p.b, p.cnt, p.customers, sa.cnt AS cnt_a, sb.cnt AS cnt_b
                  FROM rfm_rule_pairs p
                  JOIN rfm_rule_single sa ON sa.item = p.a JOIN rfm_rule_single sb ON sb.item = p.b
                UNION ALL
                SELECT p.b, p.a, p.cnt, p.customers, sb.cnt, sa.cnt
                  FROM rfm_rule_pairs p
                  JOIN rfm_rule_single sa ON sa.item = p.a JOIN rfm_rule_single sb ON sb.item = p.b
            )
            INSERT INTO retail_crm_rfm_rule
                   (run_id, company_id, run_date, is_current, level, %(columns)s,
                    basket_count, customer_count, support, confidence, lift,
                    create_uid, create_date, write_uid, write_date)
            SELECT %(run)s, %(company)s, %(run_date)s, false, %(level)s, %(values)s,
                   d.cnt, d.customers, 100.0 * d.cnt / %(baskets)s, 100.0 * d.cnt / d.cnt_a,
                   d.cnt::float8 * %(baskets)s / (d.cnt_a::float8 * d.cnt_b),
                   %(uid)s, now() AT TIME ZONE 'UTC', %(uid)s, now() AT TIME ZONE 'UTC'
              FROM directed d
             WHERE d.cnt * 100.0 >= %(min_confidence)s * d.cnt_a
               AND d.cnt::float8 * %(baskets)s >= %(min_lift)s * d.cnt_a::float8 * d.cnt_b
            """,
                columns=columns,
                values=values,
                run=self.id,
                company=self.company_id.id,
                run_date=self.run_date,
                level=level,
                baskets=baskets.count,
                uid=self.env.uid,
                min_confidence=params["min_confidence"],
                min_lift=params["min_lift"],
            )
        )
        return cr.rowcount

    def _insert_triple_rules(self, baskets, params):
        """Category rules A + A2 -> B from the baskets with three categories
        or more; needs the category pairs and singles of ``_insert_pair_rules``."""
        if not baskets:
            return 0
        cr = self.env.cr
        # items of a frequent pair: a triple with any other item is not frequent
        cr.execute(SQL("SELECT array_agg(DISTINCT i) FROM rfm_rule_pairs, LATERAL (VALUES (a), (b)) v(i)"))
        paired = cr.fetchone()[0]
        if not paired:
            return 0
        item = baskets.rows["category"][2]
        keep_items = np.zeros(max(int(item.max()) + 1, max(paired) + 1), dtype=bool)
        keep_items[paired] = True
        items, found, customers = basket_counts.count_combinations(
            *baskets.rows["category"], 3, keep_items=keep_items
        )
        keep = found >= basket_counts.frequent_threshold(params["min_support"], baskets.count)
        cr.execute(SQL("DROP TABLE IF EXISTS rfm_rule_triples"))
        cr.execute(
            SQL(
                """
            CREATE TEMP TABLE rfm_rule_triples ON COMMIT DROP AS
            SELECT t.a, t.b, t.c, t.cnt, t.customers
              FROM unnest(%s::int[], %s::int[], %s::int[], %s::numeric[], %s::bigint[])
                   AS t(a, b, c, cnt, customers)
            """,
                items[keep, 0].tolist(),
                items[keep, 1].tolist(),
                items[keep, 2].tolist(),
                found[keep].tolist(),
                customers[keep].tolist(),
            )
        )
        cr.execute(
            SQL(
                """
            WITH directed AS (
                SELECT t.a AS l1, t.b AS l2, t.c AS r, t.cnt, t.customers FROM rfm_rule_triples t
                UNION ALL SELECT t.a, t.c, t.b, t.cnt, t.customers FROM rfm_rule_triples t
                UNION ALL SELECT t.b, t.c, t.a, t.cnt, t.customers FROM rfm_rule_triples t
            )
            INSERT INTO retail_crm_rfm_rule
                   (run_id, company_id, run_date, is_current, level,
                    antecedent_categ_id, antecedent2_categ_id, consequent_categ_id,
                    basket_count, customer_count, support, confidence, lift,
                    create_uid, create_date, write_uid, write_date)
            SELECT %(run)s, %(company)s, %(run_date)s, false, 'category', d.l1, d.l2, d.r,
                   d.cnt, d.customers, 100.0 * d.cnt / %(baskets)s, 100.0 * d.cnt / p.cnt,
                   d.cnt::float8 * %(baskets)s / (p.cnt::float8 * s.cnt),
                   %(uid)s, now() AT TIME ZONE 'UTC', %(uid)s, now() AT TIME ZONE 'UTC'
              FROM directed d
              JOIN rfm_rule_pairs p ON p.a = d.l1 AND p.b = d.l2
              JOIN rfm_rule_single s ON s.item = d.r
             WHERE d.cnt * 100.0 >= %(min_confidence)s * p.cnt
               AND d.cnt::float8 * %(baskets)s >= %(min_lift)s * p.cnt::float8 * s.cnt
            """,
                run=self.id,
                company=self.company_id.id,
                run_date=self.run_date,
                baskets=baskets.count,
                uid=self.env.uid,
                min_confidence=params["min_confidence"],
                min_lift=params["min_lift"],
            )
        )
        return cr.rowcount
