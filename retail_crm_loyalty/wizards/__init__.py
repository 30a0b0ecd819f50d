from . import retail_crm_tier_override
from . import retail_crm_tier_preview
from . import retail_crm_tier_preview_line
from . import retail_crm_tier_preview_move
from . import base_partner_merge_automatic_wizard
