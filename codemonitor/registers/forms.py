"""The form of a register entry, shared by the Secretariat's page and the focal point's."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy

from codemonitor.registers.models import NationalAuthority


class AuthorityForm(forms.ModelForm[NationalAuthority]):
    website = forms.URLField(label=gettext_lazy("website"), required=False, assume_scheme="https")

    class Meta:
        model = NationalAuthority
        fields = [
            "name",
            "institution",
            "address",
            "website",
            "email",
            "telephone",
            "designated_on",
        ]
        widgets = {
            "designated_on": forms.DateInput(attrs={"type": "date"}),
            "address": forms.Textarea(attrs={"rows": 3}),
        }
