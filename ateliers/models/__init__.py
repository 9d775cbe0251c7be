from .registrations import Registration, RegistrationError
from .resources import Resource
from .themes import Theme, ThemeError
from .workshops import (
    DEFAULT_DURATION,
    AttendanceSheet,
    LogisticsCost,
    Testimony,
    Workshop,
    WorkshopError,
    WorkshopReport,
)

__all__ = [
    "DEFAULT_DURATION",
    "AttendanceSheet",
    "LogisticsCost",
    "Registration",
    "RegistrationError",
    "Resource",
    "Testimony",
    "Theme",
    "ThemeError",
    "Workshop",
    "WorkshopError",
    "WorkshopReport",
]
