import random
from datetime import datetime, time, timedelta

from dateutil.relativedelta import relativedelta

from odoo import Command, fields
from odoo.addons.account.tests.common import AccountTestInvoicingCommon
from odoo.tests import new_test_user

PARAM = "retail_crm_rfm."


class RfmCommon(AccountTestInvoicingCommon):
    """Two companies with an open POS session each, customers and helpers."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.env.user.tz = "UTC"
        cls.company_a = cls.company_data["company"]
        cls.company_data_b = cls.setup_other_company(name="RFM Company B")
        cls.company_b = cls.company_data_b["company"]
        (cls.company_a | cls.company_b).partner_id.tz = "UTC"
        cls.env.user.company_ids |= cls.company_b
        cls.session_a = cls._open_session(cls.company_data, "Store A")
        cls.session_b = cls._open_session(cls.company_data_b, "Store B")
        cls.categ_root = cls.env["product.category"].create({"name": "Baby"})
        cls.categ_formula = cls.env["product.category"].create(
            {"name": "Infant formula", "parent_id": cls.categ_root.id}
        )
        cls.product_formula = cls.env["product.product"].create(
            {
                "name": "Formula",
                "categ_id": cls.categ_formula.id,
                "available_in_pos": True,
                "list_price": 100,
                "company_id": False,
            }
        )
        cls.product_other = cls.env["product.product"].create(
            {
                "name": "T-shirt",
                "available_in_pos": True,
                "list_price": 50,
                "company_id": False,
            }
        )
        cls.today = fields.Date.context_today(cls.env["retail.crm.rfm.run"])
        ICP = cls.env["ir.config_parameter"].sudo()
        ICP.set_param(PARAM + "cluster_k", 3)
        ICP.set_param(PARAM + "batch_size", 20000)

    @classmethod
    def _open_session(cls, company_data, name, journal="default_journal_cash"):
        company = company_data["company"]
        env = cls.env(context=dict(cls.env.context, allowed_company_ids=[company.id]))
        cash = env["pos.payment.method"].create(
            {
                "name": f"Pay {name}",
                "journal_id": company_data[journal].id,
                "receivable_account_id": company_data["default_account_receivable"].id,
                "company_id": company.id,
            }
        )
        config = env["pos.config"].create(
            {
                "name": name,
                "company_id": company.id,
                "journal_id": company_data["default_journal_sale"].id,
                "invoice_journal_id": company_data["default_journal_sale"].id,
                "payment_method_ids": [Command.set(cash.ids)],
            }
        )
        config.open_ui()
        return config.current_session_id

    @classmethod
    def _order_vals(cls, session, partner, amount, day, product=None, state="paid", lines=True):
        product = product or cls.product_other
        qty = 1 if amount >= 0 else -1
        return {
            "session_id": session.id,
            "company_id": session.config_id.company_id.id,
            "partner_id": partner.id if partner else False,
            "date_order": datetime.combine(day, time(12, 0)),
            "amount_total": amount,
            "amount_tax": 0.0,
            "amount_paid": amount,
            "amount_return": 0.0,
            "state": state,
            "lines": [
                Command.create(
                    {
                        "product_id": product.id,
                        "qty": qty,
                        "price_unit": abs(amount),
                        "price_subtotal": amount,
                        "price_subtotal_incl": amount,
                    }
                )
            ]
            if lines
            else [],
        }

    @classmethod
    def _create_orders(cls, specs):
        """specs: list of (session, partner, amount, day[, product[, state]])."""
        return cls.env["pos.order"].create([cls._order_vals(*spec) for spec in specs])

    @classmethod
    def _random_dataset(cls, seed, n_partners=45):
        """Random orders incl. ties, refunds, cancelled/draft orders, customers without
        orders and customers shared between the two companies."""
        rng = random.Random(seed)
        partners = cls.env["res.partner"].create(
            [{"name": f"RFM customer {seed}-{i}"} for i in range(n_partners)]
        )
        specs = []
        amounts = [50.0, 100.0, 100.0, 200.0, 350.5, 80.0]
        for index, partner in enumerate(partners):
            if index % 9 == 0:
                continue  # no order at all
            sessions = [cls.session_a] if index % 4 else [cls.session_a, cls.session_b]
            if index % 7 == 3:
                sessions = [cls.session_b]
            for session in sessions:
                n_orders = rng.choice([1, 1, 2, 3, 4, 6, 9])
                for _i in range(n_orders):
                    # ties: few distinct days and amounts
                    day = cls.today - timedelta(days=rng.choice([0, 3, 10, 10, 40, 90, 200, 400, 500]))
                    specs.append((session, partner, rng.choice(amounts), day))
                if rng.random() < 0.3:
                    day = cls.today - timedelta(days=rng.choice([1, 10, 100, 380]))
                    specs.append((session, partner, -rng.choice([50.0, 100.0]), day))
                if rng.random() < 0.2:
                    specs.append((session, partner, 999.0, cls.today, None, "cancel"))
                if rng.random() < 0.1:
                    specs.append((session, partner, 777.0, cls.today - timedelta(days=2), None, "draft"))
        specs.append((cls.session_a, False, 500.0, cls.today))  # anonymous order
        cls._create_orders(specs)
        return partners, specs

    # ------------------------------------------------------------------
    # Independent reference computation (plain Python)
    # ------------------------------------------------------------------
    @staticmethod
    def reference_scores(
        specs, company, today, window_months=12, cut=4, thresholds=None, lookback_months=24, recency_days=90
    ):
        """Independent computation of the documented definitions (readme/USAGE.md).

        A visit is a purchase day (a day with an order of positive net value);
        refunds in ``specs`` have no original order, so they stay on their day.
        """
        start = today - relativedelta(months=window_months)
        lookback = today - relativedelta(months=lookback_months)
        per_partner = {}
        for spec in specs:
            session, partner, amount, day = spec[:4]
            state = spec[5] if len(spec) > 5 else "paid"
            if not partner or state not in ("paid", "done", "invoiced"):
                continue
            if session.config_id.company_id != company or day > today:
                continue
            per_day = per_partner.setdefault(partner.id, {})
            slot = per_day.setdefault(day, [0, 0.0])
            slot[0] += 1 if round(amount, 2) > 0 else 0
            slot[1] += amount
        rows = {}
        for partner_id, per_day in per_partner.items():
            visits = sorted(d for d, (purchases, _net) in per_day.items() if purchases)
            if not visits or visits[-1] <= lookback:
                continue
            first = visits[0]
            rows[partner_id] = {
                "repeat_net": sum(per_day[d][1] for d in visits[1:]),
                "first_net": per_day[first][1],
                "recency": (today - visits[-1]).days,
                "frequency": sum(1 for d in visits if d > start),
                "monetary": round(sum(net for d, (_p, net) in per_day.items() if d > start), 2),
                "x": len(visits) - 1,
                "t_x": (visits[-1] - first).days,
                "T": (today - first).days,
            }
        buyers = [r for r in rows.values() if r["frequency"] > 0]
        n = len(buyers)

        def quintile(key, value, lower_better):
            if lower_better:
                worse = sum(1 for r in buyers if r[key] > value)
            else:
                worse = sum(1 for r in buyers if r[key] < value)
            return 1 + (5 * worse) // n

        def threshold(value, bounds, lower_better):
            if lower_better:
                return 5 - sum(1 for b in bounds if b < value)
            return 1 + sum(1 for b in bounds if b <= value)

        for row in rows.values():
            if not row["frequency"]:
                row["r"] = row["f"] = row["m"] = 1
            elif thresholds:
                row["r"] = threshold(row["recency"], thresholds[0], True)
                row["f"] = threshold(row["frequency"], thresholds[1], False)
                row["m"] = threshold(row["monetary"], thresholds[2], False)
            else:
                row["r"] = quintile("recency", row["recency"], True)
                row["f"] = quintile("frequency", row["frequency"], False)
                row["m"] = quintile("monetary", row["monetary"], False)
            r_high = row["frequency"] > 0 and row["recency"] <= recency_days
            row["segment"] = ("H" if r_high else "L") + "".join(
                "H" if row[k] >= cut else "L" for k in ("f", "m")
            )
        return rows

    @classmethod
    def _consent_to_marketing(cls, partners):
        """Marketing is opt-in when the suite's privacy addon is installed:
        record the consent these customers gave (nothing to do without it)."""
        if "retail.crm.consent" not in cls.env:
            return
        purposes = cls.env["retail.crm.consent.purpose"].search(
            [("marketing_channel", "in", ["email", "sms"])]
        )
        cls.env["retail.crm.consent"]._record(partners, purposes, "granted")

    @classmethod
    def _users(cls):
        cls.pos_user = new_test_user(
            cls.env,
            login="rfm_pos_user",
            groups="base.group_user,point_of_sale.group_pos_user",
            company_id=cls.company_a.id,
            company_ids=[(6, 0, cls.company_a.ids)],
        )
        cls.pos_manager = new_test_user(
            cls.env,
            login="rfm_pos_manager",
            groups="base.group_user,point_of_sale.group_pos_manager",
            company_id=cls.company_a.id,
            company_ids=[(6, 0, cls.company_a.ids)],
        )
        cls.marketing_user = new_test_user(
            cls.env,
            login="rfm_marketing",
            groups="base.group_user,mass_mailing.group_mass_mailing_user",
            company_id=cls.company_a.id,
            company_ids=[(6, 0, cls.company_a.ids)],
        )
        cls.basic_user = new_test_user(
            cls.env,
            login="rfm_basic",
            groups="base.group_user",
            company_id=cls.company_a.id,
            company_ids=[(6, 0, cls.company_a.ids)],
        )
        cls.admin_user = new_test_user(
            cls.env,
            login="rfm_admin",
            groups="base.group_user,base.group_system,point_of_sale.group_pos_manager",
            company_id=cls.company_a.id,
            company_ids=[(6, 0, (cls.company_a | cls.company_b).ids)],
        )
