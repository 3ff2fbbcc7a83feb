from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from dangjian.core.forms import DateInput, style_form

from .models import Organization
from .services import EDITABLE_FIELDS


class OrganizationForm(forms.ModelForm):
    class Meta:
        model = Organization
        fields = EDITABLE_FIELDS
        widgets = {
            "founded_on": DateInput(),
            "term_started_on": DateInput(),
            "term_ends_on": DateInput(),
            "dissolved_on": DateInput(),
        }
        help_texts = {
            "term_ends_on": _("留空则按任期年限（党支部3年、党委5年、村和社区5年）自动计算。")
        }

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        style_form(self)

    def validate_unique(self) -> None:
        # The service validates (and the database enforces) uniqueness in its transaction.
        pass


class OrganizationMoveForm(forms.Form):
    new_parent = forms.ModelChoiceField(
        label=_("新的上级党组织"), queryset=Organization.objects.none()
    )

    def __init__(self, *args: Any, parents: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["new_parent"]
        assert isinstance(field, forms.ModelChoiceField)
        field.queryset = parents
        style_form(self)
