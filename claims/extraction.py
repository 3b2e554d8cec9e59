"""Candidate claims found in an article's text, for an editor to review.

Rules, not a model: an editor must be able to see why a candidate was proposed, and
the rules run on any machine, offline, in milliseconds. Each candidate carries its
span in the text (so quote integrity holds when it is accepted), its kind, the
speaker the text attributes it to, the channel it came through (`via`) and the
stated date, resolved against the publication date and never more precise than
the text allows. What is a guess (a pronoun read as the nearest earlier speaker, a
date taken from the publication) is said in the candidate's `notes`.

The pieces, each tested on its own: `Directory` resolves names to speakers and
outlets; `resolve_date` reads a date phrase; `find_channel` reads "told TASS";
`extract` puts them together over a text.
"""

import calendar
import datetime
import re
from dataclasses import dataclass, field

from claims import dates
from claims.dates import DatePrecision

# Verbs of saying, in the forms news copy uses them ("said", "has stated").
SPEECH_VERBS = (
    "said says stated states told tells added adds noted notes announced announces "
    "mentioned highlighted clarified emphasized emphasised stressed underscored affirmed "
    "reaffirmed warned argued claimed insisted denied confirmed indicated suggested "
    "declared explained asserted acknowledged admitted alleged praised expressed "
    "welcomed called urged replied responded remarked wrote posted reported revealed "
    "assured promised pledged maintained observed commented described justified "
    "describes accused accuses reiterated reiterates refuted refutes denies alleges "
    "advocated advocates recalled recalls"
).split()
# "has also stated", "formally alleged": auxiliaries and an adverb may come first.
_VERB = (
    r"(?:(?:has|had|have|also|further|later|then|again|[a-z]+ly)\s+)*(?:"
    + "|".join(SPEECH_VERBS)
    + r")"
)

# Words that open a sentence in capitals without being a name.
_NOT_NAMES = set(
    "A An The This That These Those It Its In On At As By For From With Without While "
    "But And Or Yet So Still However Although Though Despite Following After Before "
    "During Since Until When Where Why How What Which Who Whom Whose If Then Also "
    "Meanwhile Moreover Furthermore Additionally Consequently Therefore Thus Earlier "
    "Later Last Next Today Yesterday Tomorrow He She They We I You His Her Their Our "
    "My Your Mr Mrs Ms Dr According Speaking Asked Monday Tuesday Wednesday Thursday "
    "Friday Saturday Sunday January February March April May June July August September "
    "October November December".split()
)
PRONOUNS = {"he", "she", "they"}
_NAME_WORD = r"[A-Z](?:[\w’'\-.]*[\w])?"
# "Sergey Lavrov", "Abu Bakr al Baghdadi", "Russia 24".
_NAME = rf"{_NAME_WORD}(?:\s+(?:(?:al|bin|de|van|von|der|ul|el)\s+)?(?:{_NAME_WORD}|\d+\b)){{0,3}}"

_QUOTE = re.compile(r"“([^“”]+)”|\"([^\"]+)\"|«([^«»]+)»")
# A quote this short inside a sentence is someone's phrase picked out ("a
# “principal decision”"), part of a paraphrase, not a quotation of its own.
MIN_QUOTE_WORDS = 5

# A phrase quoted in lower case, shorter than this, is woven into the reporter's
# sentence ("had been “taken at the highest level”"), not a quotation of its own.
MIN_WOVEN_WORDS = 12


def _is_quotation(match):
    quoted = next(group for group in match.groups() if group)
    count = len(words(quoted))
    first = next((char for char in quoted if char.isalpha()), "")
    woven = first.islower() or not first
    return count >= (MIN_WOVEN_WORDS if woven else MIN_QUOTE_WORDS)


WEEKDAYS = {name.lower(): number for number, name in enumerate(calendar.day_name)}
MONTHS = {name.lower(): number for number, name in enumerate(calendar.month_name) if name}
MONTHS.update({name.lower(): n for n, name in enumerate(calendar.month_abbr) if name})
_MONTH = r"(?:" + "|".join(sorted((m for m in MONTHS), key=len, reverse=True)) + r")\.?"
_WEEKDAY = r"(?:" + "|".join(WEEKDAYS) + r")"

