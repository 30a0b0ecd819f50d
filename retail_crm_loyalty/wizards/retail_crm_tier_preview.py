from odoo import api, fields, models
from odoo.exceptions import UserError
from odoo.tools import SQL

from ..models.retail_crm_tier import threshold_order_errors


class RetailCrmTierPreview(models.TransientModel):
    _name = "retail.crm.tier.preview"
    _description = "Preview Tier Threshold Changes"

    company_id = fields.Many2one("res.company", required=True, default=lambda self: self.env.company)
    line_ids = fields.One2many("retail.crm.tier.preview.line", "preview_id", string="Thresholds")
    move_ids = fields.One2many("retail.crm.tier.preview.move", "preview_id", string="Moves")
    state = fields.Selection([("edit", "Edit"), ("preview", "Preview")], default="edit")
    summary = fields.Char(readonly=True)
    warning = fields.Text(readonly=True, help="Tiers that could never be reached with these thresholds.")

    @api.model
    def default_get(self, fields_list):
        res = super().default_get(fields_list)
        company = self.env["res.company"].browse(res.get("company_id")) or self.env.company
        tiers = self.env["retail.crm.tier"]._get_company_tiers(company)
        if "line_ids" in fields_list:
            res["line_ids"] = [
                fields.Command.create(
                    {
                        "tier_id": tier.id,
                        "min_spend": tier.min_spend,
                        "min_orders": tier.min_orders,
                        "condition": tier.condition,
                        "retention_spend": tier.retention_spend,
                        "retention_orders": tier.retention_orders,
                    }
                )
                for tier in tiers
            ]
        return res

    def _sorted_lines(self):
        return self.line_ids.sorted(lambda line: (line.tier_id.sequence, line.tier_id.id))

    def _tier_rows(self):
        return [
            (
                line.tier_id.id,
                line.min_spend,
                line.min_orders,
                line.condition == "and",
                line.tier_id.invitation_only,
                line.retention_spend or line.min_spend,
                line.retention_orders or line.min_orders,
            )
            for line in self._sorted_lines()
        ]

    def _unreachable_warnings(self):
        """Messages about tiers that no member could reach with the new
        thresholds (out of order, or below a tier without any condition)."""
        lines = self._sorted_lines()
        messages = threshold_order_errors(
            self.env,
            [
                (line.tier_id.name, line.min_spend, line.min_orders, line.tier_id.invitation_only)
                for line in lines
            ],
        )
        for line in lines:
            if (line.retention_spend and line.retention_spend > line.min_spend) or (
                line.retention_orders and line.retention_orders > line.min_orders
            ):
                messages.append(
                    self.env._(
                        "The retention threshold of %(tier)s must not be above its qualifying threshold.",
                        tier=line.tier_id.name,
                    )
                )
        return messages

    def action_preview(self):
        """Count members moving between tiers under the new thresholds, in one
        aggregate query (nothing is written to the members)."""
        self.ensure_one()
        if not self.line_ids:
            raise UserError(self.env._("There are no tiers to preview."))
        if any(
            min(line.min_spend, line.min_orders, line.retention_spend, line.retention_orders) < 0
            for line in self.line_ids
        ):
            raise UserError(self.env._("Qualifying spend and order counts cannot be negative."))
        Tier = self.env["retail.crm.tier"]
        self.env["res.partner"].flush_model()
        query = SQL(
            """
            SELECT cur, qual, keep, COUNT(*)
              FROM (%s) x
             WHERE cur IS DISTINCT FROM qual
          GROUP BY cur, qual, keep
            """,
            Tier._qualification_sql(self.company_id, self._tier_rows(), fields.Date.context_today(self)),
        )
        rows = self.env.execute_query(query)
        tiers = self._sorted_lines().tier_id
        company = self.company_id
        counts = {}
        for cur, qual, keep, count in rows:
            cur_tier, qual_tier = tiers.browse(cur), tiers.browse(qual)
            if tiers._rank(qual_tier) > tiers._rank(cur_tier):
                key = (cur, qual, "up")
            elif keep or not company.retail_tier_downgrade_review:
                continue  # 保级: kept with the retention threshold
            else:
                target = tiers._downgrade_target(cur_tier, qual_tier, company.retail_tier_downgrade_policy)
                key = (cur, target.id, "down")
            counts[key] = counts.get(key, 0) + count
        self.move_ids.unlink()
        self.env["retail.crm.tier.preview.move"].create(
            [
                {
                    "preview_id": self.id,
                    "from_tier_id": cur,
                    "to_tier_id": to,
                    "count": count,
                    "direction": way,
                }
                for (cur, to, way), count in counts.items()
            ]
        )
        total = sum(counts.values())
        self.write(
            {
                "state": "preview",
                "summary": self.env._("%(count)s members would change tier.", count=total),
                "warning": "\n".join(self._unreachable_warnings()) or False,
            }
        )
        return self._reopen()

    def action_apply(self):
        """Write the new thresholds, then run the review for the company:
        upgrades apply at once, downgrades are notified and wait for the
        grace period."""
        self.ensure_one()
        if not self.env.user.has_group("base.group_system"):
            raise UserError(self.env._("Only administrators can change tier thresholds."))
        warnings = self._unreachable_warnings()
        if warnings:
            raise UserError("\n".join(warnings))
        for line in self._write_order():
            line.tier_id.write(
                {
                    "min_spend": line.min_spend,
                    "min_orders": line.min_orders,
                    "condition": line.condition,
                    "retention_spend": line.retention_spend,
                    "retention_orders": line.retention_orders,
                }
            )
        self.env["retail.crm.tier"]._review_company_tiers(self.company_id)
        return {"type": "ir.actions.act_window_close"}

    def _write_order(self):
        """Order in which to write the lines so that the tiers stay in
        ascending order after every single write (the tier constraint checks
        each write): repeatedly pick a line whose new values keep the order."""
        lines = self._sorted_lines()
        current = {line.id: (line.tier_id.min_spend, line.tier_id.min_orders) for line in lines}
        pending = list(lines)
        ordered = []
        while pending:
            for line in pending:
                trial = {**current, line.id: (line.min_spend, line.min_orders)}
                rows = [
                    (line2.tier_id.name, *trial[line2.id], line2.tier_id.invitation_only) for line2 in lines
                ]
                if not threshold_order_errors(self.env, rows):
                    current = trial
                    ordered.append(line)
                    pending.remove(line)
                    break
            else:
                raise UserError(
                    self.env._(
                        "These thresholds cannot be applied in one step: apply the spend and order changes separately."
                    )
                )
        return ordered

    def action_back(self):
        self.state = "edit"
        return self._reopen()

    def _reopen(self):
        return {
            "type": "ir.actions.act_window",
            "res_model": self._name,
            "res_id": self.id,
            "view_mode": "form",
            "target": "new",
            "name": self.env._("Preview Tier Thresholds"),
        }
