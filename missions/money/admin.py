"""Order forms are written here, in the Django admin, by GBM officers (who are staff).

- The number is proposed (BC-<year>-<sequence>, per programme); left empty, the next free one is given.
- Lines inline; totals excl. VAT, VAT and incl. VAT computed from the lines (each rounded to the cent).
- Status: one step forward at a time (brouillon → émis → notifié → exécuté → facturé → payé); going back
  is for a superuser, with a reason, recorded in the status journal. Once issued, the content and the lines
  are frozen (a legal commitment): only the status, the signed scan and the internal notes change.
- Optimistic concurrency: if another officer saved the order form since the page was opened, the save is
  refused with a message and the input stays on screen (nothing is lost, nothing is overwritten).
- Unit prices are proposed from the programme's price list (bordereau des prix, edited here too): a line that
  picks a price and leaves its price, designation or unit empty gets them from the list.
- Amounts read and typed the French way (510,00); the lines fit a 1,366-pixel screen (static/css/admin.css).
- The signed scan is checked on upload (10 MB, PDF/PNG/JPEG detected from the content) and is only served
  through a view that checks visibility, as an attachment.
"""

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import ValidationError
from django.template.defaultfilters import floatformat
from django.urls import reverse
from django.utils import timezone
from django.utils.html import format_html, format_html_join
from simple_history.admin import SimpleHistoryAdmin

from core.admin_inlines import AccessibleInlineFormSet, AccessibleTabularInline, InlineLabelsMixin
from core.admin_mixins import OfficerOnlyAdminMixin
from core.concurrency import VersionedAdminForm, VersionedAdminMixin
from core.templatetags.portal import euros
from core.uploads import UploadField, display_filename
from missions.money.models.orders import OrderForm, OrderLine, StatusTransitionError
from missions.money.models.prices import PriceListItem
from missions.money.services.budget import order_form_budget, with_budget
from missions.programme.models import Programme

SCAN_MIME_TYPES = {"application/pdf", "image/png", "image/jpeg"}
CONTENT_FIELDS = ["programme", "number", "issued_on", "object", "mission", "commune"]


class SignedScanInput(forms.ClearableFileInput):
    """The stored scan is linked through the download view (media files are never served directly)."""

    template_name = "missions/orders/admin_scan_input.html"
    download_url = ""

    def get_context(self, name, value, attrs):
        context = super().get_context(name, value, attrs)
        context["widget"]["download_url"] = self.download_url
        context["widget"]["display_name"] = display_filename(value) if self.is_initial(value) else ""
        return context


class OrderFormAdminForm(VersionedAdminForm):
    new_status = forms.ChoiceField(
        label="Statut",
        help_text="Les étapes se suivent : brouillon → émis → notifié → exécuté → facturé → payé.",
    )
    status_reason = forms.CharField(
        label="Raison du retour en arrière",
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 2, "cols": 60}),
        help_text="Obligatoire pour revenir à un statut antérieur (réservé aux superutilisateur·rice·s).",
    )

    class Meta:
        model = OrderForm
        fields = [*CONTENT_FIELDS, "planned_end", "signed_scan", "notes"]
        field_classes = {"signed_scan": UploadField}
        widgets = {
            "object": forms.TextInput(attrs={"size": 80}),
            "notes": forms.Textarea(attrs={"rows": 3, "cols": 80}),
        }

    # Set by OrderFormAdmin.get_form: the officer who is editing (their rights decide the statuses offered).
    current_user = None

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        order_form = self.instance
        labels = dict(OrderForm.Status.choices)
        allowed = order_form.allowed_statuses(self.current_user) if self.current_user else []
        self.fields["new_status"].choices = [(order_form.status, f"{labels[order_form.status]} (statut actuel)")] + [
            (status, labels[status]) for status in allowed
        ]
        self.fields["new_status"].initial = order_form.status
        if "number" in self.fields:
            self.fields["number"].required = False
        if "signed_scan" in self.fields:
            self.fields[
                "signed_scan"
            ].help_text = "PDF, PNG ou JPEG, 10 Mo au plus ; le type est vérifié sur le contenu."
            widget = SignedScanInput()
            if order_form.pk:
                widget.download_url = reverse("missions:order_form_scan", args=[order_form.pk])
            self.fields["signed_scan"].widget = widget

    def clean_signed_scan(self):
        scan = self.cleaned_data.get("signed_scan")
        is_new_upload = scan and getattr(scan, "content_type", None) and scan is not self.initial.get("signed_scan")
        if is_new_upload and scan.content_type not in SCAN_MIME_TYPES:
            raise ValidationError("Le bon signé doit être un PDF ou une image (PNG, JPEG).")
        return scan

    def clean(self):
        cleaned = super().clean()  # the version check: a conflict leaves a message and the input on screen
        order_form = self.instance
        if "number" in self.fields and not cleaned.get("number") and cleaned.get("programme"):
            issued_on = cleaned.get("issued_on") or timezone.localdate()
            cleaned["number"] = OrderForm.next_number(cleaned["programme"], issued_on.year)
        new_status = cleaned.get("new_status")
        if new_status and new_status != order_form.status:
            try:
                # The lines are saved with this same form: the inline formset checks that there is at least one.
                order_form.check_status_change(
                    new_status, by=self.current_user, reason=cleaned.get("status_reason", ""), check_lines=False
                )
            except StatusTransitionError as error:
                self.add_error(error.field, str(error))
        return cleaned


