import logging

from csp.constants import UNSAFE_INLINE
from csp.decorators import csp_update
from django.conf import settings
from django.contrib import admin, messages
from django.core import signing
from django.core.exceptions import PermissionDenied
from django.db import DatabaseError, models
from django.db.models import Count
from django.http import StreamingHttpResponse
from django.shortcuts import get_object_or_404, redirect
from django.template.loader import render_to_string
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.html import format_html
from django.utils.text import Truncator
from simple_history.admin import SimpleHistoryAdmin as BaseHistoryAdmin

from . import export, from_text, history, import_files, imports, matching
from .forms import ImportForm, LinkForm, LinkInlineForm, LinkInlineFormSet
from .models import Claim, Link, Outlet, Source, Speaker, SpeakerAlias, Stance, Subject, Topic
from .stale import NoLostEdits

logger = logging.getLogger(__name__)

# Editors paste addresses without a scheme; assume https (Django 6's default).
URL_FIELDS = {models.URLField: {"assume_scheme": "https"}}


class TrackerMedia:
    css = {"all": ["claims/admin.css"]}


class SimpleHistoryAdmin(BaseHistoryAdmin):
    """django-simple-history's admin, its history page allowed inline style attributes.

    Its history list writes `style="border-top: 0"` on the paginator. The policy
    (settings.CONTENT_SECURITY_POLICY) allows inline style attributes on these pages
    only: never inline scripts, nor style elements.
    """

    Media = TrackerMedia

    def history_view(self, request, object_id, extra_context=None):
        view = csp_update({"style-src-attr": [UNSAFE_INLINE]})(super().history_view)
        return view(request, object_id, extra_context)

    def history_form_view(self, request, object_id, version_id, extra_context=None):
        """Revert: the form shows the version's many-to-many values too, and the save
        is recorded as a revert to that version."""
        request._history_version = get_object_or_404(
            self.model.history.model, id=object_id, history_id=version_id
        )
        when = request._history_version.history_date
        reason = f"reverted to the version of {when:%Y-%m-%d %H:%M:%S} UTC"
        with history.entry(reason=reason if request.method == "POST" else None):
            return super().history_form_view(request, object_id, version_id, extra_context)

    def get_form(self, request, obj=None, change=False, **kwargs):
        form_class = super().get_form(request, obj, change=change, **kwargs)
        version = getattr(request, "_history_version", None)
        if version is None:
            return form_class
        kept = {name: ids for name, ids in history.m2m_state(version).items()}
        kept = {name: ids for name, ids in kept.items() if name in form_class.base_fields}

        class Reverting(form_class):
            def __init__(self, *args, **kwargs):
                kwargs["initial"] = {**kept, **(kwargs.get("initial") or {})}
                super().__init__(*args, **kwargs)

        return Reverting


@admin.register(Outlet)
class OutletAdmin(SimpleHistoryAdmin):
    formfield_overrides = URL_FIELDS
    list_display = ["name", "kind", "country", "source_count"]
    list_filter = ["kind", "country"]
    search_fields = ["name", "country"]
    prepopulated_fields = {"slug": ["name"]}

    def get_queryset(self, request):
        return super().get_queryset(request).annotate(source_count=Count("sources"))

    @admin.display(description="sources", ordering="source_count")
    def source_count(self, outlet):
        return outlet.source_count


class ClaimInline(admin.StackedInline):
    model = Claim
    extra = 0
    show_change_link = True
    fields = [
        "text",
        ("kind", "speaker", "speaker_role"),
        ("stated_on", "stated_on_precision"),
        ("via", "context"),
        ("topics", "subjects"),
        "integrity",
    ]
    readonly_fields = ["integrity"]
    autocomplete_fields = ["speaker", "via", "topics", "subjects"]


