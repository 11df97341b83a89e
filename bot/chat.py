"""What briefbot says, independent of where it is said: the Telegram bot and the terminal chat
both answer through ``ChatService``, so they answer alike; only the rendering differs.

Telegram-free and synchronous: every method reads the archive and returns a reply record
(``bot.replies``) that ``bot.render`` turns into Telegram HTML or plain text. The commands and
/help are ``bot.help``.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Sequence
from contextlib import suppress
from dataclasses import replace

from bot.help import COMMANDS, usage
from bot.replies import AnswerReply, BriefReply, CheckReply, Notice, SourcesReply
from retrieval.answering.answer import Hit
from retrieval.answering.check import (
    bears_on,
    by_coverage,
    claim_clauses,
    extract_names,
    name_term_held,
)
from retrieval.archive import (
    DEFAULT_TOP,
    Archive,
    compare_with,
    readable_earlier,
)
from retrieval.corpus.briefs import issue_number
from retrieval.errors import BriefNotFoundError, NoAnswer, NumberRangeError, RetrievalError
from retrieval.text.analyzer import analyze
from retrieval.text.english import name_terms
from retrieval.text.followup import GREETINGS, THANKS, Earlier
from retrieval.text.followup import reading as rule_reading
from retrieval.text.query import parse_question
from retrieval.text.sentences import split_sentences
from retrieval.text.sources import cited_sources

NOTHING_BEARS = "Nothing in the archive bears on this."
LONG_CLAIM_CHARS = 280
"""A claim longer than this with several sentences is checked sentence by sentence."""
MAX_CLAIM_SENTENCES = 12
NO_MORE = "No more passages match that question."
_MORE_RE = re.compile(
    r"(?:(?:ok|okay|please|pls|plz|and)\s+)*"
    r"(?:more|tell\s+me\s+more|show\s+(?:me\s+)?more|more\s+passages|go\s+on|continue"
    r"|keep\s+going|what\s+else|anything\s+else)"
    r"(?:\s+(?:please|pls|plz))?[\s.!?…]*",
    re.IGNORECASE,
)
STARTED_AFRESH = "Starting afresh: your next question is read on its own."
YOU_ARE_WELCOME = "You're welcome. Ask another question whenever you like."
HELLO = (
    "Hello. Ask me about the briefs, e.g. “who fled Kazakhstan with US$4 million?”; /help lists "
    "the commands."
)
_THANKFUL = frozenset("👍🙏🙂😊👌✅❤🙌👏💯🤝")
_DISPLEASED = frozenset("👎😞😕🙁☹😠😡🤦")
SORRY = "Sorry that did not help. Ask in other words, or with a name, a place or a date."
_MARKS = ("Mn", "Sk", "Cf")
"""Variation selectors, skin tones and joiners: parts of an emoji, not emoji of their own."""
_BRIEF = next(c for c in COMMANDS if c.name == "brief")
WHERE_FROM = (
    "Each passage is cited under its quote: publication, volume, issue and date. "
    f"/brief {_BRIEF.args} shows the whole brief, e.g. {_BRIEF.example}; /sources lists "
    "what the archive holds."
)
WHERE_FROM_LAST = "That answer quotes:"
"""The first line of the reply to "source?" after an answer, above its passages' citations."""
_WHERE_FROM_RE = re.compile(
    r"(?:(?:and\s+)?(?:which|what)\s+(?:issue|brief|publication|source)s?"
    r"(?:\s+(?:is|was)\s+(?:that|this|it))?(?:\s+(?:in|from))?"
    r"|(?:the\s+)?(?:source|citation|reference|link)s?(?:\s+please)?"
    r"|where(?:['’]s|\s+is|\s+was|\s+does)\s+(?:that|this|it)\s+(?:from|come\s+from)"
    r"|where\s+did\s+(?:you|that|this|it)\s+(?:get\s+that|come\s+from|read\s+that)"
    r"|who\s+wrote\s+(?:it|that|this|them|the\s+(?:brief|piece|article))|(?:the\s+)?authors?"
    r"|when\s+was\s+(?:it|that|this)\s+(?:published|written)"
    r"|(?:the\s+)?(?:full|whole)\s+(?:text|brief|article|piece)(?:\s+please)?)"
    r"[\s?.!]*",
    re.IGNORECASE,
)

