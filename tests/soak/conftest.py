"""The soak runs only through scripts/soak, which sets LOCALGRID_SOAK_SECONDS."""

import os

collect_ignore = [] if os.environ.get("LOCALGRID_SOAK_SECONDS") else ["test_soak.py"]
