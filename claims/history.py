"""The history of the evidence: every change recorded once, with who, when and why.

django-simple-history keeps the historical tables (one per tracked model, and one per
many-to-many field of a claim); this module is the one place their rows are written,
so every way of writing records the same way:

- `Model.save()` and `delete()` (the admin's forms, its inlines and bulk delete
  action, a shell): through the signals of `Recorded`, the HistoricalRecords below;
- many-to-many changes (`claim.topics.set()`, and `topic.claims.add()` from the
  other side): through `m2m_changed`, into the claim's own entry;
- `QuerySet.update()`, `bulk_create()` and `bulk_update()` from code, and imports:
  through `RecordedQuerySet` (claims.querysets), which records the rows it wrote.

An *entry* is one unit of work: one admin request, one import, one `with entry():`
block. Each object changed in it gets one historical row, however many times it was
written: a claim saved, then given its topics and subjects, is one row holding the
claim's fields and its topics and subjects as they were left. Every row carries its
entry's id (`history_entry`), so a claim's page can show the links changed with it,
and a deleted claim is restored with the links its deletion took away.

What is not recorded, on either database: raw SQL, and writes to the many-to-many
tables themselves (`Claim.topics.through.objects...`), which bypass the ORM's
signals; the importer records after such writes with `record()`.
"""

import contextvars
import uuid
from contextlib import contextmanager
from dataclasses import dataclass, field

from django.db import models, router, transaction
from django.utils import timezone
from simple_history.models import HistoricalRecords


class HistoryEntryFields(models.Model):
    """What each historical row adds to simple-history's: the entry it belongs to."""

    history_entry = models.UUIDField(null=True, editable=False, db_index=True)

    class Meta:
        abstract = True


@dataclass
class Entry:
    """One unit of work: every change in it is recorded under one id."""

    user: object = None  # a User, or a callable that returns one (read when recording)
    reason: str | None = None
    id: uuid.UUID = field(default_factory=uuid.uuid4)
    # (model label, pk) -> (history id, history type) of the rows written so far.
    written: dict = field(default_factory=dict)

    def get_user(self):
        user = self.user() if callable(self.user) else self.user
        return user if getattr(user, "is_authenticated", False) else None


_current = contextvars.ContextVar("claims_history_entry", default=None)


@contextmanager
def entry(user=None, reason=None):
    """Record every change made inside as one entry, by `user`, for `reason`.

    Nested in another entry, it joins it, with its own user and reason (if given)
    for the changes made inside.
    """
    current = _current.get()
    if current is not None:
        outer = current.user, current.reason
        current.user = user if user is not None else current.user
        current.reason = reason or current.reason
        try:
            yield current
        finally:
            current.user, current.reason = outer
        return
    token = _current.set(Entry(user=user, reason=reason))
    try:
        yield _current.get()
    finally:
        _current.reset(token)


class HistoryEntryMiddleware:
    """Each request is one entry, by the signed-in user."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        with entry(user=lambda: getattr(request, "user", None)):
            return self.get_response(request)


class Recorded(HistoricalRecords):
    """HistoricalRecords whose rows are written by record(), one per object and entry."""

    tracked = {}  # model -> its Recorded

    def __init__(self, **kwargs):
        kwargs.setdefault("bases", [HistoryEntryFields])
        super().__init__(**kwargs)

    def contribute_to_class(self, cls, name):
        super().contribute_to_class(cls, name)
        Recorded.tracked[cls] = self

    def post_save(self, instance, created, using=None, raw=False, **kwargs):
        if not raw:
            kind = "+" if created else "~"
            record(type(instance), [instance], kind, using, skip_unchanged=True)

    def pre_delete(self, instance, **kwargs):
        super().pre_delete(instance, **kwargs)
        # The many-to-many rows go before post_delete: keep them for the last row.
        instance._history_m2m = _m2m_rows(self, [instance.pk], instance._state.db)

    def post_delete(self, instance, using=None, **kwargs):
        record(type(instance), [instance], "-", using)

    def m2m_changed(self, instance, action, attr, pk_set, reverse, **kwargs):
        model = self.cls
        if not reverse:
            if action in ("post_add", "post_remove", "post_clear"):
                record(model, [instance], "~", instance._state.db, skip_unchanged=True)
            return
        # topic.claims.add(claim): the claims are what changed.
        through = getattr(model, attr).through
        target = getattr(model, attr).field.m2m_reverse_field_name()
        if action == "pre_clear":
            instance._history_cleared = list(
                through.objects.filter(**{target: instance.pk}).values_list(
                    getattr(model, attr).field.m2m_field_name() + "_id", flat=True
                )
            )
            return
        if action == "post_clear":
            pk_set = getattr(instance, "_history_cleared", [])
        if action in ("post_add", "post_remove", "post_clear") and pk_set:
            changed = model._base_manager.using(instance._state.db).filter(pk__in=pk_set)
            record(model, list(changed), "~", instance._state.db)


def recorded_fields(model):
    """The names and column names of the fields `model`'s history keeps."""
    history = Recorded.tracked.get(model)
    if history is None:
        return set()
    fields = history.fields_included(model())
    return {f.name for f in fields} | {f.attname for f in fields}


