from . import test_sla
from . import test_routing
from . import test_resolution
from . import test_intake
from . import test_access
from . import test_pos_tour
from . import test_translations
