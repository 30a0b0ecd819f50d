"""Marketing purposes installed before 18.0.1.1.0 (noupdate data) learn their
channel, so the opt-in filter finds them."""

from odoo.tools import SQL

CHANNELS = {"marketing_sms": "sms", "marketing_email": "email", "wechat": "wechat"}


def migrate(cr, version):
    for code, channel in CHANNELS.items():
        cr.execute(
            SQL(
                "UPDATE retail_crm_consent_purpose SET marketing_channel = %s "
                "WHERE code = %s AND marketing_channel IS NULL",
                channel,
                code,
            )
        )
