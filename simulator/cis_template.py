"""The seeded CIS template: prepared once in the background, with progress pages can show."""

from __future__ import annotations

import os
import threading
from dataclasses import dataclass

from fake_cis.database import template_path
from fake_cis.seed import seed_template

DEFAULT_CUSTOMERS = 36_000


def customers_to_seed() -> int:
    """How many customers the first start seeds (CSR_SIM_CIS_CUSTOMERS, default 36,000)."""
    return int(os.environ.get("CSR_SIM_CIS_CUSTOMERS", DEFAULT_CUSTOMERS))


@dataclass
class SeedingState:
    fraction: float = 0.0
    message: str = "not started"
    running: bool = False
    error: str | None = None

    @property
    def ready(self) -> bool:
        return template_path().exists()


STATE = SeedingState()
_lock = threading.Lock()


def _report(fraction: float, message: str) -> None:
    STATE.fraction, STATE.message = fraction, message


def _seed() -> None:
    try:
        seed_template(customers=customers_to_seed(), progress=_report)
    except Exception as error:  # shown on the CIS pages: the cause must reach a person
        STATE.error = f"{type(error).__name__}: {error}"
    finally:
        STATE.running = False


def ensure_template() -> None:
    """Start seeding in a background thread unless the template exists or is being made."""
    with _lock:
        if STATE.ready or STATE.running:
            return
        STATE.running, STATE.error = True, None
        _report(0.0, "starting")
        threading.Thread(target=_seed, name="cis-seed", daemon=True).start()