@admin.register(Source)
class SourceAdmin(NoLostEdits, SimpleHistoryAdmin):
    formfield_overrides = URL_FIELDS
    list_display = ["title", "outlet", "kind", "published", "claim_count", "has_text"]
    list_filter = ["kind", "published_on_precision", "language", "outlet"]
    list_select_related = ["outlet"]
    search_fields = ["title", "authors", "url", "outlet__name"]
    date_hierarchy = "published_on"
    autocomplete_fields = ["outlet", "wire", "derived_from"]
    inlines = [ClaimInline]
    fieldsets = [
        (None, {"fields": ["title", "kind", "outlet", "authors", "url"]}),
        (
            "Lineage",
            {
                "fields": [("derived_from", "derivation"), "wire"],
                "description": (
                    "Where this source’s reports come from: a source it republishes, rewrites "
                    "or translates, or a news agency whose copy it carries. Its claims count "
                    "as reports from where the lineage starts, not as new sources."
                ),
            },
        ),
        ("Dates", {"fields": [("published_on", "published_on_precision"), "accessed_on"]}),
        (None, {"fields": ["language", "full_text", "notes"]}),
    ]

    def get_queryset(self, request):
        return super().get_queryset(request).annotate(claim_count=Count("claims"))

    @admin.display(description="published", ordering="published_on")
    def published(self, source):
        return source.published_on_display

    @admin.display(description="claims", ordering="claim_count")
    def claim_count(self, source):
        return source.claim_count

    @admin.display(description="full text", boolean=True)
    def has_text(self, source):
        return bool(source.full_text)

    def get_urls(self):
        wrap = self.admin_site.admin_view
        return [
            path("from-text/", wrap(self.from_text_view), name="claims_source_from_text"),
            *super().get_urls(),
        ]

    def from_text_view(self, request):
        """Paste an article, review the claims the assist finds in it, save them all."""
        may_add = self.has_add_permission(request) and request.user.has_perms(
            ["claims.add_claim", "claims.add_speaker"]
        )
        if not may_add:
            raise PermissionDenied
        context = {
            **self.admin_site.each_context(request),
            "opts": self.model._meta,
            "title": "New source from text",
        }
        if request.method != "POST":
            return self._from_text_page(request, context, from_text.ArticleForm())
        article = from_text.ArticleForm(request.POST)
        if "_edit" in request.POST or not article.is_valid():
            return self._from_text_page(request, context, article)
        if request.POST.get("_step") != "save":
            formset = from_text.CandidateFormSet(initial=from_text.candidates(article))
            return self._from_text_page(request, context, article, formset)
        formset = from_text.CandidateFormSet(request.POST)
        if not formset.is_valid():
            return self._from_text_page(request, context, article, formset)
        try:
            with history.entry(reason="entered from its text with the extraction assist"):
                source, claims, new_speakers = from_text.save(article, formset)
        except from_text.NothingSaved:
            messages.error(request, "Nothing was saved: correct the claims marked below.")
            return self._from_text_page(request, context, article, formset)
        self.log_addition(request, source, [{"added": {}}])
        added = f" and {len(new_speakers)} new speakers" if new_speakers else ""
        messages.success(
            request,
            format_html(
                "Saved “{}” with {} claims{}, each found in its text: "
                '<a href="{}">see them in the source</a>.',
                source.title,
                len(claims),
                added,
                source.get_absolute_url(),
            ),
        )
        return redirect("admin:claims_source_change", source.pk)

    def _from_text_page(self, request, context, article, formset=None):
        if formset is not None:
            full_text = article.cleaned_data.get("full_text", "")
            for form in formset:
                form.found_at = from_text.context_of(form, full_text)
                form.matches = from_text.matches_of(form)
        context.update(article=article, formset=formset, media=self.media + article.media)
        return TemplateResponse(request, "admin/claims/source/from_text.html", context)

    def save_related(self, request, form, formsets, change):
        super().save_related(request, form, formsets, change)
        if "full_text" in form.changed_data:
            # Every claim's position depends on the text: check them all again.
            form.instance.claims.all().relocate()


