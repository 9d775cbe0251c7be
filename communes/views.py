from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import get_object_or_404, redirect, render
from django_filters.views import FilterView

from pat_portal import access, hub

from .filters import CommuneFilter, ContactFilter
from .forms import ContactForm
from .models import Commune, Contact


class CommuneListView(FilterView):
    filterset_class = CommuneFilter
    template_name = "communes/commune_list.html"
    paginate_by = 25
    context_object_name = "communes"

    def get_queryset(self):
        from pat_portal.overview import communes_overview

        return communes_overview(Commune.objects.visible_to(self.request.user))


@login_required
def commune_detail(request, insee_code):
    commune = get_object_or_404(Commune.objects.visible_to(request.user), insee_code=insee_code)
    context = {
        "commune": commune,
        "sections": hub.sections_for(commune, request.user),
        "events": hub.events_for(commune, request.user),
    }
    return render(request, "communes/commune_detail.html", context)


class ContactListView(FilterView):
    filterset_class = ContactFilter
    template_name = "communes/contact_list.html"
    paginate_by = 30
    context_object_name = "contacts"

    def get(self, request, *args, **kwargs):
        access.require(access.can_manage_contacts(request.user))
        return super().get(request, *args, **kwargs)

    def get_queryset(self):
        return Contact.objects.visible_to(self.request.user).select_related("commune")


@login_required
def contact_create(request):
    access.require(access.can_manage_contacts(request.user))
    form = ContactForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        contact = form.save()
        messages.success(request, f"Le contact « {contact} » a été créé.")
        return redirect("communes:contact_list")
    return render(request, "communes/contact_form.html", {"form": form, "title": "Nouveau contact"})


@login_required
def contact_update(request, pk):
    contact = get_object_or_404(Contact.objects.visible_to(request.user), pk=pk)
    access.require(access.can_manage_contacts(request.user))
    form = ContactForm(request.POST or None, instance=contact)
    if request.method == "POST" and form.is_valid():
        form.save()
        messages.success(request, f"Le contact « {contact} » a été modifié.")
        return redirect("communes:contact_list")
    return render(
        request, "communes/contact_form.html", {"form": form, "title": f"Modifier {contact}", "contact": contact}
    )
