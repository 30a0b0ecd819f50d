from odoo import api, fields, models
from odoo.tools import SQL

# percentage of a res_partner page filled by inserts and moved rows (see init)
PARTNER_FILLFACTOR = 85

SEGMENT_SELECTION = [
    ("HHH", "Champions"),
    ("LHH", "Important to retain"),
    ("HLH", "Important to develop"),
    ("LLH", "Important to win back"),
    ("HHL", "Regular value"),
    ("LHL", "Regular to keep"),
    ("HLL", "Regular to develop"),
    ("LLL", "Potential"),
]

CLUSTER_SELECTION = [
    ("AHH", "Active, frequent, big tickets (loyal big spenders)"),
    ("AHL", "Active, frequent, small tickets (price-sensitive)"),
    ("ALH", "Active, occasional, big tickets (quality-seeking)"),
    ("ALL", "Active, occasional, small tickets (casual)"),
    ("LHH", "Lapsed, frequent, big tickets (valuable at risk)"),
    ("LHL", "Lapsed, frequent, small tickets (bargain hunters at risk)"),
    ("LLH", "Lapsed, occasional, big tickets (one-off big buyers)"),
    ("LLL", "Lapsed, occasional, small tickets (dormant)"),
]

# company_dependent: a shared customer gets one set of figures per company.
# No index: the nightly write-back rewrites these columns and non-indexed
# columns keep the updates cheap (HOT updates).
_RFM = {
    "company_dependent": True,
    "readonly": True,
    "index": False,
    "copy": False,
    "groups": "point_of_sale.group_pos_user,mass_mailing.group_mass_mailing_user",
}


class ResPartner(models.Model):
    _inherit = "res.partner"

    # the last purchase day is stored, not the days since: it does not change
    # from one day to the next, so a next-day run rewrites only the customers
    # whose figures changed (the days since are computed from it)
    rfm_last_purchase_date = fields.Date(string="Last Purchase Day", **_RFM)
    rfm_recency = fields.Integer(
        string="Recency (days)",
        compute="_compute_rfm_recency",
        search="_search_rfm_recency",
        groups=_RFM["groups"],
        help="Days from the last purchase day to the date of the company's last RFM run "
        "(the recency the R score was computed from).",
    )
    rfm_frequency = fields.Integer(string="Frequency (purchase days)", aggregator="avg", **_RFM)
    rfm_monetary = fields.Float(string="Monetary", digits=(16, 2), aggregator="avg", **_RFM)
    rfm_r_score = fields.Integer(string="R Score", aggregator="avg", **_RFM)
    rfm_f_score = fields.Integer(string="F Score", aggregator="avg", **_RFM)
    rfm_m_score = fields.Integer(string="M Score", aggregator="avg", **_RFM)
    rfm_segment_id = fields.Many2one("retail.crm.rfm.segment", string="RFM Segment", **_RFM)
    rfm_cluster = fields.Selection(CLUSTER_SELECTION, string="Behaviour Cluster", **_RFM)
    rfm_churn_probability = fields.Float(
        string="Churn Risk",
        digits=(16, 4),
        help="Probability of no purchase within the prediction horizon (BG/NBD or MBG/NBD, see the run).",
        aggregator="avg",
        **_RFM,
    )
    rfm_expected_purchases = fields.Float(
        string="Expected Purchases",
        digits=(16, 4),
        help="Expected purchase days over the prediction horizon.",
        aggregator="avg",
        **_RFM,
    )
    rfm_ltv = fields.Float(
        string="Predicted Value",
        digits=(16, 2),
        help="Expected purchase days x expected spend (Gamma-Gamma) over the prediction horizon, "
        "discounted at the annual rate of the settings; on margin where the cost of the sold products "
        "is known, else on revenue (sales incl. taxes, net of refunds): see the run.",
        aggregator="avg",
        **_RFM,
    )
    rfm_date = fields.Date(string="RFM Date", **_RFM)

    def init(self):
        res = super().init()
        # room on every page for the next version of a row: the nightly
        # rewrite of a customer's figures (no indexed column) then stays on
        # its page, a HOT update that adds no entry to the table's indexes
        # (about 38 with the suite); only pages written from now on keep it
        self.env.cr.execute(
            SQL(
                "SELECT COALESCE(substring(array_to_string(reloptions, ',') FROM 'fillfactor=([0-9]+)'), '100')::int"
                " FROM pg_class WHERE oid = 'res_partner'::regclass"
            )
        )
        if self.env.cr.fetchone()[0] > PARTNER_FILLFACTOR:
            self.env.cr.execute(SQL("ALTER TABLE res_partner SET (fillfactor = %s)", PARTNER_FILLFACTOR))
        return res

    def _rfm_last_run_date(self):
        """Date of the current company's last finished run (recency is counted to it)."""
        run = self.env["retail.crm.rfm.run"].sudo()._get_last_done_run(self.env.company)
        # sudo: only the date of the run is read, for figures the user may already read
        return run.run_date

    @api.depends_context("company")
    @api.depends("rfm_last_purchase_date")
    def _compute_rfm_recency(self):
        run_date = self._rfm_last_run_date() if self else False
        for partner in self:
            last = partner.rfm_last_purchase_date
            partner.rfm_recency = (run_date - last).days if run_date and last else 0

    def _search_rfm_recency(self, operator, value):
        """Recency compared in days is the last purchase day compared the other way round."""
        run_date = self._rfm_last_run_date()
        flipped = {"<": ">", "<=": ">=", ">": "<", ">=": "<=", "=": "=", "!=": "!="}
        if operator not in flipped or not isinstance(value, int) or isinstance(value, bool):
            raise ValueError(f"Unsupported search on recency: {operator} {value!r}")
        if not run_date:
            return [("id", "=", False)] if operator != "!=" else []
        day = fields.Date.subtract(run_date, days=value)
        domain = [("rfm_last_purchase_date", flipped[operator], day)]
        if operator == "!=":
            domain = ["|", ("rfm_last_purchase_date", "=", False)] + domain
        return domain

    def unlink(self):
        # the snapshot table has no foreign keys (see retail.crm.rfm.snapshot)
        self.env["retail.crm.rfm.snapshot"]._delete_for("partner_id", self.ids)
        # their stored purchase history (``retail_crm_rfm_summary``): their
        # orders lose their customer, so no run would recompute them
        self.env.cr.execute(SQL("DELETE FROM retail_crm_rfm_summary WHERE partner_id = ANY(%s)", self.ids))
        # their replenishment forecasts (no foreign keys either)
        self.env["retail.crm.replenishment"]._forget("partner_id", self.ids)
        return super().unlink()

    def _rfm_campaign_targets(self, marketing=True):
        """The customers a segment campaign may reach: not on the e-mail
        blacklist, and where the suite's privacy addon records consent, not
        refusing profiling (PIPL Art. 24: segments are profiling) and, for
        ``marketing`` (mailings, coupons, offers), with a live e-mail or SMS
        marketing consent."""
        partners = self.filtered_domain([("is_blacklisted", "=", False)])
        if partners and hasattr(partners, "_privacy_profiling_refused_ids"):
            refused = partners._privacy_profiling_refused_ids(partners.ids)
            partners = partners.filtered(lambda p: p.id not in refused)
            if marketing:
                partners = partners._privacy_marketing_partners(
                    "email"
                ) | partners._privacy_marketing_partners("sms")
        return partners

    def action_rfm_segment_action(self):
        action = self.env["ir.actions.act_window"]._for_xml_id(
            "retail_crm_rfm.retail_crm_rfm_segment_action_action"
        )
        action["context"] = {"default_partner_ids": self.ids}
        return action