# "Monitor 4 139", "Fortnight in Review 4 12", "Monitor, Vol. 4, Issue 139" (a copied citation).
_BRIEF_ARGS_RE = re.compile(
    r"[\"“]?(?P<pub>.+?)[\"”]?[,\s]+(?:vol(?:ume)?\.?\s*)?(?P<vol>\d+)[,\s]+"
    r"(?:(?:issue|no)\.?\s*)?(?P<issue>\d+)",
    re.IGNORECASE,
)


_CITATION_TAIL_RE = re.compile(
    r"(?:,\s*[A-Z][a-z]+\.?\s+\d{1,2},\s*\d{4})?\s*(?:[—–]\s*[“\"].*)?$", re.DOTALL
)
"""What an answer's citation writes after the issue: its date and title ("…, Issue 142, July 23,
1998 — “Kazakh security chief …”"), left out when it is pasted after /brief."""
_CITATION_HEAD_RE = re.compile(r"^[—–]\s*")
"""The dash an answer writes before a citation ("— Monitor, Vol. 4, Issue 142, …"), pasted with
it: "No publication '— Monitor' in the archive"."""


def asks_for_more(text: str) -> bool:
    """Return whether a message asks for the next passages of the last answer: "more", "tell
    me more", "more please", "go on", "what else?" (``tell me more`` said "Nothing to search
    for")."""
    return _MORE_RE.fullmatch(text.strip()) is not None


def courtesy(text: str) -> str | None:
    """Return the reply to a message that only thanks ("ok thanks", "thank you very much", "👍"),
    greets ("hi", "good morning") or frowns ("👎"), or None for anything else (a question mark
    makes it a question: "thanks?" continues the last one). Such a message said "Nothing to
    search for"."""
    words = re.findall(r"[a-z]+", text.casefold().replace("’", "'"))
    if "?" in text:
        return None
    if not words:
        # Only thankful emoji ("👍", "🙏🙂"), skin tones and variation selectors aside: a
        # thank-you ("👎" is not); anything else without words is no courtesy.
        signs = {ch for ch in text if not ch.isspace() and unicodedata.category(ch) not in _MARKS}
        if signs and signs <= _THANKFUL:
            return YOU_ARE_WELCOME
        return SORRY if signs and signs <= _DISPLEASED else None
    if set(words) <= GREETINGS:
        return HELLO
    if set(words) <= THANKS:
        return YOU_ARE_WELCOME
    return None


def asks_where_from(text: str) -> bool:
    """Return whether a message only asks where an answer comes from ("source?", "which issue
    was that in?", "where's that from?"): its words are no subject ("source?" quoted "a source
    of revenue", "which issue" passages on a debt "issue")."""
    return _WHERE_FROM_RE.fullmatch(text.strip()) is not None


def parse_brief_args(text: str) -> tuple[str, int, int] | None:
    """Return (publication, volume, issue) from "/brief" arguments, or None if they don't parse.

    Raises:
        NumberRangeError: if the volume or issue is out of range (the one rule,
            ``briefs.issue_number``: "/brief Monitor 4 99999999999" gave the usage line).
    """
    pasted = _CITATION_HEAD_RE.sub("", text.strip())
    m = _BRIEF_ARGS_RE.fullmatch(_CITATION_TAIL_RE.sub("", pasted))
    if not m:
        return None
    volume = issue_number(m.group("vol"), "volume")
    return m.group("pub").strip(' ,"“”'), volume, issue_number(m.group("issue"), "issue")


