"""The demo's Chinese retail chain: company, role users, loyalty set-up, complaints, RFM history.

Each ``setup_*`` function takes an Odoo ``Environment`` (superuser), is
idempotent (it skips what is already there) and returns a short summary line
for the demo's progress output.  ``tools/demo.py`` calls them in order;
``tools/test.py`` runs them on its test database as a smoke test.
"""

import datetime

COMPANY = {
    "name": "优品生活连锁超市（上海）有限公司",
    "street": "徐汇区漕溪北路 88 号",
    "city": "上海",
    "zip": "200030",
    "phone": "+86 21 6488 8888",
    "email": "service@youpin-retail.example.cn",
    "website": "https://youpin-retail.example.cn",
}
TZ = "Asia/Shanghai"
LANG = "zh_CN"

# (login, name, groups, role): each role user holds exactly these groups (and
# what they imply), never the default user template's; groups missing from
# the database are skipped.
ROLE_USERS = [
    (
        "manager",
        "陈静（店长）",
        [
            "base.group_user",
            "base.group_partner_manager",
            "base.group_allow_export",
            "point_of_sale.group_pos_manager",
            "sales_team.group_sale_manager",
        ],
        "店长 store manager",
    ),
    (
        "cashier",
        "李娜（导购）",
        ["base.group_user", "base.group_partner_manager", "point_of_sale.group_pos_user"],
        "导购 cashier",
    ),
    (
        "dpo",
        "王磊（数据保护官）",
        ["base.group_user", "base.group_allow_export", "retail_crm_privacy.group_privacy_officer"],
        "数据保护官 data protection officer",
    ),
]
EMAIL_DOMAIN = "demo.retail-crm.example"
PASSWORD_SUFFIX = "-demo"

# tier xmlid -> (pricelist name, discount %); the VIP care starts at gold
TIER_PRICELISTS = [
    ("retail_crm_loyalty.retail_crm_tier_silver", "银卡会员价", 3.0),
    ("retail_crm_loyalty.retail_crm_tier_gold", "金卡会员价", 5.0),
    ("retail_crm_loyalty.retail_crm_tier_diamond", "钻石会员价", 8.0),
]
VIP_TIER = "retail_crm_loyalty.retail_crm_tier_gold"


def holidays(today):
    """The next 春节, 618 and 双11 greetings after ``today``."""
    spring = [datetime.date(2027, 2, 6), datetime.date(2028, 1, 26), datetime.date(2029, 2, 13)]
    result = [("春节", next(d for d in spring if d > today))]
    for name, month, day in (("618 年中大促", 6, 18), ("双11 购物节", 11, 11)):
        date = datetime.date(today.year, month, day)
        result.append((name, date if date > today else date.replace(year=today.year + 1)))
    return result


def _done(env, key):
    return env["ir.config_parameter"].sudo().get_param(f"retail_crm.demo.{key}")


def _mark(env, key):
    env["ir.config_parameter"].sudo().set_param(f"retail_crm.demo.{key}", "1")


def setup_company(env):
    """A company in China: CNY, Asia/Shanghai, Chinese address and phone.

    Run before accounting is installed (so the Chinese chart of accounts is
    chosen) and again after it (for the working calendar's time zone).
    """
    company = env.company
    cny = env.ref("base.CNY")
    cny.active = True
    china = env.ref("base.cn")
    shanghai = env["res.country.state"].search([("country_id", "=", china.id), ("code", "=", "SH")], limit=1)
    values = dict(COMPANY, country_id=china.id, currency_id=cny.id, state_id=shanghai.id or False)
    company.write(values)
    company.partner_id.write({"tz": TZ, "lang": LANG})
    if "resource_calendar_id" in company._fields:
        # SLA clocks count working hours on the company's calendar, in Shanghai time
        company.resource_calendar_id.tz = TZ
    env.ref("base.user_admin").write({"tz": TZ, "lang": LANG})
    return f"{company.name}: {cny.name}, {TZ}, {china.name}"


