"""Demo data for Mission 3: support requests from the three doors, in every status, some followed and evaluated.

Idempotent: a request is identified by its commune and its title; an existing one is left as it is.
States are set directly (with a back-dated timeline) rather than through the services, so that the demo
sends no e-mail and looks like months of work.
"""

import datetime
from dataclasses import dataclass, field
from decimal import Decimal

from django.utils import timezone
from django.utils.text import slugify

from communes.models import Commune
from core.deliverables import submit_deliverable, validate_deliverable
from core.demo import DemoContext
from core.models import Deliverable
from missions.mission1.models.meetings import Meeting
from missions.support.models import FinancingLine, SupportPriorityWeights, SupportRequest, SupportStep
from missions.support.selectors import explain_priority, request_with_priority
from missions.support.services import save_with_reference

Door, Status, Kind, Requester = (
    SupportRequest.Door,
    SupportRequest.Status,
    SupportRequest.Kind,
    SupportRequest.RequesterKind,
)
Step = SupportStep.Kind

# The statuses a request went through to reach each status.
PATHS = {
    Status.RECEIVED: [Status.RECEIVED],
    Status.UNDER_REVIEW: [Status.RECEIVED, Status.UNDER_REVIEW],
    Status.ACCEPTED: [Status.RECEIVED, Status.UNDER_REVIEW, Status.ACCEPTED],
    Status.REFUSED: [Status.RECEIVED, Status.UNDER_REVIEW, Status.REFUSED],
    Status.IN_PROGRESS: [Status.RECEIVED, Status.UNDER_REVIEW, Status.ACCEPTED, Status.IN_PROGRESS],
    Status.COMPLETED: [Status.RECEIVED, Status.UNDER_REVIEW, Status.ACCEPTED, Status.IN_PROGRESS, Status.COMPLETED],
    Status.ABANDONED: [Status.RECEIVED, Status.UNDER_REVIEW, Status.ACCEPTED, Status.IN_PROGRESS, Status.ABANDONED],
}
# Days after reception at which a request reached each status.
STATUS_DELAYS = {
    Status.RECEIVED: 0,
    Status.UNDER_REVIEW: 5,
    Status.ACCEPTED: 15,
    Status.REFUSED: 15,
    Status.IN_PROGRESS: 25,
    Status.COMPLETED: 150,
    Status.ABANDONED: 150,
}
ELU_OF = {
    "25014": "elu.amagney",
    "25200": "elu.devecey",
    "25364": "elu.mamirolle",
    "25448": "elu.pelousey",
    "25564": "elu.torpes",
}


@dataclass
class DemoRequest:
    insee_code: str
    door: str
    status: str
    days_ago: int  # received this many days before today
    title: str
    kind: str
    requester_kind: str
    organisation: str
    contact_name: str
    description: str
    help_wanted: str
    under_way: bool = False
    channel: str = SupportRequest.Channel.PORTAL
    reason: str = ""
    steps: list[str] = field(default_factory=list)
    half_days: str = "4"
    closing_note: str = ""


