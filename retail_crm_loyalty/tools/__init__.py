from .pos_states import PAID_STATES
