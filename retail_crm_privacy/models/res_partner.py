import logging

from odoo import api, fields, models, tools

from . import privacy_render
from .privacy_erasure import PrivacyErasure
from .privacy_erasure_identity import PrivacyIdentity
from .privacy_export import PrivacyExport
from .privacy_finder_base import data_models
from .privacy_finder_children import child_fields
from .privacy_retention import PrivacyRetention

_logger = logging.getLogger(__name__)

REPORT_READS_KEY = "retail_crm_privacy.report_reads"


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

    # ------------------------------------------------------------------
    # What the database holds, cached (``ormcache``: cleared whenever the
    # registry sets its models up again, e.g. a module or a custom field)
    # ------------------------------------------------------------------
    @api.model
    @tools.ormcache()
    def _privacy_render_candidates(self):
        """((model, field, link), ...) of the fields whose values may carry a
        customer's personal data (privacy_render.py)."""
        return tuple(privacy_render.find_candidate_fields(self.env))

    @api.model
    @tools.ormcache()
    def _privacy_data_models(self):
        """Names of the models stored in a regular table (the privacy finders)."""
        return tuple(data_models(self.env))

    @api.model
    @tools.ormcache()
    def _privacy_child_fields(self):
        """The compositions between the data models (privacy_finder_children)."""
        return child_fields(self.env, self._privacy_data_models())

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
        """Everything held about the person, labelled, JSON-serialisable.
        The export is in the access log, in clear, under the exporting user."""
        subjects = self._privacy_subject_partners()
        # logged first: the export lists its own access record too
        self._privacy_log_shown(
            subjects.ids, set(subjects.ids), self._privacy_personal_fields(), channel="export"
        )
        return PrivacyExport(self.env)._export(self, lang=lang)

    @api.model
    def _privacy_retention_candidates(self):
        return PrivacyRetention(self.env)._candidates()

    @api.model
    def action_privacy_retention_preview(self):
        return PrivacyRetention(self.env)._action_preview()

    @api.model
    def _cron_privacy_retention(self, batch_size=200):
        """Scheduled action: one transaction per batch when run by a cron
        worker (``ir.cron`` gives its job a progress record, the batches
        report to it through ``_notify_progress``); called any other way
        (tests, shell, the preview), nothing is committed."""
        commit = bool(self.env.context.get("ir_cron_progress_id"))
        return PrivacyRetention(self.env)._run(batch_size=batch_size, commit=commit)
