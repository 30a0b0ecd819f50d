from . import retail_crm_rfm_migration_report
from . import retail_crm_rfm_kpi_report
from . import retail_crm_rfm_kpi_member
from . import retail_crm_rfm_kpi_voice