DEMO_REQUESTS = [
    # Reçues
    DemoRequest(
        "25564",
        Door.ELU,
        Status.RECEIVED,
        6,
        "Cantine : 50 % de produits locaux",
        Kind.CATERING,
        Requester.COMMUNE,
        "Commune de Torpes",
        "Marc Bourgeois",
        "La cantine sert 70 repas par jour, livrés par un prestataire. La commune veut y introduire la moitié de "
        "produits locaux à la rentrée prochaine, sans augmenter le prix du repas pour les familles.",
        "Rédiger le cahier des charges du prochain marché de repas et identifier les producteurs du secteur.",
    ),
    DemoRequest(
        "25560",
        Door.PUBLIC,
        Status.RECEIVED,
        11,
        "Atelier de cuisine pédagogique au collège",
        Kind.TEACHING_KITCHEN,
        Requester.SCHOOL,
        "Collège de Thise",
        "Isabelle Lambert",
        "Équiper une salle pour des ateliers de cuisine avec les élèves de 5e, autour des produits de saison.",
        "Trouver des partenaires (producteurs, diététicienne) et des financements pour l'équipement.",
    ),
    DemoRequest(
        "25073",
        Door.TEAM,
        Status.RECEIVED,
        3,
        "Vente directe de fruits à la ferme",
        Kind.FARM_SETUP,
        Requester.FARMER,
        "Ferme des Vergers",
        "Hugo Guyon",
        "Un arboriculteur veut ouvrir un point de vente à la ferme et fournir la cantine de Bonnay.",
        "Étudier la faisabilité du point de vente et le lien avec la restauration scolaire.",
        under_way=True,
        channel=SupportRequest.Channel.PHONE,
    ),
    # En instruction
    DemoRequest(
        "25448",
        Door.PUBLIC,
        Status.UNDER_REVIEW,
        34,
        "Paniers solidaires de producteurs locaux",
        Kind.BASKETS,
        Requester.ASSOCIATION,
        "Épicerie solidaire du Val",
        "Fabrice Monnier",
        "Proposer chaque semaine des paniers de légumes locaux à prix solidaire aux bénéficiaires de l'épicerie.",
        "Trouver des maraîchers partenaires et monter un modèle économique durable.",
        under_way=True,
    ),
    DemoRequest(
        "25364",
        Door.ELU,
        Status.UNDER_REVIEW,
        41,
        "Remise en état du verger communal",
        Kind.ORCHARD,
        Requester.COMMUNE,
        "Commune de Mamirolle",
        "Patrick Girardot",
        "Le verger communal (30 arbres) est peu entretenu. La commune veut le confier à un collectif d'habitants.",
        "Définir le besoin (taille, replantation) et accompagner un collectif pour porter le projet.",
    ),
    DemoRequest(
        "25575",
        Door.TEAM,
        Status.UNDER_REVIEW,
        27,
        "Jardins partagés de Vaire",
        Kind.GARDEN,
        Requester.COLLECTIVE,
        "Jardins partagés de Vaire",
        "Martine Billod",
        "Un collectif d'habitants cultive déjà quelques parcelles et veut s'agrandir sur un terrain communal.",
        "Passer de l'idée au projet avec la commune : convention d'occupation, organisation, budget.",
        under_way=True,
        channel=SupportRequest.Channel.EMAIL,
    ),
    # Acceptées
    DemoRequest(
        "25364",
        Door.TEAM,
        Status.ACCEPTED,
        70,
        "Installation d'un jeune maraîcher",
        Kind.FARM_SETUP,
        Requester.FARMER,
        "GAEC du Plateau",
        "Lucie Cattin",
        "Le GAEC souhaite accueillir un jeune maraîcher sur deux hectares et fournir la cantine de Mamirolle.",
        "Recherche de partenaires (foncier, Chambre d'agriculture) et plan de financement de l'installation.",
        channel=SupportRequest.Channel.MEETING,
        reason="Projet cohérent avec l'enjeu de transmission agricole du "
        "diagnostic ; besoin précis et porteur identifié.",
        steps=[Step.PARTNERS, Step.FINANCING, Step.LOCAL_LEAD],
        half_days="6",
    ),
    DemoRequest(
        "25200",
        Door.ELU,
        Status.ACCEPTED,
        58,
        "Approvisionnement local de la restauration scolaire",
        Kind.CATERING,
        Requester.COMMUNE,
        "Commune de Devecey",
        "Sophie Mougin",
        "Le restaurant scolaire (120 repas) veut passer à 40 % de produits locaux d'ici deux ans.",
        "Définition du besoin et rédaction du cahier des charges avec le cuisinier.",
        reason="Action prioritaire du plan d'actions communal ; la cuisine sur place facilite le projet.",
        steps=[Step.NEED, Step.SPECIFICATIONS],
    ),
    DemoRequest(
        "25111",
        Door.PUBLIC,
        Status.ACCEPTED,
        45,
        "Poulailler partagé de Chalèze",
        Kind.OTHER,
        Requester.COLLECTIVE,
        "Collectif Les Poules de Chalèze",
        "Anaïs Perrot",
        "Installer un poulailler partagé pour réduire les déchets alimentaires et produire des œufs.",
        "De l'idée au projet : règlement, emplacement, financement.",
        reason="Petite commune pas encore accompagnée ; projet simple et mobilisateur.",
        steps=[Step.IDEA, Step.FINANCING],
        half_days="3",
    ),
    # Refusées
    DemoRequest(
        "25454",
        Door.PUBLIC,
        Status.REFUSED,
        95,
        "Nouveau point de livraison de l'AMAP",
        Kind.BASKETS,
        Requester.ASSOCIATION,
        "AMAP de Pirey",
        "Camille Roy",
        "Ouvrir un deuxième point de livraison de l'AMAP à Pirey.",
        "Aide à la communication et à la recherche d'adhérents.",
        reason="Le besoin relève de la communication de l'association, hors du champ de l'accompagnement "
        "(montage de projet). Le Grand Besançon relaiera l'AMAP dans sa lettre aux communes.",
    ),
    DemoRequest(
        "25014",
        Door.ELU,
        Status.REFUSED,
        80,
        "Marché de producteurs hebdomadaire",
        Kind.OTHER,
        Requester.COMMUNE,
        "Commune d'Amagney",
        "Bernard Cuenot",
        "Créer un marché de producteurs le vendredi soir sur la place de la mairie.",
        "Accompagnement au montage du marché.",
        reason="Projet déjà accompagné par la Chambre d'agriculture : pas de double accompagnement.",
    ),
    DemoRequest(
        "25056",
        Door.TEAM,
        Status.REFUSED,
        88,
        "Ferme urbaine sur un toit",
        Kind.GARDEN,
        Requester.BUSINESS,
        "Toits Verts SAS",
        "Julien Morel",
        "Créer une ferme urbaine commerciale sur le toit d'un immeuble de bureaux.",
        "Étude de marché et recherche d'investisseurs.",
        channel=SupportRequest.Channel.EMAIL,
        reason="Projet commercial privé à Besançon : le programme accompagne les communes de moins de 5 000 "
        "habitants et les projets d'intérêt collectif.",
    ),
    # En cours
    DemoRequest(
        "25014",
        Door.ELU,
        Status.IN_PROGRESS,
        150,
        "Potager pédagogique de l'école",
        Kind.GARDEN,
        Requester.COMMUNE,
        "Commune d'Amagney",
        "Bernard Cuenot",
        "Créer un potager de 200 m² à côté de l'école, cultivé par les élèves avec l'aide d'habitants bénévoles.",
        "Définir le besoin, trouver des partenaires (jardiniers, association) et financer l'aménagement.",
        under_way=True,
        reason="Projet prioritaire du plan d'actions ; forte mobilisation des parents.",
        steps=[Step.IDEA, Step.NEED, Step.PARTNERS, Step.FINANCING],
    ),
    DemoRequest(
        "25495",
        Door.PUBLIC,
        Status.IN_PROGRESS,
        130,
        "Jardin partagé du centre social",
        Kind.GARDEN,
        Requester.ASSOCIATION,
        "Centre social de Roche-lez-Beaupré",
        "Sandrine Piquard",
        "Un jardin partagé ouvert aux familles du quartier, avec des ateliers cuisine des récoltes.",
        "Plan de financement et calendrier du projet.",
        reason="Commune pas encore accompagnée, public prioritaire, projet déjà engagé.",
        steps=[Step.FINANCING, Step.CALENDAR],
        under_way=True,
    ),
    DemoRequest(
        "25245",
        Door.TEAM,
        Status.IN_PROGRESS,
        120,
        "Légumerie pour les cantines du secteur",
        Kind.CATERING,
        Requester.OTHER,
        "SIVOS de Fontain",
        "Claire Joly",
        "Mutualiser une légumerie pour trois cantines afin de cuisiner des légumes locaux bruts.",
        "Définition du besoin, cahier des charges des équipements.",
        channel=SupportRequest.Channel.MEETING,
        reason="Projet structurant pour plusieurs communes de moins de 5 000 habitants.",
        steps=[Step.NEED, Step.SPECIFICATIONS],
        half_days="5",
    ),
    # Terminées
    DemoRequest(
        "25200",
        Door.PUBLIC,
        Status.COMPLETED,
        220,
        "Verger partagé des Vallières",
        Kind.ORCHARD,
        Requester.ASSOCIATION,
        "Les Jardins de la Vallée",
        "Hélène Jacquot",
        "Planter un verger de variétés anciennes sur un terrain communal, entretenu par l'association.",
        "Recherche de partenaires, plan de financement et calendrier de plantation.",
        reason="Projet cohérent avec le plan d'actions de Devecey ; association solide.",
        steps=[Step.PARTNERS, Step.FINANCING, Step.CALENDAR],
        closing_note="Verger planté : 32 arbres, 15 bénévoles formés à la taille.",
    ),
    DemoRequest(
        "25564",
        Door.ELU,
        Status.COMPLETED,
        210,
        "Composteur collectif de la cantine",
        Kind.OTHER,
        Requester.COMMUNE,
        "Commune de Torpes",
        "Marc Bourgeois",
        "Installer un composteur pour les déchets de la cantine et réduire le gaspillage.",
        "Définir le besoin et organiser le suivi avec le personnel.",
        reason="Action de lutte contre le gaspillage du plan communal.",
        steps=[Step.NEED, Step.CALENDAR],
        half_days="2",
        closing_note="Composteur en service depuis trois mois ; 40 kg de déchets évités par mois.",
    ),
    DemoRequest(
        "25084",
        Door.TEAM,
        Status.COMPLETED,
        200,
        "Cuisine pédagogique itinérante",
        Kind.TEACHING_KITCHEN,
        Requester.ASSOCIATION,
        "Association Saveurs du Doubs",
        "Paul Vernier",
        "Une cuisine mobile qui circule dans les écoles pour des ateliers autour des produits locaux.",
        "Plan de financement et partenaires.",
        channel=SupportRequest.Channel.PHONE,
        reason="Projet au service de plusieurs petites communes.",
        steps=[Step.FINANCING, Step.PARTNERS],
        closing_note="Cuisine mobile financée et lancée dans quatre écoles.",
    ),
    # Abandonnées
    DemoRequest(
        "25112",
        Door.TEAM,
        Status.ABANDONED,
        180,
        "Jardin partagé du lotissement",
        Kind.GARDEN,
        Requester.COLLECTIVE,
        "Habitants du lotissement des Prés",
        "Anne Tissot",
        "Créer un jardin partagé sur l'espace vert du lotissement.",
        "De l'idée au projet.",
        channel=SupportRequest.Channel.EMAIL,
        reason="Demande simple, collectif motivé.",
        steps=[Step.IDEA],
        half_days="2",
        closing_note="Le terrain a été vendu par le lotisseur ; le collectif cherche un autre lieu.",
    ),
    DemoRequest(
        "25448",
        Door.ELU,
        Status.ABANDONED,
        190,
        "Épicerie de producteurs en mairie",
        Kind.BASKETS,
        Requester.COMMUNE,
        "Commune de Pelousey",
        "Nathalie Jeannin",
        "Ouvrir un local communal à un dépôt de produits de producteurs locaux.",
        "Recherche de partenaires.",
        reason="Projet en lien avec l'épicerie solidaire.",
        steps=[Step.PARTNERS],
        half_days="2",
        closing_note="Aucun producteur disponible pour tenir le dépôt ; la commune reporte le projet.",
    ),
    DemoRequest(
        "25410",
        Door.PUBLIC,
        Status.ABANDONED,
        160,
        "Ruches et verger pédagogique",
        Kind.ORCHARD,
        Requester.ASSOCIATION,
        "Les Abeilles de Morre",
        "Louis Bailly",
        "Installer des ruches et un petit verger pédagogique près de l'école.",
        "Plan de financement.",
        reason="Projet pédagogique dans une petite commune non accompagnée.",
        steps=[Step.FINANCING],
        half_days="2",
        closing_note="L'association s'est dissoute au printemps.",
    ),
]

