"""The register of designated national authorities (Code Art. 8.3–8.4 of the draft; 7.3 of the
adopted Code): one entry per Member State, its history, and the changes focal points propose."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from codemonitor.reference.models import MemberState

FIELDS = ("name", "institution", "address", "website", "email", "telephone", "designated_on")


class NationalAuthority(models.Model):
    member_state = models.OneToOneField(
        MemberState, on_delete=models.PROTECT, related_name="authority"
    )
    name = models.CharField(_("authority"), max_length=300)
    institution = models.CharField(_("institution"), max_length=300, blank=True)
    address = models.TextField(_("address"), blank=True)
    website = models.URLField(_("website"), blank=True)
    email = models.EmailField(_("email of the authority"), blank=True)
    telephone = models.CharField(_("telephone of the authority"), max_length=50, blank=True)
    designated_on = models.DateField(_("date of designation"), null=True, blank=True)
    updated_at = models.DateTimeField(_("last change"), default=timezone.now)

    class Meta:
        ordering = ["member_state"]
        verbose_name = _("designated national authority")
        verbose_name_plural = _("designated national authorities")

    def __str__(self) -> str:
        return f"{self.member_state_id}: {self.name}"

    def snapshot(self) -> dict[str, str]:
        return {name: str(getattr(self, name) or "") for name in FIELDS}


class NationalAuthorityChange(models.Model):
    """One version of an entry, kept for its history."""

    authority = models.ForeignKey(
        NationalAuthority, on_delete=models.CASCADE, related_name="changes"
    )
    data = models.JSONField()
    changed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    changed_at = models.DateTimeField(default=timezone.now)
    note = models.CharField(max_length=300, blank=True)

    class Meta:
        ordering = ["-changed_at", "-pk"]

    def __str__(self) -> str:
        return f"{self.authority_id} @ {self.changed_at:%Y-%m-%d}"


class NationalAuthorityProposal(models.Model):
    """A change of its own country's entry proposed by a focal point, for the Secretariat."""

    class State(models.TextChoices):
        PENDING = "pending", _("Pending")
        ACCEPTED = "accepted", _("Accepted")
        DECLINED = "declined", _("Declined")

    member_state = models.ForeignKey(
        MemberState, on_delete=models.PROTECT, related_name="authority_proposals"
    )
    data = models.JSONField()
    proposed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    proposed_at = models.DateTimeField(default=timezone.now)
    state = models.CharField(max_length=20, choices=State.choices, default=State.PENDING)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    decided_at = models.DateTimeField(null=True, blank=True)
    decision_note = models.CharField(max_length=500, blank=True)

    class Meta:
        ordering = ["-proposed_at"]

    def __str__(self) -> str:
        return f"{self.member_state_id} {self.state}"


# -- What every register entry shares -------------------------------------------------------


class EntrySource(models.TextChoices):
    """Where an entry came from."""

    NRI = "nri", _("National report (NRI)")
    FOCAL_POINT = "focal_point", _("Focal point")
    SECRETARIAT = "secretariat", _("WHO Secretariat")
    IMPORT = "import", _("Imported spreadsheet")


class Validation(models.TextChoices):
    """The Secretariat's word on an entry: every change by a country waits for it again."""

    PENDING = "pending", _("Awaiting validation")
    VALIDATED = "validated", _("Validated")
    RETURNED = "returned", _("Returned to the country")


class RegisterEntry(models.Model):
    """Fields every entry of the laws database and of the recruiters' record has."""

    member_state = models.ForeignKey(
        MemberState,
        on_delete=models.PROTECT,
        related_name="%(class)ss",
        verbose_name=_("Member State"),
    )
    source = models.CharField(
        _("source of the entry"),
        max_length=20,
        choices=EntrySource.choices,
        default=EntrySource.FOCAL_POINT,
    )
    validation = models.CharField(
        _("validation"),
        max_length=20,
        choices=Validation.choices,
        default=Validation.PENDING,
        db_index=True,
    )
    validated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    validated_at = models.DateTimeField(_("validated"), null=True, blank=True)
    validation_note = models.CharField(_("note of the Secretariat"), max_length=1000, blank=True)
    # Lower-cased, accent-free text of the entry's searchable fields (see `search_text`).
    search_text = models.TextField(blank=True, editable=False)
    created_at = models.DateTimeField(_("created"), default=timezone.now)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    updated_at = models.DateTimeField(_("last change"), default=timezone.now)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        abstract = True


# -- Laws and regulations (Code Art. 7.2(b) as adopted; 8.2 of the draft) ---------------------


