"""Settings for the load test: the project's own, plus the ceiling page.

Only what a benchmark needs differs from config.settings:
- its own database and media under bench/.data/ (unless DATABASE_URL / MEDIA_ROOT are set),
- DEBUG off (as in production; DEBUG keeps every SQL query in memory),
- the API throttles counted per second: wrk sends everything from one address, which the
  anonymous limit (120/min) would answer with 429s within a second. A per-second window
  keeps the throttle's work per request (one cache read and write of a short list) the
  same as in production.
"""

import os
from pathlib import Path

BENCH_DIR = Path(__file__).resolve().parent
BENCH_DATA = BENCH_DIR / ".data"

os.environ.setdefault("DATABASE_URL", f"sqlite:///{BENCH_DATA / 'bench.sqlite3'}")
os.environ.setdefault("MEDIA_ROOT", str(BENCH_DATA / "media"))

from config.settings import *  # noqa: E402, F403
from config.settings import REST_FRAMEWORK, TEMPLATES  # noqa: E402

DEBUG = False
ROOT_URLCONF = "bench.urls"
TEMPLATES[0]["DIRS"] = [*TEMPLATES[0]["DIRS"], BENCH_DIR / "templates"]
REST_FRAMEWORK = {
    **REST_FRAMEWORK,
    "DEFAULT_THROTTLE_RATES": {
        **REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"],
        "anon": "100000/s",
        "user": "100000/s",
        "order_create": "100000/s",  # the checkout bench's 16 buyers each order many times a minute
        "coupon_validate": "100000/s",
    },
}