# Where a statement came through: told TASS, in an interview with Russia 24, on Telegram.
_CHANNEL_PATTERNS = [
    re.compile(rf"\b[Ii]n an? (?:interview|conversation|talk) with (?:the )?(?P<name>{_NAME})"),
    re.compile(
        rf"\b(?:told|telling|shared with|speaking to|speaking with|said to) (?:the )?"
        rf"(?:(?:state-run|state-owned|state|private|pro-\w+|independent|Russian|news) )*"
        rf"(?P<name>{_NAME})"
    ),
    re.compile(rf"\b(?:on|in|via|through) (?:the |his |her |its |their )?(?P<name>{_NAME})"),
    re.compile(rf"\baccording to (?:the )?(?P<name>{_NAME})"),
    re.compile(rf"\b(?P<name>{_NAME}) (?:reported|quoted|cited)\b"),
]
# Channels that are not outlets in the directory but are where statements are made.
PLATFORMS = {"telegram", "x", "twitter", "facebook", "instagram", "youtube", "vkontakte"}


def words(text):
    return re.findall(r"\w+", text)


def _folded(name):
    return " ".join(words(name.replace("’", "'").lower()))


@dataclass
class Directory:
    """The speakers and outlets a text's names resolve to: names and aliases, folded.

    `speakers` and `outlets` map a folded name to (id, display name). A speaker's
    surname alone resolves too when it is one speaker's; "Lavrov" is Sergey Lavrov.
    """

    speakers: dict = field(default_factory=dict)
    outlets: dict = field(default_factory=dict)

    @classmethod
    def build(cls, speakers=(), outlets=()):
        """From (id, name, aliases) speakers and (id, name) outlets.

        Where names collide, a speaker's own name beats another's alias, and among
        names (or among aliases) the speaker given first wins: from_database gives
        them oldest first.
        """
        directory = cls()
        surnames = {}
        speakers = list(speakers)
        for pk, name, _ in speakers:
            directory.speakers.setdefault(_folded(name), (pk, name))
        for pk, name, aliases in speakers:
            for alias in aliases:
                directory.speakers.setdefault(_folded(alias), (pk, name))
            parts = _folded(name).split()
            if len(parts) > 1:
                surnames.setdefault(parts[-1], set()).add((pk, name))
        for surname, owners in surnames.items():
            if len(owners) == 1:
                directory.speakers.setdefault(surname, next(iter(owners)))
        for pk, name in outlets:
            directory.outlets[_folded(name)] = (pk, name)
        return directory

    @classmethod
    def from_database(cls):
        from claims.models import Outlet, Speaker, SpeakerAlias

        # As rows, not model instances: every review reads every speaker and alias
        # (20,000 and 30,000 at a million claims: 4.5 s as instances).
        aliases = {}
        for speaker_id, alias in SpeakerAlias.objects.order_by().values_list("speaker_id", "name"):
            aliases.setdefault(speaker_id, []).append(alias)
        speakers = [
            (pk, name, aliases.get(pk, []))
            for pk, name in Speaker.objects.order_by("pk").values_list("pk", "name")
        ]
        return cls.build(speakers, Outlet.objects.values_list("pk", "name"))

    def speaker(self, name):
        """(id, name) of the speaker `name` names, or None: the longest known tail wins
        ("Russian Foreign Minister Sergey Lavrov" is Sergey Lavrov)."""
        parts = _folded(name).split()
        for start in range(len(parts)):
            found = self.speakers.get(" ".join(parts[start:]))
            if found:
                return found
        return None

    def outlet(self, name):
        folded = _folded(name)
        if folded in self.outlets:
            return self.outlets[folded]
        # "the state-run TASS news agency", "Russia's Channel 24": a known outlet's
        # name inside the phrase, or the phrase's distinctive word in the outlet's.
        for known, found in self.outlets.items():
            if re.search(rf"\b{re.escape(known)}\b", folded):
                return found
        return None


