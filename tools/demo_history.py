"""The demo's past: complaints over past months and back-dated RFM runs.

Complaints are filed, contacted, resolved, rated and closed at their own past
moments (the clock is set with freezegun, which Odoo's tests use too), so SLA
outcomes, response times and ratings are real results of the addon's code,
not values written over it.  RFM runs are computed as of past month-ends, so
the dashboard shows segment migration and trends from the first login.
"""

import datetime
import random

from dateutil.relativedelta import relativedelta
from freezegun import freeze_time

SUBJECTS = {
    "category_product_quality": [
        ("羽绒服穿了一周就跑绒", "high"),
        ("奶粉罐密封条破损", "critical"),
        ("口红颜色与样品不符", "normal"),
        ("大米里有虫", "high"),
        ("T恤洗一次就缩水", "normal"),
    ],
    "category_service_attitude": [
        ("导购态度冷淡，不理人", "normal"),
        ("收银排队太久，只开一个收银台", "low"),
        ("退货被店员拒绝", "high"),
    ],
    "category_price": [
        ("双11 满减没有生效", "high"),
        ("会员价和标价不一致", "normal"),
        ("生日礼券结账时用不了", "normal"),
    ],
    "category_environment": [
        ("试衣间太脏", "low"),
        ("停车场指示不清楚", "low"),
        ("店内空调太冷", "low"),
    ],
    "category_suggestion": [
        ("希望增加母婴室", "low"),
        ("建议支持线上预约自提", "low"),
    ],
}
CHANNELS = ["store", "store", "store", "hotline", "wechat", "app", "complaint_box"]
CORRECTIVE = {
    "cause_staff_training": "全店导购重新培训服务规范，店长每周抽查。",
    "cause_supplier_quality": "通知供应商整改，该批次下架并抽检。",
    "cause_process": "收银高峰增开收银台，更新退换货流程说明。",
    "cause_customer_misunderstanding": "在门店和小程序公示活动规则。",
}
FEEDBACK = {
    5: "处理很快，满意",
    4: "问题解决了，还不错",
    3: "一般，等得有点久",
    2: "处理太慢",
    1: "没人理，很失望",
}


def _ref(env, name):
    return env.ref(f"retail_crm_complaints.{name}")


def setup_teams(env, users):
    """Put the store manager into the complaint teams, as member and escalation manager."""
    teams = env["retail.crm.complaint.team"].search([])
    if users:
        teams.write({"member_ids": [(4, u.id) for u in users], "manager_id": users[0].id})
    return teams


def setup_complaints(env, count=90, months=6, seed=15, now=None, progress=None):
    """File ``count`` complaints over the last ``months`` months and take each as far as its age allows.

    Older tickets are contacted, resolved (some late: SLA breached), rated and
    closed with a root cause; recent ones are still open (on track, at risk or
    breached once the SLA check runs).  Returns the complaints.
    """
    Complaint = env["retail.crm.complaint"]
    if Complaint.search_count([]) >= count:
        return Complaint.browse()
    rng = random.Random(seed)
    now = now or datetime.datetime.now().replace(microsecond=0)
    manager = env["res.users"].search([("login", "=", "manager")], limit=1)
    setup_teams(env, manager)
    stage = {
        name: _ref(env, f"stage_{name}") for name in ("new", "contacted", "in_progress", "resolved", "closed")
    }
    categories = {xmlid: _ref(env, xmlid) for xmlid in SUBJECTS}
    causes = [(_ref(env, xmlid), text) for xmlid, text in CORRECTIVE.items()]
    orders = env["pos.order"].search(
        [
            ("partner_id", "!=", False),
            ("amount_total", ">", 0),
            ("date_order", ">=", now - relativedelta(months=months)),
        ],
        limit=3000,
        order="id",
    )
    complaints = Complaint
    for index in range(count):
        # working hours in Shanghai (UTC+8): 02:00-10:00 UTC
        day = now - datetime.timedelta(days=rng.uniform(0, months * 30.4))
        received = day.replace(hour=rng.randint(2, 10), minute=rng.randint(0, 59), second=0)
        received = min(received, now - datetime.timedelta(hours=1))
        xmlid = rng.choice(list(SUBJECTS))
        subject, severity = rng.choice(SUBJECTS[xmlid])
        order = orders[rng.randrange(len(orders))] if orders else None
        values = {
            "subject": subject,
            "description": f"<p>{subject}。</p>",
            "category_id": categories[xmlid].id,
            "severity": severity,
            "channel": rng.choice(CHANNELS),
            "date_received": received,
        }
        if order:
            values.update(partner_id=order.partner_id.id, pos_order_id=order.id, config_id=order.config_id.id)
        with freeze_time(received):
            complaint = Complaint.create(values)
        complaints |= complaint
        _advance(complaint, received, now, rng, stage, causes)
        if index % 15 == 14:
            env.flush_all()
            if progress:
                progress(f"complaints {index + 1}/{count}")
    return complaints


