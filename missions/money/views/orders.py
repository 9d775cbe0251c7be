"""Order forms as consultants and GBM read them: list, detail, PDF, signed scan, budget and exports.

Order forms are written in the Django admin only (see `missions.admin_orders`); nothing here writes.
Élus never see order forms, prices or budgets: every page here answers 404 to them.
"""

from django.shortcuts import render
from django.views.decorators.http import require_safe
from django_filters.views import FilterView

from core import access
from core.exports import export_response
from core.filenames import download_filename
from core.pdf import pdf_response, render_pdf
from core.querysets import get_visible_or_404
from core.uploads import attachment_response
from missions.money.filters import OrderFormFilter
from missions.money.models.orders import OrderForm, OrderLine
from missions.money.services.budget import (
    line_figures,
    lines_with_consumption,
    order_form_budget,
    programme_budget,
    with_budget,
)
from missions.money.views.time import require_team
from missions.programme.models import Programme

EXPORT_CHUNK_SIZE = 500


class OrderFormListView(FilterView):
    filterset_class = OrderFormFilter
    template_name = "missions/orders/order_form_list.html"
    paginate_by = 30
    context_object_name = "order_forms"
    http_method_names = ["get", "head"]

    def dispatch(self, request, *args, **kwargs):
        require_team(request.user)
        return super().dispatch(request, *args, **kwargs)

    def get_queryset(self):
        return with_budget(OrderForm.objects.visible_to(self.request.user).select_related("commune", "programme"))

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["budgets"] = [order_form_budget(order_form) for order_form in context["order_forms"]]
        context["export_query"] = self.request.GET.urlencode()
        context["can_manage"] = access.can_manage_order_forms(self.request.user) and self.request.user.is_staff
        return context


def _fetch(request, pk):
    require_team(request.user)
    return get_visible_or_404(
        with_budget(OrderForm.objects.select_related("commune", "programme")), request.user, pk=pk
    )


@require_safe
def order_form_detail(request, pk):
    order_form = _fetch(request, pk)
    context = {
        "order_form": order_form,
        "budget": order_form_budget(order_form),
        "status_changes": order_form.status_changes.select_related("changed_by"),
        "accompaniments": order_form.accompaniments.select_related("commune"),
        "can_manage": access.can_manage_order_forms(request.user) and request.user.is_staff,
    }
    return render(request, "missions/orders/order_form_detail.html", context)


@require_safe
def order_form_pdf(request, pk):
    order_form = _fetch(request, pk)
    pdf = render_pdf("missions/pdf/order_form.html", {"order_form": order_form, "lines": order_form.lines.all()})
    return pdf_response(pdf, download_filename("bon de commande", about=order_form.number, on=order_form.issued_on))


@require_safe
def order_form_scan(request, pk):
    order_form = _fetch(request, pk)
    return attachment_response(order_form.signed_scan, filename=f"{order_form.number}-signe{_suffix(order_form)}")


def _suffix(order_form) -> str:
    name = order_form.signed_scan.name or ""
    return name[name.rfind(".") :] if "." in name else ""


@require_safe
def budget(request):
    require_team(request.user)
    programmes = list(Programme.objects.visible_to(request.user).order_by("-start_date"))
    selected = next((p for p in programmes if str(p.pk) == request.GET.get("programme")), None)
    programme = selected or (programmes[0] if programmes else None)
    context = {
        "programmes": programmes,
        "programme": programme,
        "budget": programme_budget(programme=programme, user=request.user),
    }
    return render(request, "missions/orders/budget.html", context)


ORDER_FORM_COLUMNS = {
    "Numéro": lambda item: item.order_form.number,
    "Date": lambda item: item.order_form.issued_on,
    "Objet": lambda item: item.order_form.object,
    "Mission": lambda item: item.order_form.mission,
    "Commune": lambda item: item.order_form.commune.name if item.order_form.commune_id else "",
    "Statut": lambda item: item.order_form.get_status_display(),
    "Total HT (€)": lambda item: item.order_form.total_excl_vat,
    "TVA (€)": lambda item: item.order_form.total_vat,
    "Total TTC (€)": lambda item: item.order_form.total_incl_vat,
    "Demi-journées commandées": lambda item: item.figures.ordered_half_days,
    "Demi-journées consommées": lambda item: item.figures.consumed_half_days,
    "Consommé HT (€)": lambda item: item.figures.consumed_amount,
    "Reste HT (€)": lambda item: item.figures.remaining_amount,
    "Consommé (%)": lambda item: item.figures.consumed_rate,
}


@require_safe
def order_form_export(request, fmt):
    require_team(request.user)
    return export_response(
        request,
        fmt,
        rows=OrderForm.objects.visible_to(request.user).select_related("commune").order_by("issued_on", "number"),
        columns=ORDER_FORM_COLUMNS,
        filename="bons-de-commande",
        title="Bons de commande",
        filterset_class=OrderFormFilter,
        prepare=_order_form_budgets,
    )


def _order_form_budgets(order_forms):
    return (order_form_budget(order_form) for order_form in with_budget(order_forms).iterator(EXPORT_CHUNK_SIZE))


LINE_COLUMNS = {
    "Bon de commande": lambda line: line.order_form.number,
    "Date du bon": lambda line: line.order_form.issued_on,
    "Statut du bon": lambda line: line.order_form.get_status_display(),
    "Mission": lambda line: line.order_form.mission,
    "Commune": lambda line: line.order_form.commune.name if line.order_form.commune_id else "",
    "Ordre": lambda line: line.position,
    "Désignation": lambda line: line.description,
    "Unité": lambda line: line.get_unit_display(),
    "Quantité": lambda line: line.quantity,
    "Prix unitaire HT (€)": lambda line: line.unit_price,
    "Taux de TVA (%)": lambda line: line.vat_rate,
    "Montant HT (€)": lambda line: line.amount_excl_vat,
    "TVA (€)": lambda line: line.vat_amount,
    "Montant TTC (€)": lambda line: line.amount_incl_vat,
    "Demi-journées consommées": lambda line: line_figures(line).consumed_half_days,
    "Consommé HT (€)": lambda line: line_figures(line).consumed_amount,
}


@require_safe
def order_line_export(request, fmt):
    require_team(request.user)
    return export_response(
        request,
        fmt,
        rows=OrderForm.objects.visible_to(request.user),
        columns=LINE_COLUMNS,
        filename="lignes-bons-de-commande",
        title="Lignes des bons de commande",
        filterset_class=OrderFormFilter,
        prepare=_lines_of,
    )


def _lines_of(order_forms):
    lines = OrderLine.objects.filter(order_form__in=order_forms).select_related("order_form__commune")
    return lines_with_consumption(lines).order_by("order_form__issued_on", "order_form__number", "position", "pk")
