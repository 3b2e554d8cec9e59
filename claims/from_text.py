"""New source from text: an article pasted, its candidate claims reviewed, all saved at once.

The admin view (SourceAdmin.from_text_view) shows three steps with these forms: the
article (`ArticleForm`), the candidates the extraction assist proposes
(`CandidateFormSet`, one form each, accepted, edited or rejected), and `save()`,
which writes the source and every accepted claim in one transaction, or nothing.
Every accepted claim must be found in the article's text (quote integrity): one
that is not is sent back to the editor with the reason, and nothing is stored.
"""

import datetime
from dataclasses import dataclass

from django import forms
from django.core.exceptions import NON_FIELD_ERRORS, ValidationError
from django.db import models, transaction
from django.db.models import Q

from . import extraction, integrity, matching
from .dates import DatePrecision
from .imports import unique_slug
from .models import Claim, Outlet, Source, Speaker

# A browser's date picker reads and writes ISO dates, whatever the site's locale.
ISO_DATE = forms.DateInput(format="%Y-%m-%d", attrs={"type": "date"})


def _formfield(field, **kwargs):
    if isinstance(field, models.URLField):
        kwargs["assume_scheme"] = "https"  # editors paste addresses without a scheme
    return field.formfield(**kwargs)


class ArticleForm(forms.ModelForm):
    """The article: what a source needs, its full text required."""

    class Meta:
        model = Source
        formfield_callback = _formfield
        fields = [
            "title",
            "kind",
            "outlet",
            "authors",
            "url",
            "published_on",
            "published_on_precision",
            "language",
            "full_text",
        ]
        widgets = {
            "published_on": ISO_DATE,
            "full_text": forms.Textarea(attrs={"rows": 16, "class": "vLargeTextField"}),
            "title": forms.TextInput(attrs={"class": "vTextField"}),
            "url": forms.URLInput(attrs={"class": "vURLField"}),
        }
        labels = {"published_on_precision": "Publication date known to the"}
        help_texts = {"full_text": "Paste the article exactly as published, typos and all."}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["full_text"].required = True


DECISIONS = [("accept", "Accept"), ("reject", "Reject")]


class CandidateForm(forms.Form):
    """One candidate claim, as the assist proposed it or as the editor changed it."""

    decision = forms.ChoiceField(choices=DECISIONS, initial="accept", widget=forms.RadioSelect)
    kind = forms.ChoiceField(choices=Claim.Kind.choices, initial=Claim.Kind.QUOTE)
    text = forms.CharField(
        required=False,
        strip=True,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text="Exactly as the article has it.",
    )
    speaker = forms.CharField(
        required=False,
        max_length=200,
        help_text="A known speaker's name or alias; any other name is added as a new speaker.",
    )
    speaker_role = forms.CharField(required=False, max_length=300, label="Role as reported")
    via = forms.ModelChoiceField(
        queryset=Outlet.objects.all(), required=False, label="Via (outlet it came through)"
    )
    stated_on = forms.DateField(required=False, widget=ISO_DATE, label="Stated on")
    stated_on_precision = forms.ChoiceField(
        choices=DatePrecision.choices,
        initial=DatePrecision.UNKNOWN,
        label="Stated date known to the",
    )
    # What the assist said about it, kept across the steps for the editor to read.
    notes = forms.CharField(required=False, widget=forms.HiddenInput)
    start = forms.IntegerField(required=False, widget=forms.HiddenInput)
    end = forms.IntegerField(required=False, widget=forms.HiddenInput)

    @property
    def accepted(self):
        return getattr(self, "cleaned_data", None) and self.cleaned_data.get("decision") == (
            "accept"
        )

    @property
    def note_lines(self):
        value = self["notes"].value() or ""
        return [line for line in value.splitlines() if line]

    def clean(self):
        cleaned_data = super().clean()
        if cleaned_data.get("decision") != "accept":
            return cleaned_data
        if not cleaned_data.get("text"):
            self.add_error("text", "An accepted claim needs its text; or reject it.")
        kind = cleaned_data.get("kind")
        if kind == Claim.Kind.ASSERTION:
            cleaned_data["speaker"] = ""
            cleaned_data["speaker_role"] = ""
        elif not cleaned_data.get("speaker"):
            self.add_error(
                "speaker",
                "A quote or a paraphrase needs its speaker; the article's own assertion has none.",
            )
        return cleaned_data


# One blank form more than the assist proposed: for a claim it missed.
CandidateFormSet = forms.formset_factory(CandidateForm, extra=1)


