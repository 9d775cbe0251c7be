"""The error summary at the top of a form page (the GOV.UK / DSFR pattern): every error of the page's forms and
formsets in one list, each linked to its field, so that a long form never hides its only message far below."""

from django import forms, template

register = template.Library()


def _field_target(bound_field) -> str:
    """The id the link points to: the input itself, or the first choice of a radio or checkbox group."""
    if bound_field.is_hidden:
        return ""
    return bound_field.id_for_label or (f"{bound_field.auto_id}_0" if bound_field.auto_id else "")


def _form_errors(form, row: int | None = None) -> list[dict]:
    suffix = f" (ligne {row})" if row is not None else ""
    errors = [{"target": "", "label": "", "message": message} for message in form.non_field_errors()]
    for name, messages in form.errors.items():
        if name == forms.forms.NON_FIELD_ERRORS or name not in form.fields:
            continue
        bound_field = form[name]
        label = f"{bound_field.label}{suffix}" if not bound_field.is_hidden else ""
        errors += [{"target": _field_target(bound_field), "label": label, "message": message} for message in messages]
    return errors


def summary_errors(*forms_and_formsets) -> list[dict]:
    """The errors of the given forms and formsets, in page order: {target: field id or '', label, message}."""
    errors = []
    for item in forms_and_formsets:
        if item is None or not getattr(item, "is_bound", False):
            continue
        if isinstance(item, forms.BaseFormSet):
            errors += [{"target": "", "label": "", "message": message} for message in item.non_form_errors()]
            for row, subform in enumerate(item.forms, start=1):
                errors += _form_errors(subform, row)
        else:
            errors += _form_errors(item)
    return errors


@register.inclusion_tag("includes/_error_summary.html")
def error_summary(*forms_and_formsets):
    """{% error_summary form formset… %}: the page's summary. The forms it covers do not repeat it inside crispy's
    own rendering (templates/bootstrap5/errors.html), so a page with several forms shows one summary."""
    for item in forms_and_formsets:
        if item is not None:
            item.error_summary_shown = True
    errors = summary_errors(*forms_and_formsets)
    first = next((item for item in forms_and_formsets if item is not None), None)
    return {"errors": errors, "count": len(errors), "prefix": getattr(first, "prefix", None) or ""}


@register.inclusion_tag("includes/_error_summary.html")
def crispy_error_summary(form):
    """The summary crispy shows at the top of a form it renders, unless the page already shows one for it."""
    if getattr(form, "error_summary_shown", False):
        return {"errors": [], "count": 0}
    return error_summary(form)
