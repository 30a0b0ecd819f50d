from markupsafe import Markup, escape

from odoo import api, models

from . import privacy_render, privacy_tools

RENDER_DEPTH_KEY = "retail_crm_privacy.render_depth"
CONTACT_DEFAULT_FIELDS = ["name", "address", "phone", "mobile", "email"]
# contact widget entries -> the partner fields they show
CONTACT_PERSONAL_FIELDS = {
    "address": ("street", "street2", "zip", "city"),
    "city": ("city",),
    "phone": ("phone",),
    "mobile": ("mobile",),
    "email": ("email",),
    "vat": ("vat",),
}


class IrQweb(models.AbstractModel):
    _inherit = "ir.qweb"

    def _render(self, template, values=None, **options):
        """The one enforcement point of QWeb output (privacy_render.py): the
        outermost render of a restricted user masks the personal values of
        the customers they may not see, whatever directive printed them.
        The depth lives on the cursor, not in the context (which a caller
        controls)."""
        state = self.env.cr.cache
        depth = state.get(RENDER_DEPTH_KEY, 0)
        state[RENDER_DEPTH_KEY] = depth + 1
        try:
            result = super()._render(template, values, **options)
        finally:
            state[RENDER_DEPTH_KEY] = depth
        if depth or not self.env["res.partner"]._privacy_is_restricted(real_user=True):
            return result
        return Markup(privacy_render.guard(self.env, str(result)))

    def _privacy_field_partner(self, record, field_name):
        """The customer whose personal data ``record.field_name`` shows, or None."""
        if record._name == "res.partner":
            if field_name in record._privacy_personal_fields():
                return record
            return None
        m2o = record._privacy_related_personal_fields().get(field_name)
        if not m2o:
            return None
        # sudo: the owner of the value decides, not the reader's rights on it
        return self.env["res.partner"].browse(record.sudo()[m2o].id)

    def _get_field(self, record, field_name, expression, tagName, field_options, values):
        """``t-field`` of a customer's personal field (HTML and PDF reports,
        website, mail templates): masked for cashiers who are not the
        customer's salesperson, and logged."""
        attributes, content, force_display = super()._get_field(
            record, field_name, expression, tagName, field_options, values
        )
        partner = self._privacy_field_partner(record, field_name) if len(record) == 1 else None
        if not partner:
            return attributes, content, force_display
        Partner = self.env["res.partner"]
        masked = bool(partner._privacy_hidden())
        if masked:
            field = record._fields[field_name]
            value = privacy_tools.mask_value(field_name, field.type, record[field_name])
            content = escape(value) if value else Markup("")
        Partner._privacy_log_report(partner.ids, {field_name}, masked)
        return attributes, content, force_display


class IrQwebFieldContact(models.AbstractModel):
    _inherit = "ir.qweb.field.contact"

    @api.model
    def value_to_html(self, value, options):
        """The ``contact`` widget reads the partner with sudo(): mask its
        personal values for cashiers who are not the customer's salesperson."""
        if not value or value._name != "res.partner" or len(value) != 1:
            return super().value_to_html(value, options)
        Partner = self.env["res.partner"]
        partner = Partner.browse(value.id)
        masked = bool(partner._privacy_hidden())
        shown = set()
        for entry in options.get("fields") or CONTACT_DEFAULT_FIELDS:
            shown.update(CONTACT_PERSONAL_FIELDS.get(entry, ()))
        Partner._privacy_log_report(partner.ids, shown, masked)
        if not masked:
            return super().value_to_html(value, options)
        return self._privacy_masked_contact(partner, options)

    @api.model
    def _privacy_masked_contact(self, partner, options):
        if options.get("separator"):
            separator = escape(options["separator"])
        elif options.get("no_tag_br"):
            separator = escape(", ")
        else:
            separator = Markup("<br/>")
        # sudo: the masked values are derived from the clear ones, which the
        # cashier may not read; only masked values leave this method
        partner_sudo = partner.sudo()
        lines = (partner_sudo.with_context(show_address=True).display_name or "").split("\n")
        address_lines = [line.strip() for line in lines[1:] if line.strip()]

        def masked(fname):
            return privacy_tools.mask_value(fname, "char", partner_sudo[fname])

        country = partner_sudo.country_id
        val = {
            "name": lines[0],
            "address": separator.join(privacy_tools.mask_text(line) for line in address_lines),
            "phone": masked("phone"),
            "mobile": masked("mobile"),
            "city": masked("city"),
            "country_id": country.display_name,
            "website": partner_sudo.website,
            "email": masked("email"),
            "vat": masked("vat"),
            "vat_label": country.vat_label or self.env._("VAT"),
            "fields": options.get("fields") or CONTACT_DEFAULT_FIELDS,
            "object": partner_sudo,
            "options": options,
        }
        return self.env["ir.qweb"]._render("base.contact", val, minimal_qcontext=True)
