from django import template
from django.utils.html import format_html, format_html_join

register = template.Library()


@register.simple_tag(takes_context=True)
def facet_url(context, name, value):
    """The current query string with `name` set to `value`, or removed if it has it already."""
    query = context["request"].GET.copy()
    query.pop("page", None)
    if query.get(name) == str(value):
        query.pop(name)
    else:
        query[name] = value
    encoded = query.urlencode()
    return f"?{encoded}" if encoded else "?"


@register.simple_tag(takes_context=True)
def without(context, *names):
    """The current query string without the given parameters (and without the page)."""
    query = context["request"].GET.copy()
    for name in (*names, "page"):
        query.pop(name, None)
    encoded = query.urlencode()
    return f"?{encoded}" if encoded else "?"


@register.simple_tag(takes_context=True)
def last_filter(context, active):
    """Of the filters in use, (name, value) of the one last in the address: the one
    added last, when filters are added one by one."""
    order = list(context["request"].GET)
    return max(active, key=lambda pair: order.index(pair[0]) if pair[0] in order else -1)


@register.simple_tag
def marked_text(source, claims, current=""):
    """The source's full text with every located claim's span marked and linked.

    Spans may overlap (a quote inside a longer assertion): the text is cut at every
    span boundary and each piece links to the shortest claim covering it.
    """
    text = source.full_text
    located = [c for c in claims if c.span_start is not None and c.span_end is not None]
    cuts = sorted({0, len(text)} | {c.span_start for c in located} | {c.span_end for c in located})
    starts = {}
    for claim in located:
        starts.setdefault(claim.span_start, []).append(claim)
    pieces = []
    for left, right in zip(cuts, cuts[1:], strict=False):
        anchors = format_html_join(
            "",
            '<span id="claim-{}" class="anchor"></span>',
            ((c.pk,) for c in starts.get(left, [])),
        )
        covering = [c for c in located if c.span_start <= left and right <= c.span_end]
        if not covering:
            pieces.append(format_html("{}{}", anchors, text[left:right]))
            continue
        claim = min(covering, key=lambda c: c.span_end - c.span_start)
        is_current = any(str(c.pk) == str(current) for c in covering)
        pieces.append(
            format_html(
                '{}<a class="span{}" href="{}" title="Claim #{} by {}">{}</a>',
                anchors,
                " current" if is_current else "",
                claim.get_absolute_url(),
                claim.pk,
                claim.asserted_by,
                text[left:right],
            )
        )
    return format_html_join("", "{}", ((piece,) for piece in pieces))


@register.filter
def get_item(mapping, key):
    return mapping.get(key)


@register.filter
def duration(value):
    """A timedelta in words: "15 minutes", "1 hour 30 minutes"."""
    minutes = round(value.total_seconds() / 60)
    hours, minutes = divmod(minutes, 60)
    parts = []
    if hours:
        parts.append(f"{hours} hour{'s' if hours != 1 else ''}")
    if minutes or not hours:
        parts.append(f"{minutes} minute{'s' if minutes != 1 else ''}")
    return " ".join(parts)
