from . import retail_crm_complaint_report
