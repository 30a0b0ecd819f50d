from . import test_rfm_engine
from . import test_rfm_run
from . import test_rfm_reports
from . import test_rfm_actions
from . import test_rfm_access
from . import test_rfm_ab_test
from . import test_rfm_definitions
from . import test_rfm_generator
