from . import test_member_profile
from . import test_tier_pos
from . import test_tier_review
from . import test_benefits
from . import test_access
from . import test_pos_tour
from . import test_concurrency
