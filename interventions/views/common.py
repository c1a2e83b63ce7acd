"""What the interventions pages share: the capabilities they ask for, a provision found for the user, and
service errors shown on a form."""

from __future__ import annotations

from django.core.exceptions import ValidationError

from schoolpl.access import get_object_for, require
from schoolpl.roles import Cap

from .. import selectors
from ..models import Provision

EDIT = Cap.EDIT_INTERVENTIONS
READ_ALL = Cap.READ_INTERVENTIONS_ALL
READ_OWN = Cap.READ_INTERVENTIONS_OWN


def form_errors(form, exc: ValidationError) -> None:
    if hasattr(exc, "error_dict"):
        for name, errors in exc.error_dict.items():
            form.add_error(name if name in form.fields else None, errors)
    else:
        form.add_error(None, exc)


def provision_for(request, pk, write=False) -> Provision:
    """The provision ``pk`` as the user may see it (404 otherwise); ``write`` also requires the right to edit."""
    if write:
        require(request.access, EDIT)
    return get_object_for(selectors.provisions_for(request.access).select_related("programme__subject"), pk=pk)
