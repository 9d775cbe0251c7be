from .accompaniments import Accompaniment
from .choices import ActionTheme
from .diagnostics import ActionLead, Diagnostic, SharedFinding, Stake
from .meetings import HEADCOUNT_FIELDS, Meeting, MeetingParticipant
from .programme import Programme

__all__ = [
    "HEADCOUNT_FIELDS",
    "Accompaniment",
    "ActionLead",
    "ActionTheme",
    "Diagnostic",
    "Meeting",
    "MeetingParticipant",
    "Programme",
    "SharedFinding",
    "Stake",
]
