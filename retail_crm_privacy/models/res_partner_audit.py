"""Access log of customers' personal data: what was shown (masked or clear),
to whom, by which route (P6). Written where the values leave the server
(res_partner_access.py ``_read_format``, exports, reports, till lookups)."""

from collections import defaultdict

from odoo import SUPERUSER_ID, api, models

REPORT_READS_KEY = "retail_crm_privacy.report_reads"


class RetailCrmPrivacyPartnerAudit(models.AbstractModel):
    """Mixed into res.partner (see res_partner.py)."""

    _name = "retail.crm.privacy.partner.audit"
    _description = "Customer personal data: access log"

    @api.model
    def _privacy_audited(self):
        """Reads by people are logged; the superuser's (crons, install) not."""
        return self.env.uid != SUPERUSER_ID and self.env.user._is_internal()

    @api.model
    def _privacy_log_shown(self, partner_ids, visible_ids, field_names, channel=None):
        """Log ``field_names`` of ``partner_ids`` shown to the user: clear for
        ``visible_ids``, masked for the others (one INSERT)."""
        if not partner_ids or not field_names or not self._privacy_audited():
            return
        channel = channel or self.env.context.get("privacy_channel") or "rpc"
        masked = {pid for pid in partner_ids if pid not in visible_ids}
        self.env["retail.crm.privacy.access.log"]._log_access(
            partner_ids, field_names, channel, masked=masked
        )

    @api.model
    def _privacy_log_rows_ids(self, partner_ids, personal, channel, masked=None):
        """Log a read of ``personal`` for ``partner_ids``; ``masked`` None:
        decided per customer by the access rule."""
        partners = self.browse(partner_ids)
        visible = set() if masked else partners._privacy_visible_ids()
        if masked is False:
            visible = set(partners.ids)
        self._privacy_log_shown(partners.ids, visible, personal, channel)

    @api.model
    def _privacy_log_report(self, partner_ids, field_names, masked):
        """Record personal values rendered in a QWeb report for the current
        user; aggregated per transaction and written at commit (one INSERT
        per set of fields, not one per rendered field)."""
        if not partner_ids or not field_names or not self._privacy_audited():
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

    # ------------------------------------------------------------------
    # Routes: the channel written in the log
    # ------------------------------------------------------------------

    # read, search_read, web_read and web_search_read stay read-only routes
    # (Odoo's @api.readonly): with a read replica, the access log row goes to
    # the primary database in a short transaction of its own
    # (retail.crm.privacy.access.log._log_access), never the whole read

    def web_read(self, specification):
        channel = self.env.context.get("privacy_channel") or ("form" if len(self) == 1 else "rpc")
        return super(RetailCrmPrivacyPartnerAudit, self.with_context(privacy_channel=channel)).web_read(
            specification
        )

    @api.model
    def web_search_read(self, domain, specification, offset=0, limit=None, order=None, count_limit=None):
        channel = self.env.context.get("privacy_channel") or "rpc"
        return super(
            RetailCrmPrivacyPartnerAudit, self.with_context(privacy_channel=channel)
        ).web_search_read(
            domain, specification, offset=offset, limit=limit, order=order, count_limit=count_limit
        )

    def _load_pos_data(self, data):
        return super(RetailCrmPrivacyPartnerAudit, self.with_context(privacy_channel="pos"))._load_pos_data(
            data
        )
