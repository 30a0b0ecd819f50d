from .pos_states import PAID_STATES
from .sql_arrays import int_array, text_array