def resolve_date(phrase, published_on, precision):
    """The (date, precision) a date phrase names, read against the publication date.

    Never more precise than both allow: "on Thursday" in a piece published on a known
    day is that day (the latest Thursday on or before it); known only to the month,
    it is that month; "in July" is the latest July not after publication; "in June
    2023" is that month; "17 May" is that day of the publication's year. Returns
    None when the phrase names no date this can read.
    """
    text = phrase.lower().strip()
    known = precision != DatePrecision.UNKNOWN and published_on is not None
    match = re.search(r"\b(\d{1,2})\s+(" + _MONTH + r")(?:,?\s+(\d{4}))?", text) or re.search(
        r"\b(" + _MONTH + r")\s+(\d{1,2})(?:st|nd|rd|th)?(?:,?\s+(\d{4}))?\b", text
    )
    if match:
        first, second, year = match.groups()
        day, month = (first, second) if first.isdigit() else (second, first)
        month = MONTHS[month.rstrip(".")]
        if year is None:
            if not known:
                return None
            year = _latest_year(month, published_on, precision)
        try:
            return datetime.date(int(year), month, int(day)), DatePrecision.DAY
        except ValueError:
            return None
    match = re.search(r"\b(" + _MONTH + r")(?:\s+(?:of\s+)?(\d{4}))?\b", text)
    # "may" alone is the verb more often than the month: the month needs its year.
    month_ambiguous = match is not None and match.group(1) == "may" and not match.group(2)
    if match and not month_ambiguous:
        month = MONTHS[match.group(1).rstrip(".")]
        year = match.group(2)
        if year is None:
            if not known:
                return None
            year = _latest_year(month, published_on, precision)
        return datetime.date(int(year), month, 1), DatePrecision.MONTH
    match = re.search(r"\b(?:in|since|during|by|of)\s+(\d{4})\b", text)
    if match:
        return datetime.date(int(match.group(1)), 1, 1), DatePrecision.YEAR
    if not known:
        return None
    weekday = re.search(r"\b(" + _WEEKDAY + r")\b", text)
    if weekday or re.search(r"\b(today|yesterday|this week)\b", text):
        if precision == DatePrecision.DAY:
            if weekday:
                back = (published_on.weekday() - WEEKDAYS[weekday.group(1)]) % 7
            else:
                back = 1 if "yesterday" in text else 0
            if "this week" in text:
                return None
            return published_on - datetime.timedelta(days=back), DatePrecision.DAY
        # Known only to the month or year: the day cannot be had, the period can.
        return published_on, precision
    if re.search(r"\b(this|earlier this) (month)\b", text) and precision == DatePrecision.DAY:
        return published_on.replace(day=1), DatePrecision.MONTH
    if re.search(r"\bthis year\b|\bearlier this year\b", text):
        return published_on.replace(month=1, day=1), DatePrecision.YEAR
    if re.search(r"\blast year\b", text):
        return datetime.date(published_on.year - 1, 1, 1), DatePrecision.YEAR
    return None


def _latest_year(month, published_on, precision):
    """The year of the latest `month` not after publication."""
    if precision == DatePrecision.YEAR:
        return published_on.year
    return published_on.year if month <= published_on.month else published_on.year - 1


# Phrases that date a statement, for resolve_date.
_DATE_PHRASE = re.compile(
    r"\b(?:on|in|since|during|last|this|earlier this|of)?\s*(?:"
    rf"\d{{1,2}}\s+{_MONTH}(?:,?\s+\d{{4}})?|{_MONTH}\s+\d{{1,2}}(?:st|nd|rd|th)?(?:,?\s+\d{{4}})?"
    rf"|{_MONTH}(?:\s+\d{{4}})?|\d{{4}}|{_WEEKDAY}|today|yesterday|month|year)\b",
    re.IGNORECASE,
)


