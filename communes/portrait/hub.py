"""The commune hub's « Portrait alimentaire » section (registered in CommunesConfig.ready)."""

from communes.portrait.selectors import portrait_of
from core import access
from core.hub import HubSection


def portrait_section(commune, user) -> HubSection:
    return HubSection(
        title="Portrait alimentaire",
        template="communes/portrait/hub_section.html",
        anchor="portrait",
        context={
            "portrait": portrait_of(commune),
            "commune": commune,
            "can_refresh": access.can_refresh_portrait(user),
            "can_add_contacts": access.can_manage_contacts(user),
        },
    )
