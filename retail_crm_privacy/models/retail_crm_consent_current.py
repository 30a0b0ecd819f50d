from odoo import fields, models, tools
from odoo.tools import SQL


class RetailCrmConsentCurrent(models.Model):
    """The live consent of each partner and purpose: the latest record."""

    _name = "retail.crm.consent.current"
    _description = "Current Consent"
    _auto = False
    _order = "partner_id, purpose_id"

    partner_id = fields.Many2one("res.partner", readonly=True)
    purpose_id = fields.Many2one("retail.crm.consent.purpose", readonly=True)
    consent_id = fields.Many2one("retail.crm.consent", readonly=True)
    state = fields.Selection(selection=[("granted", "Granted"), ("withdrawn", "Withdrawn")], readonly=True)
    date = fields.Datetime(readonly=True)
    source = fields.Selection(
        selection=lambda self: (
            self.env["retail.crm.consent"]._fields["source"]._description_selection(self.env)
        ),
        readonly=True,
    )
    company_id = fields.Many2one("res.company", readonly=True)

    def init(self):
        tools.drop_view_if_exists(self.env.cr, self._table)
        self.env.cr.execute(
            SQL(
                """
            CREATE VIEW %s AS (
                SELECT DISTINCT ON (c.partner_id, c.purpose_id)
                       c.id AS id, c.id AS consent_id, c.partner_id, c.purpose_id,
                       c.state, c.date, c.source, c.company_id
                  FROM retail_crm_consent c
              ORDER BY c.partner_id, c.purpose_id, c.date DESC, c.id DESC
            )
            """,
                SQL.identifier(self._table),
            )
        )
