"""Consent at the till (P1, #12 item 4): the till prompts when a member it
selects must renew their privacy authorisation (a live consent given under an
older policy version) or has not decided on a marketing purpose yet; the
answer is recorded through ``privacy_pos_set_consents``."""

from odoo import api, fields, models

from . import consent_tools

# purposes that need more than a tick (the guardian's name and relation are
# recorded in the backend wizard)
TILL_EXCLUDED_PURPOSES = ("guardian",)
# purposes whose undecided state is a yes (opt-out, see CONFIGURE.md)
OPT_OUT_PURPOSES = ("profiling",)


class ResPartner(models.Model):
    _inherit = "res.partner"  # pylint: disable=consider-merging-classes-inherited

    privacy_consent_prompt = fields.Boolean(
        string="Ask for privacy authorisation",
        compute="_compute_privacy_consent_prompt",
        help="Technical (till): the current user may record this customer's consents and the "
        "customer must renew their authorisation or has not decided on a marketing purpose yet.",
    )

    @api.depends_context("uid")
    def _compute_privacy_consent_prompt(self):
        """Batch: one read of the live consents, one of the access rule."""
        persons = self.filtered("id")
        self.privacy_consent_prompt = False
        if not persons:
            return
        version = consent_tools.version_key(self.env["retail.crm.consent"]._default_policy_version())
        # sudo: purposes are configuration, read to know what the till asks
        marketing = set(
            self.env["retail.crm.consent.purpose"]
            .sudo()
            .search([("marketing_channel", "!=", False)])
            .mapped("code")
        )
        decided = {}
        renew = set()
        for (person_id, code), row in persons._privacy_live_consents().items():
            decided.setdefault(person_id, set()).add(code)
            if row.state == "granted" and consent_tools.version_key(row.consent_id.policy_version) < version:
                renew.add(person_id)
        hidden = persons._privacy_hidden_for_write()
        for partner in persons - hidden:
            person_id = partner.commercial_partner_id.id
            partner.privacy_consent_prompt = person_id in renew or bool(
                marketing - decided.get(person_id, set())
            )

    @api.model
    def _load_pos_data_fields(self, config_id):
        fields_list = super()._load_pos_data_fields(config_id)
        return fields_list + ["privacy_consent_prompt"] if fields_list else fields_list
