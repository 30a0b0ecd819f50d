import logging
import os
import secrets
from collections import defaultdict

import psycopg2

from odoo import fields
from odoo.exceptions import UserError
from odoo.tools import SQL

from . import privacy_match
from .privacy_erasure_identity import PrivacyIdentity
from .privacy_erasure_plan import ACTION_ORDER, PrivacyErasurePlan
from .privacy_finder_base import no_jit
from .privacy_service import PrivacyService

_logger = logging.getLogger(__name__)

REPLACEMENT = "[erased]"


class PrivacyErasure(PrivacyService):
    """Erasure service (P3): plans with PrivacyErasurePlan and
    applies the plan, in the caller's transaction. ``res.partner`` only
    calls it."""

    def _plan(self, partner):
        return PrivacyErasurePlan(self.env)._plan(partner)

    def _plan_batch(self, partners):
        return PrivacyErasurePlan(self.env)._plan_batch(partners)

    def _plan_lines(self, plan):
        return PrivacyErasurePlan(self.env)._plan_lines(plan)

    def _execute(self, plan, request=None, reason="request"):
        """Apply ``plan`` (from _plan) and write the audit record built from
        the same plan. Raises, leaving nothing changed, on any error: the
        caller's transaction (one per person) is rolled back."""
        return self._execute_batch([plan], request=request, reason=reason)

    def _execute_batch(self, plans, request=None, reason="request"):
        """Apply the plans of several people (from _plan_batch) together: one
        statement per model and field for the whole batch, each row rewritten
        with its own person's pattern only; one audit record per person,
        built from that person's plan. Raises, leaving nothing changed, on
        any error: the caller rolls the batch back."""
        self.env.flush_all()
        no_jit(self.env.cr)
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
        references = {plan["partner_id"]: f"ERASED-{secrets.token_hex(4).upper()}" for plan in plans}
        # the steps of all plans, merged: (action, model, field) -> {id: patterns}
        merged = defaultdict(lambda: defaultdict(set))
        for plan in plans:
            for step in plan["steps"]:
                for record_id in step["ids"]:
                    merged[step["action"], step["model"], step["field"]][record_id].add(plan["pattern"] or "")
        partner_vals = {}
        files = []
        users_reference = {}
        # the scrubs of one model in one UPDATE: a row whose e-mail, mobile
        # and note all quote the person is rewritten once, not once per column
        scrubs = defaultdict(dict)
        for action, model_name, field in merged:
            if action == "scrub":
                scrubs[model_name][field] = merged[action, model_name, field]
        for action, model_name, field in sorted(merged, key=lambda k: (ACTION_ORDER.index(k[0]), k[1], k[2])):
            ids_patterns = merged[action, model_name, field]
            model = env[model_name]
            records = model.browse(sorted(ids_patterns))
            if action == "scrub":
                if model_name in scrubs:
                    self._scrub_owned(model, scrubs.pop(model_name))
            elif action in ("detach", "clear") and model._name != "res.partner":
                records.exists().write({field: False})
            elif action == "clear":
                partner_vals[field] = False
            elif action == "delete":
                files += self._delete(records)
            elif action == "archive" and model._name == "res.users":
                users_reference = {
                    user_id: references[plan["partner_id"]]
                    for plan in plans
                    for step in plan["steps"]
                    if step["model"] == "res.users" and step["action"] == "archive"
                    for user_id in step["ids"]
                }
                self._archive_users(records, users_reference)
            elif action == "end_membership":
                self._end_membership(records)
        partners = env["res.partner"].browse([sid for plan in plans for sid in plan["subject_ids"]])
        partner_vals.update({"active": False, "privacy_erased_date": fields.Datetime.now()})
        self._clear_partners(partners, partner_vals)
        # each person's pseudonym, one statement for the batch; the names
        # computed from it (complete_name...) are recomputed and flushed together
        names = {
            sid: self.env._("Erased customer %(ref)s", ref=references[plan["partner_id"]])
            for plan in plans
            for sid in plan["subject_ids"]
        }
        self.env.flush_all()
        self.env.cr.execute(
            SQL(
                "UPDATE res_partner p SET name = r.name FROM unnest(%s::int[], %s::text[]) AS r(id, name) "
                "WHERE p.id = r.id",
                list(names),
                list(names.values()),
            )
        )
        partners.invalidate_recordset(["name"])
        partners.modified(["name"])
        # the SQL updates invalidated what they changed (_scrub_owned, _archive_users)
        self.env.flush_all()
        self._unlink_files_after_commit(files)
        vals_list = []
        for plan in plans:
            lines = self._plan_lines(plan)
            vals_list.append(
                {
                    "name": references[plan["partner_id"]],
                    "partner_id": plan["partner_id"],
                    "request_id": request.id if request else False,
                    "reason": reason,
                    "subject_hash": PrivacyIdentity(self.env)._subject_hash(plan["identity"]),
                    "plan_lines": lines,
                    "summary": "\n".join(f"{m} {f}: {a} {n}".replace(" :", ":") for m, f, a, n in lines),
                }
            )
        logs = self.env["retail.crm.erasure.log"].sudo().create(vals_list)
        if request:
            request.sudo().write(
                {"state": "done", "done_date": fields.Datetime.now(), "erasure_log_id": logs.id}
            )
        return logs

    def _clear_partners(self, partners, vals):
        """Write ``vals`` (cleared fields, archived) on the people's partners;
        company-dependent fields (barcode...) for every company: the ORM
        would clear the current company's value only."""
        Partner = self.env["res.partner"]
        company_fields = sorted(f for f in vals if Partner._fields[f].company_dependent)
        # active_test must be on: base refuses to archive contacts of users it finds
        partners.with_context(active_test=True).write(
            {f: v for f, v in vals.items() if f not in company_fields}
        )
        if company_fields:
            self.env.flush_all()
            self.env.cr.execute(
                SQL(
                    "UPDATE res_partner SET %s WHERE id = ANY(%s)",
                    SQL(", ").join(SQL("%s = NULL", SQL.identifier(f)) for f in company_fields),
                    partners.ids,
                )
            )
            partners.invalidate_recordset(company_fields)

    def _archive_users(self, users, references):
        """Archive the people's (portal) users; their login becomes their
        pseudonym (``references``: {user id: reference}). In SQL: the ORM
        would e-mail the old login a security notice ("login changed"),
        leaving the address in the mail queue."""
        users.write({"active": False})
        self.env.flush_all()
        self.env.cr.execute(
            SQL(
                "UPDATE res_users u SET login = lower(r.ref) || '-' || u.id, signature = NULL "
                "FROM unnest(%s::int[], %s::text[]) AS r(id, ref) WHERE u.id = r.id",
                list(references),
                list(references.values()),
            )
        )
        users.invalidate_recordset(["login", "signature"])

    def _scrub_owned(self, model, fields_ids_patterns):
        """Replace the people's identifiers and names in the columns of their
        own rows only (``fields_ids_patterns``: {field: {id: patterns of the
        people the row belongs to}}, found by the planner), in one statement:
        each column of a row is rewritten with its own patterns, the columns
        not to scrub in that row keep their value."""
        cache = {}

        def combined(patterns):
            # the rows of one person share their patterns: combined once
            key = frozenset(patterns)
            if key not in cache:
                cache[key] = privacy_match.combine(patterns) or "$^"
            return cache[key]

        fnames = sorted(fields_ids_patterns)
        ids = sorted({rid for fname in fnames for rid in fields_ids_patterns[fname]})
        assignments, arrays, aliases = [], [ids], [SQL("id")]
        for index, fname in enumerate(fnames):
            column = SQL.identifier(fname)
            pat = SQL.identifier(f"p{index}")
            is_json = model._fields[fname].column_type[0] == "jsonb"
            expr = SQL("t.%s::text", column) if is_json else SQL("t.%s", column)
            replaced = SQL("regexp_replace(%s, r.%s, %s, 'gi')", expr, pat, REPLACEMENT)
            if is_json:
                replaced = SQL("%s::jsonb", replaced)
            assignments.append(
                SQL("%s = CASE WHEN r.%s IS NULL THEN t.%s ELSE %s END", column, pat, column, replaced)
            )
            patterns = fields_ids_patterns[fname]
            arrays.append([combined(patterns[rid]) if rid in patterns else None for rid in ids])
            aliases.append(pat)
        self.env.cr.execute(
            SQL(
                "UPDATE %s t SET %s FROM unnest(%s::int[], %s) AS r(%s) WHERE t.id = r.id",
                SQL.identifier(model._table),
                SQL(", ").join(assignments),
                arrays[0],
                SQL(", ").join(SQL("%s::text[]", array) for array in arrays[1:]),
                SQL(", ").join(aliases),
            )
        )
        model.invalidate_model(fnames)

    def _delete(self, records):
        """Delete ``records``; returns the filestore names freed (attachments)."""
        if records._name == "bus.bus":
            self.env.cr.execute(SQL("DELETE FROM bus_bus WHERE id = ANY(%s)", records.ids))
            return []
        if records._name == "res.partner.bank":
            self._delete_bank_accounts(records)
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

    def _delete_bank_accounts(self, accounts):
        """Delete the person's bank accounts. In SQL: the ORM archives them
        instead (the number and holder stay) and logs "account <number>
        deleted" on the person's chatter. An account that entries still
        point to cannot go: its number and holder are erased, the row stays."""
        self.env.flush_all()
        try:
            with self.env.cr.savepoint(flush=False):
                self.env.cr.execute(SQL("DELETE FROM res_partner_bank WHERE id = ANY(%s)", accounts.ids))
        except psycopg2.errors.ForeignKeyViolation:
            self.env.cr.execute(
                SQL(
                    "UPDATE res_partner_bank SET acc_number = 'ERASED-' || id, sanitized_acc_number = 'ERASED-' || id, "
                    "acc_holder_name = NULL, active = false WHERE id = ANY(%s)",
                    accounts.ids,
                )
            )
        accounts.invalidate_recordset()

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
        Attachment = self.env["ir.attachment"]
        paths = [Attachment._full_path(f) for f in fnames if f not in shared]
        # the garbage collector's marks of these files: it would try to remove them again
        paths += [os.path.join(Attachment._full_path("checklist"), f) for f in fnames if f not in shared]

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
