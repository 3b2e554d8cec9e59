"""No lost edits: a change form refuses to save over what was saved since it opened.

The form carries a signed record of the values it showed (`_opened`): the object's
fields and every inline row the editor can change. On save, the object's row is
locked and the record compared with what the database holds now; any difference
refuses the save with a list of what changed, who saved last, and the editor's own
edits kept in the form. The refused form carries the new record, so saving again
after reading the list is a deliberate choice, never a silent overwrite.

Long texts (a source's full text) are recorded by their hash, and shown as
"changed" rather than quoted.
"""

import datetime
import hashlib

from django.core import signing
from django.core.exceptions import ValidationError
from django.utils.html import format_html, format_html_join
from django.utils.text import Truncator

OPENED = "_opened"
SALT = "claims.stale"
LONG = 2_000


def _value(obj, field):
    if field.many_to_many:
        return sorted(related.pk for related in getattr(obj, field.name).all())
    value = field.value_from_object(obj)
    if isinstance(value, datetime.date | datetime.datetime):
        return value.isoformat()
    if value is not None and not isinstance(value, str | int | float | bool):
        return str(value)
    if isinstance(value, str) and len(value) > LONG:
        return {"sha256": hashlib.sha256(value.encode()).hexdigest()}
    return value


def _model_fields(model, names):
    fields = {field.name: field for field in model._meta.get_fields()}
    return [fields[name] for name in names if name in fields and fields[name].concrete]


def record(obj, names):
    """The values of `obj`'s fields called `names`, as a form shows them."""
    return {field.name: _value(obj, field) for field in _model_fields(type(obj), names)}


def _shown(field, value):
    """A recorded value in words."""
    if isinstance(value, dict):
        return None  # a long text: only its hash was kept
    if value in (None, "", []):
        return "empty"
    if field.many_to_many or field.is_relation:
        pks = value if isinstance(value, list) else [value]
        found = field.related_model._default_manager.in_bulk(pks)
        return "; ".join(str(found.get(pk, f"#{pk} (deleted)")) for pk in pks)
    if field.choices:
        return str(dict(field.flatchoices).get(value, value))
    return Truncator(str(value)).chars(200)


def _field_changes(model, opened, now):
    for field in _model_fields(model, sorted(set(opened) | set(now))):
        before, after = opened.get(field.name), now.get(field.name)
        if before == after:
            continue
        label = str(field.verbose_name)
        label = label[:1].upper() + label[1:]
        was, became = _shown(field, before), _shown(field, after)
        if was is None or became is None:
            yield format_html("{}: changed", label)
        else:
            yield format_html("{}: was “{}” when you opened the form, now “{}”", label, was, became)


class NoLostEdits:
    """ModelAdmin mixin: the change form refuses to save over someone else's save."""

    def opened_record(self, request, obj):
        form = self.get_form(request, obj, change=True)
        data = {"object": record(obj, form.base_fields)}
        for inline in self.get_inline_instances(request, obj):
            formset = inline.get_formset(request, obj)
            names = [name for name in formset.form.base_fields if name != formset.fk.name]
            rows = inline.get_queryset(request).filter(**{formset.fk.name: obj}).order_by("pk")
            data[formset.get_default_prefix()] = {str(row.pk): record(row, names) for row in rows}
        return data

    def _changes(self, request, obj, opened, now):
        """What changed, in words, and the rows it touched: {model: {pk, ...}}."""
        changes = list(_field_changes(type(obj), opened.get("object", {}), now["object"]))
        touched = {type(obj): {obj.pk}} if changes else {}
        for inline in self.get_inline_instances(request, obj):
            prefix = inline.get_formset(request, obj).get_default_prefix()
            model = inline.model
            name = str(model._meta.verbose_name)
            before, after = opened.get(prefix, {}), now.get(prefix, {})
            for pk in sorted(set(before) | set(after), key=int):
                if pk not in after:
                    row_changes = [format_html("{} #{} was deleted", name, pk)]
                elif pk not in before:
                    row_changes = [format_html("{} #{} was added", name, pk)]
                else:
                    row_changes = [
                        format_html("{} #{}: {}", name, pk, change)
                        for change in _field_changes(model, before[pk], after[pk])
                    ]
                if row_changes:
                    changes.extend(row_changes)
                    touched.setdefault(model, set()).add(int(pk))
        return changes, touched

    @staticmethod
    def _last_save(touched):
        """The latest history entry among the rows that changed, where they keep one."""
        entries = [
            model.history.filter(id__in=pks).order_by("-history_date").first()
            for model, pks in touched.items()
            if hasattr(model, "history")
        ]
        entries = [entry for entry in entries if entry is not None]
        return max(entries, key=lambda entry: entry.history_date, default=None)

    def refuse_if_stale(self, request, obj):
        """Raise ValidationError when `obj` or its inline rows changed since the form
        opened; nothing is saved then. Runs inside the admin's transaction."""
        try:
            opened = signing.loads(request.POST[OPENED], salt=SALT)
        except signing.BadSignature:
            raise ValidationError(
                "This form's record of what it showed is damaged, so it cannot tell whether "
                "someone else saved since. Nothing was saved: reload the page and make your "
                "change again."
            ) from None
        model = type(obj)
        # Locked until the save commits: a concurrent save waits, then sees this one.
        current = model._default_manager.select_for_update().get(pk=obj.pk)
        now = self.opened_record(request, current)
        changes, touched = self._changes(request, current, opened, now)
        if not changes:
            return
        request._claims_opened = signing.dumps(now, salt=SALT, compress=True)
        last = ""
        latest = self._last_save(touched)
        if latest is not None:
            when = latest.history_date
            last = format_html(
                " The last save was by {} at {} (UTC).",
                latest.history_user or "a command, not an editor",
                f"{when:%H:%M} on {when.day} {when:%B %Y}",
            )
        raise ValidationError(
            format_html(
                "Someone else saved this {} after you opened it, so your changes were not "
                "saved.{} What changed since you opened it:<ul>{}</ul>Your edits are still in "
                "the form below. Check them against these changes; saving again replaces "
                "the values now stored with the form's.",
                model._meta.verbose_name,
                last,
                format_html_join("", "<li>{}</li>", ((change,) for change in changes)),
            ),
            code="stale",
        )

    def get_form(self, request, obj=None, change=False, **kwargs):
        form_class = super().get_form(request, obj, change=change, **kwargs)
        if obj is None or request.method != "POST" or OPENED not in request.POST:
            return form_class
        admin = self

        class Guarded(form_class):
            def clean(self):
                cleaned_data = super().clean()
                admin.refuse_if_stale(request, obj)
                return cleaned_data

        return Guarded

    def render_change_form(self, request, context, add=False, change=False, form_url="", obj=None):
        if change and obj is not None and self.has_change_permission(request, obj):
            opened = getattr(request, "_claims_opened", None)
            if opened is None and request.method == "POST" and OPENED in request.POST:
                opened = request.POST[OPENED]  # a form refused for another reason
            if opened is None:
                opened = signing.dumps(self.opened_record(request, obj), salt=SALT, compress=True)
            context["opened_record"] = opened
        return super().render_change_form(request, context, add, change, form_url, obj)