class SpeakerAliasInline(admin.TabularInline):
    model = SpeakerAlias
    extra = 1


@admin.register(Speaker)
class SpeakerAdmin(SimpleHistoryAdmin):
    Media = TrackerMedia
    list_display = ["name", "kind", "affiliation", "country", "claim_count"]
    list_filter = ["kind", "country"]
    search_fields = ["name", "aliases__name", "affiliation"]
    prepopulated_fields = {"slug": ["name"]}
    inlines = [SpeakerAliasInline]

    def get_queryset(self, request):
        speakers = super().get_queryset(request)
        if _is_autocomplete(request):
            # A candidate says who it is; counting every speaker's claims would not help.
            return speakers.with_reported_role().prefetch_related("aliases")
        return speakers.annotate(claim_count=Count("claims"))

    def get_search_results(self, request, queryset, search_term):
        queryset, may_have_duplicates = super().get_search_results(request, queryset, search_term)
        if _is_autocomplete(request) and search_term.strip():
            # Enter takes the first candidate: make it the one the editor typed.
            queryset = queryset.ranked_by_match(search_term.strip())
        return queryset, may_have_duplicates

    def autocomplete_label(self, speaker, term):
        """'Amir Khan Muttaqi: foreign minister (as reported), Taliban government;
        matched on affiliation', so an editor sees who each candidate is and why."""
        details = []
        if speaker.reported_role:
            details.append(f"{speaker.reported_role} (as reported)")
        if speaker.affiliation:
            details.append(speaker.affiliation)
        label = speaker.name + (f": {', '.join(details)}" if details else "")
        reason = _match_reason(speaker, term.strip().casefold())
        return f"{label}; {reason}" if reason else label

    @admin.display(description="claims", ordering="claim_count")
    def claim_count(self, speaker):
        return speaker.claim_count


def _is_autocomplete(request):
    return request.resolver_match is not None and request.resolver_match.url_name == (
        "autocomplete"
    )


def _match_reason(speaker, term):
    """Why a speaker is a candidate for `term`, when its name does not say so."""
    if not term or term in speaker.name.casefold():
        return ""
    aliases = [alias.name for alias in speaker.aliases.all()]
    for alias in sorted(aliases, key=lambda name: name.casefold() != term):
        if term in alias.casefold():
            return f"also known as “{alias}”"
    if term in speaker.affiliation.casefold():
        return "matched on affiliation"
    return ""


@admin.register(Subject)
class SubjectAdmin(SimpleHistoryAdmin):
    list_display = ["name", "kind"]
    list_filter = ["kind"]
    search_fields = ["name"]
    prepopulated_fields = {"slug": ["name"]}


@admin.register(Topic)
class TopicAdmin(SimpleHistoryAdmin):
    list_display = ["title", "slug", "claim_count"]
    search_fields = ["title", "description"]
    prepopulated_fields = {"slug": ["title"]}
    autocomplete_fields = ["answer_subjects"]

    def get_queryset(self, request):
        return super().get_queryset(request).annotate(claim_count=Count("claims"))

    @admin.display(description="claims", ordering="claim_count")
    def claim_count(self, topic):
        return topic.claim_count


class StanceInline(admin.TabularInline):
    model = Stance
    extra = 0
    autocomplete_fields = ["topic"]
    verbose_name = "stance on a research question"
    verbose_name_plural = "stances on research questions (supports or disputes its answer)"


class LinkInline(admin.TabularInline):
    model = Link
    form = LinkInlineForm
    formset = LinkInlineFormSet
    extra = 1
    readonly_fields = ["created_by", "created_at"]


class LinkAsAInline(LinkInline):
    fk_name = "claim_a"
    autocomplete_fields = ["claim_b"]
    verbose_name = "link entered from this claim"
    verbose_name_plural = "links entered from this claim"
    fields = ["kind", "claim_b", "note", "created_by", "created_at"]

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("claim_b", "created_by")


