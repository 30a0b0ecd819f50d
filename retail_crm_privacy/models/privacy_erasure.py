import logging
import os
import secrets

from odoo import fields
from odoo.exceptions import UserError
from odoo.tools import SQL

from .privacy_erasure_identity import PrivacyIdentity
from .privacy_erasure_plan import PrivacyErasurePlan
from .privacy_service import PrivacyService

_logger = logging.getLogger(__name__)

REPLACEMENT = "[erased]"


class PrivacyErasure(PrivacyService):
    """Erasure service (P3): plans with PrivacyErasurePlan and
    applies the plan, in the caller's transaction. ``res.partner`` only
    calls it."""

    def _plan(self, partner):
        return PrivacyErasurePlan(self.env)._plan(partner)

    def _plan_lines(self, plan):
        return PrivacyErasurePlan(self.env)._plan_lines(plan)

    def _execute(self, plan, request=None, reason="request"):
        """Apply ``plan`` (from _plan) and write the audit record built from
        the same plan. Raises, leaving nothing changed, on any error: the
        caller's transaction (one per person) is rolled back."""
        self.env.flush_all()
        # superuser: an erasure reaches every record of the person; the
        # callers (request wizard, retention cron) check who runs it
        env = self.env(
            su=True,
            context=dict(
                self.env.context,
                active_test=False,
                tracking_disable=True,
                mail_notrack=True,
                mail_create_nolog=True,
            ),
        )
        reference = f"ERASED-{secrets.token_hex(4).upper()}"
        partners = env["res.partner"].browse(plan["subject_ids"])
        partner_vals = {}
        files = []
        for step in plan["steps"]:
            model = env[step["model"]]
            records = model.browse(step["ids"])
            action, field = step["action"], step["field"]
            if action == "scrub":
                self._scrub(model, field, step["ids"], plan["pattern"])
            elif action in ("detach", "clear") and model._name != "res.partner":
                records.exists().write({field: False})
            elif action == "clear":
                partner_vals[field] = False
            elif action == "delete":
                files += self._delete(records)
            elif action == "archive" and model._name == "res.users":
                self._archive_users(records, reference)
            elif action == "end_membership":
                self._end_membership(records)
        partner_vals.update(
            {
                "name": self.env._("Erased customer %(ref)s", ref=reference),
                "active": False,
                "privacy_erased_date": fields.Datetime.now(),
            }
        )
        # active_test must be on: base refuses to archive contacts of users it finds
        partners.with_context(active_test=True).write(partner_vals)
        # the SQL updates invalidated what they changed (_scrub, _archive_users)
        self.env.flush_all()
        self._unlink_files_after_commit(files)
        lines = self._plan_lines(plan)
        log = (
            self.env["retail.crm.erasure.log"]
            .sudo()
            .create(
                {
                    "name": reference,
                    "partner_id": plan["partner_id"],
                    "request_id": request.id if request else False,
                    "reason": reason,
                    "subject_hash": PrivacyIdentity(self.env)._subject_hash(plan["identity"]),
                    "plan_lines": lines,
                    "summary": "\n".join(f"{m} {f}: {a} {n}".replace(" :", ":") for m, f, a, n in lines),
                }
            )
        )
        if request:
            request.sudo().write(
                {"state": "done", "done_date": fields.Datetime.now(), "erasure_log_id": log.id}
            )
        return log

    def _archive_users(self, users, reference):
        """Archive the person's (portal) users; their login becomes the
        pseudonym. In SQL: the ORM would e-mail the old login a security
        notice ("login changed"), leaving the address in the mail queue."""
        users.write({"active": False})
        self.env.flush_all()
        self.env.cr.execute(
            SQL(
                "UPDATE res_users SET login = %s || '-' || id, signature = NULL WHERE id = ANY(%s)",
                reference.lower(),
                users.ids,
            )
        )
        users.invalidate_recordset(["login", "signature"])

    def _scrub(self, model, field, ids, pattern):
        """Replace the person's identifiers and names in one column of the
        given rows only (the person's records, found by the planner)."""
        column = SQL.identifier(field)
        is_json = model._fields[field].column_type[0] == "jsonb"
        expr = SQL("%s::text", column) if is_json else column
        replaced = SQL("regexp_replace(%s, %s, %s, 'gi')", expr, pattern, REPLACEMENT)
        if is_json:
            replaced = SQL("%s::jsonb", replaced)
        self.env.cr.execute(
            SQL(
                "UPDATE %s SET %s = %s WHERE id = ANY(%s)",
                SQL.identifier(model._table),
                column,
                replaced,
                ids,
            )
        )
        model.invalidate_model([field])

    def _delete(self, records):
        """Delete ``records``; returns the filestore names freed (attachments)."""
        if records._name == "bus.bus":
            self.env.cr.execute(SQL("DELETE FROM bus_bus WHERE id = ANY(%s)", records.ids))
            return []
        records = records.exists()
        if records._name != "ir.attachment":
            records.unlink()
            return []
        self.env.cr.execute(
            SQL(
                "SELECT DISTINCT store_fname FROM ir_attachment WHERE id = ANY(%s) AND store_fname IS NOT NULL",
                records.ids,
            )
        )
        fnames = [row[0] for row in self.env.cr.fetchall()]
        records.unlink()
        return fnames

    def _unlink_files_after_commit(self, fnames):
        """Remove the files of the deleted attachments from the filestore when
        the transaction commits, unless another attachment shares the file."""
        if not fnames:
            return
        self.env.flush_all()
        self.env.cr.execute(
            SQL("SELECT DISTINCT store_fname FROM ir_attachment WHERE store_fname = ANY(%s)", fnames)
        )
        shared = {row[0] for row in self.env.cr.fetchall()}
        paths = [self.env["ir.attachment"]._full_path(f) for f in fnames if f not in shared]

        @self.env.cr.postcommit.add
        def _unlink_files():
            for path in paths:
                try:
                    os.unlink(path)
                except OSError:
                    _logger.info("erasure: file %s already removed", path)

    def _end_membership(self, partners):
        """Membership ends with the erasure, recorded in the tier history."""
        Partner = partners.with_context(active_test=False)
        if "retail.crm.tier.history" in self.env:
            history = []
            for partner in Partner:
                history.append(
                    {
                        "partner_id": partner.id,
                        "company_id": (partner.company_id or self.env.company).id,
                        "old_tier_id": partner.retail_tier_id.id,
                        "new_tier_id": False,
                        "change_type": "override",
                        "reason": self.env._("Membership ended: personal data erased"),
                    }
                )
            self.env["retail.crm.tier.history"].sudo().create(history)
            Partner.write({"retail_is_member": False, "retail_tier_id": False})
        else:
            Partner.write({"retail_is_member": False})

    def _erase(self, partner, request=None, reason="request", expected_lines=None):
        """Plan and execute the erasure of ``partner``; with ``expected_lines``
        (what the officer previewed), refuse when the data changed since."""
        plan = self._plan(partner)
        if expected_lines is not None and self._plan_lines(plan) != expected_lines:
            raise UserError(
                self.env._(
                    "The data of %(name)s changed since the preview. Open the preview again.",
                    name=partner.display_name,
                )
            )
        return self._execute(plan, request=request, reason=reason)
