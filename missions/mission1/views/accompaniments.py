from django.contrib import messages
from django.shortcuts import redirect, render

from communes.models import Commune
from core import access
from core.french import de
from core.querysets import get_visible_or_404
from core.submissions import once_per_submission
from missions.mission1.forms.fieldwork import AccompanimentForm
from missions.mission1.models.accompaniments import Accompaniment


@once_per_submission
def accompaniment_create(request):
    access.require(access.can_enrol_commune(request.user))
    commune = Commune.objects.filter(insee_code=request.GET.get("commune", "")).first()
    form = AccompanimentForm(request.POST or None, user=request.user, initial={"commune": commune})
    if request.method == "POST" and form.is_valid():
        accompaniment = form.save()
        messages.success(request, f"{accompaniment.commune} entre dans le programme.")
        return redirect(accompaniment.commune)
    return render(request, "missions/accompaniment_form.html", {"form": form, "title": "Inscrire une commune"})


def accompaniment_update(request, pk):
    accompaniment = get_visible_or_404(Accompaniment, request.user, pk=pk)
    access.require(access.can_write_field_work(request.user))
    form = AccompanimentForm(request.POST or None, instance=accompaniment, user=request.user)
    if request.method == "POST" and form.is_valid() and form.save_versioned():
        messages.success(request, "Accompagnement mis à jour.")
        return redirect(accompaniment.commune)
    title = f"Accompagnement {de(accompaniment.commune)}"
    return render(request, "missions/accompaniment_form.html", {"form": form, "title": title})
