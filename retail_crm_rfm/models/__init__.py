from . import retail_crm_rfm_segment
from . import retail_crm_rfm_tag_rule
from . import retail_crm_rfm_run
from . import retail_crm_rfm_snapshot
from . import res_partner
from . import res_config_settings
