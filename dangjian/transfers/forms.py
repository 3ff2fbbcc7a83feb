"""Forms of the transfer and mobile-member pages; services do the checks that matter."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from dangjian.core.dates import today
from dangjian.core.forms import DateInput, style_form
from dangjian.organizations.choices import GRASSROOTS_KINDS
from dangjian.organizations.models import Organization

from .choices import OutflowReason, TransferKind
from .models import year_month
from .regions import region_choices


class TransferCreateForm(forms.Form):
    kind = forms.ChoiceField(
        label=_("转接类别"),
        choices=[
            (TransferKind.WITHIN, TransferKind.WITHIN.label),
            (TransferKind.OUTBOUND, TransferKind.OUTBOUND.label),
        ],
        initial=TransferKind.WITHIN,
    )
    to_organization = forms.ModelChoiceField(
        label=_("接收党组织（本系统内）"),
        queryset=Organization.objects.none(),
        required=False,
        help_text=_("可选本系统内任一基层党组织，包括其他乡镇、其他县的党组织。"),
    )
    counterpart_issuer = forms.CharField(
        label=_("对方系统标识"),
        max_length=64,
        required=False,
        help_text=_("转往其他系统时填写，如 CN-440300。"),
    )
    counterpart_organization = forms.CharField(
        label=_("对方接收党组织全称"), max_length=200, required=False
    )
    reason = forms.CharField(label=_("转接原因"), max_length=300, required=False)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["to_organization"]
        assert isinstance(field, forms.ModelChoiceField)
        # Any grassroots organization of the deployment may receive: names are not sensitive.
        field.queryset = Organization.objects.filter(
            kind__in=GRASSROOTS_KINDS, dissolved_on__isnull=True
        ).order_by("path")
        style_form(self)


class IssueForm(forms.Form):
    dues_paid_until = forms.CharField(
        label=_("党费交至（年-月）"),
        max_length=7,
        validators=[year_month],
        widget=forms.TextInput(attrs={"placeholder": "2026-05", "inputmode": "numeric"}),
        help_text=_("党员党费已交至的年月，写在介绍信上。"),
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        style_form(self)


class ReasonForm(forms.Form):
    reason = forms.CharField(
        label=_("原因"), max_length=300, widget=forms.Textarea(attrs={"rows": 2})
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        style_form(self)


class PackageImportForm(forms.Form):
    file = forms.FileField(label=_("转接包文件（.json）"))
    organization = forms.ModelChoiceField(
        label=_("接收党组织"), queryset=Organization.objects.none()
    )

    def __init__(self, *args: Any, organizations: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["organization"]
        assert isinstance(field, forms.ModelChoiceField)
        field.queryset = organizations
        style_form(self)


class ReceiptImportForm(forms.Form):
    file = forms.FileField(label=_("回执文件（.json）"))

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        style_form(self)


class OutflowForm(forms.Form):
    region_code = forms.ChoiceField(label=_("流入地（省、地市）"), choices=())
    city = forms.CharField(label=_("详细地址"), max_length=100, required=False)
    work_unit = forms.CharField(label=_("工作单位"), max_length=200, required=False)
    left_on = forms.DateField(label=_("外出日期"), widget=DateInput(), initial=today)
    reason = forms.ChoiceField(label=_("外出原因"), choices=OutflowReason.choices)
    contact = forms.CharField(label=_("联系方式"), max_length=100, required=False)
    host_organization_name = forms.CharField(
        label=_("流入地党组织（已知时填写）"), max_length=200, required=False
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["region_code"]
        assert isinstance(field, forms.ChoiceField)
        field.choices = [("", "—")] + [(code, f"{code} {name}") for code, name in region_choices()]
        style_form(self)


class DateForm(forms.Form):
    on = forms.DateField(label=_("日期"), widget=DateInput(), initial=today)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        style_form(self)


class InflowForm(forms.Form):
    host_organization = forms.ModelChoiceField(
        label=_("流入地党组织"), queryset=Organization.objects.none()
    )
    name = forms.CharField(label=_("姓名"), max_length=60)
    home_organization_name = forms.CharField(label=_("组织关系所在党组织"), max_length=200)
    home_region_code = forms.ChoiceField(label=_("流出地"), choices=(), required=False)
    phone = forms.CharField(label=_("联系电话"), max_length=20, required=False)
    work_unit = forms.CharField(label=_("工作单位"), max_length=200, required=False)
    arrived_on = forms.DateField(label=_("流入日期"), widget=DateInput(), initial=today)
    reason = forms.ChoiceField(label=_("外出原因"), choices=OutflowReason.choices)
    has_certificate = forms.BooleanField(label=_("持有流动党员活动证"), required=False)

    def __init__(self, *args: Any, organizations: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["host_organization"]
        assert isinstance(field, forms.ModelChoiceField)
        field.queryset = organizations
        region = self.fields["home_region_code"]
        assert isinstance(region, forms.ChoiceField)
        region.choices = [("", "—")] + [(code, f"{code} {name}") for code, name in region_choices()]
        style_form(self)
