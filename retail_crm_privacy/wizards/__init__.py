from . import retail_crm_consent_record
from . import retail_crm_erasure_preview
