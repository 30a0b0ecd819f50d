"""The refresh pass of the replenishment forecasts (``retail.crm.replenishment``):
which customers a pass recomputes, in chunks, resumable from the pass
position kept on the company; written as batch steps (``tools/batch.py``)
that the daily scheduled action commits one by one."""

from datetime import timedelta

from odoo import api
from odoo.tools import SQL

from ..tools.batch import run_steps

# a full pass also drops purchases that left the look-back window
FULL_PASS_DAYS = 28
# orders written by a transaction that started before a pass but committed
# after it began are caught by the next pass
WATERMARK_MARGIN = timedelta(hours=1)


class ReplenishmentPass:
    """Mixin of ``retail.crm.replenishment``: the refresh pass."""

    # no instance attributes of its own: Odoo models have fixed slots
    __slots__ = ()

    @api.model
    def _replenishment_pass_partners(self, company, since, after):
        """Sorted ids (> ``after``) of the customers a daily pass recomputes:
        those with an order written since ``since``."""
        rows = self.env.execute_query(
            SQL(
                """
                SELECT DISTINCT partner_id FROM pos_order
                 WHERE company_id = %s AND partner_id > %s AND write_date >= %s
                 ORDER BY partner_id
                """,
                company.id,
                after,
                since,
            )
        )
        return [pid for (pid,) in rows]

    @api.model
    def _replenishment_full_pass_partners(self, company, after):
        """Sorted ids (> ``after``) of the customers whose forecasts a full
        pass writes or deletes: those with computed forecasts and those
        holding forecasts. They only place the chunks' bounds: a full pass
        applies ranges of ids, so that everybody else in the range is covered
        too (and not a scan of every order for its customer)."""
        rows = self.env.execute_query(
            SQL(
                """
                SELECT partner_id FROM retail_crm_replenishment_pass WHERE partner_id > %(after)s
                 UNION
                SELECT partner_id FROM retail_crm_replenishment
                 WHERE company_id = %(company)s AND partner_id > %(after)s
                 ORDER BY 1
                """,
                company=company.id,
                after=after,
            )
        )
        return [pid for (pid,) in rows]

    @api.model
    def _replenishment_refresh(self, company, today, chunk_size=None, full=False):
        """Run (or resume) the company's refresh pass to its end in the
        current transaction; returns the number of customers recomputed
        (a full pass: those with forecasts before or after it)."""
        return run_steps(self._replenishment_refresh_steps(company, today, chunk_size=chunk_size, full=full))

    @api.model
    def _replenishment_refresh_steps(self, company, today, chunk_size=None, full=False):
        """The refresh pass as batch steps (``tools/batch.py``): yields
        ``(done, remaining)`` chunks after the pass position is stored and
        after every chunk, returns the number of customers recomputed.
        ``full`` recomputes every customer (else only those with orders
        written since the last pass, with a full pass every four weeks)."""
        # sudo: a technical pass over the company's orders on behalf of the cron;
        # it writes only forecasts and the pass position
        company_sudo = company.sudo()
        level = company_sudo.retail_replenishment_level or "product"
        # the clock of write_date: the transaction's start
        now = self.env.cr.now()
        if not company_sudo.retail_replenishment_pass_start:
            last_full = company_sudo.retail_replenishment_full_at
            full = (
                full
                or not company_sudo.retail_replenishment_watermark
                or company_sudo.retail_replenishment_level_built != level
                or not last_full
                or last_full < now - timedelta(days=FULL_PASS_DAYS)
            )
            company_sudo.write(
                {
                    "retail_replenishment_pass_start": now,
                    "retail_replenishment_pass_full": full,
                    "retail_replenishment_cursor": 0,
                }
            )
            yield 0, 1
        full = company_sudo.retail_replenishment_pass_full
        since = (company_sudo.retail_replenishment_watermark or now) - WATERMARK_MARGIN
        cursor = company_sudo.retail_replenishment_cursor
        refused = self._replenishment_refused_ids()
        size = chunk_size or int(
            # sudo: technical tuning parameter
            self.env["ir.config_parameter"].sudo().get_param("retail_crm_rfm.replenishment_chunk", 100000)
        )
        # the orders are read once for the whole pass (what is left of it when
        # resumed); the chunks only apply the computed rows, one commit each
        if full:
            self._replenishment_compute(company_sudo, today, self._range_scope(cursor, None), refused)
            partners = self._replenishment_full_pass_partners(company_sudo, cursor)
        else:
            partners = self._replenishment_pass_partners(company_sudo, since, cursor)
            if partners:
                self._replenishment_compute(company_sudo, today, self._ids_scope(partners), refused)
        chunks = [partners[i : i + size] for i in range(0, len(partners), size)]
        for index, chunk in enumerate(chunks):
            last = index == len(chunks) - 1
            if full:
                # a range, so that customers without any order left lose their rows too
                low, high = cursor, None if last else chunk[-1]
                scope = self._range_scope(low, high)
            else:
                scope = self._ids_scope(chunk)
            self._replenishment_apply(company_sudo, scope)
            cursor = chunk[-1]
            company_sudo.retail_replenishment_cursor = cursor
            yield index + 1, len(chunks) - index
        if full:
            if not chunks:
                self._replenishment_apply(company_sudo, self._range_scope(cursor, None))
            # rows of the other level (the setting changed)
            self.env.execute_query(
                SQL(
                    "DELETE FROM retail_crm_replenishment WHERE company_id = %s AND level <> %s",
                    company.id,
                    level,
                )
            )
            self.invalidate_model()
        self._replenishment_drop_computed()
        values = {
            "retail_replenishment_watermark": company_sudo.retail_replenishment_pass_start,
            "retail_replenishment_level_built": level,
            "retail_replenishment_pass_start": False,
            "retail_replenishment_cursor": 0,
        }
        if full:
            values["retail_replenishment_full_at"] = company_sudo.retail_replenishment_pass_start
        company_sudo.write(values)
        yield len(chunks) + 1, 0
        return len(partners)

    @staticmethod
    def _range_scope(low, high):
        def scope(alias):
            column = SQL.identifier(alias, "partner_id")
            if high is None:
                return SQL("%s > %s", column, low)
            return SQL("%s > %s AND %s <= %s", column, low, column, high)

        return scope

    @staticmethod
    def _ids_scope(ids):
        ids = list(ids)

        def scope(alias):
            return SQL("%s = ANY(%s::int[])", SQL.identifier(alias, "partner_id"), ids)

        # a list of customers: the compute statement reads their orders by index
        scope.partner_ids = ids
        return scope
