"""A store's worth of data about one person, built through the flows a
store uses (till sync, mail gateway, survey, rating, blacklists...), and the
other customers around them: same name, a name containing it, a product and
a note quoting it."""

import base64
import io
from datetime import date, timedelta
from email.message import EmailMessage

from PIL import Image

from odoo import Command, fields

from .audit_common import BIRTHDAY, FULL_WIDTH_MOBILE, ID_NUMBER, LANDLINE, MOBILE

NAME = "欧阳娜娜"
GIVEN = "娜娜"
LATIN = "Ms. Nana Ouyang"
OLD_EMAIL = "nana.ouyang.old@example.cn"
NEW_EMAIL = "nana.ouyang@example.cn"
OLD_STREET = "南京西路1号"
STREET = "淮海中路999号"
BANK = "6222021234567890"
BARCODE = "2900871234"


def photo():
    image = Image.new("RGB", (4, 4), (200, 30, 30))
    output = io.BytesIO()
    image.save(output, format="PNG")
    return base64.b64encode(output.getvalue())


class AuditPeopleMixin:
    """Needs a POS test base (create_ui_order_data, an open session)."""

    def _flush_tracking(self):
        self.env.cr.precommit.run()

    def _sell(self, customer, qty=1, note=None, line_note=None, holder=None, day=None):
        data = self.create_ui_order_data([(self.audit_product, qty)], customer=customer)
        if note:
            data["general_note"] = note
        if line_note:
            data["lines"][0][2]["customer_note"] = line_note
        if holder:
            data["payment_ids"][0][2]["cardholder_name"] = holder
        result = self.env["pos.order"].sync_from_ui([data])
        order = self.env["pos.order"].browse(result["pos.order"][0]["id"])
        if day:
            order.date_order = fields.Datetime.to_datetime(day)
        return order

    def _refund(self, order, day):
        line = order.lines[0]
        data = self.create_ui_order_data([(line.product_id, -1)], customer=order.partner_id)
        data["lines"][0][2]["refunded_orderline_id"] = line.id
        result = self.env["pos.order"].sync_from_ui([data])
        refund = self.env["pos.order"].browse(result["pos.order"][0]["id"])
        refund.date_order = fields.Datetime.to_datetime(day)
        return refund

    def _email_complaint(self, sender, body, attachment=None):
        message = EmailMessage()
        message["From"] = sender
        message["To"] = "service@example.com"
        message["Subject"] = "投诉：围巾起球"
        message["Message-Id"] = f"<audit-{abs(hash(body))}@example.cn>"
        message.set_content(body)
        if attachment:
            message.add_attachment(attachment[1], maintype="text", subtype="plain", filename=attachment[0])
        thread_id = self.env["mail.thread"].message_process("retail.crm.complaint", message.as_string())
        return self.env["retail.crm.complaint"].browse(thread_id)

    def _nps(self, partner, reason, score=3):
        survey = self.env.ref("retail_crm_complaints.survey_nps")
        answer = survey._create_answer(
            partner=partner,
            check_attempts=False,
            retail_kind="nps",
            retail_company_id=self.env.company.id,
            retail_period=f"2026-Q{len(self.env['survey.user_input'].search([])) % 4 + 1}-{partner.id}",
        )
        # as the survey controller does for a visitor with a token
        respondent = answer.sudo()
        respondent._save_lines(survey._retail_score_question(), str(score))
        respondent._save_lines(self.env.ref("retail_crm_complaints.survey_nps_q_reason"), reason)
        respondent._mark_done()
        return answer

    def _loyalty(self, partner, points, description):
        program = self.env["loyalty.program"].create({"name": "会员积分", "program_type": "loyalty"})
        card = self.env["loyalty.card"].create(
            {"program_id": program.id, "partner_id": partner.id, "points": points}
        )
        self.env["loyalty.history"].create({"card_id": card.id, "description": description, "issued": points})
        return card

    def _witnesses(self):
        """Other customers: the same name, a name containing it, the same
        Latin name, a note and a complaint quoting the name; a product."""
        Partner = self.env["res.partner"]
        same, contains, friend, latin, referrer = Partner.create(
            [
                {
                    "name": NAME,
                    "mobile": "+8613800001111",
                    "email": "other.nana@example.cn",
                    "comment": f"<p>{NAME}（另一位）常买围巾，手机13800001111</p>",
                    "retail_is_member": True,
                },
                {"name": f"{NAME}华", "email": "nanahua@example.cn", "city": "上海"},
                {"name": "李娜", "comment": f"<p>和{NAME}一起来店，Nana Ouyang 的朋友，{NAME}手机139？</p>"},
                {"name": "Nana Ouyang", "email": "nana.ouyang@example.com", "street": "1 Ouyang Lane"},
                {"name": "张伟", "retail_is_member": True, "mobile": "+8613900002222"},
            ]
        )
        same.message_post(body=f"{NAME}来电咨询围巾")
        product = self.env["product.product"].create({"name": f"{NAME}同款围巾", "list_price": 99.0})
        orders = self._sell(same, note=f"{NAME} 本人，买了 {NAME}同款围巾", line_note=f"{NAME}要礼盒")
        orders |= self._sell(referrer, note=f"张伟 买了 {NAME}同款围巾")
        complaint = self.env["retail.crm.complaint"].create(
            {"subject": "推荐", "partner_id": referrer.id, "description": f"<p>张伟说{NAME}推荐他来</p>"}
        )
        self._nps(same, f"我是{NAME}，喜欢这家店", score=9)
        self._loyalty(same, 50, f"{NAME} 开卡")
        self._flush_tracking()
        return same | contains | friend | latin | referrer, product, orders, complaint

    def _rich_person(self, member=True, referrer=None):
        """The person: everything a store holds about a member (or a
        customer without membership)."""
        Partner = self.env["res.partner"]
        vals = {
            "name": NAME,
            "mobile": "+86 139 1111 2222",
            "phone": LANDLINE,
            "email": OLD_EMAIL,
            "country_id": self.env.ref("base.cn").id,
            "street": OLD_STREET,
            "city": "上海",
            "retail_birthday": BIRTHDAY,
            "retail_id_number": ID_NUMBER,
            "comment": f"<p>{NAME}喜欢丝巾</p>",
            "barcode": BARCODE,
            "image_1920": photo(),
            "privacy_consent_ids": [
                Command.create(
                    {
                        "purpose_id": self.env.ref("retail_crm_privacy.purpose_sensitive_data").id,
                        "state": "granted",
                    }
                )
            ],
        }
        if member:
            vals["retail_is_member"] = True
        person = Partner.create(vals)
        self._flush_tracking()
        person.write({"email": NEW_EMAIL, "street": STREET, "mobile": MOBILE})
        self._flush_tracking()
        child = Partner.create(
            {
                "name": LATIN,
                "parent_id": person.id,
                "type": "delivery",
                "phone": "021 6234 5678",
                "street": STREET,
            }
        )
        self.env["res.users"].create(
            {
                "name": NAME,
                "login": NEW_EMAIL,
                "partner_id": person.id,
                "groups_id": [Command.set([self.env.ref("base.group_portal").id])],
            }
        )
        self.env["res.partner.bank"].create(
            {"acc_number": BANK, "partner_id": person.id, "acc_holder_name": NAME}
        )
        Consent = self.env["retail.crm.consent"]
        Consent._record(person, self.purpose_sms, "granted", note=f"顾客电话 139-5724-6813 同意，{NAME}")
        Consent._record(person, self.purpose_sms, "withdrawn")
        # at the till: orders with notes, a card payment, a refund on another day
        today = fields.Date.today()
        orders = self._sell(
            person,
            qty=2,
            note=f"会员 {NAME} 手机尾号6813，生日1990年11月30日",
            line_note=f"{NAME}要礼盒，电话139 5724 6813联系",
            holder="OUYANG NANA",
            day=today - timedelta(days=3),
        )
        orders |= self._sell(person, note=f"送货：{STREET}，{LANDLINE}", day=today - timedelta(days=2))
        orders |= self._refund(orders[0], today - timedelta(days=1))
        card = self.env["loyalty.card"]
        if member:
            card = self._loyalty(person, 120, f"{NAME} 生日双倍积分")
            coupons = self.env["loyalty.program"].create({"name": "生日券", "program_type": "coupons"})
            card |= self.env["loyalty.card"].create(
                {"program_id": coupons.id, "partner_id": person.id, "points": 1}
            )
            gift = self.env["loyalty.program"].create({"name": "礼品卡", "program_type": "gift_card"})
            card |= self.env["loyalty.card"].create(
                {"program_id": gift.id, "partner_id": person.id, "points": 200}
            )
            self.env["retail.crm.tier.history"].create(
                {"partner_id": person.id, "change_type": "enrol", "reason": f"{NAME} 开卡，生日{BIRTHDAY}"}
            )
        if "retail.crm.rfm.snapshot" in self.env:
            run = self.env["retail.crm.rfm.run"].create({"run_date": date(2026, 3, 1)})
            self.env["retail.crm.rfm.snapshot"].create(
                {"run_id": run.id, "run_date": date(2026, 3, 1), "partner_id": person.id, "r_score": 5}
            )
        if referrer:
            # written by the till flow (no user creates referrals)
            self.env["retail.crm.referral"].sudo().create(
                {
                    "company_id": self.env.company.id,
                    "member_id": person.id,
                    "referrer_id": referrer.id,
                    "order_id": orders[0].id,
                }
            )
        complaints = self._complaints(person, orders)
        self._nps(person, f"{NAME}：店员态度差，请打{FULL_WIDTH_MOBILE}，身份证{ID_NUMBER}", score=3)
        self._marketing(person)
        person.activity_schedule(
            "mail.mail_activity_data_call", note=f"回访{NAME} 13957246813", user_id=self.env.uid
        )
        person.message_post(body=f"{NAME}来电，生日1990/11/30，住{STREET}")
        self._flush_tracking()
        return person, child, orders, card, complaints

    def _complaints(self, person, orders):
        Complaint = self.env["retail.crm.complaint"]
        backend = Complaint.create(
            {
                "subject": f"{NAME}投诉围巾",
                "partner_id": person.id,
                "description": f"<p>{NAME}来电，手机139-5724-6813，或+86-139-5724-6813，身份证{ID_NUMBER}</p>",
            }
        )
        self._flush_tracking()
        backend.subject = "围巾起球"
        backend.message_subscribe(partner_ids=person.ids)
        backend.message_post(
            body=f"手机13957246813无人接听…客户生日1990-11-30，{GIVEN}说下午再来",
            subtype_xmlid="mail.mt_note",
            attachments=[("照片说明.txt", f"{NAME} 的围巾照片 {MOBILE}".encode())],
        )
        backend.activity_schedule(
            "mail.mail_activity_data_todo", note=f"回访{NAME}，地址{STREET}", user_id=self.env.uid
        )
        till = Complaint.browse(
            Complaint.create_from_pos(
                {
                    "config_id": self.config.id,
                    "partner_id": person.id,
                    "order_id": orders[0].id,
                    "description": f"{NAME} 手机{FULL_WIDTH_MOBILE} 要求退货",
                }
            )["id"]
        )
        mailed = self._email_complaint(
            f"{NAME} <{NEW_EMAIL}>",
            f"我是{NAME}，手机+86 139 5724 6813，身份证110105 19901130 1233，住{STREET}",
            attachment=("发票.txt", f"{NAME} {ID_NUMBER}".encode()),
        )
        mailed.resolution_type = "explanation"
        mailed.with_context(mail_notify_force_send=False).action_send_resolution()
        rating = self.env["rating.rating"].search(
            [("res_model", "=", "retail.crm.complaint"), ("res_id", "=", mailed.id)], limit=1
        )
        mailed.rating_apply(2, token=rating.access_token, feedback=f"{NAME}：不满意，电话13957246813")
        self.env["ir.attachment"].create(
            {
                "name": "身份证.png",
                "datas": base64.b64encode(f"{NAME} {ID_NUMBER}".encode()),
                "res_model": "res.partner",
                "res_id": person.id,
            }
        )
        return backend | till | mailed

    def _marketing(self, person):
        Blacklist = self.env["mail.blacklist"]
        Blacklist._add(OLD_EMAIL, message=f"{NAME}退订")
        Blacklist._remove(OLD_EMAIL, message=f"{NAME}重新订阅")
        PhoneBlacklist = self.env["phone.blacklist"]
        PhoneBlacklist._add([MOBILE], message=f"{NAME}退订")
        PhoneBlacklist._remove([MOBILE], message=f"{NAME}重新订阅")
        if "mailing.contact" in self.env:
            contact = self.env["mailing.contact"].create({"name": NAME, "email": NEW_EMAIL})
            mailing = self.env["mailing.mailing"].create(
                {
                    "subject": "会员日",
                    "body_html": "<p>会员日</p>",
                    "mailing_model_id": self.env["ir.model"]._get_id("mailing.contact"),
                }
            )
            self.env["mailing.trace"].create(
                {
                    "mass_mailing_id": mailing.id,
                    "model": "mailing.contact",
                    "res_id": contact.id,
                    "email": NEW_EMAIL,
                    "trace_type": "mail",
                }
            )
        self.env["sms.sms"].create(
            {"number": MOBILE, "body": f"{NAME}您好，您的积分120", "partner_id": person.id}
        )
        self.env["mail.mail"].create(
            {"email_to": f"{NAME} <{NEW_EMAIL}>", "subject": "会员日", "body_html": f"<p>{NAME}您好</p>"}
        )
        self.env["bus.bus"]._sendone(person, "retail/notify", {"name": NAME, "mobile": "13957246813"})
