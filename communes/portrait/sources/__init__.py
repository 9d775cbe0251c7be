"""One module per public source; each registers its adapter on import (see communes/portrait/registry.py)."""

from communes.portrait.sources import crater, francepat, geo, macantine, sirene  # noqa: F401