def initial_for(candidate):
    """A candidate as the initial values of its form."""
    return {
        "decision": "accept",
        "kind": candidate.kind,
        "text": candidate.text,
        "speaker": candidate.speaker_name,
        "speaker_role": candidate.speaker_role,
        "via": candidate.via_id,
        "stated_on": candidate.stated_on,
        "stated_on_precision": candidate.stated_on_precision,
        "notes": "\n".join(candidate.notes),
        "start": candidate.start,
        "end": candidate.end,
    }


def candidates(article):
    """The candidates of a valid ArticleForm's article, as formset initial values."""
    data = article.cleaned_data
    found = extraction.extract(
        data["full_text"],
        extraction.Directory.from_database(),
        data.get("published_on"),
        data.get("published_on_precision") or DatePrecision.UNKNOWN,
    )
    return [initial_for(candidate) for candidate in found]


@dataclass
class Context:
    """A candidate's sentence around it, for the review: before, the words, after."""

    before: str
    words: str
    after: str


def context_of(form, full_text):
    """Where a candidate stands in the article, or None when it is not found there."""
    text = form["text"].value() or ""
    span = integrity.locate(text, full_text) if text else None
    if span is None:
        # Edited into words the text does not have: show where the assist found it.
        start, end = _number(form, "start"), _number(form, "end")
        if start is None or end is None or not 0 <= start < end <= len(full_text):
            return None
        span = start, end
    return Context(*integrity.context_around(full_text, *span))


def _number(form, name):
    try:
        return int(form[name].value())
    except (TypeError, ValueError):
        return None


def matches_of(form, limit=3):
    """Claims already in the tracker that a candidate may repeat, back or contradict."""
    text = form["text"].value() or ""
    if not text.strip():
        return []
    speaker = speaker_named(" ".join((form["speaker"].value() or "").split()))
    probe = matching.Probe(
        text=text,
        speaker_id=speaker and speaker.pk,
        speaker_name=speaker.name if speaker else "",
        stated_on=_date(form),
    )
    return matching.suggest(probe, limit=limit)


def _date(form):
    value = form["stated_on"].value()
    if isinstance(value, datetime.date) or not value:
        return value or None
    try:
        return form.fields["stated_on"].clean(value)
    except ValidationError:
        return None


class NothingSaved(Exception):
    """A claim failed its checks: the transaction is rolled back."""


def speaker_named(name):
    """The speaker whose name or alias this is exactly (any case), or None."""
    matches = Speaker.objects.filter(Q(name__iexact=name) | Q(aliases__name__iexact=name))
    matches = list(matches.distinct()[:2])
    return matches[0] if len(matches) == 1 else None


def save(article, formset):
    """The source and its accepted claims, in one transaction; or, when any claim
    fails a check, nothing at all (the errors are on the forms).

    Returns (source, claims, new speakers) or raises NothingSaved.
    """
    try:
        with transaction.atomic():
            source = article.save()
            claims, new_speakers = [], {}
            failed = False
            for form in formset.forms:
                if not form.accepted:
                    continue
                claim = _claim(form.cleaned_data, source, new_speakers)
                try:
                    claim.full_clean()
                except ValidationError as error:
                    _add_errors(form, error)
                    failed = True
                    continue
                if claim.integrity != Claim.Integrity.LOCATED:
                    form.add_error(
                        "text",
                        "These words are not in the article's text. Copy them from the "
                        "text exactly (only spaces and quote marks may differ), or reject "
                        "the claim.",
                    )
                    failed = True
                    continue
                claim.save()
                claims.append(claim)
            if failed:
                raise NothingSaved
    except NothingSaved:
        # The source was rolled back with the rest: its form must not look saved.
        article.instance.pk = None
        article.instance._state.adding = True
        raise
    return source, claims, list(new_speakers.values())


def _claim(data, source, new_speakers):
    speaker = None
    if data["kind"] != Claim.Kind.ASSERTION:
        name = " ".join(data["speaker"].split())
        speaker = speaker_named(name) or new_speakers.get(name.casefold())
        if speaker is None:
            speaker = Speaker.objects.create(name=name, slug=unique_slug(Speaker, name, set()))
            new_speakers[name.casefold()] = speaker
    return Claim(
        source=source,
        kind=data["kind"],
        text=data["text"],
        speaker=speaker,
        speaker_role=data["speaker_role"],
        via=data["via"],
        stated_on=data["stated_on"],
        stated_on_precision=data["stated_on_precision"],
    )


def _add_errors(form, error):
    for field, messages in error.update_error_dict({}).items():
        target = field if field in form.fields and field != NON_FIELD_ERRORS else None
        for message in messages:
            form.add_error(target, message)
