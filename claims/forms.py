from django import forms
from django.core.exceptions import ValidationError
from django.forms.models import BaseInlineFormSet
from django.urls import reverse
from django.utils.html import format_html

from .models import Link

# Constraints on the pair of claims. Django leaves an inline's parent key out of
# constraint validation, and both of these name it, so inline forms check them here.
PAIR_CONSTRAINTS = {"link_not_self", "link_one_per_pair"}


def _existing_link_error(link):
    """The duplicate-pair error, with a link to the link that exists already."""
    existing = Link.objects.between(link.claim_a_id, link.claim_b_id).exclude(pk=link.pk).first()
    if existing is None:
        return None
    return ValidationError(
        format_html(
            'These two claims are already linked: <a href="{}">{} ({})</a>. Edit that link '
            "instead.",
            reverse("admin:claims_link_change", args=[existing.pk]),
            f"link #{existing.pk}",
            existing.get_kind_display(),
        ),
        code="duplicate_link",
    )


class LinkForm(forms.ModelForm):
    """A link, in the link admin: a duplicate pair names the link that exists."""

    class Meta:
        model = Link
        fields = ["claim_a", "kind", "claim_b", "note"]

    def clean(self):
        cleaned_data = super().clean()
        self.instance.claim_a = cleaned_data.get("claim_a")
        self.instance.claim_b = cleaned_data.get("claim_b")
        if self.instance.claim_a and self.instance.claim_b:
            error = _existing_link_error(self.instance)
            if error is not None:
                # On the field, so Django's own check of the pair (and its plainer
                # message) is skipped.
                self.add_error("claim_b", error)
        return cleaned_data


class LinkInlineForm(forms.ModelForm):
    class Meta:
        model = Link
        fields = ["kind", "claim_a", "claim_b", "note"]

    def validate_unique(self):
        super().validate_unique()
        link = self.instance
        if link.claim_a_id is None or link.claim_b_id is None:
            return
        for constraint in Link._meta.constraints:
            if constraint.name in PAIR_CONSTRAINTS:
                try:
                    constraint.validate(Link, link, exclude={"id"})
                except ValidationError as error:
                    if constraint.name == "link_one_per_pair":
                        error = _existing_link_error(link) or error
                    self.add_error(None, error)


class LinkInlineFormSet(BaseInlineFormSet):
    """Links of one claim, from one end. The claim page has one of these for each end."""

    def clean(self):
        super().clean()
        other_end = "claim_b" if self.fk.name == "claim_a" else "claim_a"
        seen = set()
        for form in self.forms:
            if not form.has_changed() or self._should_delete_form(form):
                continue
            other = form.cleaned_data.get(other_end)
            if other is None:
                continue
            if other.pk in seen:
                raise ValidationError(
                    f"Claim {other} is linked twice here; keep one link per pair."
                )
            seen.add(other.pk)
        # New rows in both formsets naming the same claim are not in the database yet, so
        # no constraint check sees them: compare with the other end's rows as submitted.
        if self.fk.name == "claim_b" and self.is_bound:
            for other_pk in seen & self._partners_in("links_as_a", "claim_b"):
                raise ValidationError(
                    f"Claim #{other_pk} is linked from both ends here; keep one link per pair."
                )

    def _partners_in(self, prefix, field):
        try:
            total = int(self.data.get(f"{prefix}-TOTAL_FORMS", 0))
        except ValueError:
            return set()
        partners = set()
        for index in range(min(total, 1000)):
            value = self.data.get(f"{prefix}-{index}-{field}", "")
            if str(value).isdigit() and not self.data.get(f"{prefix}-{index}-DELETE"):
                partners.add(int(value))
        return partners


class ImportForm(forms.Form):
    """The files of an import: claims, links, or both, as the export writes them."""

    claims_file = forms.FileField(
        required=False,
        label="Claims file",
        help_text="CSV or XLSX with the columns of the claims export (at least text and kind).",
    )
    links_file = forms.FileField(
        required=False,
        label="Links file",
        help_text="CSV or XLSX with the columns of the links export; its claim ids may refer "
        "to claims in the claims file.",
    )

    def clean(self):
        cleaned_data = super().clean()
        if not cleaned_data.get("claims_file") and not cleaned_data.get("links_file"):
            raise ValidationError("Choose a claims file, a links file, or both.")
        return cleaned_data
