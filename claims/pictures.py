"""Pictures of the evidence, drawn on the server as SVG (no script, no library).

A speaker's timeline: each statement at its stated date, drawn at its precision
(a dot for a day, a bar across the month or the year when only that is known),
contradicted statements drawn differently (a diamond, a dashed bar: not colour
alone), each a link to its claim with its words as its accessible name. The
template (claims/_timeline.svg.html) draws what `timeline()` lays out.
"""

import datetime
from dataclasses import dataclass

from . import dates
from .dates import DatePrecision

WIDTH = 800
LEFT, RIGHT, TOP = 24, 24, 28
LANE = 18
PLOT = WIDTH - LEFT - RIGHT
DRAWN_AT_MOST = 1000


@dataclass
class Mark:
    pk: int
    x: float
    width: float
    y: float
    precision: str
    contradicted: bool
    label: str

    @property
    def centre(self):
        return self.x + self.width / 2

    @property
    def top(self):
        """The top of a bar, 8 high, centred on the lane."""
        return self.y - 4

    @property
    def diamond(self):
        """The points of a diamond around the mark's centre."""
        x, y, r = self.centre, self.y, 6
        return f"{x:.1f},{y - r:.1f} {x + r:.1f},{y:.1f} {x:.1f},{y + r:.1f} {x - r:.1f},{y:.1f}"


def period(date, precision):
    """The days a date at `precision` covers: [start, end)."""
    if precision == DatePrecision.YEAR:
        return date.replace(month=1, day=1), date.replace(year=date.year + 1, month=1, day=1)
    if precision == DatePrecision.MONTH:
        start = date.replace(day=1)
        following = (start + datetime.timedelta(days=32)).replace(day=1)
        return start, following
    return date, date + datetime.timedelta(days=1)


def _ticks(start, end):
    """Axis labels: years over a long span, months over a short one."""
    months = (end.year - start.year) * 12 + end.month - start.month
    if months > 24:
        return [
            (datetime.date(year, 1, 1), str(year))
            for year in range(start.year, end.year + 1)
            if start <= datetime.date(year, 1, 1) <= end
        ]
    step = 1 if months <= 12 else 3
    ticks, day = [], start.replace(day=1)
    while day <= end:
        if (day.month - 1) % step == 0:
            ticks.append((day, f"{day:%b %Y}"))
        day = (day + datetime.timedelta(days=32)).replace(day=1)
    return ticks


def timeline(claims):
    """Lay out `claims` (a queryset of one speaker's claims) on a time axis.

    Returns None when no claim has a date; otherwise the marks, the axis, and the
    counts the picture's caption states (drawn, dated, of unknown date).
    """
    dated = claims.exclude(stated_on=None).exclude(stated_on_precision=DatePrecision.UNKNOWN)
    total = claims.count()
    rows = list(
        dated.order_by("-stated_on", "-id").values_list(
            "pk", "stated_on", "stated_on_precision", "text", "contradicting_reports"
        )[:DRAWN_AT_MOST]
    )
    if not rows:
        return None
    dated_total = len(rows) if len(rows) < DRAWN_AT_MOST else dated.count()
    spans = [(row, *period(row[1], row[2])) for row in rows]
    start = min(first for _, first, _ in spans)
    end = max(last for _, _, last in spans)
    if (end - start).days < 60:  # a short span: room either side
        start, end = start - datetime.timedelta(days=30), end + datetime.timedelta(days=30)
    days = (end - start).days

    def x(day):
        return LEFT + PLOT * (day - start).days / days

    lanes = []  # the right edge of the last mark in each lane
    marks = []
    for (pk, stated_on, precision, text, contradicting), first, last in sorted(
        spans, key=lambda span: (span[1], span[0][0])
    ):
        left = x(first)
        width = max(x(last) - left, 2.0)
        if precision == DatePrecision.DAY:  # a dot, wider than its day
            left, width = left + width / 2 - 6, 12.0
        lane = next((n for n, edge in enumerate(lanes) if edge + 3 <= left), len(lanes))
        if lane == len(lanes):
            lanes.append(0)
        lanes[lane] = left + width
        when = dates.display(stated_on, precision)
        words = text if len(text) <= 140 else text[:139] + "…"
        said = f"{when}: {words}"
        if contradicting:
            said += f" (contradicted by {contradicting} claim{'s' if contradicting > 1 else ''})"
        marks.append(
            Mark(
                pk, left, width, TOP + LANE * lane + LANE / 2, precision, bool(contradicting), said
            )
        )
    height = TOP + LANE * len(lanes) + 34
    axis_y = height - 26
    return {
        "width": WIDTH,
        "height": height,
        "axis_y": axis_y,
        "left": LEFT,
        "right": WIDTH - RIGHT,
        "ticks": [(x(day), label) for day, label in _ticks(start, end)],
        "marks": marks,
        "drawn": len(marks),
        "dated": dated_total,
        "undated": total - dated_total,
        "contradicted": sum(mark.contradicted for mark in marks),
        "first": dates.display(*min((row[1], row[2]) for row in rows)),
        "last": dates.display(*max((row[1], row[2]) for row in rows)),
    }


