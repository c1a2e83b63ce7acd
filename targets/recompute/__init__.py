"""The trajectory recompute: ProgressStatus kept equal to what judgements and targets say, and who is told.

Start at :mod:`.engine` (its docstring is the design note: what is read, how changed schools are found,
what is written, why running twice is safe). Beside it:

- :mod:`.classify` — reads judgements, targets and windows and classifies them (the new rows);
- :mod:`.fingerprints` — 64-bit row hashes, additive series fingerprints and the school fingerprint;
- :mod:`.store` — reads the stored rows back, compares, writes (binary COPY);
- :mod:`.notify` — in-app notices for pupils newly off trajectory, and the weekly e-mail digest.
"""

from __future__ import annotations

from .engine import RecomputeResult, progress_recompute, progress_recompute_schools, school_batches
from .notify import OFF_TRAJECTORY, digest_send_weekly, progress_notify_latest_slips

__all__ = [
    "OFF_TRAJECTORY",
    "RecomputeResult",
    "digest_send_weekly",
    "progress_notify_latest_slips",
    "progress_recompute",
    "progress_recompute_schools",
    "school_batches",
]
