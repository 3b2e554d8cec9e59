import datetime

import factory
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group

from claims.dates import DatePrecision
from claims.models import Claim, Link, Outlet, Source, Speaker, SpeakerAlias, Subject, Topic


class OutletFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Outlet

    name = factory.Sequence(lambda n: f"Outlet {n}")
    slug = factory.Sequence(lambda n: f"outlet-{n}")
    kind = Outlet.Kind.NEWSPAPER


class SourceFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Source

    title = factory.Sequence(lambda n: f"Report number {n}")
    outlet = factory.SubFactory(OutletFactory)
    published_on = datetime.date(2024, 10, 1)
    published_on_precision = DatePrecision.MONTH
    full_text = ""


class SpeakerFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Speaker

    name = factory.Sequence(lambda n: f"Speaker {n}")
    slug = factory.Sequence(lambda n: f"speaker-{n}")


class SpeakerAliasFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = SpeakerAlias

    speaker = factory.SubFactory(SpeakerFactory)
    name = factory.Sequence(lambda n: f"Alias {n}")


class SubjectFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Subject

    name = factory.Sequence(lambda n: f"State {n}")
    slug = factory.Sequence(lambda n: f"state-{n}")


class TopicFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Topic

    title = factory.Sequence(lambda n: f"Research question {n}?")
    slug = factory.Sequence(lambda n: f"question-{n}")


class ClaimFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Claim

    text = factory.Sequence(lambda n: f"Statement number {n} was made.")
    kind = Claim.Kind.PARAPHRASE
    # A source's own assertion has no speaker: the source asserts it.
    speaker = factory.Maybe(
        factory.LazyAttribute(lambda claim: claim.kind != Claim.Kind.ASSERTION),
        yes_declaration=factory.SubFactory(SpeakerFactory),
        no_declaration=None,
    )
    source = factory.SubFactory(SourceFactory)
    stated_on = datetime.date(2024, 10, 4)
    stated_on_precision = DatePrecision.DAY


class LinkFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Link

    claim_a = factory.SubFactory(ClaimFactory)
    claim_b = factory.SubFactory(ClaimFactory)
    kind = Link.Kind.CORROBORATES
    note = "Both report the same decision."


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = get_user_model()

    username = factory.Sequence(lambda n: f"user{n}")
    password = factory.django.Password("correct horse battery")


def editor():
    """A staff user in the Editor group that the data migration creates."""
    user = UserFactory(is_staff=True)
    user.groups.add(Group.objects.get(name="Editor"))
    return user