FINANCING = {
    "Potager pédagogique de l'école": [
        ("depense", "Aménagement des bacs et clôture", "2800.00", ""),
        ("depense", "Outils, semences et récupérateur d'eau", "950.00", ""),
        ("recette", "Commune d'Amagney", "1500.00", "acquis"),
        ("recette", "Département du Doubs (appel à projets jeunesse)", "1200.00", "sollicite"),
        ("recette", "Association des parents d'élèves", "300.00", "acquis"),
    ],
    "Jardin partagé du centre social": [
        ("depense", "Terrassement et cabane", "4200.00", ""),
        ("recette", "Caisse d'allocations familiales", "2500.00", "sollicite"),
        ("recette", "Centre social (fonds propres)", "700.00", "acquis"),
    ],
    "Verger partagé des Vallières": [
        ("depense", "32 arbres fruitiers de variétés anciennes", "1920.00", ""),
        ("depense", "Tuteurs, protections et paillage", "680.00", ""),
        ("recette", "Commune de Devecey", "1000.00", "acquis"),
        ("recette", "Région Bourgogne-Franche-Comté", "1300.00", "acquis"),
        ("recette", "Les Jardins de la Vallée", "300.00", "acquis"),
    ],
}
EVALUATIONS = {
    "Verger partagé des Vallières": (
        "32 arbres plantés en novembre ; 15 bénévoles formés à la taille ; une convention d'entretien signée "
        "avec la commune.",
        "La plantation collective a mobilisé l'école et les habitants ; le financement régional a été obtenu vite.",
        "L'arrosage de l'été a reposé sur trop peu de bénévoles.",
        "Former deux référents taille et installer une cuve de récupération d'eau.",
    ),
    "Composteur collectif de la cantine": (
        "Composteur en service ; 40 kg de déchets évités par mois.",
        "L'implication du personnel de cantine dès la définition du besoin.",
        "Le suivi des pesées est irrégulier pendant les vacances.",
        "Étendre le tri aux déchets de l'école maternelle.",
    ),
    "Cuisine pédagogique itinérante": (
        "Cuisine mobile financée et lancée dans quatre écoles.",
        "Le partenariat avec trois producteurs locaux.",
        "Le planning des écoles est difficile à coordonner.",
        "Ouvrir la cuisine aux centres de loisirs l'été.",
    ),
}