class OrderLineForm(forms.ModelForm):
    """A line may take its designation, unit and unit price from the programme's price list."""

    price_item = forms.TypedChoiceField(
        label="Prix du bordereau",
        required=False,
        coerce=int,
        empty_value=None,
        choices=[("", "—")],
        widget=forms.Select(attrs={"aria-label": "Prix du bordereau"}),
    )

    class Meta:
        model = OrderLine
        fields = ["position", "description", "unit", "quantity", "unit_price", "vat_rate"]
        widgets = {"description": forms.TextInput(attrs={"size": 40})}

    price_items: dict = {}  # set by the formset: the price list read once for every line

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for name in ("unit_price", "description"):
            if name in self.fields:
                self.fields[name].required = False

    def clean(self):
        cleaned = super().clean()
        item = self.price_items.get(cleaned.get("price_item"))
        if item is not None:
            if cleaned.get("unit_price") is None:
                cleaned["unit_price"] = item.unit_price
            if not cleaned.get("description"):
                cleaned["description"] = item.label
            if cleaned.get("unit") != item.unit and not self.initial.get("unit"):
                cleaned["unit"] = item.unit
        if self.has_changed() and not (self.can_delete_row()):
            if cleaned.get("unit_price") is None and "unit_price" not in self.errors:
                self.add_error("unit_price", "Indiquez le prix unitaire ou choisissez un prix du bordereau.")
            if not cleaned.get("description") and "description" not in self.errors:
                self.add_error("description", "Indiquez la désignation ou choisissez un prix du bordereau.")
        return cleaned

    def can_delete_row(self) -> bool:
        return bool(self.cleaned_data.get("DELETE"))


class OrderLineFormSet(AccessibleInlineFormSet):
    def add_fields(self, form, index):
        super().add_fields(form, index)
        items = self.price_list()
        form.price_items = items
        if "price_item" in form.fields:
            form.fields["price_item"].choices = [("", "—"), *((pk, str(item)) for pk, item in items.items())]

    def price_list(self) -> dict:
        """The price list of the order form's programme (all programmes' for a new order form), read once."""
        if not hasattr(self, "_price_list"):
            items = PriceListItem.objects.select_related(None)
            if self.instance is not None and self.instance.programme_id:
                items = items.filter(programme_id=self.instance.programme_id)
            self._price_list = {item.pk: item for item in items.order_by("programme", "position", "pk")}
        return self._price_list

    def clean(self):
        super().clean()
        if any(self.errors):
            return
        kept = [
            form
            for form in self.forms
            if not (self.can_delete and self._should_delete_form(form)) and (form.instance.pk or form.has_changed())
        ]
        leaving_draft = self.data.get("new_status", OrderForm.Status.DRAFT) != OrderForm.Status.DRAFT
        if leaving_draft and not kept:
            raise ValidationError("Un bon de commande émis doit comporter au moins une ligne.")


