from odoo import fields, models

from .privacy_finder_address import ensure_address_indexes


class RetailCrmErasureLog(models.Model):
    """Proof that a person's data was erased, without re-identifying them:
    a keyed hash of their identifiers, counts of what changed, who and when."""

    _name = "retail.crm.erasure.log"
    _description = "Erasure Audit Record"
    _order = "id desc"

    name = fields.Char(string="Reference", required=True, readonly=True)
    partner_id = fields.Many2one(
        "res.partner", string="Anonymised contact", readonly=True, ondelete="set null"
    )
    request_id = fields.Many2one("retail.crm.privacy.request", readonly=True, ondelete="set null")
    reason = fields.Selection(
        selection=[("request", "Data-subject request"), ("retention", "Retention period")],
        readonly=True,
        default="request",
    )
    subject_hash = fields.Char(
        readonly=True,
        help="HMAC-SHA256 of the person's normalised e-mails and phone numbers, keyed "
        "with retail_crm_privacy_hash_key of the server configuration file (never "
        "stored in the database): proves the erasure to someone who presents the "
        "identifiers and the key, cannot be reversed. Empty when no key is configured.",
    )
    plan_lines = fields.Json(
        readonly=True, help="What the erasure did: [model, field, action, records], as previewed."
    )
    date = fields.Datetime(readonly=True, default=fields.Datetime.now)
    user_id = fields.Many2one("res.users", readonly=True, default=lambda self: self.env.user)
    summary = fields.Text(readonly=True, help="What changed, counted per model (no values).")
    company_id = fields.Many2one("res.company", readonly=True, default=lambda self: self.env.company)

    def init(self):
        # the erasure finds a person's address on orders through these indexes
        ensure_address_indexes(self.env)