def _at(today: datetime.date, days_ago: int) -> datetime.datetime:
    moment = datetime.datetime.combine(today - datetime.timedelta(days=max(days_ago, 0)), datetime.time(10, 30))
    return timezone.make_aware(moment)


def _days_ago(demo: DemoRequest, status: str) -> int:
    return max(0, demo.days_ago - STATUS_DELAYS[status])


def _timeline(support_request: SupportRequest, demo: DemoRequest, users: dict, today: datetime.date) -> None:
    """Back-dated events, one per status on the way to the demo status."""
    officer, consultant = users["claire.gbm"], users["julien.conseil"]
    previous = ""
    for status in PATHS[demo.status]:
        by = {Status.RECEIVED: support_request.submitted_by, Status.ACCEPTED: officer, Status.REFUSED: officer}
        note = {Status.ACCEPTED: demo.reason, Status.REFUSED: demo.reason}
        note.update({Status.COMPLETED: demo.closing_note, Status.ABANDONED: demo.closing_note})
        support_request.events.create(
            previous_status=previous,
            status=status,
            by=by.get(status, consultant),
            note=note.get(status, ""),
            at=_at(today, _days_ago(demo, status)),
        )
        previous = status


def _steps(support_request: SupportRequest, demo: DemoRequest, today: datetime.date) -> None:
    started = today - datetime.timedelta(days=max(demo.days_ago - 40, 1))
    for index, kind in enumerate(demo.steps):
        if demo.status == Status.COMPLETED:
            status = SupportStep.Status.DONE
        elif demo.status == Status.IN_PROGRESS:
            status = [SupportStep.Status.DONE, SupportStep.Status.IN_PROGRESS][min(index, 1)]
            if index >= 2:
                status = SupportStep.Status.PLANNED
        elif demo.status == Status.ABANDONED:
            status = SupportStep.Status.DROPPED if index else SupportStep.Status.IN_PROGRESS
        else:
            status = SupportStep.Status.PLANNED
        planned_start = started + datetime.timedelta(days=30 * index)
        SupportStep.objects.create(
            request=support_request,
            kind=kind,
            position=SupportStep.KIND_ORDER[kind],
            status=status,
            planned_start=planned_start,
            planned_end=planned_start + datetime.timedelta(days=45),
            started_on=planned_start if status != SupportStep.Status.PLANNED and planned_start <= today else None,
            completed_on=min(planned_start + datetime.timedelta(days=40), today)
            if status == SupportStep.Status.DONE
            else None,
            notes="Rencontre avec le porteur et les partenaires ; compte rendu partagé."
            if status != SupportStep.Status.PLANNED
            else "",
        )