def find_date(sentence, published_on, precision):
    """The first date phrase of `sentence` that resolves: (date, precision, phrase)."""
    for match in _DATE_PHRASE.finditer(sentence):
        phrase = match.group(0).strip()
        if re.fullmatch(r"(?i)may", phrase) and not re.search(
            r"(?i)\b(in|on|of|since) may", phrase
        ):
            continue  # "may" the verb, not the month
        found = resolve_date(phrase, published_on, precision)
        if found:
            return (*found, phrase)
    return None


def find_channel(sentence, directory):
    """The outlet or platform a sentence says a statement came through, or None.

    Returns (outlet id or None, name as written): "told TASS" gives TASS when the
    directory knows it; "on Telegram" gives the platform by name; "told reporters"
    gives nothing (reporters are not a channel).
    """
    for pattern in _CHANNEL_PATTERNS:
        for match in pattern.finditer(sentence):
            name = match.group("name")
            # "Russia's Channel 24": the possessive belongs to the name.
            tail = sentence[match.end("name") :]
            extended = re.match(rf"’s\s+({_NAME})", tail) or re.match(rf"'s\s+({_NAME})", tail)
            phrase = f"{name}’s {extended.group(1)}" if extended else name
            found = directory.outlet(phrase) or directory.outlet(name)
            if found:
                return found
            if _folded(name) in PLATFORMS:
                return None, name
            if pattern.pattern.startswith(r"\b[Ii]n an? "):
                return None, phrase
    return None


@dataclass
class Candidate:
    """A statement the rules found; nothing is stored until an editor accepts it."""

    kind: str  # "quote" or "paraphrase"
    text: str
    start: int
    end: int
    speaker_name: str = ""
    speaker_id: int | None = None
    speaker_guessed: bool = False
    speaker_role: str = ""
    via_name: str = ""
    via_id: int | None = None
    stated_on: datetime.date | None = None
    stated_on_precision: str = DatePrecision.UNKNOWN
    date_phrase: str = ""
    notes: list = field(default_factory=list)


def sentences(text):
    """(start, end) of each sentence: a full stop outside quote marks ends one, and so
    does a paragraph's end: a line break, or in a text wrapped into lines with blank
    lines between paragraphs, a blank line."""
    spans, start, depth = [], 0, 0
    wrapped = bool(re.search(r"\n[ \t]*\n", text))
    length = len(text)
    index = 0
    while index < length:
        char = text[index]
        if char in "“«":
            depth += 1
        elif char in "”»" and depth:
            depth -= 1
            end = index + 1
            # “… neighbours.” Karen Decker …: a quotation that ends its sentence.
            if depth == 0 and text[index - 1] in ".!?" and re.match(r"\s+[A-Z“]", text[end:]):
                spans.append(_trimmed(text, start, end))
                start = end
        elif char == "\n" and (not wrapped or re.match(r"[ \t]*\n", text[index + 1 :])):
            # A line break ends a paragraph, unless the text is wrapped into lines
            # within paragraphs parted by blank lines: then only a blank line does.
            if text[start:index].strip():
                spans.append(_trimmed(text, start, index))
            start, depth = index + 1, 0
        elif char in ".!?" and depth == 0:
            end = index + 1
            while end < length and text[end] in '”"’)':
                end += 1
            following = text[end : end + 2]
            if end >= length or (following[:1].isspace() and not _abbreviation(text, index)):
                if text[start:end].strip():
                    spans.append(_trimmed(text, start, end))
                start = end
                index = end
                continue
        index += 1
    if text[start:].strip():
        spans.append(_trimmed(text, start, length))
    return spans


def _abbreviation(text, index):
    before = re.search(r"((?:\b\w\.)*\b\w{1,3})$", text[:index])  # "Mr", "U.S"
    return bool(before) and before.group(1) in {"Mr", "Mrs", "Ms", "Dr", "St", "U.S", "U.N", "Gen"}


def _trimmed(text, start, end):
    while start < end and text[start].isspace():
        start += 1
    while end > start and text[end - 1].isspace():
        end -= 1
    return start, end


