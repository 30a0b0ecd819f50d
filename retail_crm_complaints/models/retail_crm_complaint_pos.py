from markupsafe import Markup

from odoo import api, models
from odoo.exceptions import AccessError, UserError


class RetailCrmComplaint(models.Model):
    """Tickets recorded at the till, linked to their POS order."""

    _inherit = "retail.crm.complaint"  # pylint: disable=consider-merging-classes-inherited

    @api.model
    def create_from_pos(self, vals):
        """POS intake: create a ticket for the current order and customer.

        ``vals``: ``config_id``, ``partner_id``, ``description``,
        ``pos_reference`` (receipt number), ``order_id`` (server id if the
        order is synced), ``product_ids``, ``category_id``, ``severity``.
        Returns the reference and id of the new ticket.
        """
        description = (vals.get("description") or "").strip()
        if not description:
            raise UserError(self.env._("Describe the complaint."))
        config = self.env["pos.config"].browse(vals.get("config_id")).exists()
        order = self.env["pos.order"]
        if vals.get("order_id") and isinstance(vals["order_id"], int):
            order = order.browse(vals["order_id"]).exists()
        if not order and vals.get("pos_reference"):
            order = order.search([("pos_reference", "=", vals["pos_reference"])], limit=1)
        products = (
            self.env["product.product"]
            .browse([p for p in vals.get("product_ids") or [] if isinstance(p, int)])
            .exists()
        )
        complaint = self.create(
            {
                "subject": description.splitlines()[0][:80],
                "description": Markup("<p>%s</p>") % description,
                "channel": "store",
                "partner_id": vals.get("partner_id") or order.partner_id.id or False,
                "config_id": config.id or False,
                "company_id": (config.company_id or self.env.company).id,
                "pos_order_id": order.id or False,
                "pos_reference": vals.get("pos_reference") or order.pos_reference or False,
                "product_ids": [(6, 0, (products | order.lines.product_id).ids)],
                "category_id": vals.get("category_id") or False,
                "severity": vals.get("severity") or "normal",
            }
        )
        return {"id": complaint.id, "name": complaint.name}

    @api.model
    def pos_complaint_options(self, config_id):
        """Categories (of the till's company) and severities, in the
        cashier's language, for the till's complaint dialog."""
        if not self.env.user.has_group("point_of_sale.group_pos_user"):
            raise AccessError(self.env._("Only point of sale users record complaints at the till."))
        config = self.env["pos.config"].browse(config_id).exists()
        company = config.company_id or self.env.company
        categories = self.env["retail.crm.complaint.category"].search(
            [("company_id", "in", [company.id, False])], order="sequence, name, id"
        )
        return {
            "categories": [{"id": c.id, "name": c.name} for c in categories],
            "severities": self._fields["severity"]._description_selection(self.env),
        }

    @api.model
    def _link_pos_orders(self, orders):
        """Complaints recorded at the till before their order was synced
        (by receipt number) get the order and its products."""
        by_reference = {o.pos_reference: o for o in orders if o.pos_reference}
        if not by_reference:
            return
        waiting = self.search([("pos_order_id", "=", False), ("pos_reference", "in", list(by_reference))])
        for complaint in waiting:
            order = by_reference[complaint.pos_reference]
            complaint.write(
                {
                    "pos_order_id": order.id,
                    "partner_id": complaint.partner_id.id or order.partner_id.id,
                    "product_ids": [(4, pid) for pid in order.lines.product_id.ids],
                }
            )
