from odoo import api, models


class PosOrder(models.Model):
    _inherit = "pos.order"

    @api.model_create_multi
    def create(self, vals_list):
        orders = super().create(vals_list)
        # a complaint recorded at the till before payment gets its order now
        self.env["retail.crm.complaint"]._link_pos_orders(orders)
        return orders
