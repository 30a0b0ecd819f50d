"""After the load: sequences, ANALYZE, other addons' stored computed fields, the suite's
complaints and consents, index drop/rebuild and the fast (no FK trigger) mode."""

import numpy as np

from odoo.tools import SQL
from tools.datagen_plan import INDEX_REBUILD_MIN_ROWS, LOADED_TABLES, RECOMPUTE_LIMIT
from tools.datagen_suite import generic_vals


class FinishMixin:
    """What the generator does around and after the COPY (mixed into the generator)."""

    def _finish(self):
        env = self.env
        cr = self.cr
        # sessions: next sequence number; configs: order/line sequences past the generated names
        sess = [int(s) for s in self.sess_ids.ravel()]
        cr.execute(
            SQL(
                """
            UPDATE pos_session s SET sequence_number = x.seq + 1
              FROM (SELECT session_id, MAX(sequence_number) AS seq FROM pos_order
                     WHERE session_id = ANY(%s) GROUP BY session_id) x
             WHERE s.id = x.session_id
        """,
                sess,
            )
        )
        env.invalidate_all()
        for c in self.configs:
            rec = c["record"]
            if rec.sequence_id:
                rec.sequence_id.sudo().number_next_actual = self.config_seq[c["id"]] + 1
            if rec.sequence_line_id:
                rec.sequence_line_id.sudo().number_next_actual = self.config_line_seq[c["id"]] + 1
        for table in LOADED_TABLES:
            cr.execute(SQL("ANALYZE %s", SQL.identifier(table)))

    def _recompute_others(self):
        """Stored computed fields that other installed addons add to the loaded models."""
        covered = {
            "res.partner": {
                "email_normalized",
                "complete_name",
                "user_id",
                "partner_share",
                "commercial_partner_id",
                "phone_sanitized",
                "image_1024",
                "image_512",
                "image_256",
                "image_128",
                "company_registry",
                "commercial_company_name",
                "peppol_endpoint",
                "peppol_eas",
            },
            "pos.order": {"config_id", "currency_rate", "sale_journal", "email", "mobile"},
            "pos.order.line": {"company_id"},
            "pos.payment": {"session_id", "company_id"},
        }
        not_computed = {}
        for model, skip in covered.items():
            Model = self.env[model]
            todo = [f for f in Model._fields.values() if f.store and f.compute and f.name not in skip]
            if not todo:
                continue
            loader = self.loaders[model]
            count = loader.rows
            if count > RECOMPUTE_LIMIT:
                not_computed[model] = [f.name for f in todo]
                continue
            if model == "res.partner":
                ids = self.c_ids.tolist()
            else:
                self.cr.execute(
                    SQL("SELECT id FROM %s ORDER BY id DESC LIMIT %s", SQL.identifier(Model._table), count)
                )
                ids = [r[0] for r in self.cr.fetchall()]
            records = Model.browse(ids)
            for f in todo:
                self.env.add_to_compute(f, records)
            self.env.flush_all()
        if not_computed:
            self.warnings.append(
                "stored computed fields left empty (over %d records; run the addons' own "
                "recompute/cron): %s" % (RECOMPUTE_LIMIT, not_computed)
            )

    def _suite_records(self):
        """Complaints and consents, through the ORM, when those models exist."""
        created = {}
        env = self.env
        rng = np.random.default_rng(self.seed + 1)
        for model, share, cap in (("retail.crm.consent", 0.3, 2000), ("retail.crm.complaint", 0.01, 300)):
            if model not in env:
                continue
            k = min(cap, max(1, int(self.n_customers * share)))
            picks = rng.choice(self.n_customers, size=min(k, self.n_customers), replace=False)
            try:
                with self.cr.savepoint():
                    vals_list = [generic_vals(env[model], int(self.c_ids[i]), rng, self) for i in picks]
                    env[model].create(vals_list)
                    env.flush_all()
                created[model] = len(vals_list)
            except Exception as exc:  # optional data: report, do not fail the load
                env.invalidate_all()
                self.warnings.append("%s not generated: %s" % (model, str(exc).splitlines()[0]))
        self.stats.update(created)

    def _drop_indexes(self):
        """Drop the secondary indexes of tables that are about to grow a lot.

        Building an index once after the load is several times faster than
        updating it row by row.  Primary keys and unique indexes stay.  Drop and
        re-creation are transactional: a failed load leaves the indexes as they were.
        """
        planned = {
            "res_partner": self.n_customers,
            "pos_order": self.n_orders,
            "pos_order_line": self.n_orders * 2,
            "pos_payment": self.n_orders,
        }
        dropped = []
        for table, rows in planned.items():
            self.cr.execute(SQL("SELECT reltuples FROM pg_class WHERE oid = %s::regclass", table))
            existing = max(self.cr.fetchone()[0], 0)
            if rows < INDEX_REBUILD_MIN_ROWS or rows < existing:
                continue
            self.cr.execute(
                SQL(
                    """
                SELECT i.relname, pg_get_indexdef(i.oid)
                  FROM pg_index x JOIN pg_class i ON i.oid = x.indexrelid
                 WHERE x.indrelid = %s::regclass AND NOT x.indisprimary AND NOT x.indisunique
                   AND NOT EXISTS (SELECT 1 FROM pg_constraint c WHERE c.conindid = x.indexrelid)
                 ORDER BY i.relname
            """,
                    table,
                )
            )
            for name, definition in self.cr.fetchall():
                self.cr.execute(SQL("DROP INDEX %s", SQL.identifier(name)))
                dropped.append((name, definition))
        return dropped

    def _restore_indexes(self, dropped):
        if dropped:
            self.cr.execute(SQL("SET LOCAL maintenance_work_mem = '512MB'"))
        for _name, definition in dropped:
            # the definition comes from PostgreSQL's own catalog (pg_get_indexdef)
            self.cr.execute(SQL(definition))  # pylint: disable=sql-injection
        self.stats["indexes rebuilt"] = len(dropped)

    def _fast_mode(self, enable):
        """Skip per-row foreign-key triggers during the COPY (the ids are known to exist).

        ``session_replication_role = replica`` needs a superuser; without it the load
        runs with the usual per-row checks, only slower.  ``SET LOCAL`` ends with the
        transaction at the latest.
        """
        if not self.fast:
            return False
        if enable:
            self.cr.execute(SQL("SELECT rolsuper FROM pg_roles WHERE rolname = current_user"))
            row = self.cr.fetchone()
            if not (row and row[0]):  # not a superuser: keep the checks
                self.fast_used = False
                return False
            self.cr.execute(SQL("SET LOCAL session_replication_role = replica"))
            self.fast_used = True
            return True
        self.cr.execute(SQL("SET LOCAL session_replication_role = origin"))
        return False
