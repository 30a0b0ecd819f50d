"""The SQL of the cross-sell mining (``retail.crm.rfm.rule.run._mine``).

One read of the window's order lines (the range of the window's order ids
through the ``order_id`` index; the refund lines through their own partial
index, ``retail_crm_rfm_rule_run.init``) writes one row per basket (paid member
order net of refunds) with its products and its categories as arrays; every
count is then taken from that table, never from the order lines again:

- single items: ``unnest`` of the arrays, grouped by item;
- pairs: only the baskets with two items or more (most baskets hold one),
  only the items frequent enough on their own (a pair is never more frequent
  than either of its items: minimum support prunes before pairing); the
  counts per pair and customer are summed per pair;
- triples (category level): only the baskets with three categories or more,
  only the items of a frequent pair; the antecedent pair's count comes from
  the pair table already computed (a frequent triple's pairs are frequent).

The measures are those of ``tools/crosssell.py``; the sorts and hashes of the
mining get a larger ``work_mem`` for this transaction only, and no JIT
compilation (``_set_mining_work_mem``).
"""

from odoo.tools import SQL

from ..tools.paid_states import PAID_STATES

# per sort/hash node, for the mining statements only (SET LOCAL, reset after)
MINING_WORK_MEM = "256MB"
LEVEL_COLUMN = {"product": "products", "category": "categs"}


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
        """The baskets of the window in a temporary table; returns their number.

        One row per order with at least one item: the member, the distinct
        products and the distinct categories. The lines of refund orders
        (negative quantities) and the lines a paid refund points to are left
        out."""
        cr = self.env.cr
        self._drop_mining_tables()
        # the ids of the window's orders: their lines are read through the
        # order_id index on that range only (ids grow with the order date, so
        # the window's lines are a slice of the table, not all of it)
        cr.execute(
            SQL(
                "SELECT min(id), max(id) FROM pos_order WHERE company_id = %s AND date_order >= %s AND date_order < %s",
                self.company_id.id,
                start,
                end,
            )
        )
        low, high = cr.fetchone()
        cr.execute(
            SQL(
                """
            CREATE TEMP TABLE rfm_rule_baskets ON COMMIT DROP AS
            WITH refunded AS (
                -- LATERAL ... LIMIT 1: each refund line's order by its primary key, not
                -- a scan of every order
                SELECT DISTINCT r.refunded_orderline_id AS line_id
                  FROM pos_order_line r,
                       LATERAL (SELECT 1 FROM pos_order ro
                                 WHERE ro.id = r.order_id AND ro.company_id = %(company)s
                                   AND ro.state IN %(states)s LIMIT 1) AS ro
                 WHERE r.refunded_orderline_id IS NOT NULL
            ), items AS (
                SELECT l.order_id, o.partner_id, l.product_id, t.categ_id
                  FROM pos_order o
                  JOIN pos_order_line l ON l.order_id = o.id
                  JOIN product_product p ON p.id = l.product_id
                  JOIN product_template t ON t.id = p.product_tmpl_id
                  LEFT JOIN refunded f ON f.line_id = l.id
                 WHERE o.company_id = %(company)s AND o.partner_id IS NOT NULL
                   AND o.state IN %(states)s AND o.date_order >= %(start)s AND o.date_order < %(end)s
                   AND l.qty > 0 AND f.line_id IS NULL AND l.order_id BETWEEN %(low)s AND %(high)s
                   AND NOT (o.partner_id = ANY(%(refused)s::int[]))
                 GROUP BY l.order_id, o.partner_id, l.product_id, t.categ_id
            )
            SELECT partner_id, array_agg(product_id) AS products,
                   array_agg(DISTINCT categ_id) FILTER (WHERE categ_id IS NOT NULL) AS categs
              FROM items
             GROUP BY order_id, partner_id
            """,
                company=self.company_id.id,
                states=PAID_STATES,
                start=start,
                end=end,
                refused=self._refused_ids(),
                low=low or 0,
                high=high or 0,
            )
        )
        baskets = cr.rowcount
        cr.execute(SQL("ANALYZE rfm_rule_baskets"))
        return baskets

    def _drop_mining_tables(self):
        for table in ("rfm_rule_baskets", "rfm_rule_single", "rfm_rule_pairs"):
            self.env.cr.execute(SQL("DROP TABLE IF EXISTS %s", SQL.identifier(table)))

    def _count_singles(self, level):
        """Baskets per item of the level into ``rfm_rule_single`` (replaced)."""
        cr = self.env.cr
        cr.execute(SQL("DROP TABLE IF EXISTS rfm_rule_single"))
        cr.execute(
            SQL(
                """
            CREATE TEMP TABLE rfm_rule_single ON COMMIT DROP AS
            SELECT i.item, count(*) AS cnt
              FROM rfm_rule_baskets b, unnest(b.%(column)s) AS i(item)
             GROUP BY i.item
            """,
                column=SQL.identifier(LEVEL_COLUMN[level]),
            )
        )

    def _frequent_condition(self, alias, table, column, baskets, params):
        """``alias.item`` among the items of ``table`` (a temporary table of
        counts) frequent enough for the minimum support; TRUE when all are."""
        cr = self.env.cr
        cr.execute(
            SQL(
                """
            SELECT array_agg(DISTINCT %(column)s) FILTER (WHERE cnt * 100.0 >= %(min_support)s * %(baskets)s),
                   count(DISTINCT %(column)s) FILTER (WHERE cnt * 100.0 < %(min_support)s * %(baskets)s)
              FROM %(table)s
            """,
                column=SQL.identifier(column),
                table=SQL.identifier(table),
                min_support=params["min_support"],
                baskets=baskets,
            )
        )
        frequent, pruned = cr.fetchone()
        if not pruned:
            return SQL("TRUE")
        return SQL("%s = ANY(%s::int[])", SQL.identifier(alias, "item"), frequent or [])

    def _insert_pair_rules(self, level, baskets, params):
        """Pairs counted once (a < b) from the baskets with two frequent items
        or more into ``rfm_rule_pairs``, then both directions inserted."""
        if not baskets:
            return 0
        cr = self.env.cr
        self._count_singles(level)
        column = SQL.identifier("b", LEVEL_COLUMN[level])
        frequent_x = self._frequent_condition("x", "rfm_rule_single", "item", baskets, params)
        frequent_y = self._frequent_condition("y", "rfm_rule_single", "item", baskets, params)
        cr.execute(SQL("DROP TABLE IF EXISTS rfm_rule_pairs"))
        cr.execute(
            SQL(
                """
            CREATE TEMP TABLE rfm_rule_pairs ON COMMIT DROP AS
            WITH pair_customer AS (
                SELECT x.item AS a, y.item AS b, b.partner_id, count(*) AS cnt
                  FROM rfm_rule_baskets b, unnest(%(column)s) AS x(item), unnest(%(column)s) AS y(item)
                 WHERE cardinality(%(column)s) >= 2 AND y.item > x.item AND %(frequent_x)s AND %(frequent_y)s
                 GROUP BY 1, 2, 3
            )
            SELECT a, b, sum(cnt) AS cnt, count(*) AS customers FROM pair_customer GROUP BY a, b
            HAVING sum(cnt) * 100.0 >= %(min_support)s * %(baskets)s
            """,
                column=column,
                frequent_x=frequent_x,
                frequent_y=frequent_y,
                baskets=baskets,
                min_support=params["min_support"],
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
                baskets=baskets,
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
        cr.execute(
            SQL(
                """
            WITH triple_customer AS (
                SELECT x.item AS a, y.item AS b, z.item AS c, b.partner_id, count(*) AS cnt
                  FROM rfm_rule_baskets b, unnest(b.categs) AS x(item), unnest(b.categs) AS y(item),
                       unnest(b.categs) AS z(item)
                 WHERE cardinality(b.categs) >= 3 AND y.item > x.item AND z.item > y.item
                   AND x.item = ANY(%(paired)s::int[]) AND y.item = ANY(%(paired)s::int[])
                   AND z.item = ANY(%(paired)s::int[])
                 GROUP BY 1, 2, 3, 4
            ), triples AS (
                SELECT a, b, c, sum(cnt) AS cnt, count(*) AS customers FROM triple_customer GROUP BY a, b, c
                HAVING sum(cnt) * 100.0 >= %(min_support)s * %(baskets)s
            ), directed AS (
                SELECT t.a AS l1, t.b AS l2, t.c AS r, t.cnt, t.customers FROM triples t
                UNION ALL SELECT t.a, t.c, t.b, t.cnt, t.customers FROM triples t
                UNION ALL SELECT t.b, t.c, t.a, t.cnt, t.customers FROM triples t
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
                paired=paired,
                run=self.id,
                company=self.company_id.id,
                run_date=self.run_date,
                baskets=baskets,
                uid=self.env.uid,
                min_support=params["min_support"],
                min_confidence=params["min_confidence"],
                min_lift=params["min_lift"],
            )
        )
        return cr.rowcount
