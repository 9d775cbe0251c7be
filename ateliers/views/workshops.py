from django.contrib import messages
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST
from django_filters.views import FilterView

from ateliers import selectors, services
from ateliers.filters import WorkshopFilter
from ateliers.forms import CancelForm, LogisticsCostFormSet, ReportForm, TestimonyFormSet, WorkshopForm
from ateliers.models import LogisticsCost, Resource, Testimony, Workshop, WorkshopError, WorkshopReport
from core import access
from core.deliverables import refuse_locked_edit
from core.history import history_entries
from core.querysets import get_visible_or_404
from core.submissions import once_per_submission


class WorkshopListView(FilterView):
    filterset_class = WorkshopFilter
    template_name = "ateliers/workshop_list.html"
    paginate_by = 25
    context_object_name = "workshops"

    def get_queryset(self):
        return selectors.workshop_list(self.request.user)

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["can_write"] = access.can_write_field_work(self.request.user)
        return context


def _visible_workshop(request, pk, *related):
    return get_visible_or_404(Workshop.objects.select_related("theme", "programme", *related), request.user, pk=pk)


def workshop_detail(request, pk):
    """The workshop page: its header (with the 'Marquer tenu' buttons), registrations, resources, report, costs."""
    workshop = _visible_workshop(request, pk, "cancelled_by", "report")
    return render(request, "ateliers/workshop_detail.html", selectors.workshop_page(workshop, request.user))


def _workshop_form_page(request, form, testimonies, costs, title, workshop=None):
    return render(
        request,
        "ateliers/workshop_form.html",
        {"form": form, "testimonies": testimonies, "costs": costs, "title": title, "workshop": workshop},
    )


@once_per_submission
def workshop_create(request):
    access.require(access.can_write_field_work(request.user))
    data = request.POST or None
    form = WorkshopForm(data)
    testimonies = TestimonyFormSet(data, instance=Workshop(), prefix="temoignages")
    costs = LogisticsCostFormSet(data, instance=Workshop(), prefix="frais")
    if request.method == "POST" and form.is_valid() and testimonies.is_valid() and costs.is_valid():
        try:
            workshop = services.create_workshop(
                workshop=form.save(commit=False), by=request.user, formsets=[testimonies, costs]
            )
        except WorkshopError as error:
            form.add_error("theme", str(error))
        else:
            messages.success(request, f"{workshop} créé.")
            return redirect(workshop)
    return _workshop_form_page(request, form, testimonies, costs, "Nouvel atelier")


def workshop_update(request, pk):
    workshop = _visible_workshop(request, pk)
    access.require(access.can_write_field_work(request.user))
    data = request.POST or None
    form = WorkshopForm(data, instance=workshop)
    testimonies = TestimonyFormSet(data, instance=workshop, prefix="temoignages")
    costs = LogisticsCostFormSet(data, instance=workshop, prefix="frais")

    def save_rows(instance):
        testimonies.save()
        costs.save()

    if (
        request.method == "POST"
        and form.is_valid()
        and testimonies.is_valid()
        and costs.is_valid()
        and form.save_versioned(commit_extra=save_rows)
    ):
        messages.success(request, f"{workshop} modifié.")
        return redirect(workshop)
    return _workshop_form_page(request, form, testimonies, costs, f"Modifier l'{workshop}", workshop)


@require_POST
def workshop_mark_held(request, pk):
    workshop = _visible_workshop(request, pk)
    access.require(access.can_write_field_work(request.user))
    try:
        workshop.mark_held(by=request.user)
    except WorkshopError as error:
        messages.error(request, str(error))
    else:
        messages.success(request, "Atelier marqué tenu : il compte dans les ateliers réalisés du marché.")
    return redirect(workshop)


def workshop_cancel(request, pk):
    workshop = _visible_workshop(request, pk)
    access.require(access.can_write_field_work(request.user))
    form = CancelForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            workshop.cancel(by=request.user, reason=form.cleaned_data["reason"])
        except WorkshopError as error:
            messages.error(request, str(error))
        else:
            messages.success(request, "Atelier annulé.")
        return redirect(workshop)
    return render(request, "ateliers/workshop_cancel.html", {"workshop": workshop, "form": form})


def workshop_report(request, pk):
    """The report page: its text, the deliverable panel; élus see the text once submitted or validated."""
    workshop = _visible_workshop(request, pk, "report")
    report = workshop.report
    context = {
        "workshop": workshop,
        "report": report,
        "is_team": access.is_team(request.user),
        "can_edit": access.can_edit_deliverable_content(request.user, report),
    }
    return render(request, "ateliers/report_detail.html", context)


def workshop_report_update(request, pk):
    workshop = _visible_workshop(request, pk, "report")
    access.require(access.can_write_field_work(request.user))
    report = workshop.report
    if report.awaits_validation:
        return refuse_locked_edit(request, report)
    form = ReportForm(request.POST or None, instance=report)
    if request.method == "POST" and form.is_valid():
        form.instance.mark_edited()
        if form.save_versioned():
            messages.success(request, "Compte rendu enregistré.")
            return redirect("ateliers:report", workshop.pk)
    return render(request, "ateliers/report_form.html", {"workshop": workshop, "form": form})


def merged_history(*querysets) -> list:
    """History entries of several models, newest first (one query per model)."""
    entries = [entry for queryset in querysets for entry in history_entries(queryset.select_related("history_user"))]
    return sorted(entries, key=lambda entry: entry.date, reverse=True)


def workshop_history(request, pk):
    workshop = _visible_workshop(request, pk)
    access.require(access.is_team(request.user))
    entries = merged_history(
        workshop.history.all(),
        Testimony.history.filter(workshop_id=workshop.pk),
        LogisticsCost.history.filter(workshop_id=workshop.pk),
        Resource.history.filter(workshop_id=workshop.pk),
        WorkshopReport.history.filter(workshop_id=workshop.pk),
    )
    return render(
        request,
        "ateliers/history.html",
        {"object": workshop, "entries": entries, "back_url": workshop.get_absolute_url()},
    )