class Law(RegisterEntry):
    class Kind(models.TextChoices):
        LAW = "law", _("Law")
        REGULATION = "regulation", _("Regulation")
        POLICY = "policy", _("Policy or strategy")
        BILATERAL_AGREEMENT = "bilateral_agreement", _("Bilateral or multilateral agreement")
        CODE_OF_PRACTICE = "code_of_practice", _("Code of practice")
        GUIDELINE = "guideline", _("Guideline")
        OTHER = "other", _("Other")

    class Status(models.TextChoices):
        DRAFT = "draft", _("In preparation")
        ADOPTED = "adopted", _("Adopted, not yet in force")
        IN_FORCE = "in_force", _("In force")
        AMENDED = "amended", _("In force, amended")
        REPEALED = "repealed", _("Repealed")
        EXPIRED = "expired", _("Expired")

    title = models.CharField(_("title in the original language"), max_length=500)
    title_en = models.CharField(_("title in English"), max_length=500, blank=True)
    title_fr = models.CharField(_("title in French"), max_length=500, blank=True)
    kind = models.CharField(_("type"), max_length=30, choices=Kind.choices)
    number = models.CharField(_("number"), max_length=100, blank=True)
    issuing_body = models.CharField(_("issuing body"), max_length=300, blank=True)
    status = models.CharField(
        _("status"), max_length=20, choices=Status.choices, default=Status.IN_FORCE
    )
    abstract = models.TextField(_("abstract"), blank=True)
    url = models.URLField(_("link to the full text"), max_length=500, blank=True)
    document = models.FileField(_("full text"), upload_to="laws/%Y/", max_length=300, blank=True)
    document_name = models.CharField(_("file name"), max_length=255, blank=True)
    document_type = models.CharField(max_length=100, blank=True)
    document_size = models.PositiveBigIntegerField(null=True, blank=True)
    document_sha256 = models.CharField(max_length=64, blank=True)
    language = models.CharField(
        _("language of the text"),
        max_length=10,
        blank=True,
        help_text=_("ISO 639-1 code, e.g. en, fr, ar"),
    )
    keywords = models.JSONField(_("keywords"), default=list, blank=True)
    articles = models.ManyToManyField(
        "reference.CodeArticle",
        blank=True,
        related_name="laws",
        verbose_name=_("articles of the Code it implements"),
    )
    # The national report and question it came from, when it came from an NRI answer.
    source_report = models.ForeignKey(
        "reporting.Report", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    source_question = models.CharField(max_length=100, blank=True)

    class Meta:
        ordering = ["member_state", "title"]
        verbose_name = _("law or regulation")
        verbose_name_plural = _("laws and regulations")
        indexes = [models.Index(fields=["member_state", "validation"], name="law_by_country")]

    def __str__(self) -> str:
        return f"{self.member_state_id}: {self.title[:80]}"


class LawEvent(models.Model):
    """A dated step in a text's life."""

    class Kind(models.TextChoices):
        ADOPTED = "adopted", _("Adopted")
        PUBLISHED = "published", _("Published")
        IN_FORCE = "in_force", _("Entered into force")
        AMENDED = "amended", _("Amended")
        REPEALED = "repealed", _("Repealed")

    law = models.ForeignKey(Law, on_delete=models.CASCADE, related_name="events")
    kind = models.CharField(_("event"), max_length=20, choices=Kind.choices)
    date = models.DateField(_("date"))
    note = models.CharField(_("note"), max_length=300, blank=True)

    class Meta:
        ordering = ["law", "date", "pk"]
        verbose_name = _("event")
        verbose_name_plural = _("events")
        indexes = [models.Index(fields=["date"], name="law_event_by_date")]

    def __str__(self) -> str:
        return f"{self.law_id} {self.kind} {self.date}"


class LawRelation(models.Model):
    """`law` amends or repeals `other` (so `other` is amended or repealed by `law`)."""

    class Kind(models.TextChoices):
        AMENDS = "amends", _("amends")
        REPEALS = "repeals", _("repeals")

    law = models.ForeignKey(Law, on_delete=models.CASCADE, related_name="relations")
    kind = models.CharField(_("relation"), max_length=20, choices=Kind.choices)
    other = models.ForeignKey(Law, on_delete=models.CASCADE, related_name="related_from")

    class Meta:
        verbose_name = _("relation")
        verbose_name_plural = _("relations")
        constraints = [
            models.UniqueConstraint(fields=["law", "kind", "other"], name="law_relation_unique"),
            models.CheckConstraint(
                condition=~Q(law=models.F("other")), name="law_relation_not_itself"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.law_id} {self.kind} {self.other_id}"


class EntryChange(models.Model):
    """One version of a register entry (its snapshot in `data`), kept for its history."""

    data = models.JSONField()
    changed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    changed_at = models.DateTimeField(default=timezone.now)
    note = models.CharField(max_length=300, blank=True)

    class Meta:
        abstract = True
        ordering = ["-changed_at", "-pk"]


class LawChange(EntryChange):
    """One version of a law's entry, kept for its history."""

    law = models.ForeignKey(Law, on_delete=models.CASCADE, related_name="changes")

    def __str__(self) -> str:
        return f"{self.law_id} @ {self.changed_at:%Y-%m-%d}"


# -- Authorised recruiters (Code Art. 8.5 as adopted; 9.5 of the draft) -----------------------


class Recruiter(RegisterEntry):
    class Status(models.TextChoices):
        AUTHORISED = "authorised", _("Authorised")
        SUSPENDED = "suspended", _("Suspended")
        REVOKED = "revoked", _("Revoked")
        EXPIRED = "expired", _("Expired")
        SURRENDERED = "surrendered", _("Surrendered by the holder")
        PENDING = "pending", _("Application pending")

    legal_name = models.CharField(_("legal name"), max_length=300)
    other_names = models.JSONField(_("other names"), default=list, blank=True)
    licence_number = models.CharField(_("licence or registration number"), max_length=100)
    # The number as compared: upper case, without spaces, dots, dashes or slashes.
    licence_key = models.CharField(max_length=100, editable=False)
    issuing_authority = models.CharField(_("issuing authority"), max_length=300, blank=True)
    status = models.CharField(_("status"), max_length=20, choices=Status.choices)
    valid_from = models.DateField(_("valid from"), null=True, blank=True)
    valid_to = models.DateField(_("valid until"), null=True, blank=True)
    address = models.TextField(_("address"), blank=True)
    website = models.URLField(_("website"), max_length=500, blank=True)
    source_url = models.URLField(_("the country's public source"), max_length=500, blank=True)
    last_verified = models.DateField(_("last verified"), null=True, blank=True)

    class Meta:
        ordering = ["member_state", "legal_name"]
        verbose_name = _("authorised recruiter")
        verbose_name_plural = _("authorised recruiters")
        constraints = [
            models.UniqueConstraint(
                fields=["member_state", "licence_key"], name="recruiter_licence_unique"
            ),
            models.CheckConstraint(
                condition=Q(valid_from__isnull=True)
                | Q(valid_to__isnull=True)
                | Q(valid_from__lte=models.F("valid_to")),
                name="recruiter_validity_ordered",
            ),
        ]
        indexes = [
            models.Index(fields=["licence_key"], name="recruiter_by_licence"),
            models.Index(fields=["member_state", "validation"], name="recruiter_by_country"),
        ]

    def __str__(self) -> str:
        return f"{self.member_state_id}: {self.legal_name} ({self.licence_number})"


class RecruiterChange(EntryChange):
    """One version of a recruiter's entry, kept for its history."""

    recruiter = models.ForeignKey(Recruiter, on_delete=models.CASCADE, related_name="changes")

    def __str__(self) -> str:
        return f"{self.recruiter_id} @ {self.changed_at:%Y-%m-%d}"


# -- Spreadsheet imports: a preview before anything is saved ---------------------------------


class ImportKind(models.TextChoices):
    LAWS = "laws", _("Laws and regulations")
    RECRUITERS = "recruiters", _("Authorised recruiters")


class ColumnMapping(models.Model):
    """How a country's spreadsheet's columns map to the register's fields, remembered from the
    first import so that the next file with the same columns needs no mapping again."""

    member_state = models.ForeignKey(MemberState, on_delete=models.CASCADE, related_name="+")
    kind = models.CharField(max_length=20, choices=ImportKind.choices)
    # A digest of the file's column headings (normalised), so another layout maps anew.
    headers_key = models.CharField(max_length=64)
    headers = models.JSONField(default=list)
    mapping = models.JSONField(default=dict)  # field → heading
    updated_at = models.DateTimeField(default=timezone.now)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["member_state", "kind", "headers_key"], name="column_mapping_unique"
            )
        ]

    def __str__(self) -> str:
        return f"{self.member_state_id} {self.kind} {self.headers_key[:8]}"


class RegisterImport(models.Model):
    """An uploaded spreadsheet, read and checked, waiting for its preview to be confirmed.

    `rows` holds what was read (line number and cells), so that confirming applies exactly what
    the preview showed; nothing of the register changes before `applied_at`.
    """

    class State(models.TextChoices):
        PREVIEW = "preview", _("Preview")
        APPLIED = "applied", _("Saved")
        DISCARDED = "discarded", _("Discarded")

    kind = models.CharField(max_length=20, choices=ImportKind.choices)
    # The country every row is for; none when the rows name their country (the Secretariat's).
    member_state = models.ForeignKey(
        MemberState, null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    file_name = models.CharField(_("file name"), max_length=255)
    sha256 = models.CharField(max_length=64)
    headers = models.JSONField(default=list)
    mapping = models.JSONField(default=dict)
    rows = models.JSONField(default=list)
    summary = models.JSONField(default=dict, blank=True)
    state = models.CharField(max_length=20, choices=State.choices, default=State.PREVIEW)
    created_at = models.DateTimeField(default=timezone.now)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    applied_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.kind} {self.member_state_id} {self.file_name}"
