"""Rule packs (*.rule), the law text they cite (law/*.yaml) and the data they use. Data, not code."""
from pathlib import Path

RULES_DIR = Path(__file__).resolve().parent
