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
