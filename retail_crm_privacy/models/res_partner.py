import logging
import re
import secrets
from datetime import timedelta

from odoo import _, api, fields, models, modules, tools
from odoo.exceptions import UserError
from odoo.osv import expression
from odoo.tools import SQL

from . import privacy_tools

_logger = logging.getLogger(__name__)

# partner fields that an erasure keeps (technical, not about the person)
ERASURE_KEEP_FIELDS = {
    "name",
    "lang",
    "tz",
    "type",
    "active",
    "company_id",
    "user_id",
    "parent_id",
    "is_company",
    "color",
    "employee",
    "partner_share",
    "commercial_partner_id",
    "display_name",
    "complete_name",
}
PERSONAL_SELECTION_PATTERN = re.compile(r"(gender|sex|marital|religion|ethnic|nationality)")
REPORT_READS_KEY = "retail_crm_privacy.report_reads"
SECRET_FIELD_PATTERN = re.compile(r"(password|token|secret|totp|api_key|signature)")
# tables that describe the software, not people: never rewritten by the name sweep
STRUCTURAL_TABLES = {
    "ir_ui_view",
    "ir_ui_menu",
    "ir_model",
    "ir_model_fields",
    "ir_model_data",
    "ir_model_fields_selection",
    "ir_module_module",
    "ir_module_category",
    "ir_act_window",
    "ir_act_server",
    "ir_act_report_xml",
    "ir_act_client",
    "ir_actions",
    "ir_config_parameter",
    "res_lang",
    "ir_asset",
    "ir_cron",
    "res_groups",
    "ir_model_constraint",
    "ir_model_relation",
    "ir_sequence",
    "ir_module_module_dependency",
    "retail_crm_erasure_log",
}


