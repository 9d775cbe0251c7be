from django.contrib.auth.forms import AuthenticationForm


class LoginForm(AuthenticationForm):
    error_messages = {
        "invalid_login": "Identifiant ou mot de passe incorrect. Attention : les deux champs respectent la casse.",
        "inactive": "Ce compte est désactivé.",
    }
