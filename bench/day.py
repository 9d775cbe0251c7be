"""The pages of each role's day in the mixed-load bench (bench/locustfile.py walks them; tests check they resolve).

One entry per request the simulated people make: its name in the results (role · what it is) and its path, written
with the fixture keys bench/mixed_data.py hands out ({insee}, {action}…). No Locust and no Django here, so that a
test can read them without either.
"""

import datetime

ROUTES = {
    "login": "/connexion/",
    # GBM: home, dashboard, a hub, validates a deliverable, decides a request, exports.
    "GBM · accueil": "/",
    "GBM · tableau de bord": "/tableau-de-bord/",
    "GBM · fiche commune": "/communes/{insee}/",
    "GBM · livrables à valider": "/livrables/",
    "GBM · valider un livrable": "/livrables/{deliverable}/valider/",
    "GBM · demande": "/demandes/{request}/",
    "GBM · mettre en instruction": "/demandes/{request}/instruire/",
    "GBM · décider une demande": "/demandes/{request}/decision/",
    "GBM · export des actions (XLSX)": "/exports/actions.xlsx",
    # Consultant: home, saves a meeting with participants, fills a week, edits a plan action, registers people.
    "consultant · accueil": "/",
    "consultant · nouvelle réunion": "/reunions/nouvelle/?accompagnement={accompaniment}",
    "consultant · réunion": "/reunions/{meeting}/",
    "consultant · semaine de temps": "/temps/semaine/?semaine={monday}",
    "consultant · modifier une action": "/actions/{action}/modifier/",
    "consultant · action": "/actions/{action}/",
    "consultant · inscrire des personnes": "/ateliers/{workshop}/inscriptions/plusieurs/",
    "consultant · atelier": "/ateliers/{workshop}/",
    # Élu: home, the plan, the Point d'étape, registers a colleague, a share link.
    "élu · accueil": "/",
    "élu · plan d'actions": "/communes/{insee}/plan-d-actions/",
    "élu · point d'étape": "/communes/{insee}/point-d-etape/",
    "élu · inscrire un·e collègue": "/ateliers/{workshop}/inscriptions/nouvelle/",
    "élu · atelier": "/ateliers/{workshop}/",
    "élu · créer un lien de partage": "/communes/{insee}/plan-d-actions/partage/",
    "élu · plan partagé (lien)": "/partage/plan/{token}/",
}


def path(name: str, **values) -> str:
    return ROUTES[name].format(**values)


def monday_weeks_ago(today: datetime.date, weeks: int) -> datetime.date:
    """The Monday `weeks` weeks before the one of `today` (each day of a consultant fills an earlier week)."""
    return today - datetime.timedelta(days=today.weekday() + 7 * weeks)