class ResPartner(models.Model):
    # the access rule, audit, protected writes and till lookup are mixins
    # listed first so that they wrap the partner's own methods
    _name = "res.partner"
    _inherit = [
        "retail.crm.privacy.partner.access",
        "retail.crm.privacy.partner.audit",
        "retail.crm.privacy.partner.protect",
        "retail.crm.privacy.partner.till",
        "res.partner",
    ]

    privacy_consent_ids = fields.One2many(
        "retail.crm.consent",
        "partner_id",
        string="Consent history",
        groups="base.group_user,point_of_sale.group_pos_user",
    )
    privacy_consent_current_ids = fields.One2many(
        "retail.crm.consent.current",
        "partner_id",
        string="Current consents",
        groups="base.group_user,point_of_sale.group_pos_user",
    )
    privacy_erased_date = fields.Datetime(string="Anonymised on", readonly=True, copy=False)
    privacy_request_count = fields.Integer(
        compute="_compute_privacy_request_count",
        groups="retail_crm_privacy.group_privacy_officer,base.group_system",
    )

    def _compute_privacy_request_count(self):
        groups = self.env["retail.crm.privacy.request"]._read_group(
            [("partner_id", "in", self.ids)], ["partner_id"], ["__count"]
        )
        counts = {partner.id: count for partner, count in groups}
        for partner in self:
            partner.privacy_request_count = counts.get(partner.id, 0)

    # Access rule, masking, audit and writes: res_partner_access.py,
    # res_partner_audit.py, res_partner_protect.py

    def _privacy_filter_consented(self, purpose_code):
        """The partners of ``self`` whose live consent for the purpose
        ``purpose_code`` is granted (for marketing/care senders)."""
        current = (
            self.env["retail.crm.consent.current"]
            .sudo()
            .search(
                [
                    ("partner_id", "in", self.ids),
                    ("purpose_id.code", "=", purpose_code),
                    ("state", "=", "granted"),
                ]
            )
        )
        return self & current.partner_id

    # ------------------------------------------------------------------
    # Optional encryption at rest (P5)
    # ------------------------------------------------------------------

    @api.model
    def _privacy_encryption_secret(self):
        """The key comes from the server configuration, never the database."""
        return tools.config.get("retail_crm_privacy_encryption_key") or None

    @api.model
    def _privacy_encrypted_fields(self):
        """Stored char fields chosen in Settings, when a key is configured."""
        if not self._privacy_encryption_secret():
            return []
        chosen = self.env["ir.config_parameter"].sudo().get_param("retail_crm_privacy.encrypted_fields", "")
        personal = set(self._privacy_personal_fields())
        return [
            fname
            for fname in (name.strip() for name in chosen.split(","))
            if fname in personal and self._fields[fname].store and self._fields[fname].type == "char"
        ]

    @api.model
    def _create(self, data_list):
        encrypted = self._privacy_encrypted_fields()
        if not encrypted:
            return super()._create(data_list)
        secret = self._privacy_encryption_secret()
        clear_list = []
        for data in data_list:
            stored = data["stored"]
            clear = {fname: stored[fname] for fname in encrypted if stored.get(fname)}
            for fname, value in clear.items():
                stored[fname] = privacy_tools.encrypt_value(secret, value)
            clear_list.append(clear)
        records = super()._create(data_list)
        # the cache keeps the clear values, only the database holds ciphertext
        for record, clear in zip(records, clear_list, strict=True):
            for fname, value in clear.items():
                self.env.cache.set(record, self._fields[fname], value, check_dirty=False)
        return records

    def _write_multi(self, vals_list):
        encrypted = self._privacy_encrypted_fields()
        if encrypted:
            secret = self._privacy_encryption_secret()
            vals_list = [
                {
                    fname: privacy_tools.encrypt_value(secret, value) if fname in encrypted else value
                    for fname, value in vals.items()
                }
                for vals in vals_list
            ]
        return super()._write_multi(vals_list)

    def _fetch_query(self, query, fields):
        records = super()._fetch_query(query, fields)
        encrypted = self._privacy_encrypted_fields()
        if not encrypted:
            return records
        secret = self._privacy_encryption_secret()
        for field in fields:
            if field.name not in encrypted:
                continue
            for record in records:
                value = self.env.cache.get(record, field, None)
                if isinstance(value, str) and value.startswith(privacy_tools.ENCRYPTED_PREFIX):
                    self.env.cache.set(
                        record, field, privacy_tools.decrypt_value(secret, value), check_dirty=False
                    )
        return records

    def _condition_to_sql(self, alias, fname, operator, value, query):
        encrypted = self._privacy_encrypted_fields() if fname in self._fields else []
        if fname in encrypted and operator in ("=", "!=", "in", "not in") and value:
            secret = self._privacy_encryption_secret()
            if isinstance(value, (list, tuple, set)):
                value = [privacy_tools.encrypt_value(secret, v) for v in value]
            else:
                value = privacy_tools.encrypt_value(secret, value)
        return super()._condition_to_sql(alias, fname, operator, value, query)

    @api.model
    def _privacy_encrypt_existing(self):
        """Encrypt the values stored before a field was chosen (set-based)."""
        encrypted = self._privacy_encrypted_fields()
        partners = self.with_context(active_test=False).search([])
        for fname in encrypted:
            # values read back in clear, rewritten through _write_multi (encrypts)
            to_write = partners.filtered(lambda p, f=fname: p[f])
            to_write._write_multi([{fname: p[fname]} for p in to_write])
        return len(partners)

    # ------------------------------------------------------------------
    # Data-subject access: export (P3)
    # ------------------------------------------------------------------

    @api.model
    def _privacy_reference_fields(self):
        """{model: [fields]} of every stored many2one to res.partner, found by
        what the data is, so models of addons installed later are covered."""
        result = {}
        for model_name in self.env.registry:
            model = self.env[model_name]
            if model._transient or model._abstract or model._table_query:
                continue
            fnames = [
                fname
                for fname, field in model._fields.items()
                if field.type == "many2one"
                and field.comodel_name == "res.partner"
                and field.store
                and not field.company_dependent
            ]
            # tables an addon creates itself (_auto = False) hold data too;
            # SQL views (reports) only show it again
            if (
                fnames
                and not model._auto
                and tools.sql.table_kind(self.env.cr, model._table) != tools.sql.TableKind.Regular
            ):
                continue
            if fnames:
                result[model_name] = fnames
        return result

    def _privacy_subject_partners(self):
        """The partner and its contacts/addresses (not its parent company)."""
        return self.with_context(active_test=False).search([("id", "child_of", self.ids)])

    @api.model
    def _privacy_export_fields(self, model):
        return [
            fname
            for fname, field in model._fields.items()
            if field.store
            and field.type not in ("binary", "one2many")
            and not SECRET_FIELD_PATTERN.search(fname)
            and not field.groups == "base.group_no_one"
        ]

    def _privacy_referencing_records(self, partners):
        """{model: records} of records pointing at ``partners`` (sudo)."""
        found = {}
        for model_name, fnames in self._privacy_reference_fields().items():
            # sudo: the data protection officer needs every record, whoever owns it
            model_sudo = self.env[model_name].sudo().with_context(active_test=False)
            domain = expression.OR([[(fname, "in", partners.ids)] for fname in fnames])
            records = model_sudo.search(domain)
            if model_name == "mail.message":
                records |= model_sudo.search([("model", "=", "res.partner"), ("res_id", "in", partners.ids)])
            if model_name == "res.partner":
                records -= partners
            if records:
                found[model_name] = records
        return found

    def _privacy_export_data(self):
        """Everything held about the person, as JSON-serialisable data."""
        self.ensure_one()
        partners = self._privacy_subject_partners()
        # sudo: an access request exports all data regardless of record rules
        partners_sudo = partners.sudo()
        data = {
            "exported_at": fields.Datetime.now(),
            "partner": partners_sudo.read(self._privacy_export_fields(self), load=False),
            "records": {},
        }
        for model_name, records in self._privacy_referencing_records(partners).items():
            model = self.env[model_name]
            data["records"][model_name] = {
                "label": model._description,
                "records": records.read(self._privacy_export_fields(model), load=False),
            }
        return data

    # ------------------------------------------------------------------
    # Erasure (P3) and retention (P7)
    # ------------------------------------------------------------------

    @api.model
    def _privacy_erasable_fields(self):
        names = []
        for fname, field in self._fields.items():
            if fname in ERASURE_KEEP_FIELDS or fname in models.MAGIC_COLUMNS:
                continue
            if fname.startswith("privacy_") or not field.store or field.required:
                continue
            if field.related or field.company_dependent or (field.compute and not field.inverse):
                continue
            if field.type in ("char", "text", "html", "date", "datetime", "binary"):
                names.append(fname)
            elif field.type == "selection" and PERSONAL_SELECTION_PATTERN.search(fname):
                names.append(fname)
            elif field.type == "many2one" and fname in ("state_id", "country_id", "title", "industry_id"):
                names.append(fname)
        return names

    def _privacy_identifiers(self, partners):
        """(terms swept everywhere, name terms swept outside structural tables)."""
        terms, names = set(), set()
        region = (self.env.company.country_id.code or "CN").upper()
        for partner in partners.sudo():
            for fname in ("email", "email_normalized"):
                if fname in partner._fields and partner[fname]:
                    terms.add(partner[fname].strip())
            for fname in ("phone", "mobile", "phone_sanitized"):
                if fname in partner._fields and partner[fname]:
                    terms |= privacy_tools.phone_variants(partner[fname], region)
            for fname in ("vat", "street", "street2"):
                if partner[fname] and len(partner[fname].strip()) >= 6:
                    terms.add(partner[fname].strip())
            if partner.name:
                name = partner.name.strip()
                if len(name) >= 4 or (len(name) >= 2 and not name.isascii()):
                    names.add(name)
            for user in partner.with_context(active_test=False).user_ids:
                terms.add(user.login)
        return {t for t in terms if len(t) >= 4}, names

    @api.model
    def _privacy_text_columns(self):
        """{table: [(column, data_type)]} of every text column of the database."""
        self.env.cr.execute(
            SQL(
                """
            SELECT c.table_name, c.column_name, c.data_type
              FROM information_schema.columns c
              JOIN information_schema.tables t
                ON t.table_schema = c.table_schema AND t.table_name = c.table_name
             WHERE c.table_schema = current_schema()
               AND t.table_type = 'BASE TABLE'
               AND c.data_type IN ('character varying', 'text', 'character', 'jsonb', 'json')
          ORDER BY c.table_name, c.ordinal_position
            """
            )
        )
        columns = {}
        for table, column, data_type in self.env.cr.fetchall():
            columns.setdefault(table, []).append((column, data_type))
        return columns

    @api.model
    def _privacy_sweep(self, terms, names, dry_run=False):
        """Find (dry_run) or replace every occurrence of the identifiers in
        every text column of every table: one statement per table."""
        all_pattern = privacy_tools.erasure_regex(terms | names)
        id_pattern = privacy_tools.erasure_regex(terms)
        if not all_pattern:
            return {}
        self.env.flush_all()
        found = {}
        for table, columns in self._privacy_text_columns().items():
            pattern = id_pattern if table in STRUCTURAL_TABLES else all_pattern
            if not pattern or table == "retail_crm_erasure_log":
                continue
            exprs = [
                (
                    column,
                    SQL("%s::text", SQL.identifier(column))
                    if data_type in ("jsonb", "json")
                    else SQL.identifier(column),
                    data_type,
                )
                for column, data_type in columns
            ]
            where = SQL(" OR ").join(SQL("%s ~* %s", expr, pattern) for _c, expr, _t in exprs)
            if dry_run:
                self.env.cr.execute(SQL("SELECT count(*) FROM %s WHERE %s", SQL.identifier(table), where))
                count = self.env.cr.fetchone()[0]
            else:
                assignments = SQL(", ").join(
                    SQL(
                        "%s = regexp_replace(%s, %s, %s, 'gi')%s",
                        SQL.identifier(column),
                        expr,
                        pattern,
                        "[erased]",
                        SQL("::%s", SQL(data_type)) if data_type in ("jsonb", "json") else SQL(""),
                    )
                    for column, expr, data_type in exprs
                )
                self.env.cr.execute(
                    SQL("UPDATE %s SET %s WHERE %s", SQL.identifier(table), assignments, where)
                )
                count = self.env.cr.rowcount
            if count:
                found[table] = count
        if not dry_run:
            self.env.invalidate_all()
        return found

    def _privacy_erasure_plan(self):
        """What an erasure of ``self`` will change: list of dicts
        {model, field, count, action}; nothing is modified."""
        self.ensure_one()
        partners = self._privacy_subject_partners()
        lines = []
        Model = self.env["ir.model"]
        for partner in partners.sudo():
            for fname in self._privacy_erasable_fields():
                if partner[fname]:
                    lines.append(
                        {
                            "model": "res.partner",
                            "field": fname,
                            "count": 1,
                            "action": "replace" if fname == "name" else "clear",
                        }
                    )
            lines.append({"model": "res.partner", "field": "name", "count": 1, "action": "replace"})
        for model_name, records in self._privacy_referencing_records(partners).items():
            action = {
                "mail.message": "delete",
                "mail.followers": "delete",
                "mail.activity": "delete",
                "res.users": "archive",
            }.get(model_name, "keep")
            lines.append({"model": model_name, "field": False, "count": len(records), "action": action})
        # reuse privacy_lookup to find what it knows about the person
        seen = {line["model"] for line in lines}
        for partner in partners.sudo():
            if not partner.email:
                continue
            # sudo: the lookup wizard is reserved to administrators in privacy_lookup
            lookup_sudo = (
                self.env["privacy.lookup.wizard"].sudo().new({"name": partner.name, "email": partner.email})
            )
            self.env.flush_all()
            self.env.cr.execute(lookup_sudo._get_query())
            counts = {}
            for row in self.env.cr.dictfetchall():
                counts[row["res_model_id"]] = counts.get(row["res_model_id"], 0) + 1
            for model_id, count in counts.items():
                model_name = Model.sudo().browse(model_id).model
                if model_name not in seen:
                    lines.append({"model": model_name, "field": False, "count": count, "action": "keep"})
                    seen.add(model_name)
        terms, names = self._privacy_identifiers(partners)
        for table, count in self._privacy_sweep(terms, names, dry_run=True).items():
            lines.append({"model": table, "field": "text", "count": count, "action": "sweep"})
        return lines

    def _privacy_erase(self, request=None, reason="request"):
        """Anonymise the person in one transaction; returns the audit record."""
        log_vals, terms, names = self._privacy_erase_records(request, reason)
        log = self._privacy_create_logs([log_vals], self._privacy_sweep(terms, names))
        if request:
            request.sudo().write(
                {
                    "state": "done",
                    "done_date": fields.Datetime.now(),
                    "erasure_log_id": log.id,
                }
            )
        return log

    def _privacy_erase_batch(self, reason="retention"):
        """Anonymise several persons, sweeping the database once for all of them.

        The sweep reads every text column of every table: once per batch
        instead of once per person. Each person still gets an audit record.
        """
        subjects = {partner: partner._privacy_subject_partners() for partner in self}
        everyone = self.browse().union(*subjects.values())
        # one search per referencing model for the whole batch
        referencing = self._privacy_referencing_records(everyone)
        # split before erasing anyone: an erasure deletes some of these records
        reference_fields = self._privacy_reference_fields()
        per_person = {
            partner: self._privacy_records_of(referencing, subjects[partner], reference_fields)
            for partner in self
        }
        all_vals, all_terms, all_names = [], set(), set()
        for partner in self:
            log_vals, terms, names = partner._privacy_erase_records(
                reason=reason, referencing=per_person[partner]
            )
            all_vals.append(log_vals)
            all_terms |= terms
            all_names |= names
        return self._privacy_create_logs(all_vals, self._privacy_sweep(all_terms, all_names))

    @api.model
    def _privacy_create_logs(self, vals_list, swept):
        """The audit records, with the text the sweep rewrote (counted per table)."""
        lines = [f"text rewritten in {table}: {count}" for table, count in sorted(swept.items())]
        if lines and len(vals_list) > 1:
            lines.insert(0, f"text sweep shared by a batch of {len(vals_list)} erasures:")
        for vals in vals_list:
            vals["summary"] = "\n".join([vals["summary"], *lines]).strip()
        # sudo: the audit records are written by the erasure itself, whoever runs it
        return self.env["retail.crm.erasure.log"].sudo().create(vals_list)

    @api.model
    def _privacy_records_of(self, referencing, partners, reference_fields):
        """The part of ``referencing`` (found for a whole batch) pointing at
        ``partners``; ``reference_fields`` as from _privacy_reference_fields()."""
        ids = set(partners.ids)
        found = {}
        for model_name, records in referencing.items():
            fnames = reference_fields[model_name]

            def points_at(record, fnames=fnames, model_name=model_name):
                if any(record[fname].id in ids for fname in fnames):
                    return True
                return model_name == "mail.message" and record.model == "res.partner" and record.res_id in ids

            mine = records.filtered(points_at)
            if model_name == "res.partner":
                mine -= partners
            if mine:
                found[model_name] = mine
        return found

    def _privacy_erase_records(self, request=None, reason="request", referencing=None):
        """Everything of the erasure but the text sweep and the audit record;
        returns (audit record values, identifier terms, name terms)."""
        self.ensure_one()
        partners = self._privacy_subject_partners()
        partners_sudo = partners.sudo().with_context(
            active_test=False, tracking_disable=True, mail_notrack=True, mail_create_nolog=True
        )
        if partners_sudo.user_ids.filtered(lambda u: not u.share):
            raise UserError(_("Internal users cannot be erased as customers; archive the user first."))
        company_partners = self.env["res.company"].sudo().search([]).partner_id
        if partners & company_partners:
            raise UserError(_("A company's own contact cannot be erased."))
        terms, names = self._privacy_identifiers(partners)
        key = tools.config.get("retail_crm_privacy_key") or self.env["ir.config_parameter"].sudo().get_param(
            "database.secret"
        )
        main_sudo = self.sudo()
        digest = privacy_tools.subject_hash(
            key,
            main_sudo.email_normalized,
            *privacy_tools.phone_variants(main_sudo.mobile),
            *privacy_tools.phone_variants(main_sudo.phone),
        )
        if referencing is None:
            referencing = self._privacy_referencing_records(partners)
        summary = [f"{model_name}: {len(records)}" for model_name, records in sorted(referencing.items())]
        # sudo below: erasure is an officer action that must reach every record
        # of the person, whatever the record rules of the officer
        messages = referencing.get("mail.message", self.env["mail.message"].sudo())
        # exists(): in a batch, a message about two persons went with the first
        messages.exists().unlink()
        requests_sudo = (
            self.env["retail.crm.privacy.request"].sudo().search([("partner_id", "in", partners.ids)])
        )
        attachments = (
            self.env["ir.attachment"]
            .sudo()
            .search(
                [
                    "|",
                    "&",
                    ("res_model", "=", "res.partner"),
                    ("res_id", "in", partners.ids),
                    "&",
                    ("res_model", "=", "retail.crm.privacy.request"),
                    ("res_id", "in", requests_sudo.ids),
                ]
            )
        )
        attachments.unlink()
        self.env["mail.followers"].sudo().search([("partner_id", "in", partners.ids)]).unlink()
        self.env["mail.activity"].sudo().search(
            [("res_model", "=", "res.partner"), ("res_id", "in", partners.ids)]
        ).unlink()
        emails = [p.email_normalized for p in partners_sudo if p.email_normalized]
        if emails:
            self.env["mail.blacklist"].sudo().with_context(active_test=False).search(
                [("email", "in", emails)]
            ).unlink()
        phones = [t for t in terms if t.startswith("+")]
        if phones:
            self.env["phone.blacklist"].sudo().with_context(active_test=False).search(
                [("number", "in", phones)]
            ).unlink()
        reference = f"ERASED-{secrets.token_hex(4).upper()}"
        users = partners_sudo.user_ids
        if users:
            users.write({"active": False})
            for user in users:
                user.login = f"{reference.lower()}-{user.id}"
        vals = dict.fromkeys(self._privacy_erasable_fields(), False)
        vals.update(
            {
                "name": _("Erased customer %(ref)s", ref=reference),
                "active": False,
                "privacy_erased_date": fields.Datetime.now(),
            }
        )
        # active_test must be on: base refuses to archive contacts of users it finds
        partners_sudo.with_context(active_test=True).write(vals)
        log_vals = {
            "name": reference,
            "partner_id": self.id,
            "request_id": request.id if request else False,
            "reason": reason,
            "subject_hash": digest,
            "summary": "\n".join(summary),
        }
        return log_vals, terms, names

    @api.model
    def _privacy_retention_domain(self):
        days = int(
            self.env["ir.config_parameter"].sudo().get_param("retail_crm_privacy.retention_days", "0") or 0
        )
        if days <= 0:
            return None
        limit = fields.Datetime.now() - timedelta(days=days)
        self.env["pos.order"].flush_model(["partner_id", "date_order"])
        # customers whose last activity (POS order, or creation) is older than the limit
        self.env.cr.execute(
            SQL(
                """
            SELECT p.id
              FROM res_partner p
              LEFT JOIN (SELECT partner_id, max(date_order) AS last_order
                           FROM pos_order WHERE partner_id IS NOT NULL
                       GROUP BY partner_id) o ON o.partner_id = p.id
             WHERE p.privacy_erased_date IS NULL
               AND p.partner_share
               AND p.parent_id IS NULL
               AND NOT EXISTS (SELECT 1 FROM res_users u WHERE u.partner_id = p.id)
               AND NOT EXISTS (SELECT 1 FROM res_company c WHERE c.partner_id = p.id)
               AND coalesce(o.last_order, p.create_date) < %s
            """,
                limit,
            )
        )
        return [("id", "in", [row[0] for row in self.env.cr.fetchall()])]

    @api.model
    def _privacy_retention_candidates(self):
        domain = self._privacy_retention_domain()
        if domain is None:
            return self.browse()
        return self.with_context(active_test=False).search(domain)

    @api.model
    def action_privacy_retention_preview(self):
        domain = self._privacy_retention_domain() or [("id", "=", 0)]
        return {
            "type": "ir.actions.act_window",
            "name": _("Customers to anonymise (retention)"),
            "res_model": "res.partner",
            "view_mode": "list,form",
            "domain": domain,
            "context": {"active_test": False},
        }

    @api.model
    def _cron_privacy_retention(self, batch_size=50):
        """Anonymise every customer past the retention period, committing per
        batch (resumable: erased customers are no longer candidates)."""
        icp = self.env["ir.config_parameter"].sudo()
        if icp.get_param("retail_crm_privacy.retention_auto", "False") == "False":
            return
        candidates = self._privacy_retention_candidates()
        in_test = tools.config["test_enable"] or modules.module.current_test
        done = 0
        for start in range(0, len(candidates), batch_size):
            batch = candidates[start : start + batch_size]
            batch._privacy_erase_batch(reason="retention")
            done += len(batch)
            self.env["ir.cron"]._notify_progress(done=done, remaining=len(candidates) - done)
            if not in_test:
                self.env.cr.commit()  # pylint: disable=invalid-commit
