"""The Secretariat browses and corrects reference data in the admin."""

from __future__ import annotations

from django import forms
from django.contrib import admin, messages
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import URLPattern, path, reverse
from django.utils.translation import gettext_lazy as _

from codemonitor.core.admin_audit import AuditedAdmin
from codemonitor.reference.models import (
    CodeArticle,
    Language,
    MemberState,
    Region,
    RegionMembership,
    SafeguardsEdition,
    SafeguardsEntry,
)
from codemonitor.reference.services import ReferenceDataError, safeguards_load


class RegionMembershipInline(admin.TabularInline[RegionMembership, MemberState]):
    model = RegionMembership
    extra = 0


@admin.register(MemberState)
class MemberStateAdmin(AuditedAdmin, admin.ModelAdmin[MemberState]):
    list_display = ["iso3", "iso_name", "display_name", "current_region"]
    search_fields = ["iso3", "iso2", "iso_name", "display_name"]
    readonly_fields = ["iso3", "iso2", "numeric", "iso_name"]
    inlines = [RegionMembershipInline]

    @admin.display(description=_("WHO region today"))
    def current_region(self, obj: MemberState) -> str:
        return obj.region_on() or "—"


@admin.register(Region)
class RegionAdmin(AuditedAdmin, admin.ModelAdmin[Region]):
    list_display = ["code", "name"]


class SafeguardsEntryInline(admin.TabularInline[SafeguardsEntry, SafeguardsEdition]):
    model = SafeguardsEntry
    extra = 0
    autocomplete_fields = ["member_state"]


class SafeguardsUploadForm(forms.Form):
    file = forms.FileField(label=_("CSV file (columns edition,iso3)"))


@admin.register(SafeguardsEdition)
class SafeguardsEditionAdmin(AuditedAdmin, admin.ModelAdmin[SafeguardsEdition]):
    list_display = ["year", "published", "country_count"]
    inlines = [SafeguardsEntryInline]
    change_list_template = "admin/reference/safeguardsedition/change_list.html"

    @admin.display(description=_("countries"))
    def country_count(self, obj: SafeguardsEdition) -> int:
        return obj.entries.count()

    def get_urls(self) -> list[URLPattern]:
        return [
            path(
                "upload/",
                self.admin_site.admin_view(self.upload_view),
                name="reference_safeguardsedition_upload",
            ),
            *super().get_urls(),
        ]

    def upload_view(self, request: HttpRequest) -> HttpResponse:
        if not self.has_add_permission(request):
            return HttpResponse(status=403)
        form = SafeguardsUploadForm(request.POST or None, request.FILES or None)
        if request.method == "POST" and form.is_valid():
            upload = form.cleaned_data["file"]
            if upload.size > 1024 * 1024:
                form.add_error("file", _("The file is larger than 1 MB."))
            else:
                try:
                    counts = safeguards_load(
                        upload.read(),
                        user=request.user if request.user.is_authenticated else None,
                    )
                except ReferenceDataError as error:
                    form.add_error("file", str(error))
                else:
                    for year, count in sorted(counts.items()):
                        messages.success(
                            request,
                            _("Safeguards list %(year)s: %(count)s countries loaded.")
                            % {"year": year, "count": count},
                        )
                    return HttpResponseRedirect(
                        reverse("admin:reference_safeguardsedition_changelist")
                    )
        context = {
            **self.admin_site.each_context(request),
            "form": form,
            "opts": self.model._meta,
            "title": _("Load a safeguards list edition"),
        }
        return render(request, "admin/reference/safeguardsedition/upload.html", context)


@admin.register(CodeArticle)
class CodeArticleAdmin(AuditedAdmin, admin.ModelAdmin[CodeArticle]):
    list_display = ["number", "title_en", "title_fr"]


@admin.register(Language)
class LanguageAdmin(AuditedAdmin, admin.ModelAdmin[Language]):
    list_display = ["code", "english", "native", "direction", "complete"]
