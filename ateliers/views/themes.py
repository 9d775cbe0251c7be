from django.contrib import messages
from django.shortcuts import redirect, render
from django_filters.views import FilterView

from ateliers import selectors
from ateliers.filters import ThemeFilter
from ateliers.forms import ThemeForm, ThemeReviewForm
from ateliers.models import Theme, ThemeError
from ateliers.selectors import theme_communes, theme_communes_by_theme
from core import access
from core.querysets import get_visible_or_404
from core.submissions import once_per_submission


class ThemeListView(FilterView):
    filterset_class = ThemeFilter
    template_name = "ateliers/theme_list.html"
    paginate_by = 30
    context_object_name = "themes"

    def get_queryset(self):
        return Theme.objects.visible_to(self.request.user).select_related("proposed_by").order_by("status", "title")

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        communes = theme_communes_by_theme(context["themes"])
        context["rows"] = [(theme, len(communes[theme.pk])) for theme in context["themes"]]
        return context


def theme_detail(request, pk):
    theme = get_visible_or_404(Theme.objects.select_related("proposed_by", "reviewed_by"), request.user, pk=pk)
    communes = list(theme_communes(theme))
    context = {
        "theme": theme,
        "communes": communes,
        "actions": theme.actions.select_related("plan__accompaniment__commune") if request.user.is_team else [],
        "workshops": theme.workshops.order_by("-starts_at"),
        "review_form": ThemeReviewForm()
        if access.can_review_theme(request.user) and theme.status == "propose"
        else None,
        "can_edit": access.can_propose_theme(request.user) and theme.is_editable,
    }
    return render(request, "ateliers/theme_detail.html", context)


@once_per_submission
def theme_create(request):
    access.require(access.can_propose_theme(request.user))
    form = ThemeForm(request.POST or None, instance=Theme(proposed_by=request.user))
    if request.method == "POST" and form.is_valid() and form.save_versioned():
        messages.success(request, f"Le thème « {form.instance} » est proposé à la validation de GBM.")
        return redirect(form.instance)
    return render(request, "ateliers/theme_form.html", {"form": form, "title": "Proposer un thème d'atelier"})


def theme_update(request, pk):
    theme = get_visible_or_404(Theme, request.user, pk=pk)
    access.require(access.can_propose_theme(request.user))
    if not theme.is_editable:
        messages.error(request, "Un thème validé ne se modifie plus : les ateliers s'appuient dessus.")
        return redirect(theme)
    form = ThemeForm(request.POST or None, instance=theme)
    if request.method == "POST" and form.is_valid():
        was_rejected = theme.status == Theme.Status.REJECTED
        form.instance.mark_edited()
        if form.save_versioned():
            if was_rejected:
                messages.success(request, "Thème modifié : il est de nouveau proposé à la validation de GBM.")
            else:
                messages.success(request, "Thème modifié.")
            return redirect(theme)
    return render(
        request, "ateliers/theme_form.html", {"form": form, "title": f"Modifier le thème « {theme} »", "theme": theme}
    )


def theme_review(request, pk):
    theme = get_visible_or_404(Theme, request.user, pk=pk)
    access.require(access.can_review_theme(request.user))
    form = ThemeReviewForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            if form.cleaned_data["decision"] == ThemeReviewForm.VALIDATE:
                theme.validate(by=request.user, comment=form.cleaned_data["comment"])
                messages.success(request, "Thème validé : les ateliers peuvent désormais l'utiliser.")
            else:
                theme.reject(by=request.user, comment=form.cleaned_data["comment"])
                messages.success(request, "Thème refusé : l'équipe voit votre commentaire.")
        except ThemeError as error:
            messages.error(request, str(error))
        return redirect(theme)
    return render(request, "ateliers/theme_review.html", {"theme": theme, "form": form})


def theme_history(request, pk):
    theme = get_visible_or_404(Theme, request.user, pk=pk)
    access.require(access.is_team(request.user))
    entries = selectors.theme_history(theme)
    return render(
        request, "ateliers/history.html", {"object": theme, "entries": entries, "back_url": theme.get_absolute_url()}
    )
