from django import forms
from django.utils.translation import gettext_lazy as _

from dangjian.core.forms import style_form

from .choices import RevocationReason
from .credential import MAX_TEXT_LENGTH


class VerifyForm(forms.Form):
    payload = forms.CharField(
        label=_("电子活动证二维码内容"),
        max_length=MAX_TEXT_LENGTH * 2,
        strip=False,  # a Base45 text may end with a space
        widget=forms.Textarea(attrs={"rows": 4, "autocomplete": "off", "spellcheck": "false"}),
        help_text=_("扫描二维码，或把以 DJ1: 开头的整段文字（或二维码中的网址）粘贴到这里。"),
    )

    def __init__(self, *args: object, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        style_form(self)


class TrustImportForm(forms.Form):
    document = forms.CharField(
        label=_("公钥文件内容"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 5}),
        help_text=_("对方系统“下载本系统公钥”得到的 JSON 文件内容；也可以在下方选择文件。"),
    )
    file = forms.FileField(label=_("或选择公钥文件"), required=False)
    label = forms.CharField(label=_("说明"), max_length=200, required=False)
    authority = forms.BooleanField(
        label=_("上级系统（其密钥可签发信任列表更新）"),
        required=False,
        help_text=_("只为上级党委的系统勾选：它签发的更新可以新增、轮换和吊销其他系统的公钥。"),
    )

    def __init__(self, *args: object, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        style_form(self)

    def clean(self) -> dict[str, object]:
        data = super().clean() or {}
        upload = data.get("file")
        if upload is not None:
            data["document"] = upload.read(100_000)
        if not data.get("document"):
            raise forms.ValidationError(_("请粘贴公钥文件内容或选择公钥文件。"))
        return data


class RevocationImportForm(forms.Form):
    file = forms.FileField(
        label=_("撤销列表文件（.cbor）"),
        help_text=_("对方系统“下载撤销列表”得到的文件；签发方须已在信任列表中。"),
    )

    def __init__(self, *args: object, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        style_form(self)


class RevokeForm(forms.Form):
    reason = forms.ChoiceField(
        label=_("撤销原因"),
        choices=[
            (RevocationReason.OTHER, _("其他（如手机丢失）")),
            (RevocationReason.LOST_CONTACT, RevocationReason.LOST_CONTACT.label),
        ],
    )


class ReceiptImportForm(forms.Form):
    file = forms.FileField(
        label=_("出席回执文件（.json）"),
        help_text=_("举办方系统导出的出席回执；签发方须已在信任列表中。"),
    )

    def __init__(self, *args: object, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        style_form(self)


class TrustUpdateForm(forms.Form):
    file = forms.FileField(
        label=_("信任列表更新文件（.json）"),
        help_text=_("上级系统签发的信任列表更新；其密钥须已作为“上级系统”导入。"),
    )

    def __init__(self, *args: object, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        style_form(self)
