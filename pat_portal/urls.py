from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path

from core import account_views, deliverables, invitation_views, legal_views, password_reset, second_factor_views

admin.site.site_header = "Administration du portail PAT"
admin.site.site_title = "Portail PAT"
admin.site.index_title = "Administration"

auth_patterns = [
    path("connexion/", second_factor_views.SecondFactorLoginView.as_view(), name="login"),
    path("connexion/code/", second_factor_views.login_code, name="login_code"),
    path("deconnexion/", auth_views.LogoutView.as_view(), name="logout"),
    path("mot-de-passe/", auth_views.PasswordChangeView.as_view(), name="password_change"),
    path("mot-de-passe/modifie/", auth_views.PasswordChangeDoneView.as_view(), name="password_change_done"),
    path("mot-de-passe/oublie/", password_reset.PasswordResetView.as_view(), name="password_reset"),
    path("mot-de-passe/oublie/envoye/", auth_views.PasswordResetDoneView.as_view(), name="password_reset_done"),
    path(
        "mot-de-passe/reinitialiser/<uidb64>/<token>/",
        auth_views.PasswordResetConfirmView.as_view(),
        name="password_reset_confirm",
    ),
    path("mot-de-passe/reinitialise/", auth_views.PasswordResetCompleteView.as_view(), name="password_reset_complete"),
    path("invitation/<str:token>/", invitation_views.invitation_accept, name="invitation_accept"),
]

urlpatterns = [
    path("", include("pat_portal.pages.urls")),
    path("donnees-personnelles/", legal_views.personal_data, name="personal_data"),
    path("mon-compte/", account_views.account, name="account"),
    path("mon-compte/agenda/nouveau/", account_views.regenerate_calendar_token, name="account_calendar_token"),
    path("mon-compte/securite/activer/", second_factor_views.setup, name="second_factor_setup"),
    path("mon-compte/securite/codes/", second_factor_views.recovery_codes, name="second_factor_codes"),
    path(
        "mon-compte/securite/codes/nouveaux/",
        second_factor_views.replace_recovery_codes,
        name="second_factor_recovery_codes",
    ),
    path("mon-compte/securite/desactiver/", second_factor_views.turn_off, name="second_factor_turn_off"),
    *auth_patterns,
    *deliverables.urlpatterns,
    path("", include("communes.urls")),
    path("", include("missions.urls")),
    path("", include("ateliers.urls")),
    path("admin/", admin.site.urls),
]