def records(model, names):
    """True if writing the fields `names` of `model` makes history."""
    return bool(recorded_fields(model) & {name.split("__")[0] for name in names})


def record_ids(model, ids, kind, using=None):
    """Record the rows `ids` of `model` as they now are (after an update() or a raw
    many-to-many write)."""
    if model not in Recorded.tracked or not ids:
        return
    using = using or router.db_for_write(model)
    objects = []
    for start in range(0, len(ids), 1000):
        objects += model._base_manager.using(using).filter(pk__in=ids[start : start + 1000])
    record(model, objects, kind, using)


def record(model, objects, kind, using=None, skip_unchanged=False):
    """Write one historical row per object (kind "+", "~" or "-") in the current entry.

    An object that already has a row in this entry gets that row rewritten as it
    now is, keeping its kind if it was created in it: one save, one row. With
    `skip_unchanged`, a change that leaves an object as its last row has it (a save
    with no edit) writes nothing.
    """
    history = Recorded.tracked.get(model)
    if history is None or not objects:
        return
    if not history_enabled():
        return
    current = _current.get() or Entry()
    using = using or router.db_for_write(model)
    historical = getattr(model, history.manager_name).model
    fields = history.fields_included(objects[0])
    label = model._meta.label
    if skip_unchanged and kind == "~":
        objects = [
            obj
            for obj in objects
            if (label, obj.pk) in current.written
            or _changed(history, historical, fields, obj, using)
        ]
        if not objects:
            return
    now = timezone.now()
    user = current.get_user()
    replaced, rows = [], []
    for obj in objects:
        key = (label, obj.pk)
        kept = current.written.get(key) if kind != "-" else None
        if kept is not None:
            replaced.append(kept[0])
        row = historical(
            history_date=getattr(obj, "_history_date", now),
            history_type="+" if kept and kept[1] == "+" else kind,
            history_user=getattr(obj, "_history_user", None) or user,
            history_change_reason=getattr(obj, "_change_reason", None) or current.reason or "",
            history_entry=current.id,
            **{f.attname: getattr(obj, f.attname) for f in fields},
        )
        rows.append(row)
    with transaction.atomic(using=using):
        if replaced:
            historical.objects.using(using).filter(pk__in=replaced).delete()
        historical.objects.using(using).bulk_create(rows, batch_size=500)
        _write_m2m(history, objects, rows, kind, using)
    for obj, row in zip(objects, rows, strict=True):
        current.written[(label, obj.pk)] = (row.pk, row.history_type)


def _changed(history, historical, fields, obj, using):
    """Whether `obj` differs from its last historical row (its fields but the save
    time, and its many-to-many values)."""
    pk = obj._meta.pk.attname
    last = (
        historical.objects.using(using)
        .filter(**{pk: obj.pk})
        .order_by("-history_date", "-history_id")
        .first()
    )
    if last is None or last.history_type == "-":
        return True
    for kept_field in fields:
        if not getattr(kept_field, "auto_now", False):
            if getattr(last, kept_field.attname) != getattr(obj, kept_field.attname):
                return True
    for m2m, by_pk in _m2m_rows(history, [obj.pk], using).items():
        target = m2m.m2m_reverse_field_name() + "_id"
        kept = history.m2m_models[m2m].objects.using(using).filter(history=last)
        if sorted(row[target] for row in by_pk[obj.pk]) != sorted(
            kept.values_list(target, flat=True)
        ):
            return True
    return False


def history_enabled():
    from django.conf import settings

    return getattr(settings, "SIMPLE_HISTORY_ENABLED", True)


def _m2m_rows(history, pks, using):
    """{field: {pk: [through rows as dicts]}} for the many-to-many fields kept."""
    found = {}
    for m2m in history.get_m2m_fields_from_model(history.cls):
        through = m2m.remote_field.through
        own = m2m.m2m_field_name() + "_id"
        columns = [f.attname for f in through._meta.fields]
        by_pk = {pk: [] for pk in pks}
        for start in range(0, len(pks), 1000):
            batch = pks[start : start + 1000]
            found_rows = through.objects.using(using).filter(**{f"{own}__in": batch})
            for row in found_rows.values(*columns):
                by_pk[row[own]].append(row)
        found[m2m] = by_pk
    return found


