"""The forms of the record of authorised recruiters, shared by the country's pages and the
Secretariat's: an entry, the search filters, an upload, the columns of an uploaded file."""

from __future__ import annotations

from typing import Any

from django import forms
from django.conf import settings
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from codemonitor.reference.models import MemberState, Region
from codemonitor.registers.models import Recruiter, Validation
from codemonitor.registers.recruiter_import import IMPORT_FIELDS, REQUIRED_FIELDS
from codemonitor.registers.recruiters import FIELDS, RecruiterRefused, recruiter_clean

DATE = {"type": "date"}


class RecruiterForm(forms.Form):
    """An entry; the checks are the service's (`recruiter_clean`), shown on their fields."""

    legal_name = forms.CharField(label=gettext_lazy("Legal name"), max_length=300)
    other_names = forms.CharField(
        label=gettext_lazy("Other names"),
        required=False,
        max_length=5000,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=gettext_lazy("One per line, or separated by a semicolon (;)."),
    )
    licence_number = forms.CharField(
        label=gettext_lazy("Licence or registration number"), max_length=100
    )
    issuing_authority = forms.CharField(
        label=gettext_lazy("Issuing authority"), max_length=300, required=False
    )
    status = forms.ChoiceField(label=gettext_lazy("Status"), choices=Recruiter.Status.choices)
    valid_from = forms.DateField(
        label=gettext_lazy("Valid from"), required=False, widget=forms.DateInput(DATE)
    )
    valid_to = forms.DateField(
        label=gettext_lazy("Valid until"), required=False, widget=forms.DateInput(DATE)
    )
    address = forms.CharField(
        label=gettext_lazy("Address"),
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3}),
    )
    website = forms.CharField(label=gettext_lazy("Website"), required=False, max_length=500)
    source_url = forms.CharField(
        label=gettext_lazy("The country's public source (link)"), required=False, max_length=500
    )
    last_verified = forms.DateField(
        label=gettext_lazy("Last verified"), required=False, widget=forms.DateInput(DATE)
    )

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        present = {name: data[name] for name in FIELDS if name in data}
        try:
            return recruiter_clean(present)
        except RecruiterRefused as refused:
            for name, message in refused.errors.items():
                self.add_error(name if name in self.fields else None, message)
        return data

    @classmethod
    def initial_of(cls, recruiter: Recruiter) -> dict[str, Any]:
        initial = {name: getattr(recruiter, name) for name in FIELDS}
        initial["other_names"] = "\n".join(recruiter.other_names or [])
        return initial


class RecruiterFilterForm(forms.Form):
    """The filters of a list (a GET form: every field optional, a wrong value ignored)."""

    q = forms.CharField(
        label=gettext_lazy("Name or licence number"), required=False, max_length=200
    )
    country = forms.ChoiceField(label=gettext_lazy("Member State"), required=False)
    region = forms.ChoiceField(label=gettext_lazy("WHO region"), required=False)
    status = forms.ChoiceField(
        label=gettext_lazy("Status"),
        required=False,
        choices=[("", gettext_lazy("Any")), *Recruiter.Status.choices],
    )
    validation = forms.ChoiceField(
        label=gettext_lazy("Validation"),
        required=False,
        choices=[("", gettext_lazy("Any")), *Validation.choices],
    )

    def __init__(self, *args: Any, countries: bool = True, regions: bool = True, **kwargs: Any):
        super().__init__(*args, **kwargs)
        if countries:
            self._choices("country").choices = [
                ("", _("All")),
                *((state.pk, state.name) for state in MemberState.objects.order_by("iso3")),
            ]
        else:
            del self.fields["country"]
        if regions:
            self._choices("region").choices = [
                ("", _("All")),
                *((region.pk, region.name) for region in Region.objects.order_by("code")),
            ]
        else:
            del self.fields["region"]

    def _choices(self, name: str) -> forms.ChoiceField:
        field = self.fields[name]
        assert isinstance(field, forms.ChoiceField)
        return field

    def value(self, name: str) -> str:
        """The field's value if it is valid, else empty (a wrong filter shows everything)."""
        if not self.is_bound or name not in self.fields:
            return ""
        self.is_valid()
        return str(self.cleaned_data.get(name) or "") if name not in self.errors else ""


class ImportUploadForm(forms.Form):
    file = forms.FileField(
        label=gettext_lazy("Spreadsheet (CSV or XLSX)"),
        help_text=gettext_lazy(
            "The list your country publishes, as it is: the first row holds the headings."
        ),
    )

    def __init__(self, *args: Any, country: bool = False, **kwargs: Any):
        super().__init__(*args, **kwargs)
        if country:
            self.fields["country"] = forms.ChoiceField(
                label=gettext_lazy("Member State"),
                choices=[
                    ("", ""),
                    *((state.pk, state.name) for state in MemberState.objects.order_by("iso3")),
                ],
            )
            self.order_fields(["country", "file"])

    def clean_file(self) -> Any:
        upload = self.cleaned_data["file"]
        limit = settings.REGISTER_IMPORT_MAX_BYTES
        if upload.size > limit:  # told by the upload handler, nothing of it was kept
            raise forms.ValidationError(
                _("The file is %(size)s MB; at most %(limit)s MB can be imported at once.")
                % {"size": f"{upload.size / 1048576:.1f}", "limit": f"{limit / 1048576:g}"}
            )
        return upload


class ColumnMappingForm(forms.Form):
    """For each field, which column of the file holds it (or none)."""

    def __init__(self, *args: Any, headers: list[str], **kwargs: Any):
        super().__init__(*args, **kwargs)
        columns = [
            (
                str(index),
                heading or _("Column %(number)s (no heading)") % {"number": index + 1},
            )
            for index, heading in enumerate(headers)
        ]
        for name, label in IMPORT_FIELDS.items():
            required = name in REQUIRED_FIELDS
            self.fields[name] = forms.TypedChoiceField(
                label=label,
                choices=[("", _("— not in the file —")), *columns],
                coerce=int,
                empty_value=None,
                required=required,
                error_messages={"required": _("Choose the column that holds this.")},
            )

    def mapping(self) -> dict[str, int | None]:
        return {name: self.cleaned_data.get(name) for name in IMPORT_FIELDS}
