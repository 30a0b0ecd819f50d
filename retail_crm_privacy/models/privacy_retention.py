import logging
from datetime import timedelta

import psycopg2

from odoo import fields
from odoo.exceptions import UserError, ValidationError
from odoo.tools import SQL
from odoo.tools.sql import table_exists

from .privacy_erasure import PrivacyErasure
from .privacy_finder_base import no_jit
from .privacy_service import PrivacyService

_logger = logging.getLogger(__name__)


class PrivacyRetention(PrivacyService):
    """Retention (P7): customers inactive for the retention period are
    anonymised. Activity is real activity: an order, a complaint, a consent
    recorded, a message from the customer, a survey answered, a portal login;
    never the date a record was merely written."""

    def _icp_int(self, key, default):
        value = self.env["ir.config_parameter"].sudo().get_param(key, default)
        try:
            return int(float(value or 0))
        except ValueError:
            return int(default)

    def _activity_queries(self, limit):
        """Queries of the people (``pid`` of the ``grp`` CTE: a candidate
        and their contacts as ``member``) with an activity since ``limit``,
        one per kind of activity; only tables that exist (suite addons are
        optional). Each reads the activity of the candidates only, through
        the index on the person's column (or, for many candidates, one scan
        of the recent rows): never an aggregate over every order."""
        sources = [
            ("pos_order", "partner_id", "date_order", None),
            ("retail_crm_consent", "partner_id", "create_date", None),
            (
                "mail_message",
                "author_id",
                "date",
                SQL("t.message_type IN ('email', 'comment')"),
            ),
            ("retail_crm_complaint", "partner_id", "date_received", None),
            ("retail_crm_privacy_request", "partner_id", "request_date", None),
            # a survey answered (customer voice): an interaction of the customer
            ("survey_user_input", "partner_id", "create_date", None),
        ]
        queries = []
        if table_exists(self.env.cr, "res_users_log"):
            # a portal login is an interaction of the user's contact
            queries.append(
                SQL(
                    "SELECT g.pid FROM grp g JOIN res_users u ON u.partner_id = g.member "
                    "JOIN res_users_log t ON t.create_uid = u.id WHERE t.create_date >= %s",
                    limit,
                )
            )
        for table, column, date_column, condition in sources:
            if not table_exists(self.env.cr, table):
                continue
            queries.append(
                SQL(
                    "SELECT g.pid FROM grp g JOIN %s t ON t.%s = g.member WHERE t.%s >= %s %s",
                    SQL.identifier(table),
                    SQL.identifier(column),
                    SQL.identifier(date_column),
                    limit,
                    SQL("AND %s", condition) if condition else SQL(""),
                )
            )
        return queries

    def _blockers(self):
        """Conditions that keep a customer whatever their inactivity: an open
        request or complaint, loyalty points above the threshold."""
        blockers = [
            SQL(
                "EXISTS (SELECT 1 FROM retail_crm_privacy_request r "
                "WHERE r.partner_id = p.id AND r.state IN ('new', 'in_progress'))"
            )
        ]
        if table_exists(self.env.cr, "retail_crm_complaint"):
            blockers.append(
                SQL(
                    "EXISTS (SELECT 1 FROM retail_crm_complaint c "
                    "WHERE c.partner_id = p.id AND c.active AND NOT coalesce(c.is_closed, false))"
                )
            )
        if table_exists(self.env.cr, "loyalty_card"):
            threshold = self._icp_int("retail_crm_privacy.retention_points_threshold", 0)
            blockers.append(
                SQL(
                    "(SELECT coalesce(sum(l.points), 0) FROM loyalty_card l "
                    "JOIN loyalty_program g ON g.id = l.program_id "
                    "WHERE l.partner_id = p.id AND g.program_type = 'loyalty') > %s",
                    threshold,
                )
            )
        return blockers

    def _candidate_ids(self):
        """Customers created before the retention limit with no activity
        since (theirs or their contacts'), not blocked. The customers
        created before the limit are read first; only their activity since
        the limit is then looked up."""
        days = self._icp_int("retail_crm_privacy.retention_days", 0)
        if days <= 0:
            return None
        limit = fields.Datetime.now() - timedelta(days=days)
        self.env.flush_all()
        no_jit(self.env.cr)
        self.env.cr.execute(
            SQL(
                """
            WITH cand AS MATERIALIZED (
                SELECT p.id
                  FROM res_partner p
                 WHERE p.privacy_erased_date IS NULL
                   AND p.partner_share
                   AND p.parent_id IS NULL
                   AND p.create_date < %(limit)s
                   AND NOT EXISTS (SELECT 1 FROM res_users u WHERE u.partner_id = p.id AND NOT u.share)
                   AND NOT EXISTS (SELECT 1 FROM res_company c WHERE c.partner_id = p.id)
            ), grp AS MATERIALIZED (
                -- a candidate and their contacts: an activity of a contact
                -- is one of its commercial partner
                SELECT id AS member, id AS pid FROM cand
                 UNION
                SELECT a.id, a.commercial_partner_id FROM res_partner a
                  JOIN cand ON cand.id = a.commercial_partner_id
            ), active AS MATERIALIZED (
                %(activity)s
            )
            SELECT p.id
              FROM cand JOIN res_partner p ON p.id = cand.id
             WHERE p.id NOT IN (SELECT pid FROM active)
               AND NOT (%(blockers)s)
          ORDER BY p.id
            """,
                limit=limit,
                activity=SQL(" UNION ALL ").join(self._activity_queries(limit)),
                blockers=SQL(" OR ").join(self._blockers()),
            )
        )
        return [row[0] for row in self.env.cr.fetchall()]

    def _candidates(self):
        ids = self._candidate_ids()
        return self.env["res.partner"].with_context(active_test=False).browse(ids or [])

    def _action_preview(self):
        ids = self._candidate_ids() or []
        return {
            "type": "ir.actions.act_window",
            "name": self.env._("Customers to anonymise (retention)"),
            "res_model": "res.partner",
            "view_mode": "list,form",
            "domain": [("id", "in", ids)],
            "context": {"active_test": False},
        }

    def _run(self, batch_size=200, commit=False):
        """Anonymise every customer past the retention period, a batch of
        people at a time: one transaction per batch when ``commit`` (only the
        cron entry point commits, see ``res.partner._cron_privacy_retention``;
        otherwise the caller's transaction holds everything), each statement of the
        erasure run once for the whole batch. Resumable and idempotent: a run
        killed mid-batch leaves that batch untouched (rolled back), erased
        customers are no longer candidates, and a second run at the same time
        skips the people the first one is erasing."""
        icp = self.env["ir.config_parameter"].sudo()
        if icp.get_param("retail_crm_privacy.retention_auto", "False") == "False":
            return self.env["retail.crm.erasure.log"]
        ids = self._candidate_ids() or []
        if commit:
            # a fresh snapshot for the first batch: the locks below then see
            # what another run committed since the candidates were read
            self.env.cr.commit()  # pylint: disable=invalid-commit
        log_ids = []
        for start in range(0, len(ids), batch_size):
            log_ids += self._run_batch_again_if_conflict(ids[start : start + batch_size], commit)
            done = min(start + batch_size, len(ids))
            self.env["ir.cron"]._notify_progress(done=done, remaining=len(ids) - done)
            if commit:
                self.env.cr.commit()  # pylint: disable=invalid-commit
        return self.env["retail.crm.erasure.log"].browse(log_ids)

    def _run_batch_again_if_conflict(self, ids, commit, attempts=3):
        """_run_batch; when another run changed the same rows meanwhile
        (serialization failure, deadlock), the batch is rolled back and run
        again on a fresh snapshot (only with our own transaction)."""
        for attempt in range(attempts):
            try:
                return self._run_batch(ids)
            except psycopg2.extensions.TransactionRollbackError:
                if not commit or attempt == attempts - 1:
                    raise
                self.env.cr.rollback()
                self.env.invalidate_all()
                _logger.info("retention: batch in conflict with another run, run again")
        return []

    def _run_batch(self, ids):
        """Erase the people of ``ids`` not erased yet nor being erased by
        another run (their rows are locked until the batch commits); returns
        the ids of the audit records, one per person."""
        self.env.flush_all()
        self.env.cr.execute(
            SQL(
                "SELECT id FROM res_partner WHERE id = ANY(%s) AND privacy_erased_date IS NULL "
                "ORDER BY id FOR UPDATE SKIP LOCKED",
                ids,
            )
        )
        partners = (
            self.env["res.partner"]
            .with_context(active_test=False)
            .browse([row[0] for row in self.env.cr.fetchall()])
        )
        if not partners:
            return []
        Erasure = PrivacyErasure(self.env)
        plans, refusals = Erasure._plan_batch(partners)
        for pid, why in refusals.items():
            _logger.warning("retention: partner %s not anonymised: %s", pid, why)
        if not plans:
            return []
        try:
            with self.env.cr.savepoint():
                return Erasure._execute_batch(list(plans.values()), reason="retention").ids
        except (UserError, ValidationError) as exc:
            self.env.invalidate_all()
            _logger.info("retention: batch refused (%s), erasing its people one by one", exc)
        # one person's data blocks the batch: each on their own, the others go on
        log_ids = []
        for partner in partners.browse(sorted(plans)):
            try:
                with self.env.cr.savepoint():
                    log_ids += Erasure._erase(partner, reason="retention").ids
            except (UserError, ValidationError) as exc:
                self.env.invalidate_all()
                _logger.warning("retention: partner %s not anonymised: %s", partner.id, exc)
        return log_ids
