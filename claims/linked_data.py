"""schema.org descriptions of claims and topics, embedded in their pages as JSON-LD.

A claim is a schema.org `Claim`: who said it (`author`), when (`datePublished`, at
the precision it is known to: "2024-10" for a month), where it appears (`appearance`,
its source as a `CreativeWork` with its publisher, date and address) and, for a
quote, the quoted words as a `Quotation` spoken by the speaker. A topic's question
is a `Question` about its answer subjects.

The vocabulary is given inline (`@vocab`), so a processor reads the graph without
fetching schema.org's context from the network.
"""

import json

from django.utils.html import format_html
from django.utils.safestring import mark_safe

from . import dates

CONTEXT = {"@vocab": "https://schema.org/"}

# As django.utils.html.json_script: nothing in the data can close the element.
_ESCAPES = {ord("<"): "\\u003C", ord(">"): "\\u003E", ord("&"): "\\u0026"}


def script(data):
    """`data` as a <script type="application/ld+json"> element, escaped for HTML."""
    text = json.dumps(data, ensure_ascii=False, separators=(",", ":")).translate(_ESCAPES)
    return format_html('<script type="application/ld+json">{}</script>', mark_safe(text))


def _dropping_empty(data):
    return {key: value for key, value in data.items() if value not in ("", None, [], {})}


def speaker(speaker, absolute):
    if speaker is None:
        return None
    return _dropping_empty(
        {
            "@type": "Person" if speaker.kind == speaker.Kind.PERSON else "Organization",
            "@id": absolute(speaker.get_absolute_url()),
            "name": speaker.name,
            "affiliation": speaker.affiliation,
        }
    )


def source(source, absolute):
    outlet = source.outlet
    return _dropping_empty(
        {
            "@type": "CreativeWork",
            "@id": absolute(source.get_absolute_url()),
            "name": source.title,
            "url": source.url,
            "datePublished": dates.iso(source.published_on, source.published_on_precision),
            "publisher": outlet and {"@type": "Organization", "name": outlet.name},
            "author": source.authors,
        }
    )


def claim(claim, absolute):
    """The schema.org Claim of `claim`; `absolute` turns a path into an address."""
    author = speaker(claim.speaker, absolute)
    appearance = source(claim.source, absolute)
    if claim.kind == claim.Kind.QUOTE:
        appearance["hasPart"] = _dropping_empty(
            {"@type": "Quotation", "text": claim.text, "spokenByCharacter": author}
        )
    if author is None:  # the source's own assertion: its publisher asserts it
        author = appearance.get("publisher")
    return {
        "@context": CONTEXT,
        **_dropping_empty(
            {
                "@type": "Claim",
                "@id": absolute(claim.get_absolute_url()),
                "url": absolute(claim.get_absolute_url()),
                "text": claim.text,
                "author": author,
                "datePublished": dates.iso(claim.stated_on, claim.stated_on_precision),
                "appearance": appearance,
                "about": [
                    {"@type": "Thing", "name": subject.name} for subject in claim.subjects.all()
                ],
            }
        ),
    }


def topic(topic, answers, absolute):
    """The schema.org Question a topic asks, about its answer subjects."""
    return {
        "@context": CONTEXT,
        **_dropping_empty(
            {
                "@type": "Question",
                "@id": absolute(topic.get_absolute_url()),
                "url": absolute(topic.get_absolute_url()),
                "name": topic.title,
                "text": topic.description,
                "about": [{"@type": "Thing", "name": subject.name} for subject in answers],
            }
        ),
    }
