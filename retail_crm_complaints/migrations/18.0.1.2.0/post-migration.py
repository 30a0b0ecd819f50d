"""SLA lines follow their ticket's access (no record rules of their own).

The line rules were ``noupdate`` data: the update keeps them unless they are
removed here.
"""

from odoo import SUPERUSER_ID, api

OBSOLETE_RULES = (
    "retail_crm_complaints.retail_crm_complaint_sla_line_rule_company",
    "retail_crm_complaints.retail_crm_complaint_sla_line_rule_pos_user",
    "retail_crm_complaints.retail_crm_complaint_sla_line_rule_pos_manager",
)


def migrate(cr, version):
    env = api.Environment(cr, SUPERUSER_ID, {})
    for xmlid in OBSOLETE_RULES:
        rule = env.ref(xmlid, raise_if_not_found=False)
        if rule:
            rule.unlink()