def _advance(complaint, received, now, rng, stage, causes):
    age_hours = (now - received).total_seconds() / 3600
    # first contact: mostly within the 24 working hours, sometimes days late
    contact_after = rng.choice([1, 2, 3, 5, 8, 20, 30, 70])
    if contact_after >= age_hours:
        return
    at = received + datetime.timedelta(hours=contact_after)
    with freeze_time(at):
        complaint.stage_id = stage["contacted"]
    resolve_after = contact_after + rng.choice([4, 10, 24, 48, 72, 120, 200])
    if resolve_after >= age_hours or rng.random() < 0.08:
        return
    at = received + datetime.timedelta(hours=resolve_after)
    resolution = rng.choice(["return", "exchange", "explanation", "explanation", "other"])
    with freeze_time(at):
        complaint.write(
            {
                "stage_id": stage["resolved"].id,
                "resolution_type": resolution,
                "resolution_note": "已与顾客电话沟通并处理完毕。",
            }
        )
        token = complaint._rating_get_access_token()
    # slow answers get lower ratings; some customers never rate
    if rng.random() < 0.75:
        base = 5 if resolve_after <= 48 else 3 if resolve_after <= 120 else 2
        value = max(1, min(5, base + rng.choice([-1, 0, 0, 1])))
        with freeze_time(at + datetime.timedelta(hours=6)):
            complaint.rating_apply(value, token=token, feedback=FEEDBACK[value])
    close_at = at + datetime.timedelta(days=2)
    if close_at < now:
        cause, action = rng.choice(causes)
        with freeze_time(close_at):
            complaint.write(
                {"root_cause_id": cause.id, "corrective_action": action, "stage_id": stage["closed"].id}
            )


def rfm_history(env, months=6, progress=None, commit=True):
    """Compute RFM runs as of the last ``months`` month-ends (oldest first), as the cron would have."""
    Run = env["retail.crm.rfm.run"]
    company = env.company
    today = datetime.date.today()
    done = Run
    for back in range(months, 0, -1):
        run_date = (today - relativedelta(months=back)) + relativedelta(day=31)
        if Run.search_count([("company_id", "=", company.id), ("run_date", "=", run_date)]):
            continue
        values = Run._prepare_run_values(company)
        values["run_date"] = run_date
        run = Run.with_company(company).create(values)
        while not run._step():
            pass
        if commit:
            env.cr.commit()  # one month's run at a time
        done |= run
        if progress:
            progress(f"RFM as of {run_date}: {run.customer_count} customers")
    if done:
        env["retail.crm.rfm.kpi.report"]._refresh()
    return done


def complaint_summary(env):
    """One line: complaints by SLA outcome, stage and rating."""
    Complaint = env["retail.crm.complaint"]
    by_status = Complaint._read_group([], ["sla_status"], ["__count"])
    closed = Complaint.search_count([("stage_id.is_closed", "=", True)])
    rated = Complaint.search_count([("rating_last_value", ">", 0)])
    statuses = ", ".join(f"{status or '-'} {count}" for status, count in by_status)
    return f"{Complaint.search_count([])} complaints ({statuses}); {closed} closed, {rated} rated"