def _write_m2m(history, objects, rows, kind, using):
    fields = history.get_m2m_fields_from_model(history.cls)
    if not fields:
        return
    if kind == "-":
        current = {m2m: {} for m2m in fields}
        for obj in objects:
            kept = getattr(obj, "_history_m2m", {})
            for m2m in fields:
                current[m2m][obj.pk] = kept.get(m2m, {}).get(obj.pk, [])
    else:
        current = _m2m_rows(history, [obj.pk for obj in objects], using)
    for m2m in fields:
        m2m_history = history.m2m_models[m2m]
        m2m_history.objects.using(using).bulk_create(
            [
                m2m_history(history=row, **through_row)
                for obj, row in zip(objects, rows, strict=True)
                for through_row in current[m2m][obj.pk]
            ],
            batch_size=1000,
        )


def m2m_state(record):
    """{field name: [ids of the related objects]} as a historical row of a claim keeps them."""
    history = Recorded.tracked[record.instance_type]
    state = {}
    for m2m in history.get_m2m_fields_from_model(history.cls):
        target = m2m.m2m_reverse_field_name() + "_id"
        rows = history.m2m_models[m2m].objects.using(record._state.db).filter(history=record)
        state[m2m.name] = sorted(rows.values_list(target, flat=True))
    return state


class RestoreError(Exception):
    """Why a deleted object cannot be restored, in words for the editor."""


def deleted(model):
    """The last historical rows of `model`'s objects that were deleted and are gone."""
    historical = getattr(model, Recorded.tracked[model].manager_name).model
    gone = historical.objects.filter(history_type="-").exclude(
        id__in=model._base_manager.values("pk")
    )
    latest = historical.objects.filter(id=models.OuterRef("id")).order_by(
        "-history_date", "-history_id"
    )
    return gone.filter(history_id=models.Subquery(latest.values("history_id")[:1]))


def restore_claim(pk, user=None):
    """Bring back deleted claim `pk` as its last row keeps it: its fields, topics and
    subjects, and the stances and links its deletion took with it (where the claim
    at the other end still exists). Returns (claim, links restored, notes)."""
    from .models import Claim, Link, Outlet, Source, Speaker, Stance, Subject, Topic

    if Claim._base_manager.filter(pk=pk).exists():
        raise RestoreError(f"Claim #{pk} exists: there is nothing to restore.")
    last = Claim.history.filter(id=pk).order_by("-history_date", "-history_id").first()
    if last is None or last.history_type != "-":
        raise RestoreError(f"There is no record of claim #{pk} being deleted.")
    claim = last.instance
    for name, model, value in [
        ("source", Source, claim.source_id),
        ("speaker", Speaker, claim.speaker_id),
        ("outlet it came via", Outlet, claim.via_id),
    ]:
        if value is not None and not model._base_manager.filter(pk=value).exists():
            raise RestoreError(
                f"Claim #{pk}'s {name} (#{value}) was deleted after it. Restore or "
                "re-create it first; nothing was restored."
            )
    notes = []
    when = last.history_date
    using = router.db_for_write(Claim)
    with (
        transaction.atomic(using=using),
        entry(user=user, reason=f"restored after its deletion at {when:%Y-%m-%d %H:%M} UTC"),
    ):
        claim.save(force_insert=True)
        # auto_now_add stamped it now: it was first added then.
        Claim.objects.filter(pk=pk).update(created_at=last.created_at)
        state = m2m_state(last)
        claim.topics.set(Topic.objects.filter(pk__in=state["topics"]))
        claim.subjects.set(Subject.objects.filter(pk__in=state["subjects"]))
        gone = set(state["topics"]) - set(claim.topics.values_list("pk", flat=True))
        gone |= set(state["subjects"]) - set(claim.subjects.values_list("pk", flat=True))
        if gone:
            notes.append(f"{len(gone)} of its topics and subjects were deleted since.")
        taken = {"history_entry": last.history_entry, "history_type": "-"}
        for row in Stance.history.filter(claim_id=pk, **taken):
            if Topic.objects.filter(pk=row.topic_id).exists():
                row.instance.save(force_insert=True)
        restored = 0
        rows = Link.history.filter(models.Q(claim_a_id=pk) | models.Q(claim_b_id=pk), **taken)
        for row in rows:
            other = row.claim_b_id if row.claim_a_id == pk else row.claim_a_id
            if Link._base_manager.filter(pk=row.id).exists():
                continue
            if not Claim._base_manager.filter(pk=other).exists():
                notes.append(f"Its link #{row.id} was not restored: claim #{other} is gone.")
                continue
            link = row.instance
            link.save(force_insert=True)
            Link.objects.filter(pk=link.pk).update(created_at=row.created_at)
            restored += 1
    return claim, restored, notes