# "Sergey Lavrov said", "Lavrov, Russia's foreign minister, has stated", "he told".
_SUBJECT_VERB = re.compile(
    rf"(?P<who>\b(?:{_NAME}|[Hh]e|[Ss]he|[Tt]hey))"
    r"(?P<role>,\s+(?:the\s+)?[^,“”\"]{3,120}?,)?"
    rf"\s+{_VERB}\b"
)
# "said Lavrov", "said Russia's envoy, Zamir Kabulov".
_VERB_SUBJECT = re.compile(rf"\b{_VERB}\s+(?P<who>{_NAME})")
_ACCORDING = re.compile(rf"\b[Aa]ccording to (?:the\s+)?(?P<who>{_NAME})")
# Words that often begin a role or title before a name.
_TITLE_WORDS = (
    r"(?:(?:Russian|US|U\.S\.|American|Afghan|Taliban|Chinese|Pakistani|Indian|Iranian|"
    r"Foreign|Prime|Deputy|Acting|Interior|Defence|Defense|Finance|Former|Senior|Chief|"
    r"Minister|Ministry|President|Vice|Secretary|Spokesman|Spokeswoman|Spokesperson|"
    r"Ambassador|Envoy|Director|General|Head|Special|Representative|Chairman|Leader|"
    r"Presidential|Security|Council|State|Government|Official)\s+)+"
)


