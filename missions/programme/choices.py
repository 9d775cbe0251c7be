from django.db import models


class ActionTheme(models.TextChoices):
    """Themes of communal actions (the contract's examples), shared by action leads, actions and workshop themes."""

    RESTAURATION = "restauration_collective", "Approvisionnement de la restauration collective"
    JARDINS = "jardins_vergers", "Jardins et vergers"
    GASPILLAGE = "gaspillage", "Lutte contre le gaspillage"
    ANIMATIONS = "animations", "Animations et sensibilisation"
    CUISINE = "cuisine_pedagogique", "Cuisine pédagogique"
    INSTALLATION = "installation_agricole", "Installation agricole"
    CIRCUITS_COURTS = "circuits_courts", "Circuits courts et marchés"
    PRECARITE = "precarite", "Précarité alimentaire"
    AUTRE = "autre", "Autre"


class Mission(models.IntegerChoices):
    """The contract's three missions."""

    COMMUNES = 1, "Mission 1 : projets alimentaires communaux"
    WORKSHOPS = 2, "Mission 2 : ateliers de partage d'expériences"
    LOCAL_PROJECTS = 3, "Mission 3 : accompagnement de projets locaux"
