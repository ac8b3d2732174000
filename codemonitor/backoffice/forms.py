from __future__ import annotations

from django import forms
from django.conf import settings
from django.utils.translation import gettext_lazy as _


class InstrumentUploadForm(forms.Form):
    workbook = forms.FileField(label=_("XLSForm workbook (.xlsx)"))

    def clean_workbook(self) -> object:
        upload = self.cleaned_data["workbook"]
        if upload.size > settings.FORM_UPLOAD_MAX_BYTES:
            raise forms.ValidationError(
                _("The file is larger than %(limit)s MB.")
                % {"limit": settings.FORM_UPLOAD_MAX_BYTES // (1024 * 1024)}
            )
        return upload