NODE = 16  # a claim's cell in the network


@dataclass
class Node:
    pk: int
    x: float
    y: float
    stance: str
    label: str


def network(claims, answers, links):
    """Lay out a topic's evidence: a column per answer subject, each statement a box
    of its claims (its reports), corroborating and contradicting links as edges.

    `claims` have `subjects` and `topic_stances` prefetched; `links` are the links
    among them. Returns None when there is nothing to draw.
    """
    if not claims or not answers:
        return None
    answer_ids = [subject.pk for subject in answers]
    column_width = WIDTH / len(answers)
    per_row = max(int((column_width - 16) // NODE), 1)
    statements = {}
    for claim in claims:
        about = [s.pk for s in claim.subjects.all() if s.pk in answer_ids]
        column = answer_ids.index(min(about, key=answer_ids.index)) if about else 0
        key = (column, claim.statement_key or -claim.pk)
        statements.setdefault(key, []).append(claim)
    heights = [TOP + 8] * len(answers)
    boxes, nodes = [], {}
    for (column, _key), members in statements.items():
        rows = -(-len(members) // per_row)
        left = column * column_width + 8
        top = heights[column]
        speaker = members[0].asserted_by
        label = speaker if len(speaker) <= 18 else speaker[:17] + "…"
        # Wide enough for its dots and its label (10 px type, about 6 px a letter).
        width = min(
            max(min(len(members), per_row) * NODE + 8, len(label) * 6 + 8), column_width - 16
        )
        boxes.append(
            {
                "x": left,
                "y": top,
                "width": width,
                "height": rows * NODE + 22,
                "label_x": left + 4,
                "label_y": top + 13,
                "label": label,
                "title": f"{len(members)} report{'s' if len(members) > 1 else ''} of one "
                f"statement by {speaker}",
            }
        )
        for n, claim in enumerate(members):
            stance = claim.topic_stances[0].stance if claim.topic_stances else ""
            words = claim.text if len(claim.text) <= 120 else claim.text[:119] + "…"
            nodes[claim.pk] = Node(
                claim.pk,
                left + 4 + (n % per_row) * NODE + NODE / 2,
                top + 18 + (n // per_row) * NODE + NODE / 2,
                stance,
                f"{claim.asserted_by}, {claim.stated_on_display}: {words}"
                + (f" ({stance} the answer)" if stance else ""),
            )
        heights[column] = top + rows * NODE + 22 + 10
    edges = []
    for link in links:
        a, b = nodes.get(link.claim_a_id), nodes.get(link.claim_b_id)
        if a is None or b is None or link.kind == "same_statement":
            continue
        # A curve, bowed upwards, so that edges between neighbours stay apart.
        bow = 18 + abs(a.x - b.x) / 8
        control = ((a.x + b.x) / 2, min(a.y, b.y) - bow)
        edges.append(
            {
                "kind": link.kind,
                "path": f"M{a.x:.1f},{a.y:.1f} Q{control[0]:.1f},{control[1]:.1f} "
                f"{b.x:.1f},{b.y:.1f}",
                "title": f"claim #{a.pk} {link.get_kind_display()} claim #{b.pk}",
            }
        )
    return {
        "width": WIDTH,
        "height": max(heights) + 8,
        "columns": [
            {"x": n * column_width + 8, "centre": (n + 0.5) * column_width, "name": s.name}
            for n, s in enumerate(answers)
        ],
        "boxes": boxes,
        "nodes": list(nodes.values()),
        "edges": edges,
        "claims": len(nodes),
        "statements": len(statements),
        "corroborating": sum(edge["kind"] == "corroborates" for edge in edges),
        "contradicting": sum(edge["kind"] == "contradicts" for edge in edges),
    }
