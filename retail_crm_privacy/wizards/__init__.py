from . import retail_crm_consent_record
from . import retail_crm_erasure_preview
from . import base_partner_merge_automatic_wizard
from . import sms_composer
from . import sms_resend
