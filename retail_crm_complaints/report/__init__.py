from . import retail_crm_complaint_report
from . import retail_crm_voice_report
