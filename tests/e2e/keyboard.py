"""Type into the focused X window through pynput: the code lives in ``simulator.key_sender``
(``csr-sim station-check`` types with it too); the tests and benchmarks use it from here.

pynput is imported on first use, so DISPLAY can be pointed at the virtual display first.
"""

from simulator.key_sender import (  # noqa: F401  (re-exported)
    DEFAULT_HOLD_S,
    KEYPAD_KEYSYMS,
    NUMLOCK_OFF_KEYS,
    SHIFT_LEAD_S,
    SPIN_S,
    Press,
    controller,
    ctrl_enter,
    ctrl_v,
    dom_key,
    forget_controller,
    keypad_key,
    press_together,
    resolve,
    tap,
    toggle_numlock,
    type_keys,
    type_text,
    wait_until,
)
