from odoo import models

from . import privacy_render


class MailRenderMixin(models.AbstractModel):
    _inherit = "mail.render.mixin"

    def _render_template(
        self, template_src, model, res_ids, engine="inline_template", add_context=None, options=None
    ):
        """Mail subjects and other inline templates (``{{ object.mobile }}``)
        go through the QWeb output guard too (privacy_render.py); QWeb
        bodies are guarded by ``ir.qweb._render`` itself."""
        result = super()._render_template(
            template_src, model, res_ids, engine=engine, add_context=add_context, options=options
        )
        if engine in ("qweb", "qweb_view") or not result:
            return result
        if not self.env["res.partner"]._privacy_is_restricted(real_user=True):
            return result
        return {
            res_id: privacy_render.guard(self.env, value) if isinstance(value, str) and value else value
            for res_id, value in result.items()
        }
