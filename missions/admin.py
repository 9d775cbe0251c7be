"""The missions app's admin: each domain registers its own models on import."""

from missions.mission1 import admin as mission1_admin  # noqa: F401
from missions.money import admin as money_admin  # noqa: F401
from missions.programme import admin as programme_admin  # noqa: F401
from missions.support import admin as support_admin  # noqa: F401