def _create(demo: DemoRequest, context: DemoContext, commune: Commune, weights) -> SupportRequest:
    today = context.today
    submitted_by = None
    if demo.door == Door.ELU:
        submitted_by = context.users[ELU_OF[demo.insee_code]]
    elif demo.door == Door.TEAM:
        submitted_by = context.users["amelie.conseil"]
    support_request = SupportRequest(
        programme=context.programme,
        commune=commune,
        door=demo.door,
        channel=demo.channel,
        received_on=today - datetime.timedelta(days=demo.days_ago),
        submitted_by=submitted_by,
        requester_kind=demo.requester_kind,
        organisation=demo.organisation,
        contact_name=demo.contact_name,
        email=f"{slugify(demo.contact_name).replace('-', '.')}@exemple.fr",
        phone="03 81 00 00 00",
        title=demo.title,
        kind=demo.kind,
        description=demo.description,
        help_wanted=demo.help_wanted,
        already_under_way=demo.under_way,
        status=demo.status,
    )
    save_with_reference(support_request)
    support_request.status_changed_at = _at(today, _days_ago(demo, demo.status))
    if demo.status in SupportRequest.ACCEPTED_ONCE_STATUSES or demo.status == Status.REFUSED:
        accepted = demo.status != Status.REFUSED
        decision_day = _days_ago(demo, Status.ACCEPTED)
        support_request.decision_reason = demo.reason
        support_request.feasibility = (
            SupportRequest.Feasibility.FEASIBLE if accepted else SupportRequest.Feasibility.CONDITIONAL
        )
        support_request.decided_by = context.users["claire.gbm"]
        support_request.decided_at = _at(today, decision_day)
        if accepted:
            support_request.support_nature = "Appui du prestataire au montage du projet : " + demo.help_wanted.lower()
            support_request.allotted_half_days = Decimal(demo.half_days)
        support_request.save()
        decided_on = today - datetime.timedelta(days=decision_day)
        annotated = request_with_priority(support_request, weights=weights, today=decided_on)
        support_request.priority_at_decision = explain_priority(annotated, weights).as_dict()
    if demo.status in (Status.COMPLETED, Status.ABANDONED):
        support_request.closing_note = demo.closing_note
        support_request.closed_on = today - datetime.timedelta(days=_days_ago(demo, demo.status))
    if demo.title in EVALUATIONS:
        (
            support_request.outcomes,
            support_request.evaluation_successes,
            support_request.evaluation_difficulties,
            support_request.evaluation_next_steps,
        ) = EVALUATIONS[demo.title]
    _timeline(support_request, demo, context.users, today)
    support_request.save()
    _steps(support_request, demo, today)
    for nature, label, amount, status in FINANCING.get(demo.title, []):
        FinancingLine.objects.create(
            request=support_request, nature=nature, label=label, amount=Decimal(amount), status=status
        )
    return support_request


