import json
from urllib.parse import urlsplit

from crispy_forms.layout import Hidden
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.serializers.json import DjangoJSONEncoder
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_safe
from django_filters.views import FilterView

from communes import picker
from communes.filters import ContactFilter
from communes.forms import ContactForm, QuickContactForm
from communes.gdpr import personal_data_export
from communes.models import Commune, Contact
from communes.services import anonymise_contact
from core import access, hub
from core.querysets import get_visible_or_404
from core.submissions import once_per_submission


@login_required
def commune_detail(request, insee_code):
    """The commune hub: every app's section and the timeline, each reader their own (what they may see)."""
    commune = get_visible_or_404(
        hub.annotate_commune(Commune.objects, request.user), request.user, insee_code=insee_code
    )
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
        return Contact.objects.visible_to(self.request.user).select_related("commune").order_by_name()


@once_per_submission
@login_required
def contact_create(request):
    access.require(access.can_manage_contacts(request.user))
    form = ContactForm(request.POST or None)
    back = _return_page(request)
    if back:
        form.helper.layout.append(Hidden("retour_page", back))
    if request.method == "POST" and form.is_valid():
        contact = form.save()
        messages.success(request, f"Le contact « {contact} » a été créé.")
        if back:
            messages.info(request, f"Vous pouvez maintenant choisir « {contact} » dans le formulaire.")
            return redirect(back)
        return redirect("communes:contact_list")
    context = {"form": form, "title": "Nouveau contact", "back": back}
    return render(request, "communes/contact_form.html", context)


def _return_page(request) -> str:
    """The form page to go back to after creating a person from a people picker without JavaScript.

    The picker's "+ Nouvelle personne" link cannot know the page's own address (a widget renders without the
    request), so it asks for the way back (`?retour=1`) and the page that sent the browser here (Referer, same
    site only) is kept in a hidden field for the POST.
    """
    if request.method == "POST":
        candidate = request.POST.get("retour_page", "")
    elif request.GET.get("retour"):
        candidate = request.META.get("HTTP_REFERER", "")
    else:
        return ""
    if not url_has_allowed_host_and_scheme(candidate, allowed_hosts={request.get_host()}):
        return ""
    parts = urlsplit(candidate)
    return parts.path + (f"?{parts.query}" if parts.query else "")


@login_required
def contact_quick_create(request):
    """The people picker's "+ Nouvelle personne", for the team: GET the dialog's form, POST creates the contact
    with its consent as the directory records it and answers with the picker's new option."""
    access.require(access.can_manage_contacts(request.user))
    picker_commune = picker.visible_commune_or_404(request.user, request.GET.get("commune"))
    form = QuickContactForm(request.POST or None, prefix=picker.QUICK_FORM_PREFIX, initial={"commune": picker_commune})
    return picker.quick_create_response(request, form, picker_commune=picker_commune)


@login_required
@require_safe
def contact_search(request):
    """The people pickers' search as one types (Tom Select's remote load): what the reader may see, 20 at most."""
    return picker.search_response(request)


@login_required
def contact_update(request, pk):
    contact = get_visible_or_404(Contact, request.user, pk=pk)
    access.require(access.can_manage_contacts(request.user))
    if contact.anonymised_at:
        # Erasure is final: nobody may write a name or coordinates back onto the anonymised row.
        messages.error(request, f"Le contact n° {contact.pk} a été anonymisé (RGPD) : il ne peut plus être modifié.")
        return redirect("communes:contact_list")
    form = ContactForm(request.POST or None, instance=contact)
    if request.method == "POST" and form.is_valid() and form.save_versioned():
        messages.success(request, f"Le contact « {contact} » a été modifié.")
        return redirect("communes:contact_list")
    return render(
        request,
        "communes/contact_form.html",
        {
            "form": form,
            "title": f"Modifier {contact}",
            "contact": contact,
            "can_handle_personal_data": access.can_handle_personal_data_requests(request.user),
        },
    )


@login_required
@require_safe
def contact_personal_data(request, pk):
    """Right of access: everything held about one contact, as a JSON download."""
    contact = get_visible_or_404(Contact.objects.select_related("commune"), request.user, pk=pk)
    access.require(access.can_handle_personal_data_requests(request.user))
    body = json.dumps(personal_data_export(contact), cls=DjangoJSONEncoder, ensure_ascii=False, indent=2)
    response = HttpResponse(body, content_type="application/json; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="donnees-contact-{contact.pk}.json"'
    return response


@login_required
def contact_anonymise(request, pk):
    """Right to erasure: a confirmation page, then the contact is anonymised (their rows stay, counts stay)."""
    contact = get_visible_or_404(Contact, request.user, pk=pk)
    access.require(access.can_handle_personal_data_requests(request.user))
    if request.method == "POST":
        anonymise_contact(contact=contact, by=request.user)
        messages.success(request, "Le contact a été anonymisé : son nom, ses coordonnées et ses notes sont effacés.")
        return redirect("communes:contact_list")
    return render(request, "communes/contact_anonymise.html", {"contact": contact})