class LinkAsBInline(LinkInline):
    fk_name = "claim_b"
    autocomplete_fields = ["claim_a"]
    extra = 0
    verbose_name = "link entered from the other claim"
    verbose_name_plural = "links entered from the other claim"
    fields = ["kind", "claim_a", "note", "created_by", "created_at"]

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("claim_a", "created_by")


PREVIEW_SALT = "claims.import_preview"


def _summary(plan):
    """What a plan would do, to compare the preview with the confirmation."""
    return {"claims": plan.claim_counts, "links": plan.link_counts, "new": plan.new}


IN_SOURCE = {
    Claim.Integrity.LOCATED: "found",
    Claim.Integrity.NOT_FOUND: "not found",
    Claim.Integrity.NO_TEXT: "no text",
}


@admin.register(Claim)
class ClaimAdmin(NoLostEdits, SimpleHistoryAdmin):
    list_display = ["excerpt", "speaker", "kind", "source_title", "stated", "in_source"]
    list_filter = [
        "integrity",
        "kind",
        "stated_on_precision",
        "topics",
        "subjects",
        ("source__outlet", admin.RelatedOnlyFieldListFilter),
        ("via", admin.RelatedOnlyFieldListFilter),
    ]
    search_fields = ["text", "speaker__name", "speaker__aliases__name", "source__title", "context"]
    date_hierarchy = "stated_on"
    autocomplete_fields = ["speaker", "source", "via", "topics", "subjects"]
    readonly_fields = [
        "integrity",
        "span_start",
        "span_end",
        "created_at",
        "updated_at",
        "statement_key",
        "independent_sources",
        "independent_witnesses",
        "corroborating_reports",
        "contradicting_reports",
    ]
    inlines = [StanceInline, LinkAsAInline, LinkAsBInline]
    actions = ["export_as_csv"]
    fieldsets = [
        (None, {"fields": ["text", "kind", ("speaker", "speaker_role")]}),
        (
            "Where and when",
            {"fields": ["source", "via", "context", ("stated_on", "stated_on_precision")]},
        ),
        ("Classification", {"fields": ["topics", "subjects"]}),
        (
            "Evidence (computed from the links and the sources’ lineage)",
            {
                "fields": [
                    ("independent_sources", "independent_witnesses", "statement_key"),
                    ("corroborating_reports", "contradicting_reports"),
                ],
            },
        ),
        (
            "Quote integrity",
            {
                "fields": [("integrity", "span_start", "span_end"), ("created_at", "updated_at")],
                "description": "Whether the text was found in the source's stored text, and where.",
            },
        ),
    ]

    def get_queryset(self, request):
        return super().get_queryset(request).for_admin()

    def get_fieldsets(self, request, obj=None):
        fieldsets = super().get_fieldsets(request, obj)
        if obj is None:
            return fieldsets
        return [
            *fieldsets,
            (
                "Possible matches",
                {
                    "fields": ["possible_matches"],
                    "description": (
                        "Claims that may be the same statement, corroborate it or contradict "
                        "it, best first, with the reasons. Suggestions, not links: to link "
                        "one, follow its link and say why in the note."
                    ),
                },
            ),
        ]

    def get_readonly_fields(self, request, obj=None):
        fields = super().get_readonly_fields(request, obj)
        return [*fields, "possible_matches"] if obj is not None else fields

    @admin.display(description="suggestions")
    def possible_matches(self, claim):
        probe = matching.Probe.of(claim)
        suggestions = matching.suggest(probe)
        if not suggestions and not probe.words_cut_short:
            return "No claim in the tracker looks like this one."
        return render_to_string(
            "admin/claims/claim/possible_matches.html",
            {"claim": claim, "suggestions": suggestions, "probe": probe},
        )

    object_history_list_template = "admin/claims/claim/object_history_list.html"

    def get_urls(self):
        wrap = self.admin_site.admin_view
        return [
            path("import/", wrap(self.import_view), name="claims_claim_import"),
            path("deleted/", wrap(self.deleted_view), name="claims_claim_deleted"),
            path(
                "deleted/<int:claim_id>/restore/",
                wrap(self.restore_view),
                name="claims_claim_restore",
            ),
            *super().get_urls(),
        ]

    def history_view(self, request, object_id, extra_context=None):
        """The claim's history, and below it the history of its links."""
        links = Link.history.filter(
            models.Q(claim_a_id=object_id) | models.Q(claim_b_id=object_id)
        ).select_related("history_user")
        context = {"link_history": links.order_by("-history_date", "-history_id")[:200]}
        return super().history_view(request, object_id, {**context, **(extra_context or {})})

    def deleted_view(self, request):
        """Claims deleted and not restored, newest deletion first."""
        if not self.has_view_permission(request):
            raise PermissionDenied
        rows = history.deleted(Claim).select_related("history_user", "speaker")
        context = {
            **self.admin_site.each_context(request),
            "opts": self.model._meta,
            "title": "Deleted claims",
            "rows": rows.order_by("-history_date")[:200],
            "total": rows.count(),
            "can_restore": self.has_add_permission(request),
        }
        return TemplateResponse(request, "admin/claims/claim/deleted.html", context)

    def restore_view(self, request, claim_id):
        if not self.has_add_permission(request):
            raise PermissionDenied
        if request.method != "POST":
            return redirect("admin:claims_claim_deleted")
        try:
            claim, links, notes = history.restore_claim(claim_id, user=request.user)
        except history.RestoreError as error:
            messages.error(request, str(error))
            return redirect("admin:claims_claim_deleted")
        self.log_addition(request, claim, [{"added": {}}])
        messages.success(
            request,
            " ".join([f"Claim #{claim.pk} was restored, with {links} of its links.", *notes]),
        )
        return redirect("admin:claims_claim_change", claim.pk)

    def import_view(self, request):
        """Upload, preview every row, confirm: claims.imports does the work."""
        if not (self.has_add_permission(request) and self.has_change_permission(request)):
            raise PermissionDenied
        context = {
            **self.admin_site.each_context(request),
            "opts": self.model._meta,
            "title": "Import claims and links",
        }
        form = ImportForm()
        if request.method == "POST" and "token" in request.POST:
            return self._confirm_import(request, context)
        if request.method == "POST":
            form = ImportForm(request.POST, request.FILES)
            if form.is_valid():
                files = {name: form.cleaned_data.get(name) for name in import_files.NAMES}
                plan = imports.plan(files["claims_file"], files["links_file"])
                token = import_files.keep(files) if plan.is_valid else ""
                return self._preview(request, context, plan, token)
        context["form"] = form
        return TemplateResponse(request, "admin/claims/claim/import.html", context)

    def _preview(self, request, context, plan, token, status=200):
        context.update(
            plan=plan,
            token=token,
            previewed=signing.dumps(_summary(plan), salt=PREVIEW_SALT),
        )
        return TemplateResponse(request, "admin/claims/claim/import.html", context, status=status)

    def _confirm_import(self, request, context):
        token = request.POST["token"]
        files = import_files.load(token)
        if files is None:
            messages.error(
                request,
                "The uploaded files are no longer here (they are kept for "
                f"{settings.IMPORT_KEEP_HOURS} hours). Nothing was imported: upload them again.",
            )
            return redirect("admin:claims_claim_import")
        plan = imports.plan(files.get("claims_file"), files.get("links_file"))
        try:
            previewed = signing.loads(request.POST.get("previewed", ""), salt=PREVIEW_SALT)
        except signing.BadSignature:
            previewed = None
        if not plan.is_valid or previewed != _summary(plan):
            # Another save since the preview changed what the import would do.
            messages.warning(
                request,
                "The database changed since the preview, and with it what this import would "
                "do. Nothing was imported: here is the plan now; check it and confirm again.",
            )
            return self._preview(request, context, plan, token if plan.is_valid else "")
        # Streamed: a file of many thousand rows takes longer to write than a request
        # should wait for its first byte; the page shows each batch as it is written.
        response = StreamingHttpResponse(
            self._import_progress(request, context, plan, token),
            content_type="text/html; charset=utf-8",
        )
        response["Cache-Control"] = "no-store"
        response["X-Accel-Buffering"] = "no"  # a proxy passes each batch on at once
        return response

    def _import_progress(self, request, context, plan, token):
        """The progress page: its head, a line per batch written, and how it ended."""
        head, tail = render_to_string(
            "admin/claims/claim/import_progress.html", context, request
        ).split("<!-- progress -->")
        yield head
        try:
            for what, done, total in imports.apply_steps(plan, user=request.user):
                if what != "done":
                    yield format_html("<li>{}: {} of {} written</li>\n", what, done, total)
        except (DatabaseError, ValueError) as error:
            logger.exception("Import refused by the database")
            yield format_html(
                '</ol><p class="errornote">The database refused the import ({}). Nothing was '
                "written.</p>",
                error,
            )
            yield tail
            return
        import_files.discard(token)
        claims, links = plan.claim_counts, plan.link_counts
        yield format_html(
            '</ol><p class="import-done">Imported: {} new and {} updated claims ({} '
            "unchanged); {} new and {} updated links ({} unchanged).</p>"
            '<p><a href="{}">Back to the claims</a></p>',
            f"{claims['new']:,}",
            f"{claims['updated']:,}",
            f"{claims['unchanged']:,}",
            f"{links['new']:,}",
            f"{links['updated']:,}",
            f"{links['unchanged']:,}",
            reverse("admin:claims_claim_changelist"),
        )
        yield tail

    @admin.action(description="Export selected claims as CSV", permissions=["view"])
    def export_as_csv(self, request, queryset):
        chunks = export.claim_csv_chunks(queryset.order_by("pk"), request)
        return export.csv_response(chunks, "claims")

    @admin.display(description="text", ordering="text")
    def excerpt(self, claim):
        return Truncator(claim.text).chars(100)

    @admin.display(description="in source", ordering="integrity")
    def in_source(self, claim):
        """Found, not found, or no text: the filter on the right says it in full."""
        return IN_SOURCE[claim.integrity]

    @admin.display(description="source", ordering="source__title")
    def source_title(self, claim):
        return Truncator(claim.source.title).chars(60)

    @admin.display(description="stated", ordering="stated_on")
    def stated(self, claim):
        return claim.stated_on_display

    def save_formset(self, request, form, formset, change):
        links = formset.save(commit=False)
        for link in links:
            if isinstance(link, Link) and link.created_by_id is None and link.pk is None:
                link.created_by = request.user
        formset.save_m2m()
        for link in links:
            link.save()
        for obj in formset.deleted_objects:
            obj.delete()


@admin.register(Link)
class LinkAdmin(NoLostEdits, SimpleHistoryAdmin):
    form = LinkForm
    list_display = [
        "__str__",
        "kind",
        "claim_a_excerpt",
        "claim_b_excerpt",
        "created_by",
        "created_at",
    ]
    list_filter = ["kind", "created_at"]
    list_select_related = ["claim_a", "claim_b", "created_by"]
    search_fields = ["note", "claim_a__text", "claim_b__text"]
    autocomplete_fields = ["claim_a", "claim_b"]
    readonly_fields = ["created_by", "created_at"]
    date_hierarchy = "created_at"
    fields = ["claim_a", "kind", "claim_b", "note", "created_by", "created_at"]

    @admin.display(description="claim A")
    def claim_a_excerpt(self, link):
        return Truncator(link.claim_a.text).chars(60)

    @admin.display(description="claim B")
    def claim_b_excerpt(self, link):
        return Truncator(link.claim_b.text).chars(60)

    def save_model(self, request, obj, form, change):
        if not change:
            obj.created_by = request.user
        super().save_model(request, obj, form, change)