VOICE_COMMENTS = {
    "csat": {
        5: "导购很专业，推荐的面霜很好用",
        4: "东西不错，结账有点慢",
        3: "一般",
        2: "排队太久",
        1: "买到的大米有虫",
    },
    "nps": {
        10: "会员价实惠，经常来",
        9: "服务好",
        8: "还可以",
        7: "商品种类少了点",
        5: "停车不方便",
        2: "退货太麻烦",
    },
}


def voice_history(env, months=6, per_month=24, seed=17, now=None):
    """Survey answers over past months (CSAT after purchases, NPS each
    quarter) through the addon's own sending and answering code, so NPS and
    CSAT graphs, unhappy follow-ups and respondent coupons show from the
    first login.  Members asked get an e-mail consent first (opt-in)."""
    if "retail.crm.voice" not in env:
        return env["res.partner"]
    rng = random.Random(seed)
    now = now or datetime.datetime.now()
    company = env.company
    voice = env["retail.crm.voice"]
    env.cr.execute(
        "SELECT DISTINCT ON (o.partner_id) o.partner_id, o.config_id FROM pos_order o "
        "JOIN res_partner p ON p.id = o.partner_id WHERE p.retail_is_member AND o.company_id = %s "
        "AND p.email IS NOT NULL ORDER BY o.partner_id, o.date_order DESC LIMIT %s",
        [company.id, months * per_month],
    )
    rows = env.cr.fetchall()
    partners = env["res.partner"].browse([partner for partner, _config in rows])
    if "retail.crm.consent" in env:
        purposes = env["retail.crm.consent.purpose"].search([("marketing_channel", "=", "email")])
        env["retail.crm.consent"]._record(partners, purposes, "granted", source="pos")
    answers = env["survey.user_input"]
    for month in range(months, 0, -1):
        moment = now - relativedelta(months=month, days=-rng.randint(0, 20))
        chunk = rows[(month - 1) * per_month : month * per_month]
        with freeze_time(moment):
            for kind, survey in (
                ("csat", company.retail_csat_survey_id),
                ("nps", company.retail_nps_survey_id),
            ):
                if not survey:
                    continue
                picked = [r for r in chunk if (rng.random() < 0.5) == (kind == "csat")]
                period = voice._retail_quarter(moment.date()) if kind == "nps" else False
                if period:
                    # one NPS answer per member and quarter: the scheduled
                    # NPS survey (run before) may have asked some already
                    done = (
                        env["survey.user_input"]
                        .search(
                            [
                                ("survey_id", "=", survey.id),
                                ("retail_period", "=", period),
                                ("partner_id", "in", [p for p, _c in picked]),
                            ]
                        )
                        .partner_id
                    )
                    picked = [r for r in picked if r[0] not in done.ids]
                asked = voice._retail_ask(
                    company,
                    survey,
                    kind,
                    moment.date(),
                    [{"partner": p, "config": c, "order": False} for p, c in picked],
                    period=period,
                )
                for answer in asked.sudo():
                    scores = list(VOICE_COMMENTS[kind])
                    score = rng.choices(scores, weights=[5, 4, 2, 1, 1, 1][: len(scores)])[0]
                    answer._save_lines(survey._retail_score_question(), str(score))
                    comment = survey.question_ids.filtered(lambda q: q.question_type == "text_box")[:1]
                    if comment:
                        answer._save_lines(comment, VOICE_COMMENTS[kind][score])
                    answer._mark_done()
                answers |= asked
    return answers


def voice_summary(env):
    if "retail.crm.voice.report" not in env:
        return "customer voice: not installed"
    env.flush_all()
    report = env["retail.crm.voice.report"]
    [(nps, n_nps)] = report._read_group([("kind", "=", "nps")], [], ["nps:avg", "answer_count:sum"])
    [(csat, n_csat)] = report._read_group([("kind", "=", "csat")], [], ["csat:avg", "answer_count:sum"])
    return f"{n_nps or 0} NPS answers (NPS {nps or 0:.0f}), {n_csat or 0} satisfaction answers (CSAT {csat or 0:.0f} %)"