class OrderLineInline(OfficerOnlyAdminMixin, AccessibleTabularInline):
    model = OrderLine
    form = OrderLineForm
    formset = OrderLineFormSet
    fields = ["position", "price_item", "description", "unit", "quantity", "unit_price", "vat_rate", "amounts"]
    readonly_fields = ["amounts"]
    extra = 0
    add_another_label = "Ajouter une ligne"
    classes = ["order-lines"]

    def formfield_for_dbfield(self, db_field, request, **kwargs):
        formfield = super().formfield_for_dbfield(db_field, request, **kwargs)
        if formfield is not None and db_field.name in {"quantity", "unit_price"}:
            # Shown and typed the French way: "510,00", not the number input's "510.00".
            formfield.localize = True
            formfield.widget = forms.TextInput(attrs={**formfield.widget.attrs, "inputmode": "decimal", "size": 8})
            formfield.widget.is_localized = True
        return formfield

    def get_extra(self, request, obj=None, **kwargs):
        return 3 if obj is None else (1 if obj.is_draft else 0)

    @admin.display(description="Montants")
    def amounts(self, line):
        if not line.pk:
            return "—"
        return format_html(
            "HT {}<br>TVA {}<br>TTC {}",
            euros(line.amount_excl_vat),
            euros(line.vat_amount),
            euros(line.amount_incl_vat),
        )

    # Lines are the content of the order form (`obj`): once issued, it is frozen.
    def has_add_permission(self, request, obj=None):
        return super().has_add_permission(request, obj) and (obj is None or obj.is_draft)

    def has_change_permission(self, request, obj=None):
        return super().has_change_permission(request, obj) and (obj is None or obj.is_draft)

    def has_delete_permission(self, request, obj=None):
        return super().has_delete_permission(request, obj) and (obj is None or obj.is_draft)


class YearListFilter(admin.SimpleListFilter):
    title = "année"
    parameter_name = "annee"

    def lookups(self, request, model_admin):
        years = OrderForm.objects.dates("issued_on", "year", order="DESC")
        return [(str(day.year), str(day.year)) for day in years]

    def queryset(self, request, queryset):
        if self.value() and self.value().isdigit():
            return queryset.filter(issued_on__year=int(self.value()))
        return queryset


