"""The forms of register entries, shared by the Secretariat's pages and the country's."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from codemonitor.reference.models import CodeArticle
from codemonitor.registers.laws import (
    LANGUAGE_CODE,
    LAW_FIELDS,
    EventInput,
    LawInput,
    keywords_parse,
    law_input_of,
)
from codemonitor.registers.models import Law, LawEvent, LawRelation, NationalAuthority


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


# -- Laws and regulations ---------------------------------------------------------------------


class LawForm(forms.Form):
    """An entry of the laws database; its events are `EventFormSet`, its document a file."""

    title = forms.CharField(label=gettext_lazy("Title in the original language"), max_length=500)
    title_en = forms.CharField(
        label=gettext_lazy("Title in English"), max_length=500, required=False
    )
    title_fr = forms.CharField(
        label=gettext_lazy("Title in French"), max_length=500, required=False
    )
    kind = forms.ChoiceField(label=gettext_lazy("Type"), choices=Law.Kind.choices)
    number = forms.CharField(label=gettext_lazy("Number"), max_length=100, required=False)
    issuing_body = forms.CharField(
        label=gettext_lazy("Issuing body"), max_length=300, required=False
    )
    status = forms.ChoiceField(
        label=gettext_lazy("Status"), choices=Law.Status.choices, initial=Law.Status.IN_FORCE
    )
    abstract = forms.CharField(
        label=gettext_lazy("Abstract"),
        max_length=20_000,
        required=False,
        widget=forms.Textarea(attrs={"rows": 5}),
    )
    url = forms.URLField(
        label=gettext_lazy("Link to the full text"),
        max_length=500,
        required=False,
        assume_scheme="https",
    )
    language = forms.RegexField(
        label=gettext_lazy("Language of the text"),
        regex=LANGUAGE_CODE,
        max_length=10,
        required=False,
        help_text=gettext_lazy("ISO 639-1 code, e.g. en, fr, ar"),
        error_messages={"invalid": gettext_lazy("Enter a language code such as en, fr or ar.")},
    )
    keywords = forms.CharField(
        label=gettext_lazy("Keywords"),
        max_length=3000,
        required=False,
        help_text=gettext_lazy("Separated by semicolons"),
    )
    articles = forms.ModelMultipleChoiceField(
        label=gettext_lazy("Articles of the Code it implements"),
        queryset=CodeArticle.objects.order_by("number"),
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    amends = forms.ModelMultipleChoiceField(
        label=gettext_lazy("Amends"),
        queryset=Law.objects.none(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    repeals = forms.ModelMultipleChoiceField(
        label=gettext_lazy("Repeals"),
        queryset=Law.objects.none(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    document = forms.FileField(
        label=gettext_lazy("Full text (PDF, DOCX, ODT…)"),
        required=False,
        help_text=gettext_lazy("A new file replaces the one attached."),
    )
    note = forms.CharField(
        label=gettext_lazy("Note on this change"), max_length=300, required=False
    )

    def __init__(self, *args: Any, country: str, law: Law | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        others = Law.objects.filter(member_state_id=country).order_by("title")
        if law is not None:
            others = others.exclude(pk=law.pk)
        for name in ("amends", "repeals"):
            field = self.fields[name]
            assert isinstance(field, forms.ModelMultipleChoiceField)
            field.queryset = others

    @staticmethod
    def initial_of(law: Law) -> dict[str, Any]:
        data = law_input_of(law)
        return {
            **{name: getattr(data, name) for name in LAW_FIELDS},
            "keywords": "; ".join(data.keywords),
            "articles": data.articles,
            "amends": [other for kind, other in data.relations if kind == LawRelation.Kind.AMENDS],
            "repeals": [
                other for kind, other in data.relations if kind == LawRelation.Kind.REPEALS
            ],
        }

    def law_input(self, events: list[EventInput]) -> LawInput:
        data = self.cleaned_data
        return LawInput(
            **{name: data.get(name) or "" for name in LAW_FIELDS},
            events=events,
            relations=[(LawRelation.Kind.AMENDS, law.pk) for law in data["amends"]]
            + [(LawRelation.Kind.REPEALS, law.pk) for law in data["repeals"]],
            articles=[article.pk for article in data["articles"]],
            keywords=keywords_parse(data.get("keywords") or ""),
        )


class EventForm(forms.Form):
    """One dated event; a row left empty is no event."""

    kind = forms.ChoiceField(
        label=gettext_lazy("Event"), choices=[("", "—"), *LawEvent.Kind.choices], required=False
    )
    date = forms.DateField(
        label=gettext_lazy("Date"),
        required=False,
        input_formats=["%Y-%m-%d", "%d/%m/%Y"],
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
    )
    note = forms.CharField(label=gettext_lazy("Note"), max_length=300, required=False)

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if data.get("kind") and not data.get("date"):
            self.add_error("date", _("Give the date of this event."))
        if data.get("date") and not data.get("kind"):
            self.add_error("kind", _("Say what happened on this date."))
        return data


class BaseEventFormSet(forms.BaseFormSet[EventForm]):
    def events(self) -> list[EventInput]:
        return [
            EventInput(
                form.cleaned_data["kind"], form.cleaned_data["date"], form.cleaned_data["note"]
            )
            for form in self.forms
            if form.cleaned_data.get("kind") and form.cleaned_data.get("date")
        ]


# Three blank rows below the events an entry has: more are a save away, without JavaScript.
EventFormSet = forms.formset_factory(
    EventForm, formset=BaseEventFormSet, extra=3, max_num=50, absolute_max=50, validate_max=True
)


def event_formset(
    data: Any = None, *, initial: list[dict[str, Any]] | None = None
) -> BaseEventFormSet:
    """The events of an entry's form, under the prefix "events"."""
    formset = EventFormSet(data, prefix="events", initial=initial)
    assert isinstance(formset, BaseEventFormSet)
    return formset


def event_initial(law: Law | None) -> list[dict[str, Any]]:
    if law is None:
        return []
    return [
        {"kind": event.kind, "date": event.date, "note": event.note}
        for event in law.events.order_by("date", "pk")
    ]


class LawImportForm(forms.Form):
    file = forms.FileField(
        label=gettext_lazy("Spreadsheet (CSV or XLSX)"),
        help_text=gettext_lazy("Nothing is saved before you confirm the preview."),
    )


class LawReturnForm(forms.Form):
    note = forms.CharField(
        label=gettext_lazy("What the country should change"),
        max_length=1000,
        widget=forms.Textarea(attrs={"rows": 3}),
    )
