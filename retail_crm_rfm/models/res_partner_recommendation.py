from markupsafe import Markup

from odoo import api, fields, models
from odoo.exceptions import AccessError, UserError
from odoo.tools import SQL

from ..tools.paid_states import PAID_STATES

POS_SUGGESTIONS = 3
_GROUPS = "point_of_sale.group_pos_manager,mass_mailing.group_mass_mailing_user"


class ResPartner(models.Model):
    """R8: products recommended to a customer from the current cross-sell rules.

    A product is recommended when the customer bought the left side of a
    current product rule and never bought the product (paid orders, net of
    refunds); ranked by the rule's lift x (1 + the customer's preference tags
    whose category holds the product). Nothing for people who refused
    profiling."""

    _inherit = "res.partner"  # pylint: disable=consider-merging-classes-inherited

    rfm_recommended_product_ids = fields.Many2many(
        "product.product",
        string="Recommended for this Customer",
        compute="_compute_rfm_recommendations",
        groups=_GROUPS,
    )
    rfm_recommendation_text = fields.Char(
        string="Top Recommendations",
        compute="_compute_rfm_recommendations",
        groups=_GROUPS,
        help="The customer's top three recommended products, for mailings.",
    )

    @api.depends_context("company")
    def _compute_rfm_recommendations(self):
        found = self._rfm_recommendations(limit=10)
        products = self.env["product.product"].browse(
            {product_id for rows in found.values() for product_id, _s, _l in rows}
        )
        names = dict(zip(products.ids, products.mapped("display_name"), strict=True))
        for partner in self:
            rows = found.get(partner.id, [])
            partner.rfm_recommended_product_ids = [fields.Command.set([row[0] for row in rows])]
            partner.rfm_recommendation_text = "、".join(names[row[0]] for row in rows[:POS_SUGGESTIONS])

    def _rfm_profiling_refused(self):
        if hasattr(self, "_privacy_profiling_refused_ids"):
            return set(self._privacy_profiling_refused_ids(self.ids))
        return set()

    def _rfm_recommendations(self, limit=3, pos_only=False):
        """{partner id: [(product id, score, lift), ...]} best first, in one statement."""
        ids = [pid for pid in self.ids if pid]
        refused = self._rfm_profiling_refused()
        ids = [pid for pid in ids if pid not in refused]
        if not ids:
            return {}
        company = self.env.company
        self.env["pos.order"].flush_model(["partner_id", "state", "company_id"])
        self.env["pos.order.line"].flush_model(["order_id", "product_id", "qty", "refunded_orderline_id"])
        self.env["retail.crm.rfm.rule"].flush_model()
        self.env["res.partner"].flush_model(["category_id"])
        pos_filter = SQL("AND t.available_in_pos") if pos_only else SQL()
        self.env.cr.execute(
            SQL(
                """
            WITH refunded AS (
                SELECT DISTINCT r.refunded_orderline_id AS line_id
                  FROM pos_order ro
                  JOIN pos_order_line r ON r.order_id = ro.id
                 WHERE ro.partner_id = ANY(%(partners)s) AND ro.company_id = %(company)s
                   AND ro.state IN %(states)s AND r.refunded_orderline_id IS NOT NULL
            ), bought AS (
                SELECT DISTINCT o.partner_id, l.product_id
                  FROM pos_order o
                  JOIN pos_order_line l ON l.order_id = o.id
                  LEFT JOIN refunded f ON f.line_id = l.id
                 WHERE o.partner_id = ANY(%(partners)s) AND o.company_id = %(company)s
                   AND o.state IN %(states)s AND l.qty > 0 AND f.line_id IS NULL
            ), preferred AS (
                SELECT rel.partner_id, c.id AS categ_id, count(DISTINCT tr.tag_id) AS tags
                  FROM res_partner_res_partner_category_rel rel
                  JOIN retail_crm_rfm_tag_rule tr ON tr.tag_id = rel.category_id AND tr.active
                       AND (tr.company_id IS NULL OR tr.company_id = %(company)s)
                  JOIN product_category rc ON rc.id = tr.categ_id
                  JOIN product_category c ON starts_with(c.parent_path, rc.parent_path)
                 WHERE rel.partner_id = ANY(%(partners)s)
                 GROUP BY rel.partner_id, c.id
            ), candidates AS (
                SELECT b.partner_id, r.consequent_product_id AS product_id, max(r.lift) AS lift
                  FROM bought b
                  JOIN retail_crm_rfm_rule r ON r.antecedent_product_id = b.product_id
                       AND r.is_current AND r.level = 'product' AND r.company_id = %(company)s
                 WHERE NOT EXISTS (
                       SELECT 1 FROM bought x
                        WHERE x.partner_id = b.partner_id AND x.product_id = r.consequent_product_id)
                 GROUP BY b.partner_id, r.consequent_product_id
            ), scored AS (
                SELECT c.partner_id, c.product_id, c.lift,
                       c.lift * (1 + COALESCE(pf.tags, 0)) AS score
                  FROM candidates c
                  JOIN product_product p ON p.id = c.product_id AND p.active
                  JOIN product_template t ON t.id = p.product_tmpl_id AND t.active AND t.sale_ok %(pos_filter)s
                  LEFT JOIN preferred pf ON pf.partner_id = c.partner_id AND pf.categ_id = t.categ_id
            ), ranked AS (
                SELECT s.*, row_number() OVER (
                           PARTITION BY s.partner_id ORDER BY s.score DESC, s.lift DESC, s.product_id) AS rank
                  FROM scored s
            )
            SELECT partner_id, product_id, score, lift FROM ranked WHERE rank <= %(limit)s
             ORDER BY partner_id, rank
            """,
                partners=ids,
                company=company.id,
                states=PAID_STATES,
                pos_filter=pos_filter,
                limit=limit,
            )
        )
        result = {}
        for partner_id, product_id, score, lift in self.env.cr.fetchall():
            result.setdefault(partner_id, []).append((product_id, score, lift))
        return result

    @api.model
    def rfm_pos_suggestions(self, partner_id):
        """The till's top three suggestions for the one member selected in the order.

        Only for point of sale users who may read that customer; returns the
        product ids, names and lifts, nothing else about the customer."""
        if not self.env.user.has_group("point_of_sale.group_pos_user"):
            raise AccessError(self.env._("Only point of sale users get suggestions at the till."))
        if not isinstance(partner_id, int) or isinstance(partner_id, bool):
            return []
        partner = self.browse(partner_id).exists()
        if not partner:
            return []
        partner.check_access("read")
        # sudo: the cashier may not read the rules nor the purchase history;
        # this returns the three suggestions of the one customer checked above
        found = partner.sudo()._rfm_recommendations(limit=POS_SUGGESTIONS, pos_only=True)
        rows = found.get(partner.id, [])
        products = self.env["product.product"].sudo().browse([row[0] for row in rows])
        names = dict(zip(products.ids, products.mapped("display_name"), strict=True))
        return [
            {"product_id": product_id, "name": names[product_id], "lift": round(lift, 2)}
            for product_id, _score, lift in rows
        ]

    def mail_allowed_qweb_expressions(self):
        # the mailing of recommendations shows this field; a marketing user who
        # is not a template editor may send it (the field is group-restricted)
        return (*super().mail_allowed_qweb_expressions(), "object.rfm_recommendation_text")

    def _rfm_recommendation_mailing(self, subject=False):
        """A draft mailing to these customers that shows each one their own
        top three recommendations (rendered per recipient at sending time).
        Only the customers with a recommendation and an e-mail address."""
        found = self._rfm_recommendations(limit=POS_SUGGESTIONS)
        recipients = self.filtered(lambda p: p.id in found and p.email)
        if not recipients:
            raise UserError(self.env._("None of these customers has a recommendation and an e-mail address."))
        body = Markup(
            '<div class="o_layout"><p><t t-out="object.name"/>, %s</p>'
            '<p><strong><t t-out="object.rfm_recommendation_text"/></strong></p></div>'
        ) % self.env._("we picked these for you:")
        return self.env["mailing.mailing"].create(
            {
                "subject": subject or self.env._("Picked for you"),
                "mailing_model_id": self.env["ir.model"]._get_id("res.partner"),
                "mailing_domain": repr([("id", "in", recipients.ids)]),
                "body_arch": body,
                "body_html": body,
            }
        )
