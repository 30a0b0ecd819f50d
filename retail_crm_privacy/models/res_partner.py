import logging
from collections import defaultdict

from odoo import _, api, fields, models, tools
from odoo.exceptions import AccessError, UserError, ValidationError

from . import privacy_tools
from .privacy_erasure import PrivacyErasure
from .privacy_erasure_identity import PrivacyIdentity
from .privacy_export import PrivacyExport
from .privacy_retention import PrivacyRetention

_logger = logging.getLogger(__name__)

REPORT_READS_KEY = "retail_crm_privacy.report_reads"


class ResPartner(models.Model):
    _inherit = "res.partner"

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

    # ------------------------------------------------------------------
    # Roles, masking and access log (P4, P5, P6)
    # ------------------------------------------------------------------

    @api.model
    def _privacy_personal_fields(self):
        # cached per registry: the field set only changes when modules load
        cache = self.env.registry.__dict__.setdefault("_retail_crm_privacy_personal", {})
        if self._name not in cache:
            cache[self._name] = tuple(privacy_tools.personal_field_names(self))
        return list(cache[self._name])

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

    @api.model
    def _privacy_is_restricted(self):
        """Cashiers (POS user without POS manager) only see the personal data
        of the customers assigned to them."""
        if self.env.su:
            return False
        user = self.env.user
        return (
            user.has_group("point_of_sale.group_pos_user")
            and not user.has_group("point_of_sale.group_pos_manager")
            and not user.has_group("base.group_system")
            and not user.has_group("retail_crm_privacy.group_privacy_officer")
        )

    def _privacy_owned_ids(self):
        """Ids in ``self`` whose personal data the current user may see:
        their assigned customers, themselves, internal users and companies."""
        # sudo: ownership is decided on the assignment itself, not on what
        # the user may read
        partners_sudo = self.sudo().with_context(active_test=False).exists()
        company_partner_ids = set(self.env["res.company"].sudo().search([]).partner_id.ids)
        owned = set()
        for partner in partners_sudo:
            if (
                partner.user_id.id == self.env.uid
                or partner.id == self.env.user.partner_id.id
                or partner.id in company_partner_ids
                or not partner.partner_share
            ):
                owned.add(partner.id)
        return owned

    def _privacy_mask_rows(self, result):
        """Mask, in rows of read(), the personal values of customers the
        current (restricted) user is not assigned to."""
        if self.env.su or not result or not self._privacy_is_restricted():
            return result
        personal = set(self._privacy_personal_fields()) & set(result[0])
        # display names may embed the address, e-mail or tax id (context keys)
        revealing_name = "display_name" in result[0] and any(
            self.env.context.get(key) for key in ("show_address", "show_email", "show_vat")
        )
        if not personal and not revealing_name:
            return result
        owned = self.browse(
            [row["id"] for row in result if isinstance(row.get("id"), int)]
        )._privacy_owned_ids()
        plain = self.with_context(show_address=False, show_email=False, show_vat=False)
        for row in result:
            if row.get("id") in owned:
                continue
            for fname in personal:
                row[fname] = privacy_tools.mask_value(fname, self._fields[fname].type, row[fname])
            if revealing_name and isinstance(row.get("id"), int):
                row["display_name"] = plain.browse(row["id"]).display_name
        return result

    def _privacy_log_rows(self, result, channel):
        """One access-log INSERT for the personal fields in ``result``."""
        if self.env.su or not result or not self.env.user._is_internal():
            return
        personal = set(self._privacy_personal_fields()) & set(result[0])
        if not personal:
            return
        self.env["retail.crm.privacy.access.log"]._log_access(
            [row["id"] for row in result if isinstance(row.get("id"), int)],
            personal,
            self.env.context.get("privacy_channel") or channel,
            masked=self._privacy_is_restricted(),
        )

    @api.model
    def _privacy_log_report(self, partner_ids, field_names, masked):
        """Record personal values rendered in a QWeb report for the current
        user; aggregated per transaction and written at commit (one INSERT
        per set of fields, not one per rendered field)."""
        if self.env.su or not partner_ids or not field_names or not self.env.user._is_internal():
            return
        precommit = self.env.cr.precommit
        if REPORT_READS_KEY not in precommit.data:
            precommit.add(self._privacy_flush_report_reads)
        reads = precommit.data.setdefault(REPORT_READS_KEY, {})
        by_partner = reads.setdefault((self.env.uid, self.env.company.id, bool(masked)), {})
        for partner_id in partner_ids:
            by_partner.setdefault(partner_id, set()).update(field_names)

    @api.model
    def _privacy_flush_report_reads(self):
        reads = self.env.cr.precommit.data.pop(REPORT_READS_KEY, {})
        for (uid, company_id, masked), by_partner in reads.items():
            groups = defaultdict(list)
            for partner_id, field_names in by_partner.items():
                groups[frozenset(field_names)].append(partner_id)
            Log = self.env["retail.crm.privacy.access.log"].with_user(uid).with_company(company_id)
            for field_names, partner_ids in groups.items():
                Log._log_access(partner_ids, field_names, "report", masked=masked)

    @api.model
    def _privacy_log_rows_ids(self, partner_ids, personal, channel):
        if self.env.su or not partner_ids or not self.env.user._is_internal():
            return
        self.env["retail.crm.privacy.access.log"]._log_access(
            partner_ids, personal, channel, masked=self._privacy_is_restricted()
        )

    @api.model
    def _read_group(self, domain, groupby=(), aggregates=(), having=(), offset=0, limit=None, order=None):
        if self._privacy_is_restricted():
            personal = set(self._privacy_personal_fields())
            grouped = {spec.split(":")[0].split(".")[0] for spec in groupby}
            # aggregates such as array_agg/min/max would return the values too
            grouped |= {
                spec.split(":")[0]
                for spec in aggregates
                if spec != "__count" and spec.split(":")[-1] not in ("count", "count_distinct")
            }
            if grouped & personal:
                # group labels and their domains would show the values in clear
                raise AccessError(_("You cannot group customers by their personal data."))
        return super()._read_group(
            domain,
            groupby=groupby,
            aggregates=aggregates,
            having=having,
            offset=offset,
            limit=limit,
            order=order,
        )

    def _read_format(self, fnames, load="_classic_read"):
        result = super()._read_format(fnames, load=load)
        return self._privacy_mask_rows(result)

    def read(self, fields=None, load="_classic_read"):
        result = super().read(fields=fields, load=load)
        self._privacy_log_rows(result, "rpc")
        return result

    # reads write the access log: run them in a read/write transaction
    read._readonly = False

    @api.model
    def search_read(self, domain=None, fields=None, offset=0, limit=None, order=None, **read_kwargs):
        result = super().search_read(
            domain=domain, fields=fields, offset=offset, limit=limit, order=order, **read_kwargs
        )
        self._privacy_log_rows(result, "rpc")
        return result

    search_read._readonly = False

    def web_read(self, specification):
        channel = "form" if len(self) == 1 else "rpc"
        return super(ResPartner, self.with_context(privacy_channel=channel)).web_read(specification)

    web_read._readonly = False

    @api.model
    def web_search_read(self, domain, specification, offset=0, limit=None, order=None, count_limit=None):
        return super(ResPartner, self.with_context(privacy_channel="rpc")).web_search_read(
            domain, specification, offset=offset, limit=limit, order=order, count_limit=count_limit
        )

    web_search_read._readonly = False

    def _load_pos_data(self, data):
        return super(ResPartner, self.with_context(privacy_channel="pos"))._load_pos_data(data)

    @api.model_create_multi
    def create(self, vals_list):
        if not self.env.su:
            for vals in vals_list:
                self._privacy_check_collection(vals)
            if self._privacy_is_restricted():
                for vals in vals_list:
                    # the cashier who registers a customer becomes their 导购
                    vals.setdefault("user_id", self.env.uid)
        return super().create(vals_list)

    def write(self, vals):
        if not self.env.su:
            self._privacy_check_collection(vals)
            if self._privacy_is_restricted():
                vals = self._privacy_check_write(vals)
        return super().write(vals)

    def _privacy_check_write(self, vals):
        """Cashiers cannot change personal fields of others' customers.
        A masked value sent back unchanged (form re-save) is ignored."""
        personal = set(vals) & set(self._privacy_personal_fields())
        if not personal:
            return vals
        owned = self._privacy_owned_ids()
        others = self.filtered(lambda p: p.id not in owned)
        if not others:
            return vals
        vals = dict(vals)
        for fname in personal:
            field_type = self._fields[fname].type
            if all(
                privacy_tools.mask_value(fname, field_type, partner.sudo()[fname]) == vals[fname]
                for partner in others
            ):
                vals.pop(fname)
        changed = set(vals) & personal
        if changed:
            raise AccessError(
                _(
                    "You may only change the personal data (%(fields)s) of customers assigned to you.",
                    fields=", ".join(sorted(self._fields[f].string for f in changed)),
                )
            )
        return vals

    @api.model
    def _privacy_collected_categories(self):
        icp = self.env["ir.config_parameter"].sudo()
        return {
            category
            for category in privacy_tools.OPTIONAL_CATEGORIES
            if icp.get_param(f"retail_crm_privacy.collect_{category}", "True") != "False"
        }

    @api.model
    def _privacy_check_collection(self, vals):
        """Data minimisation (D4): refuse values of optional fields the
        company decided not to collect."""
        collected = self._privacy_collected_categories()
        refused = []
        for category, pattern in privacy_tools.OPTIONAL_CATEGORIES.items():
            if category in collected:
                continue
            refused += [
                fname
                for fname, value in vals.items()
                if value
                and pattern.search(fname)
                and fname in self._fields
                and fname in self._privacy_personal_fields()
            ]
        if refused:
            raise ValidationError(
                _(
                    "Your privacy settings say these customer fields are not collected: "
                    "%(fields)s. Leave them empty or change the setting.",
                    fields=", ".join(sorted(self._fields[f].string for f in refused)),
                )
            )

    # ------------------------------------------------------------------
    # Consent from the POS (P1)
    # ------------------------------------------------------------------

    @api.model
    def privacy_pos_get_consents(self, partner_id):
        """Purposes and the live state of each for one partner (POS dialog)."""
        purposes = self.env["retail.crm.consent.purpose"].search([])
        current = self.env["retail.crm.consent.current"].search([("partner_id", "=", partner_id)])
        state_by_purpose = {c.purpose_id.id: c.state for c in current}
        return [
            {
                "id": p.id,
                "name": p.name,
                "granted": state_by_purpose.get(p.id) == "granted",
                "known": p.id in state_by_purpose,
            }
            for p in purposes
        ]

    @api.model
    def privacy_pos_set_consents(self, partner_id, values, config_id=False):
        """Record the consents ticked at the till: ``values`` maps purpose id
        to granted (bool). Only changes are recorded (append-only history)."""
        partner = self.browse(partner_id).exists()
        if not partner:
            raise UserError(_("This customer no longer exists."))
        config = self.env["pos.config"].browse(config_id).exists() if config_id else None
        current = {
            c.purpose_id.id: c.state
            for c in self.env["retail.crm.consent.current"].search([("partner_id", "=", partner.id)])
        }
        Consent = self.env["retail.crm.consent"]
        Purpose = self.env["retail.crm.consent.purpose"]
        created = Consent
        for purpose_id, granted in values.items():
            state = "granted" if granted else "withdrawn"
            if current.get(int(purpose_id)) == state:
                continue
            if not granted and int(purpose_id) not in current:
                continue  # never asked before and not given: nothing to record
            created |= Consent._record(
                partner, Purpose.browse(int(purpose_id)), state, source="pos", pos_config=config
            )
        return created.ids

    # ------------------------------------------------------------------
    # Data-subject rights: entry points only. The work is done by the
    # services of privacy_erasure* (plan/execute), privacy_export, privacy_retention
    # ------------------------------------------------------------------

    def _privacy_subject_partners(self):
        """The partner and its contacts/addresses (not its parent company)."""
        return PrivacyIdentity(self.env)._subjects(self)

    def _privacy_erasure_plan(self):
        """What an erasure of ``self`` will change; nothing is modified."""
        return PrivacyErasure(self.env)._plan(self)

    def _privacy_erase(self, request=None, reason="request"):
        """Anonymise the person in the current transaction; returns the audit record."""
        return PrivacyErasure(self.env)._erase(self, request=request, reason=reason)

    def _privacy_export_data(self, lang=None):
        """Everything held about the person, labelled, JSON-serialisable."""
        return PrivacyExport(self.env)._export(self, lang=lang)

    @api.model
    def _privacy_retention_candidates(self):
        return PrivacyRetention(self.env)._candidates()

    @api.model
    def action_privacy_retention_preview(self):
        return PrivacyRetention(self.env)._action_preview()

    @api.model
    def _cron_privacy_retention(self, batch_size=50):
        return PrivacyRetention(self.env)._run(batch_size=batch_size)