class ChatService:
    """Answers, checks, briefs and sources from one archive, as reply records.

    Args:
        archive: the archive to answer from.
        top: how many passages an answer quotes.
    """

    def __init__(self, archive: Archive, *, top: int = DEFAULT_TOP):
        self.archive = archive
        self.top = top

    def answer(
        self,
        question: str,
        *,
        offset: int = 0,
        top: int | None = None,
        context: Sequence[str] = (),
    ) -> AnswerReply | Notice:
        """Return the passages answering ``question`` from ``offset`` on, or a line saying why not.

        ``top`` overrides how many passages to quote. ``context`` reads the question as a
        follow-up of those earlier questions (oldest first; ``follow`` decides when). An answer
        that finds nothing carries the reason in ``answer.message``; its figures no passage
        gives (``answer.numbers_missing``) are those the passages it shows do not. A malformed
        or over-long question gives a Notice naming the problem.
        """
        if not question.strip():
            return Notice(usage("ask"))
        top = top or self.top
        try:
            answer = self.archive.ask(
                question, top=top + 1, offset=offset, earlier=context, shown=top
            )
        except RetrievalError as exc:
            return Notice(sentence(str(exc)))
        has_more = len(answer.hits) > top
        answer.hits = answer.hits[:top]
        if offset and not answer.found:
            answer.message = NO_MORE
        return AnswerReply(answer, has_more, list(context))

    def follow(self, question: str, earlier: Sequence[str]) -> AnswerReply | Notice:
        """Return the answer to a message that may continue ``earlier`` (the questions before it,
        oldest first): read with them when it does not stand on its own
        (``Archive.reading``, by which ``briefbot ask --queries`` reads its replies too), else
        alone. The bot and the terminal chat answer through here.

        A short question the words alone would read with ``earlier`` but the archive reads
        alone, as naming a new subject, carries those earlier questions in ``could_continue``:
        the answer's "Read with earlier question" button asks it again with them. A chat's
        courtesies ("thanks", "hi", "👍") and "where is that from?" get a line of their own
        (``courtesy``, ``asks_where_from``): in a chat, not in ``briefbot ask``, whose JSON
        keeps saying there was nothing to search."""
        polite = courtesy(question)
        if polite is not None:
            return Notice(polite)
        if asks_where_from(question):
            return self.where_from(earlier)
        context = self.archive.reading(question, earlier, top=self.top + 1)
        reply = self.answer(question, context=context)
        if isinstance(reply, AnswerReply) and not context:
            # Only with earlier questions that name something: a question read alone after
            # "what's new?" offers no reading with it.
            reply.could_continue = rule_reading(question, readable_earlier(earlier))
        return reply

    def where_from(self, earlier: Sequence[str]) -> Notice:
        """Return where the last answer's passages come from (``earlier``: its question last,
        after those it was read with; an ``Earlier`` says whether it was a check, and which
        page of it was shown last): each one's citation and the sources its text cites
        ("Interfax, September 12"), and the /brief command for the first; with no answer
        before, how answers are cited (``WHERE_FROM``)."""
        if not earlier:
            return Notice(WHERE_FROM)
        hits: list[Hit]
        if isinstance(earlier, Earlier) and earlier.kind == "check":
            # The check's own evidence, as it was shown: asked as a question, the claim quoted
            # other passages (another brief of the same issue, with another wire source); a
            # long claim's, sentence by sentence.
            checked = self.check(earlier[-1], context=earlier[:-1])
            hits = checked.evidence if isinstance(checked, CheckReply) else []
        else:
            offset = earlier.offset if isinstance(earlier, Earlier) else 0
            try:
                # Asked as ``answer`` asked it (one passage more, to know of more), so the
                # passages named are those shown: after "more", those of its page.
                answer = self.archive.ask(
                    earlier[-1], top=self.top + 1, offset=offset, earlier=earlier[:-1]
                )
            except RetrievalError:
                return Notice(WHERE_FROM)
            hits = answer.hits[: self.top]
        if not hits:
            return Notice(WHERE_FROM)
        lines = [WHERE_FROM_LAST]
        for hit in hits:  # numbered as shown ("4." on the second page)
            # The quoted passage's own sources; else those the rest of its brief cites.
            sources = cited_sources(hit.text)
            if not sources:
                with suppress(BriefNotFoundError):
                    sources = cited_sources(self.archive.store.get_brief(hit.brief_id)["text"])
            cites = f"; its sources: ({'; '.join(sources)})" if sources else ""
            # Who wrote it and where it is online, when the brief says ("who wrote it?",
            # "link?" were searched as words, or answered without them).
            author = self._author(hit.brief_id)
            by = f"; by {author}" if author else ""
            link = f"; {hit.url}" if hit.url else ""
            lines.append(f"{hit.rank}. {hit.citation.render()}{by}{link}{cites}")
        first = hits[0].citation
        if first.volume is not None and first.issue is not None:
            lines.append(
                f"/brief {first.publication} {first.volume} {first.issue} shows the first whole."
            )
        return Notice("\n".join(lines))

    def _author(self, brief_id: int) -> str | None:
        """Return the author of brief ``brief_id`` as stored (a byline or a sign-off), or None."""
        with suppress(BriefNotFoundError):
            return self.archive.store.get_brief(brief_id).get("author") or None
        return None

    def follow_check(self, claim: str, earlier: Sequence[str]) -> CheckReply | Notice:
        """Return the check of a claim that may continue ``earlier``, by the rule of ``follow``
        for claims ("and he took US$5 million?" is read with the earlier question)."""
        return self.check(claim, context=self.archive.reading(claim, earlier, claim=True))

    def check(self, claim: str, *, context: Sequence[str] = ()) -> CheckReply | Notice:
        """Return the passages that bear on ``claim`` and which of its numbers, dates and names
        they hold.

        A passage bears on the claim when it shares at least half the claim's words of
        substance, numbers aside (see ``retrieval.answering.check.bears_on``); when some name
        what the claim is about (its most specific name the archive holds, ``subject_terms``),
        only they are shown. Numbers are compared with the passages' and their briefs' dates; a
        date written without its year is read within a year of its brief's.
        A claim of several sentences is checked sentence by sentence, each with its best
        passage, when it is longer than ``LONG_CLAIM_CHARS`` or no passage bears on all of it.
        Nothing here says whether the claim is right.
        """
        if not claim.strip():
            return Notice(usage("check"))
        try:
            parse_question(claim)
        except RetrievalError as exc:
            return Notice(sentence(str(exc)))
        sentences = [claim[s:e].strip() for s, e in split_sentences(claim) if analyze(claim[s:e])]
        reply: CheckReply | Notice
        if len(sentences) > 1 and len(claim) > LONG_CLAIM_CHARS:
            reply = self._check_sentences(claim, sentences[:MAX_CLAIM_SENTENCES], context)
        else:
            whole = self._check_one(claim, self.top, context)
            if len(sentences) > 1 and isinstance(whole, CheckReply) and not whole.evidence:
                # No passage bears on all of it at once: its sentences may each have their own.
                whole = self._check_sentences(claim, sentences[:MAX_CLAIM_SENTENCES], context)
            reply = whole
        if isinstance(reply, CheckReply) and context:
            reply.read_as, reply.context = context[-1], list(context)
        return reply

    def _check_one(self, claim: str, top: int, context: Sequence[str] = ()) -> CheckReply | Notice:
        """Return the check of one claim with up to ``top`` passages of evidence."""
        try:
            words, _ = parse_question(claim)
            answer = self.archive.ask(claim, top=max(top * 4, 12), earlier=context, claim=True)
        except RetrievalError as exc:
            return Notice(sentence(str(exc)))
        if answer.reason in (NoAnswer.EMPTY_ARCHIVE, NoAnswer.NOTHING_TO_SEARCH):
            return CheckReply(claim, message=answer.message)
        # The claim is compared as read: a slip's word as the archive's ("cheif" as "chief").
        for typed, meant in answer.respelled:
            words = re.sub(rf"\b{re.escape(typed)}\b", meant, words)
        slips = list(answer.respelled)
        bearing = [h for h in answer.hits if bears_on(words, h.text)]
        # Each clause has its subject: "kazakhstan held the tenge at 78 and the belarusian ruble
        # fell 30%" is about the tenge and about the Belarusian ruble.
        clauses = [self.subject_terms(words[s:e]) for s, e in claim_clauses(words)]
        subjects = [subject for subject in clauses if subject]
        aliases = self.archive.aliases

        def names_subject(hit: Hit) -> bool:
            held = set(analyze(hit.text))
            return any(
                all(name_term_held(t, held, aliases) for t in subject) for subject in subjects
            )

        confidence = answer.confidence
        if (
            not bearing
            and subjects
            and len(split_sentences(words)) == 1
            and self.names_known(words)
        ):
            # "Turkmenistan joined GUUAM": no passage holds two of its three words, yet GUUAM's
            # brief, listing its members, bears on it. Every name of the claim is in the
            # archive, so the passages naming its subject are the closest, and the reply says
            # which of its names they lack ("Aliyev had heart surgery in Cleveland": the
            # archive has no Cleveland, and nothing bears on it). A claim of several sentences
            # is checked sentence by sentence instead.
            bearing = [h for h in answer.hits if names_subject(h)]
            confidence = "low"
        if subjects:
            # Lead with what the claim is about: passages that name its subject (in any of its
            # spellings) come first, and when there are any, they alone are shown.
            bearing.sort(key=lambda h: not names_subject(h))
            if bearing and names_subject(bearing[0]) and len(subjects) == len(clauses):
                # Only they are evidence then: a passage sharing the claim's figure and unit
                # about something else ("80 percent of Ukraine's gas") would read as a match.
                # Not when a clause names nothing: its passages may name no subject either.
                bearing = [h for h in bearing if names_subject(h)]
        dated = [(h.text, h.citation.date) for h in bearing]
        bearing = [bearing[i] for i in by_coverage(words, dated)]
        # Number the evidence 1, 2, 3 as shown, not by the rank each had among all hits.
        evidence = [replace(h, rank=n) for n, h in enumerate(bearing[:top], start=1)]
        if not evidence:
            return CheckReply(claim, message=NOTHING_BEARS, respelled=slips)
        comparison = compare_with(words, evidence, self.archive.aliases)
        return CheckReply(claim, evidence, comparison, confidence=confidence, respelled=slips)

    def _check_sentences(
        self, claim: str, sentences: list[str], context: Sequence[str] = ()
    ) -> CheckReply:
        """Return the check of a long claim: one part per sentence, each with its best passage."""
        parts: list[CheckReply] = []
        evidence: list[Hit] = []
        for sentence in sentences:
            part = self._check_one(sentence, 1, context)
            if isinstance(part, Notice):
                part = CheckReply(sentence, message=part.text)
            part.evidence = [
                replace(h, rank=len(evidence) + n) for n, h in enumerate(part.evidence, start=1)
            ]
            evidence.extend(part.evidence)
            parts.append(part)
        confidence = "high" if any(p.confidence == "high" for p in parts) else "low"
        # The words read as others are named once, above the whole claim.
        slips = list(dict.fromkeys(slip for part in parts for slip in part.respelled))
        for part in parts:
            part.respelled = []
        return CheckReply(
            claim,
            evidence,
            None,
            message=None if evidence else NOTHING_BEARS,
            confidence=confidence if evidence else "none",
            parts=parts,
            respelled=slips,
        )

    def subject_terms(self, claim: str) -> set[str]:
        """Return the search terms of the most specific name in ``claim`` that the archive holds
        (the rarest by idf), or an empty set when it names nothing the archive knows.

        A name is written with a capital ("Aliev"), or, in a claim typed in lower case, is a
        word that is not English ("aliev"; "georgia" is an English word and names nothing)."""
        index = self.archive.index()
        best: tuple[float, set[str]] = (0.0, set())
        names = [analyze(name) for name in extract_names(claim)]
        if not names:
            names = [[term] for term in name_terms(claim)]
        for terms in names:
            if not terms or len(index.known_terms(terms)) < len(set(terms)):
                continue
            weight = sum(index.term_idf(t) for t in set(terms))
            if weight > best[0]:
                best = (weight, set(terms))
        return best[1]

    def names_known(self, claim: str) -> bool:
        """Return whether every name ``claim`` writes (as ``subject_terms`` reads them) is a
        word the archive holds, and it writes one."""
        index = self.archive.index()
        names = [analyze(name) for name in extract_names(claim)]
        if not names:
            names = [[term] for term in name_terms(claim)]
        names = [terms for terms in names if terms]
        return bool(names) and all(
            len(index.known_terms(terms)) == len(set(terms)) for terms in names
        )

    def brief(self, args: str) -> BriefReply | Notice:
        """Return the whole briefs of the issue named in ``args`` ("Monitor 4 139")."""
        try:
            parsed = parse_brief_args(args)
        except NumberRangeError as exc:
            return Notice(sentence(str(exc)))
        if parsed is None:
            return Notice(usage("brief"))
        try:
            return BriefReply(self.archive.briefs(*parsed))
        except BriefNotFoundError as exc:
            # The library points at the command line ('briefbot stats'); a chat has /sources.
            what = str(exc).split("; see ", 1)[0]
            return Notice(sentence(f"{what}; /sources shows what the archive holds"))
        except RetrievalError as exc:
            return Notice(sentence(str(exc)))

    def brief_by_id(self, brief_id: int) -> BriefReply | Notice:
        """Return the brief with this id (the "Full brief" button), or a line saying it is gone."""
        try:
            return BriefReply([self.archive.store.get_brief(brief_id)])
        except RetrievalError:
            return Notice("This brief was removed from the archive; ask the question again.")

    def sources(self) -> SourcesReply:
        """Return what the archive holds."""
        return SourcesReply(self.archive.store.stats())


def sentence(text: str, *, stop: bool = True) -> str:
    """Return a library message (they start lower-case, to go after "Error: ") as a sentence
    of its own: capitalised and, with ``stop``, ending with a full stop."""
    text = text.strip()
    if text and text[0].islower():
        text = text[0].upper() + text[1:]
    if stop and text and text[-1] not in ".!?":
        text += "."
    return text