def _attach_meeting(support_request: SupportRequest, context: DemoContext) -> None:
    Meeting.objects.get_or_create(
        commune=support_request.commune,
        title=f"Visite de terrain — {support_request.title}",
        defaults={
            "starts_at": _at(context.today, 20) + datetime.timedelta(hours=4),
            "place": "Sur le site du projet",
            "kind": Meeting.Kind.VISIT,
            "support_request": support_request,
            "minutes": "Visite avec le porteur : emplacement validé, besoins en eau et en outillage recensés.",
            "time_spent_half_days": Decimal("1"),
            "created_by": context.users["julien.conseil"],
        },
    )


def seed(context: DemoContext) -> None:
    weights = SupportPriorityWeights.load()
    communes = Commune.objects.in_bulk({demo.insee_code for demo in DEMO_REQUESTS}, field_name="insee_code")
    for demo in DEMO_REQUESTS:
        commune = communes.get(demo.insee_code)
        if commune is None or SupportRequest.objects.filter(commune=commune, title=demo.title).exists():
            continue
        support_request = _create(demo, context, commune, weights)
        if demo.status == Status.IN_PROGRESS and demo.door == Door.ELU:
            _attach_meeting(support_request, context)
        if demo.title == "Verger partagé des Vallières" and not Deliverable.objects.for_subject(support_request):
            # One sheet through the whole workflow, so that the commune's hub shows a frozen version.
            deliverable = submit_deliverable(subject=support_request, by=context.users["amelie.conseil"])
            validate_deliverable(deliverable=deliverable, by=context.users["claire.gbm"])