class Extractor:
    """Finds candidates in one article's text with one directory of names."""

    def __init__(self, directory, published_on=None, precision=DatePrecision.UNKNOWN):
        self.directory = directory
        self.published_on = published_on
        self.precision = precision
        self.proposed = []  # new speakers' names, as first proposed in this text

    def speaker_for(self, name):
        """(id, name, new): a directory speaker, or the name proposed as a new one.

        A new speaker named in full once and by surname after ("Abdul Rahman
        Habibzada ... Habibzada said") is one new speaker, under the full name.
        """
        found = self.directory.speaker(name)
        if found:
            return found[0], found[1], False
        parts = _folded(name).split()
        for known in self.proposed:
            known_parts = _folded(known).split()
            if len(parts) < len(known_parts) and known_parts[-len(parts) :] == parts:
                return None, known, True
        if name not in self.proposed:
            self.proposed.append(name)
        return None, name, True

    def _is_name(self, name):
        first = name.split()[0]
        if first in _NOT_NAMES:
            rest = name.split()[1:]
            return bool(rest) and self._is_name(" ".join(rest))
        return True

    def _clean_name(self, name):
        parts = name.split()
        while parts and parts[0] in _NOT_NAMES:
            parts = parts[1:]
        return " ".join(parts)

    def attribution(self, sentence):
        """(name, role, pronoun) of who a sentence says spoke, or None."""
        for pattern in (_ACCORDING, _SUBJECT_VERB, _VERB_SUBJECT):
            for match in pattern.finditer(sentence):
                who = match.group("who")
                if who.lower() in PRONOUNS:
                    return who, "", True
                name = self._clean_name(who)
                if not name:
                    continue
                if self.directory.outlet(name) and not self.directory.speaker(name):
                    continue  # "TASS reported": a channel, not a speaker
                role = ""
                if "role" in match.groupdict() and match.group("role"):
                    role = match.group("role").strip(" ,")
                    if re.fullmatch(_NAME, role) and not self.directory.speaker(name):
                        # "The head of the mission for Afghanistan, Karen Decker, said":
                        # the name is between the commas, the role before them.
                        name, role = role, sentence[: match.start("role")]
                    role = re.sub(r"^(?:the|The)\s+", "", role.strip())
                else:
                    before = sentence[: match.start("who")]
                    titled = re.search(_TITLE_WORDS + r"$", before + " ")
                    leading = re.match(rf"({_TITLE_WORDS})", name + " ")
                    if leading:
                        role = leading.group(1).strip()
                        name = name[leading.end() :].strip() or name
                    elif titled:
                        role = titled.group(0).strip()
                if not name or not self._is_name(name):
                    continue
                return name, role, False
        return None

    def extract(self, text):
        """The candidates in `text`, in reading order."""
        found = []
        last_speaker = None  # (name, role) of the nearest earlier named speaker
        quoted = []  # spans of quotations, so their sentences are not paraphrases too
        for start, end in sentences(text):
            sentence = text[start:end]
            said = self.attribution(sentence)
            quotes = []
            for match in _QUOTE.finditer(sentence):
                # “…,” he said, “and …”: the second part goes on the first quotation.
                goes_on = quotes and match.start() - quotes[-1].end() < 80
                if goes_on or _is_quotation(match):
                    quotes.append(match)
            if said and not said[2]:
                speaker = (said[0], said[1])
            elif said:  # a pronoun: the nearest earlier named speaker
                speaker = last_speaker
            else:
                speaker = None
            guessed = bool(said and said[2])
            channel = find_channel(sentence, self.directory) if said or quotes else None
            dated = find_date(sentence, self.published_on, self.precision)
            common = {"channel": channel, "dated": dated}
            for number, match in enumerate(quotes):
                group = next(i for i, g in enumerate(match.groups(), 1) if g)
                q_start, q_end = match.span(group)
                while q_end > q_start and text[start + q_end - 1] in ",. ":
                    q_end -= 1
                who, who_guessed = speaker, guessed
                if who is None and last_speaker:
                    who, who_guessed = last_speaker, True
                found.append(
                    self._candidate(
                        "quote", text, start + q_start, start + q_end, who, who_guessed, **common
                    )
                )
                quoted.append((start + q_start, start + q_end))
                if number:
                    found[-1].notes.append(
                        "Goes on the quotation before it, split by its attribution. A claim "
                        "is one stretch of the text: keep both parts, and link them as the "
                        "same statement."
                    )
            if said and speaker and not quotes:
                found.append(
                    self._candidate("paraphrase", text, start, end, speaker, guessed, **common)
                )
            elif said and speaker and quotes:
                # Words before the quotation that report speech ("X highlighted that
                # ...: “...”") are a paraphrase of their own.
                lead = sentence[: quotes[0].start()].rstrip(" :,")
                if len(words(lead)) >= 8 and self.attribution(lead):
                    cut = len(lead)
                    found.append(
                        self._candidate(
                            "paraphrase", text, start, start + cut, speaker, guessed, **common
                        )
                    )
            if said and not said[2]:
                last_speaker = speaker
        return found

    def _candidate(self, kind, text, start, end, speaker, guessed, channel, dated):
        candidate = Candidate(kind=kind, text=text[start:end], start=start, end=end)
        if speaker:
            name, role = speaker
            pk, display, new = self.speaker_for(name)
            candidate.speaker_name, candidate.speaker_id = display, pk
            candidate.speaker_role = role
            candidate.speaker_guessed = guessed
            if new and display != name:
                candidate.notes.append(
                    f"“{name}” is taken to be {display}, named before it: proposed as new."
                )
            elif new:
                candidate.notes.append(f"“{name}” is not a known speaker: proposed as new.")
            if guessed:
                candidate.notes.append(
                    f"Attributed to {display}, the nearest speaker named before it."
                )
        if channel:
            candidate.via_id, candidate.via_name = channel[0], channel[1]
            if channel[0] is None:
                candidate.notes.append(f"Came through “{channel[1]}”, not a known outlet.")
        if dated:
            candidate.stated_on, candidate.stated_on_precision, candidate.date_phrase = dated
        elif self.published_on is not None:
            # Said before it was published, but how long before the text does not say:
            # the publication's month (or year, if that is all that is known).
            precision = self.precision
            if precision == DatePrecision.DAY:
                precision = DatePrecision.MONTH
            candidate.stated_on = dates.truncate(self.published_on, precision)
            candidate.stated_on_precision = precision
            period = DatePrecision(precision).label.lower()
            candidate.notes.append(f"No date in the sentence: the publication's {period}.")
        return candidate


def extract(text, directory, published_on=None, precision=DatePrecision.UNKNOWN):
    """The candidate claims of an article (see Extractor)."""
    return Extractor(directory, published_on, precision).extract(text)