def setup_users(env, role_users=ROLE_USERS):
    """Role users with exactly their groups, an e-mail, Chinese and Shanghai time.

    Returns ``[(login, password, role, groups)]`` with the admin first.
    """
    env["res.lang"]._activate_lang(LANG)  # already loaded with its terms in the demo
    env["res.lang"]._activate_lang("en_US")  # anyone can switch to English in their preferences
    admin = env.ref("base.user_admin")
    admin.write({"lang": LANG, "tz": TZ})
    logins = [("admin", "admin", "管理员 administrator", "Settings")]
    for login, name, group_xmlids, role in role_users:
        groups = [env.ref(x, raise_if_not_found=False) for x in group_xmlids]
        groups = env["res.groups"].concat(*(g for g in groups if g))
        if not groups:
            continue
        user = env["res.users"].with_context(active_test=False).search([("login", "=", login)])
        # exactly the role's groups: (6, 0, ids) replaces the default user
        # template's groups (POS manager, accounting, stock admin)
        values = {
            "active": True,
            "groups_id": [(6, 0, groups.ids)],
            "email": f"{login}@{EMAIL_DOMAIN}",
            "lang": LANG,
            "tz": TZ,
        }
        if "point_of_sale.group_pos_user" in group_xmlids:
            # cashiers land in the Point of Sale after login (Odoo's home action)
            values["action_id"] = env.ref("point_of_sale.action_pos_config_kanban").id
        if user:
            user.write(values)
        else:
            user = (
                env["res.users"]
                .with_context(no_reset_password=True)
                .create({"login": login, "name": name, "password": login + PASSWORD_SUFFIX, **values})
            )
        names = ", ".join(g.with_context(lang="en_US").full_name for g in groups)
        logins.append((login, login + PASSWORD_SUFFIX, role, names))
    return logins


def setup_loyalty(env):
    """Tier pricelists in the stores, birthday coupon program, VIP tier, holiday greetings."""
    company = env.company
    if _done(env, "loyalty"):
        return "kept"
    Pricelist = env["product.pricelist"]
    pricelists = Pricelist
    for tier_xmlid, name, discount in TIER_PRICELISTS:
        tier = env.ref(tier_xmlid, raise_if_not_found=False)
        if not tier:
            continue
        pricelist = Pricelist.create(
            {
                "name": name,
                "currency_id": company.currency_id.id,
                "company_id": company.id,
                "item_ids": [
                    (
                        0,
                        0,
                        {"applied_on": "3_global", "compute_price": "percentage", "percent_price": discount},
                    )
                ],
            }
        )
        tier.pricelist_id = pricelist
        pricelists |= pricelist
    configs = env["pos.config"].search([("company_id", "=", company.id)])
    for config in configs:
        default = config.pricelist_id
        config.write({"use_pricelist": True, "available_pricelist_ids": [(6, 0, (default | pricelists).ids)]})
    birthday = env["loyalty.program"].create(
        {
            "name": "生日礼券",
            "program_type": "coupons",
            "trigger": "with_code",
            "applies_on": "current",
            "company_id": company.id,
            "pos_ok": True,
            "pos_config_ids": [(6, 0, configs.ids)],
            "reward_ids": [
                (
                    0,
                    0,
                    {
                        "reward_type": "discount",
                        "discount": 20,
                        "discount_mode": "per_order",
                        "required_points": 1,
                    },
                )
            ],
        }
    )
    vip = env.ref(VIP_TIER, raise_if_not_found=False)
    company.write({"retail_birthday_program_id": birthday.id, "retail_vip_tier_id": vip.id if vip else False})
    Holiday = env["retail.crm.holiday"]
    today = datetime.date.today()
    for name, date in holidays(today):
        Holiday.create({"name": name, "date": date, "company_id": company.id})
    _mark(env, "loyalty")
    return f"{len(pricelists)} tier pricelists in {len(configs)} stores, birthday program, VIP from {vip.name}, 3 holidays"
