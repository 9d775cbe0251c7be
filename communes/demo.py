"""Demo people: the portal's accounts (GBM, consultants, élus of five communes) and realistic field contacts."""

import datetime

from communes.models import Commune, Contact
from core.demo import CONTRACTOR, DEMO_EMAIL_DOMAIN, DEMO_PASSWORD, DemoContext, DemoError
from core.models import User

# (username, first name, last name, role, INSEE code of the commune for élus, staff)
DEMO_USERS = [
    ("claire.gbm", "Claire", "Vuillemin", User.Role.GBM, None, True),
    ("julien.conseil", "Julien", "Roussel", User.Role.CONSULTANT, None, False),
    ("amelie.conseil", "Amélie", "Faivre", User.Role.CONSULTANT, None, False),
    ("elu.amagney", "Bernard", "Cuenot", User.Role.ELU, "25014", False),
    ("elu.devecey", "Sophie", "Mougin", User.Role.ELU, "25200", False),
    ("elu.mamirolle", "Patrick", "Girardot", User.Role.ELU, "25364", False),
    ("elu.pelousey", "Nathalie", "Jeannin", User.Role.ELU, "25448", False),
    ("elu.torpes", "Marc", "Bourgeois", User.Role.ELU, "25564", False),
]

# (first name, last name, organisation, role title, category, INSEE code, consents)
DEMO_CONTACTS = [
    ("Bernard", "Cuenot", "Mairie d'Amagney", "Maire", "elu", "25014", True),
    ("Élodie", "Parrenin", "Mairie d'Amagney", "Adjointe aux affaires scolaires", "elu", "25014", True),
    ("Thierry", "Bôle", "Mairie d'Amagney", "Secrétaire de mairie", "agent", "25014", False),
    ("Sophie", "Mougin", "Mairie de Devecey", "Maire", "elu", "25200", True),
    ("Karim", "Benali", "Restaurant scolaire de Devecey", "Cuisinier", "restauration", "25200", True),
    ("Hélène", "Jacquot", "Les Jardins de la Vallée", "Présidente", "association", "25200", False),
    ("Patrick", "Girardot", "Mairie de Mamirolle", "Maire", "elu", "25364", True),
    ("Lucie", "Cattin", "GAEC du Plateau", "Éleveuse laitière", "agriculteur", "25364", True),
    ("Denis", "Rognon", "Mairie de Mamirolle", "Agent des espaces verts", "agent", "25364", False),
    ("Nathalie", "Jeannin", "Mairie de Pelousey", "Première adjointe", "elu", "25448", True),
    ("Fabrice", "Monnier", "Épicerie solidaire du Val", "Coordinateur", "association", "25448", True),
    ("Céline", "Voisin", "", "Habitante, parent d'élève", "habitant", "25448", False),
    ("Marc", "Bourgeois", "Mairie de Torpes", "Maire", "elu", "25564", True),
    ("Aurélie", "Grosperrin", "Maraîchage des Prés", "Maraîchère", "agriculteur", "25564", True),
    ("Jean-Luc", "Bardey", "Mairie de Thise", "Adjoint à l'environnement", "elu", "25560", True),
    ("Isabelle", "Lambert", "Collège de Thise", "Gestionnaire", "restauration", "25560", False),
    ("Pierre", "Faivre-Pierret", "Mairie de Pirey", "Maire", "elu", "25454", True),
    ("Camille", "Roy", "AMAP de Pirey", "Trésorière", "association", "25454", True),
    ("Olivier", "Courvoisier", "Mairie de Saône", "Adjoint", "elu", "25532", True),
    ("Mathilde", "Bouveret", "Boulangerie du Centre", "Artisane boulangère", "commerce", "25532", False),
    (
        "Yannick",
        "Droz",
        "Chambre interdépartementale d'agriculture",
        "Conseiller circuits courts",
        "institution",
        None,
        True,
    ),
    (
        "Laure",
        "Besson",
        "Département du Doubs",
        "Chargée de mission restauration collective",
        "institution",
        None,
        True,
    ),
    ("Gilles", "Marmier", "Mairie de Chalezeule", "Maire", "elu", "25112", True),
    ("Anne", "Tissot", "Mairie de Chalezeule", "Agente d'accueil", "agent", "25112", False),
    ("Romain", "Vermot", "Mairie de Roche-lez-Beaupré", "Adjoint aux écoles", "elu", "25495", True),
    ("Sandrine", "Piquard", "Centre social de Roche-lez-Beaupré", "Animatrice", "association", "25495", True),
    ("Hugo", "Guyon", "Ferme des Vergers", "Arboriculteur", "agriculteur", "25073", False),
    ("Valérie", "Chopard", "Mairie de Bonnay", "Maire", "elu", "25073", True),
    ("Éric", "Pourcelot", "Mairie de Vaire", "Conseiller municipal", "elu", "25575", False),
    ("Martine", "Billod", "Jardins partagés de Vaire", "Bénévole", "habitant", "25575", True),
]


def seed_users() -> dict[str, User]:
    users = {}
    communes = Commune.objects.in_bulk([row[4] for row in DEMO_USERS if row[4]], field_name="insee_code")
    for username, first_name, last_name, role, insee_code, is_staff in DEMO_USERS:
        user, created = User.objects.get_or_create(
            username=username,
            defaults={
                "first_name": first_name,
                "last_name": last_name,
                "email": f"{username}@{DEMO_EMAIL_DOMAIN}",
                "role": role,
                "commune": communes.get(insee_code) if insee_code else None,
                "is_staff": is_staff,
                "is_superuser": is_staff,
                "organisation": {
                    User.Role.GBM: "Grand Besançon Métropole",
                    User.Role.CONSULTANT: CONTRACTOR,
                }.get(role, ""),
            },
        )
        if created:
            user.set_password(DEMO_PASSWORD)
            user.save(update_fields=["password"])
        users[username] = user
    return users


def seed_contacts(today: datetime.date) -> None:
    communes = Commune.objects.in_bulk([row[5] for row in DEMO_CONTACTS if row[5]], field_name="insee_code")
    for first_name, last_name, organisation, role_title, category, insee_code, consents in DEMO_CONTACTS:
        slug = f"{first_name}.{last_name}".lower().replace(" ", "").replace("'", "")
        Contact.objects.get_or_create(
            first_name=first_name,
            last_name=last_name,
            defaults={
                "organisation": organisation,
                "role_title": role_title,
                "category": category,
                "commune": communes.get(insee_code) if insee_code else None,
                "email": f"{slug}@exemple.fr",
                "phone": "03 81 00 00 00",
                "consent_to_share": consents,
                "consent_date": today - datetime.timedelta(days=90) if consents else None,
                "consent_method": Contact.ConsentMethod.FORM if consents else "",
            },
        )


def seed_people(context: DemoContext) -> None:
    if not Commune.objects.exists():
        raise DemoError("Aucune commune : lancez d'abord « python manage.py load_communes ».")
    context.users = seed_users()
    seed_contacts(context.today)