@admin.register(OrderForm)
class OrderFormAdmin(OfficerOnlyAdminMixin, InlineLabelsMixin, VersionedAdminMixin, SimpleHistoryAdmin):
    form = OrderFormAdminForm
    inlines = [OrderLineInline]
    list_display = [
        "number",
        "issued_on",
        "object",
        "mission_number",
        "commune",
        "status",
        "total_ht",
        "total_ttc",
        "consumption",
    ]
    list_display_links = ["number", "object"]
    list_filter = ["status", "mission", ("commune", admin.RelatedOnlyFieldListFilter), YearListFilter, "programme"]
    list_select_related = ["commune", "programme"]
    search_fields = ["number", "object", "commune__name", "lines__description"]
    list_per_page = 50

    def get_queryset(self, request):
        return with_budget(super().get_queryset(request))

    def get_fieldsets(self, request, obj=None):
        return [
            # The planned end stays editable once issued: the schedule of execution may move.
            ("Bon de commande", {"fields": [*CONTENT_FIELDS, "planned_end"]}),
            ("Statut", {"fields": ["new_status", "status_reason", "status_journal"]}),
            ("Montants et consommation", {"fields": ["totals", "budget_summary"]}),
            ("Documents", {"fields": ["signed_scan", "notes"]}),
        ]

    def get_readonly_fields(self, request, obj=None):
        readonly = ["totals", "budget_summary", "status_journal"]
        if obj is not None and not obj.is_draft:
            readonly += CONTENT_FIELDS
        return readonly

    def get_form(self, request, obj=None, change=False, **kwargs):
        form = super().get_form(request, obj, change=change, **kwargs)
        return type(form.__name__, (form,), {"current_user": request.user})

    def get_changeform_initial_data(self, request):
        initial = super().get_changeform_initial_data(request)
        programme = Programme.objects.current()
        if programme is not None:
            initial.setdefault("programme", programme.pk)
            initial.setdefault("number", OrderForm.next_number(programme, timezone.localdate().year))
        return initial

    def has_delete_permission(self, request, obj=None):
        # An order form that has been issued is a commitment: it is never deleted, only a draft is.
        return super().has_delete_permission(request, obj) and (obj is None or obj.is_draft)

    def save_related(self, request, form, formsets, change):
        super().save_related(request, form, formsets, change)
        order_form = form.instance
        new_status = form.cleaned_data.get("new_status")
        if new_status and new_status != order_form.status:
            try:
                order_form.change_status(
                    new_status, by=request.user, reason=form.cleaned_data.get("status_reason", "")
                )
            except StatusTransitionError as error:
                self.message_user(request, f"Statut inchangé : {error}", level=messages.ERROR)

    # Read-only displays --------------------------------------------------------------------------
    @admin.display(description="Mission", ordering="mission")
    def mission_number(self, order_form):
        return order_form.mission

    @admin.display(description="Total HT")
    def total_ht(self, order_form):
        return euros(order_form.total_excl_vat)

    @admin.display(description="Total TTC")
    def total_ttc(self, order_form):
        return euros(order_form.total_incl_vat)

    @admin.display(description="Consommation")
    def consumption(self, order_form):
        figures = order_form_budget(order_form).figures
        rate = figures.consumed_rate
        text = f"{euros(figures.consumed_amount)} ({str(rate).replace('.', ',')} %)" if rate is not None else "—"
        return f"{text} — {figures.level_label}" if figures.level_label else text

    @admin.display(description="Totaux")
    def totals(self, order_form):
        if not order_form.pk:
            return "Calculés à l'enregistrement, ligne par ligne (arrondi au centime)."
        rows = format_html_join(
            "",
            "<li>TVA {} sur {} : {}</li>",
            ((label, euros(base), euros(vat)) for label, base, vat in order_form.vat_breakdown()),
        )
        return format_html(
            "<strong>Total HT : {}</strong><ul>{}</ul><strong>Total TTC : {}</strong>",
            euros(order_form.total_excl_vat),
            rows,
            euros(order_form.total_incl_vat),
        )

    @admin.display(description="Consommation")
    def budget_summary(self, order_form):
        if not order_form.pk:
            return "—"
        figures = order_form_budget(order_form).figures
        return format_html(
            "Demi-journées : {} consommées sur {} commandées (reste {}).<br>Montant HT : {} consommés sur {} (reste {}). "
            '<a href="{}">Voir le détail</a>',
            floatformat(figures.consumed_half_days, -2),
            floatformat(figures.ordered_half_days, -2),
            floatformat(figures.remaining_half_days, -2),
            euros(figures.consumed_amount),
            euros(figures.ordered_amount),
            euros(figures.remaining_amount),
            reverse("missions:order_form_detail", args=[order_form.pk]),
        )

    @admin.display(description="Journal des statuts")
    def status_journal(self, order_form):
        if not order_form.pk:
            return "—"
        changes = order_form.status_changes.select_related("changed_by")
        if not changes:
            return "Aucun changement de statut."
        return format_html(
            "<ul>{}</ul>",
            format_html_join(
                "",
                "<li>{} : {} → {} par {}{}</li>",
                (
                    (
                        timezone.localtime(change.changed_at).strftime("%d/%m/%Y %H:%M"),
                        change.get_from_status_display(),
                        change.get_to_status_display(),
                        change.changed_by,
                        f" — raison : {change.reason}" if change.reason else "",
                    )
                    for change in changes
                ),
            ),
        )


@admin.register(PriceListItem)
class PriceListItemAdmin(OfficerOnlyAdminMixin, admin.ModelAdmin):
    """The contract's price list, per programme: half-day rates per category and flat items."""

    list_display = ["label", "category", "unit", "unit_price_display", "programme", "position"]
    list_editable = ["position"]
    list_filter = ["programme", "unit"]
    search_fields = ["label", "category"]
    fields = ["programme", "label", "category", "unit", "unit_price", "position"]

    @admin.display(description="Prix unitaire HT", ordering="unit_price")
    def unit_price_display(self, item):
        return euros(item.unit_price)

    def formfield_for_dbfield(self, db_field, request, **kwargs):
        formfield = super().formfield_for_dbfield(db_field, request, **kwargs)
        if formfield is not None and db_field.name == "unit_price":
            formfield.localize = True
            formfield.widget = forms.TextInput(attrs={"inputmode": "decimal", "size": 10})
            formfield.widget.is_localized = True
        return formfield
