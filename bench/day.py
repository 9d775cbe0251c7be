"""The pages of each role's day in the mixed-load bench (bench/locustfile.py walks them; tests check they resolve).

One entry per request the simulated people make: its name in the results (role · what it is) and its path, written
with the fixture keys bench/mixed_data.py hands out ({insee}, {action}…). The page a write redirects to is read
next, from the redirect (« … (après enregistrement) » in the results). No Locust and no Django here, so that a
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
    "consultant · semaine de temps": "/temps/semaine/?semaine={monday}",
    "consultant · modifier une action": "/actions/{action}/modifier/",
    "consultant · inscrire des personnes": "/ateliers/{workshop}/inscriptions/plusieurs/?commune={commune}",
    # Élu: home, the plan, the Point d'étape, registers a colleague, a share link.
    "élu · accueil": "/",
    "élu · plan d'actions": "/communes/{insee}/plan-d-actions/",
    "élu · point d'étape": "/communes/{insee}/point-d-etape/",
    "élu · inscrire un·e collègue": "/ateliers/{workshop}/inscriptions/nouvelle/",
    "élu · créer un lien de partage": "/communes/{insee}/plan-d-actions/partage/",
    "élu · plan partagé (lien)": "/partage/plan/{token}/",
}


def path(name: str, **values) -> str:
    return ROUTES[name].format(**values)


def monday_weeks_ago(today: datetime.date, weeks: int) -> datetime.date:
    """The Monday `weeks` weeks before the one of `today` (each day of a consultant fills an earlier week)."""
    return today - datetime.timedelta(days=today.weekday() + 7 * weeks)


# --- What a person changes on each form (the rest of the form is posted as the page gives it) ---


def decision_changes(form) -> dict:
    """GBM accepts the request: reason, feasibility, what support, two steps, two half-days."""
    return {
        "outcome": "accepter",
        "reason": "Projet cohérent avec le plan d'actions de la commune.",
        "feasibility": "faisable",
        "support_nature": "Deux demi-journées d'appui à la définition du besoin.",
        "steps": form.choices.get("steps", [])[:2],
        "allotted_half_days": "2",
    }


def meeting_changes(form, rounds: int) -> dict:
    """A follow-up meeting with the first three people the picker offers (the commune's own come first)."""
    kinds = form.selects["kind"].options
    return {
        "kind": kinds[rounds % len(kinds)],
        "title": f"Comité de suivi n° {rounds + 1}",
        "place": "Mairie, salle du conseil",
        "count_elus": "2",
        "count_residents": "5",
        "minutes": "Point sur les actions en cours ; la cantine passe à 40 % de produits locaux.",
        "present": form.selects["present"].options[:3],
    }


def week_changes(form, *, accompaniment: int, line: int) -> dict:
    """A new row of the week grid: the accompaniment, charged to `line`, one half-day each weekday. The rows the
    grid proposes (a workshop attended, a meeting held: days but no line yet) are left aside, as a person would."""
    total = int(form.value("form-TOTAL_FORMS", "0"))
    row = next((k for k in range(total) if not form.value(f"form-{k}-activity")), None)
    if row is None:
        return {}
    changes = {f"form-{row}-activity": f"accompagnement:{accompaniment}", f"form-{row}-order_line": str(line)}
    changes |= {f"form-{row}-day_{d}": "1" for d in range(5)}
    for k in range(total):
        if k != row and form.value(f"form-{k}-activity") and not form.value(f"form-{k}-order_line"):
            changes |= {f"form-{k}-day_{d}": "" for d in range(7) if form.value(f"form-{k}-day_{d}")}
    return changes


def action_changes(rounds: int) -> dict:
    """The action's progress moves on (the version field stays as the page gave it)."""
    return {"progress": str((rounds * 7 + 10) % 100)}


def bulk_registration_changes(form, rng) -> dict:
    """Two people picked in the picker, registered at once (« Inscrire », not « Rapprocher »)."""
    return {"picked": rng.sample(form.selects["picked"].options, 2), "rapprocher": None, "inscrire": ""}


def colleague_changes(username: str, rounds: int) -> dict:
    """An élu registers a colleague who is not in the directory yet: a new person of their commune."""
    serial = f"{username}.{rounds + 1}"
    return {
        "contact": "",
        "first_name": "Camille",
        "last_name": f"Collègue {serial}",
        "category": "elu",
        "email": f"{serial}@exemple.fr",
    }
