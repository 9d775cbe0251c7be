from django.urls import path

from communes import views

app_name = "communes"

urlpatterns = [
    path("communes/<str:insee_code>/", views.commune_detail, name="detail"),
    path("contacts/", views.ContactListView.as_view(), name="contact_list"),
    path("contacts/nouveau/", views.contact_create, name="contact_create"),
    path("contacts/nouvelle-personne/", views.contact_quick_create, name="contact_quick_create"),
    path("contacts/<int:pk>/modifier/", views.contact_update, name="contact_update"),
    path("contacts/<int:pk>/donnees/", views.contact_personal_data, name="contact_personal_data"),
    path("contacts/<int:pk>/anonymiser/", views.contact_anonymise, name="contact_anonymise"),
]
