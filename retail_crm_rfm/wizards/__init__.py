from . import retail_crm_rfm_segment_action
from . import retail_crm_rfm_segment_action_crosssell
from . import base_partner_merge_automatic_wizard
