from ateliers.models.registrations import Registration, RegistrationError
from ateliers.models.resources import Resource
from ateliers.models.themes import Theme, ThemeError
from ateliers.models.workshops import (
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
