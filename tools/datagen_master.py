"""The generator's master data, through the ORM (a few hundred records): the VAT tax,
catalogue, payment methods, stores, salespersons and one closed session per store and month."""

import datetime

import numpy as np

from tools import datagen_data as D
from tools.datagen_plan import (
    CASH_JOURNAL_CODE,
    LOGIN_FMT,
    PRODUCT_CODE_FMT,
    SALESPERSONS_PER_STORE,
    TAX_NAME,
    TZ_OFFSET_HOURS,
    DatagenError,
)


class MasterDataMixin:
    """Master data of the chain (mixed into the generator)."""

    def _tax(self):
        Tax = self.env["account.tax"]
        tax = Tax.search(
            [("name", "=", TAX_NAME), ("company_id", "=", self.company.id), ("type_tax_use", "=", "sale")],
            limit=1,
        )
        if not tax:
            vals = {
                "name": TAX_NAME,
                "amount": D.VAT_RATE,
                "amount_type": "percent",
                "type_tax_use": "sale",
                "company_id": self.company.id,
            }
            if "price_include_override" in Tax._fields:
                vals["price_include_override"] = "tax_included"
            else:
                vals["price_include"] = True
            tax = Tax.create(vals)
        return tax

    def _catalogue(self, tax):
        env = self.env
        Categ, PosCateg, Product = env["product.category"], env["pos.category"], env["product.product"]
        products = []  # (id, name, price cents, cost cents, category index)
        self.cat_names = []
        self.cat_share = []
        code = 0
        for ci, (cname, _cname_en, share, items) in enumerate(D.CATALOGUE):
            self.cat_names.append(cname)
            self.cat_share.append(share)
            categ = Categ.search([("name", "=", cname)], limit=1) or Categ.create({"name": cname})
            pos_categ = PosCateg.search([("name", "=", cname)], limit=1) or PosCateg.create({"name": cname})
            to_create = []
            for pname, price in items:
                code += 1
                default_code = PRODUCT_CODE_FMT % code
                to_create.append((default_code, pname, price))
            existing = {
                p.default_code: p
                for p in Product.with_context(active_test=False).search(
                    [("default_code", "in", [c for c, _n, _p in to_create])]
                )
            }
            vals_list = []
            for default_code, pname, price in to_create:
                if default_code in existing:
                    continue
                vals_list.append(
                    {
                        "name": pname,
                        "default_code": default_code,
                        "barcode": _ean13("690%04d%05d" % (self.company.id % 10000, int(default_code[2:]))),
                        "list_price": price,
                        "standard_price": round(price * 0.6, 2),
                        "categ_id": categ.id,
                        "pos_categ_ids": [(6, 0, pos_categ.ids)],
                        "available_in_pos": True,
                        "sale_ok": True,
                        "type": "consu",
                        "taxes_id": [(6, 0, tax.ids)],
                    }
                )
            if vals_list:
                for p in Product.create(vals_list):
                    existing[p.default_code] = p
            for default_code, _pname, _price in to_create:
                p = existing[default_code]
                products.append(
                    (
                        p.id,
                        p.display_name,
                        int(round(p.lst_price * 100)),
                        int(round(p.standard_price * 100)),
                        ci,
                    )
                )
        self.prod_id = np.array([p[0] for p in products], dtype=np.int64)
        self.prod_name = [p[1].replace("\t", " ").replace("\\", "/").replace("\n", " ") for p in products]
        self.prod_price = np.array([p[2] for p in products], dtype=np.int64)
        self.prod_cost = np.array([p[3] for p in products], dtype=np.int64)
        self.prod_cat = np.array([p[4] for p in products], dtype=np.int64)
        self.cat_share = np.array(self.cat_share) / sum(self.cat_share)
        # popularity inside a category: Zipf-like
        self.cat_products = []
        for ci in range(len(self.cat_names)):
            idx = np.flatnonzero(self.prod_cat == ci)
            pw = 1.0 / np.arange(1, len(idx) + 1) ** 0.8
            self.cat_products.append((idx, np.cumsum(pw / pw.sum())))
        self.stats["product.product"] = len(products)
        self._planting(products)

    def _planting(self, products):
        """Indexes of the planted associations and of the repurchase-cycle product."""
        by_name = {p[1].split("] ", 1)[-1]: i for i, p in enumerate(products)}
        self.planted = []
        for left, right, prob in D.PLANTED:
            if left.startswith("*"):
                left_idx = np.flatnonzero(self.prod_cat == self.cat_names.index(left[1:]))
            else:
                left_idx = np.array([by_name[left]])
            self.planted.append((left_idx, by_name[right], prob))
        self.cycle_prod = by_name[D.CYCLE_PRODUCT]

    def _payment_methods(self):
        env = self.env
        PM = env["pos.payment.method"]
        Journal = env["account.journal"]
        bank = Journal.search([*Journal._check_company_domain(self.company), ("type", "=", "bank")], limit=1)
        if not bank:
            raise DatagenError("the company has no bank journal: install a chart of accounts first")
        shared = []
        for name in ("微信支付", "支付宝", "银联卡"):
            pm = PM.search([("name", "=", name), ("company_id", "=", self.company.id)], limit=1)
            if not pm:
                pm = PM.create({"name": name, "journal_id": bank.id, "company_id": self.company.id})
            shared.append(pm)
        return shared

    def _stores(self, shared_pms):
        env = self.env
        Config = env["pos.config"]
        Journal = env["account.journal"]
        PM = env["pos.payment.method"]
        configs = []
        for si in range(self.n_stores):
            name, city, _size = D.STORES[si]
            config = Config.search([("name", "=", name), ("company_id", "=", self.company.id)], limit=1)
            if not config:
                code = CASH_JOURNAL_CODE % (si + 1)
                journal = Journal.search([("code", "=", code), ("company_id", "=", self.company.id)], limit=1)
                if not journal:
                    journal = Journal.create(
                        {
                            "name": "%s 现金" % name,
                            "code": code,
                            "type": "cash",
                            "company_id": self.company.id,
                        }
                    )
                cash = PM.search([("journal_id", "=", journal.id)], limit=1) or PM.create(
                    {"name": "%s 现金" % name, "journal_id": journal.id, "company_id": self.company.id}
                )
                config = Config.create(
                    {
                        "name": name,
                        "company_id": self.company.id,
                        "payment_method_ids": [(6, 0, [cash.id] + [p.id for p in shared_pms])],
                    }
                )
            cash = config.payment_method_ids.filtered("is_cash_count")[:1]
            if not cash:
                raise DatagenError("store %s has no cash payment method" % name)
            pms = [cash.id] + [p.id for p in shared_pms]
            missing = [p for p in shared_pms if p not in config.payment_method_ids]
            if missing:
                config.payment_method_ids = [(4, p.id) for p in missing]
            configs.append(
                {
                    "record": config,
                    "id": config.id,
                    "name": config.name,
                    "city": city,
                    "pms": pms,
                    "journal": config.journal_id.id or None,
                    "pricelist": config.pricelist_id.id or None,
                }
            )
        self.configs = configs
        sizes = np.array([D.STORES[i][2] for i in range(self.n_stores)])
        self.store_w = sizes / sizes.sum()
        self.stats["pos.config"] = len(configs)

    def _salespersons(self):
        env = self.env
        Users = env["res.users"].with_context(no_reset_password=True, mail_create_nosubscribe=True)
        group = env.ref("point_of_sale.group_pos_user")
        ids = []
        for si in range(self.n_stores):
            store_ids = []
            for k in range(SALESPERSONS_PER_STORE):
                n = si * SALESPERSONS_PER_STORE + k
                login = LOGIN_FMT % (n + 1)
                user = Users.with_context(active_test=False).search([("login", "=", login)], limit=1)
                if not user:
                    user = Users.create(
                        {
                            "name": D.SALESPERSONS[n % len(D.SALESPERSONS)],
                            "login": login,
                            "email": login,
                            "company_id": self.company.id,
                            "company_ids": [(6, 0, self.company.ids)],
                            "groups_id": [(6, 0, [env.ref("base.group_user").id, group.id])],
                            "tz": "Asia/Shanghai",
                        }
                    )
                store_ids.append(user.id)
            ids.append(store_ids)
        self.sales_ids = np.array(ids, dtype=np.int64)  # [store, k]
        self.stats["res.users"] = int(self.sales_ids.size)

    def _sessions(self):
        """One closed session per store and month (created through the ORM: few)."""
        Session = self.env["pos.session"]
        self.sess_ids = np.zeros((self.n_stores, self.n_months), dtype=np.int64)
        count = 0
        for si, conf in enumerate(self.configs):
            for m, (a, b) in enumerate(self.month_bounds):
                start_local = datetime.datetime.combine(self.days[a], datetime.time(9, 0))
                stop_local = datetime.datetime.combine(self.days[b - 1], datetime.time(22, 0))
                offset = datetime.timedelta(hours=TZ_OFFSET_HOURS)
                session = Session.create(
                    {
                        "config_id": conf["id"],
                        "user_id": int(self.sales_ids[si, 0]),
                    }
                )
                session.write(
                    {
                        "state": "closed",
                        "start_at": start_local - offset,
                        "stop_at": stop_local - offset,
                    }
                )
                self.sess_ids[si, m] = session.id
                count += 1
        self.sess_seq = {int(s): 0 for s in self.sess_ids.ravel()}
        self.config_seq = {c["id"]: self._config_counter(c["record"].sequence_id) for c in self.configs}
        self.config_line_seq = {
            c["id"]: self._config_counter(c["record"].sequence_line_id) for c in self.configs
        }
        self.stats["pos.session"] = count

    def progress(self, stage, done, total):
        if self._progress:
            self._progress("%s %d/%d" % (stage, done, total))

    @staticmethod
    def _config_counter(seq):
        return (seq.number_next_actual - 1) if seq else 0


def _ean13(digits12):
    s = sum(int(c) * (3 if i % 2 else 1) for i, c in enumerate(digits12))
    return digits12 + str((10 - s % 10) % 10)
