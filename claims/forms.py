from django import forms
from django.core.exceptions import ValidationError
from django.forms.models import BaseInlineFormSet

from .models import Link

# Constraints on the pair of claims. Django leaves an inline's parent key out of
# constraint validation, and both of these name it, so inline forms check them here.
PAIR_CONSTRAINTS = {"link_not_self", "link_one_per_pair"}


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
