from django import forms
from django.contrib.auth import get_user_model
from django.contrib.auth.forms import AuthenticationForm
from django.core.exceptions import ValidationError
from django.core.validators import MaxLengthValidator


class LoginForm(AuthenticationForm):
    error_messages = {
        "invalid_login": "Identifiant ou mot de passe incorrect. Attention : les deux champs respectent la casse.",
        "inactive": "Ce compte est désactivé. Pour le rouvrir, adressez-vous à Grand Besançon Métropole.",
        "ended": (
            "Ce compte est clos depuis la fin du mandat ou du contrat (le %(ends_on)s). Pour le rouvrir, "
            "adressez-vous à Grand Besançon Métropole."
        ),
    }

    def __init__(self, request=None, *args, **kwargs):
        super().__init__(request, *args, **kwargs)
        # AuthenticationForm gives the field its max_length but not the validator: an over-long username reached
        # authenticate(), whose failure django-axes records in a 255-character column (a server error on
        # PostgreSQL; found by tests/security/test_fuzz_forms.py).
        self.fields["username"].validators.append(MaxLengthValidator(self.fields["username"].max_length))

    def get_invalid_login_error(self):
        """Who typed the right password of a deactivated or ended account is told so (issue 24); anyone else gets the
        usual message, which says nothing of the account."""
        user = get_user_model()._default_manager.filter(username=self.cleaned_data.get("username")).first()
        if user is not None and user.check_password(self.cleaned_data.get("password") or ""):
            if user.has_ended():
                return ValidationError(
                    self.error_messages["ended"], code="ended", params={"ends_on": f"{user.ends_on:%d/%m/%Y}"}
                )
            if not user.is_active:
                return ValidationError(self.error_messages["inactive"], code="inactive")
        return super().get_invalid_login_error()


class IdMultipleChoiceField(forms.ModelMultipleChoiceField):
    """A multiple choice of rows that refuses, as an invalid choice, an id no database integer can hold.

    Django's `__in` lookup sends such an id to the database, which overflows (a server error on SQLite and
    PostgreSQL) instead of the form answering "not a valid value"; found by tests/security/test_fuzz_forms.py.
    """

    LARGEST_ID = 2**63 - 1

    def clean(self, value):
        for pk in value or []:
            try:
                number = int(str(pk).strip())
            except ValueError:
                continue  # not a number: Django refuses it with its own message
            if abs(number) > self.LARGEST_ID:
                raise ValidationError(
                    self.error_messages["invalid_pk_value"], code="invalid_pk_value", params={"pk": pk}
                )
        return super().clean(value)


def bounded_inline_formset(parent_model, model, *, form, max_num: int = 30, **kwargs):
    """`inlineformset_factory` with a hard cap, the only way the portal builds inline formsets.

    Without `absolute_max`, a forged TOTAL_FORMS makes Django build and render up to 1,000 extra forms for one
    POST (seconds of CPU, pages of megabytes; found by tests/security/test_fuzz_forms.py); with it, and
    `validate_max`, more than `max_num` rows are refused with Django's French message.
    """
    return forms.inlineformset_factory(
        parent_model, model, form=form, max_num=max_num, absolute_max=max_num, validate_max=True, **kwargs
    )


class CodeInput(forms.TextInput):
    """A one-time code's input: never given back to the page (a form refused shows it empty)."""

    def format_value(self, value):
        return None


class SecondFactorCodeForm(forms.Form):
    """The code step of the login, and turning the second factor off: the application's code or a recovery code."""

    code = forms.CharField(
        label="Code de vérification",
        help_text="Les 6 chiffres affichés par votre application d'authentification, ou l'un de vos codes de secours.",
        max_length=32,
        widget=CodeInput(attrs={"autocomplete": "one-time-code", "autocapitalize": "off", "spellcheck": "false"}),
        error_messages={"required": "Saisissez le code affiché par votre application, ou un code de secours."},
    )


class SecondFactorSetupForm(forms.Form):
    """The first code of a new application, which confirms it."""

    code = forms.CharField(
        label="Code à 6 chiffres affiché par l'application",
        max_length=32,
        widget=CodeInput(attrs={"autocomplete": "one-time-code", "inputmode": "numeric"}),
        error_messages={"required": "Saisissez le code à 6 chiffres affiché par votre application."},
    )
