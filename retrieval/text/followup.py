"""Whether a message stands on its own or continues the question before it.

A message that may continue an earlier question (a reply to an answer, or a message soon after
one) is read with that question when it does not stand on its own (``needs_context``):

* it leaves out what it asks about: no word of substance ("why?", "how much?", "who took
  over?"), or fewer than ``MIN_OWN_TERMS`` of them ("what did iran say?");
* it points back (he, she, it, they, this, that, there, "the same", "the other" …) and does not
  name what it points to before it: ``"And Stepashin, when was he confirmed as prime
  minister?"`` opens with it, and, typed in lower case, "when did tbilisi start guarding its own
  coastline?" (a possessive after a word of substance), "… when it gave up the peg" (a clause's
  subject) and any pointer after ``NAMED_BEFORE`` words of substance have theirs. "It" and
  "there" that point to nothing ("is it true that …", "how much did it cost to build …", "were
  there any deaths …") do not point back;
* it only names a new subject for the same question: no question of its own after "and", "what
  about", "how about" or a preposition ("and Belarus?", "what about Moldova?", "and in may?").

Everything else is a complete question, answered alone even when it opens with "and"; so is a
message that opens a subject by name ("what's the latest on georgia?", "any news on the
caspian?", "tell me about the hryvnia": ``TOPIC_OPENERS``), however short. The rule
reads words only; it never looks at the archive, so it costs nothing next to the search.
Measured on ``bench/sets/followups.jsonl`` and ``standalone.jsonl``, on the paraphrase set's
questions asked after other ones, and on the dev collections' questions, all complete
(``bench/followups.py``, ``docs/quality.md``).
"""

from __future__ import annotations

import enum
import re
from collections.abc import Sequence
from functools import lru_cache

from retrieval.text.analyzer import analyze
from retrieval.text.query import search_terms

MIN_OWN_TERMS = 3
"""A question with fewer words of substance than this leaves out what it asks about."""

_WORD_RE = re.compile(r"[^\W_]+(?:['’][^\W_]+)*", re.UNICODE)
_SEGMENT_RE = re.compile(r"\s*(?:[,;:—–]|\s-\s)\s*")

CONNECTORS = (
    ("compare", "that", "with"),
    ("compare", "that", "to"),
    ("compare", "it", "with"),
    ("compare", "it", "to"),
    ("and", "what", "about"),
    ("and", "how", "about"),
    ("what", "about"),
    ("how", "about"),
    ("compared", "with"),
    ("compared", "to"),
    ("compare", "with"),
    ("compare", "to"),
    ("and", "also"),
    ("and", "then"),
    ("and",),
    ("also",),
    ("so",),
    ("but",),
    ("or",),
    ("plus",),
    ("then",),
    ("ok",),
    ("okay",),
)
"""Openings that join a message to the one before (longest first)."""

QUESTION_WORDS = frozenset(
    "who whom whose what when where why which how whats what's who's when's where's why's "
    "how's".split()
)
AUXILIARIES = frozenset(
    "is are was were do does did has have had can could will would should may might must shall "
    "isn't aren't wasn't weren't don't doesn't didn't hasn't haven't won't can't".split()
)
PREPOSITIONS = frozenset(
    "in on at by for with from to of after before during since until under over about "
    "between among against".split()
)
TRAILING_POINTERS = frozenset("before earlier later then".split())
"""Words that point back when they end the message ("and a year earlier?")."""
TIME_POINTERS = frozenset(
    {("at", "the", "time"), ("the", "day", "after"), ("the", "week", "after"), ("in", "the", "end")}
)
"""Phrases that end a message by pointing to the time asked about before ("… at the time?")."""
REACTIONS = frozenset(
    "react reacted reacting reaction respond responded responding response reply replied "
    "retaliate retaliated".split()
)
"""Words of a short question that asks how someone took what was asked about before."""
TRAILING_PHRASES = (("in", "total"), ("all", "told"))
"""Phrases that point back when they end the message: "how much does the military owe in
total?" sums up what was asked before ("in total tackles" does not)."""
POINTERS = frozenset(
    "he she it they him her his hers its their theirs them this these those there he's she's "
    "it's they're they've".split()
)
"""Words that point back to something named earlier."""
PERSON_POINTERS = frozenset("he him his she her hers himself herself he's she's".split())
"""Pointers that stand for a person named earlier ("who replaced him?")."""
POINTER_PHRASES = (
    ("the", "same"),
    ("the", "other"),
    ("the", "rest"),
    ("the", "latter"),
    ("the", "former"),
    ("that", "time"),
    ("that", "point"),
    ("that", "year"),
    ("that", "day"),
    ("that", "month"),
    ("else",),
    ("instead",),
)
CORRECTIONS = (
    ("no", "i", "meant"),
    ("no", "i", "mean"),
    ("i", "meant"),
    ("i", "mean", "the"),
    ("no", "not"),
    ("not", "the"),
    ("not", "that"),
    ("no", "the"),
    ("sorry", "i", "meant"),
)
"""Openings that correct the answer before ("no, I meant …", "not the Monitor, …")."""
ALWAYS_BACK = frozenset({"instead", "else"})
"""Words that point back to the answer before whatever the question names."""
GENERIC = frozenset(
    analyze("do say said says told react respond answer happen mean think go come actual")
)
"""Search terms (stemmed) that carry no subject of their own."""
FRAMING_TERMS = frozenset(analyze("much many big large long wide deep far time last"))
LIGHT = frozenset(analyze("take first later earlier again"))
"""Search terms that do not count toward a question's words of substance when telling whether it
stands on its own: "did the opposition take part?", "what did the duma have to pass first?" are
short questions about what came before (they are still searched)."""


_ON = ("on", "about", "with", "in", "from", "regarding")
TOPIC_OPENERS = (
    ("tell", "me", "about"),
    ("tell", "us", "about"),
    *(
        (*opener, on)
        for opener in (
            ("what's", "the", "latest"),
            ("whats", "the", "latest"),
            ("what", "is", "the", "latest"),
            ("what's", "new"),
            ("whats", "new"),
            ("what", "is", "new"),
            ("any", "news"),
            ("any", "updates"),
            ("any", "update"),
            ("anything", "new"),
            ("what", "do", "we", "have"),
            ("what", "do", "we", "know"),
            ("update", "me"),
            ("brief", "me"),
        )
        for on in _ON
    ),
)
"""Openings that say the words after them are the subject ("what's the latest on belarus?",
"tell me about the hryvnia", "any news on the caspian?"): such a message opens a subject of its
own, however few its words, unless that subject points back ("tell me about them")."""


def words_of(text: str) -> list[str]:
    """Return the lower-cased words of ``text``, apostrophes kept ("what's", "kazakhstan's")."""
    return [w.replace("’", "'").casefold() for w in _WORD_RE.findall(text)]


def strip_connector(words: list[str]) -> tuple[list[str], bool]:
    """Return ``words`` without an opening connector ("and", "what about" …) and whether it had
    one."""
    for connector in CONNECTORS:
        if tuple(words[: len(connector)]) == connector:
            return words[len(connector) :], True
    return words, False


def _asks(words: list[str]) -> bool:
    """Return whether ``words`` ask something themselves: a question word anywhere, or an
    auxiliary that opens them ("did he …", "is it …")."""
    return bool(words) and (words[0] in AUXILIARIES or any(w in QUESTION_WORDS for w in words))


@lru_cache(maxsize=256)
def asks_whether(text: str) -> bool:
    """Return whether ``text`` asks whether something is so ("did US$4 million vanish …?", "was
    there a drone attack …?") or only names what to find ("drone attack in grozny"), rather
    than asking who, what, when or how: an answer to it hinges on every word it names.

    Kept for the last texts asked about: an answer asks it of its question, and its quotes ask
    it again."""
    words, _ = strip_connector(words_of(text))
    return bool(words) and (words[0] in AUXILIARIES or not _asks(words))


def points_to_person(text: str) -> bool:
    """Return whether ``text`` points back to a person ("who replaced him?", "what did she
    say?")."""
    return any(w in PERSON_POINTERS for w in words_of(text.lower()))


def _names(text: str) -> list[int]:
    """Return the positions (in ``words_of(text)``) of words written with a capital that are not
    the first word: names ("Yeltsin", "IMF")."""
    return [
        n for n, w in enumerate(_WORD_RE.findall(text)) if n > 0 and w[:1].isupper() and w != "I"
    ]


POSSESSIVES = frozenset("its their his".split())
"""Pointers that own a noun ("its seat"): after a word of substance they point to it."""
SUBORDINATORS = frozenset(
    "when after before because if while as since until once though although whereas".split()
)
"""Words that open a clause whose subject ("when it gave up the peg") may be named before."""
DUMMY_IT = frozenset("true right correct false so possible likely accurate fair".split())
"""Words after which "it" points to nothing ("is it true that …", "was it right to …")."""
EXISTS = AUXILIARIES | {"be", "been"}
"""Words after which "there" says something exists ("there were", "there has been")."""
NAMED_BEFORE = 4
"""A pointer after this many words of substance has its subject in the question itself ("how
many of shevardnadze's guards died when gunmen went after him")."""


def _dummy(words: list[str], n: int) -> bool:
    """Return whether ``words[n]`` is a pointer that points to nothing: "it" that opens a
    judgement or a cost ("is it true that …", "it is not likely that …", "how long did it take to
    …"), or "there" that says something exists ("were there any deaths", "there was")."""
    word, after = words[n], words[n + 1 :]
    if word == "it":
        while after and (after[0] in AUXILIARIES or after[0] == "not"):
            after = after[1:]  # "is it not true", "it is likely", "it would be possible"
        if after[:1] == ["be"]:
            after = after[1:]
        if (after and after[0] in DUMMY_IT) or after[:2] == ["the", "case"]:
            return True
        # "how much did it cost to build …", "how long did it take to …"
        return (
            bool(after)
            and after[0] in ("cost", "costs", "take", "takes", "took")
            and ("to" in after)
        )
    if word == "there":
        before = words[n - 1] if n else ""
        return before in AUXILIARIES or (bool(after) and after[0] in EXISTS)
    return False


def _named_in(words: list[str], n: int) -> bool:
    """Return whether the pointer ``words[n]`` points to a subject the question names before it:
    a possessive ("its seat") or a clause's subject ("when it gave up") after a word of
    substance, or any pointer after ``NAMED_BEFORE`` of them."""
    before = len(own_terms(" ".join(words[:n])))
    if before >= NAMED_BEFORE:
        return True
    if not before:
        return False
    return words[n] in POSSESSIVES or (
        words[n] in ("it", "he", "she", "they") and words[n - 1] in SUBORDINATORS
    )


def _points_back(words: list[str], named: list[int]) -> bool:
    """Return whether ``words`` hold a word or phrase that points to something not named before
    it (``named``: positions of names in ``words``; see ``_named_in`` and ``_dummy`` for the
    pointers that do not point back)."""
    if (
        (words and words[-1] in TRAILING_POINTERS)
        or tuple(words[-3:]) in TIME_POINTERS
        or tuple(words[-3:-1]) == ("back", "in")  # "… back in july?"
    ):
        # "how much did the Central Bank spend the week before?", "… at the time?": a time
        # before or after the one asked about earlier, whatever the question names.
        return True
    if ALWAYS_BACK.intersection(words):
        # "who did Yeltsin put up instead?", "what else did Nazarbaev say?": instead of, or
        # besides, what the answer before gave, whatever the question names.
        return True
    for n, word in enumerate(words):
        if any(p < n for p in named):
            return False  # "who did Yeltsin nominate after he …": "he" has its name
        last = n == len(words) - 1
        if tuple(words[n:]) in TRAILING_PHRASES:
            return True
        pointer = word in POINTERS or (last and word in TRAILING_POINTERS)
        if pointer and not _dummy(words, n) and not _named_in(words, n):
            return True
        if word == "that" and (last or not n or words[n - 1] in PREPOSITIONS | AUXILIARIES):
            # "… at that?", "in that year", "how long is that section?", "that deal?"
            return True
        for phrase in POINTER_PHRASES:
            if tuple(words[n : n + len(phrase)]) == phrase:
                return True
    return False


def _topic_of(words: list[str]) -> list[str]:
    """Return the words after a ``TOPIC_OPENERS`` opening that hold a word of substance (the
    subject it opens), or none."""
    for opener in TOPIC_OPENERS:
        if tuple(words[: len(opener)]) == opener:
            rest = words[len(opener) :]
            return rest if own_terms(" ".join(rest)) else []
    return []


def own_terms(text: str) -> list[str]:
    """Return the words of substance in ``text``: its search terms less those that only frame a
    question ("do", "say", "how much")."""
    return [t for t in search_terms(text) if t not in GENERIC and t not in FRAMING_TERMS]


THANKS = frozenset(
    "ok okay k thanks thank you thx ty cheers great cool nice perfect got it very much a lot so "
    "many".split()
)
"""Words of a message that only thanks ("ok thanks", "thank you very much", "great, got it"): the
bot answers it "You're welcome" (``bot.chat.courtesy``)."""
GREETINGS = frozenset("hi hey hello hiya yo good morning afternoon evening there".split())
"""Words of a message that only greets ("hi", "good morning", "hello there"): the bot answers it
with a hello and an example question."""
ACKNOWLEDGEMENTS = THANKS | GREETINGS | {"hmm"}
"""Words of a message that only acknowledges: it thanks, greets, or says "hmm" (neither: the bot
says there is nothing to search for). Without a question mark such a message is not a
follow-up, whatever came before."""


class Why(enum.Enum):
    """Why a message does not stand on its own (``why_context``)."""

    NOTHING = "nothing"
    """No word of substance: "why?", "how much?", "and then?"."""
    SUBJECT = "subject"
    """Only a new subject for the same question: "and Belarus?", "what about Moldova?"."""
    POINTS_BACK = "points back"
    """A pointer with nothing it points to named before it ("when did he sign it?"), or a short
    question that opens with a preposition ("with what share?", "under which law?")."""
    SHORT = "short"
    """A question of its own, but with fewer than ``MIN_OWN_TERMS`` words of substance ("what
    did iran say?", "who is kocharian?"), or joined on ("and how many involve the security
    services?"): the one reason that may be wrong about a new subject, so the archive has a say
    (``retrieval.archive.Archive.reading``)."""


def why_context(text: str, *, claim: bool = False) -> Why | None:
    """Return why ``text`` does not stand on its own and should be read with the question before
    it (the rule in this module's docstring), or None when it stands on its own.

    A ``claim`` (``/check``) is a statement, not a question: it never counts as only naming a
    subject, and stands on its own unless it points back or leaves out what it is about.
    """
    words, joined = strip_connector(words_of(text))
    if not claim and any(tuple(words[: len(c)]) == c for c in CORRECTIONS):
        # "no, I meant the mining guy who left …", "not the Monitor, the Prism analysis …":
        # a correction of the answer before (conversations3: one more turn quotes the answer
        # first; no set lost a turn).
        return Why.POINTS_BACK
    substance = [t for t in own_terms(" ".join(words)) if t not in LIGHT]
    if not substance:
        if "?" not in text and set(words) <= ACKNOWLEDGEMENTS:
            return None  # "ok thanks": not a question, nothing to read again
        return Why.NOTHING  # "why?", "how much?", "and then?"
    offset = len(words_of(text)) - len(words)
    named = [n - offset for n in _names(text) if n >= offset]
    subject = _topic_of(words)
    if subject and not _points_back(subject, []):
        return None  # "what's the latest on belarus?": it names its own subject
    if not claim and not _asks(words):
        # Only a subject: "and Belarus?", "what about Moldova?", "in may?", "the same for
        # Georgia". A keyword search ("Tengiz oil exports") is a new question.
        if joined or words[0] in PREPOSITIONS:
            return Why.SUBJECT
        if text.rstrip().endswith("?") and len(substance) <= BARE_SUBJECT_TERMS:
            # "inflation?", "first tranche?" after an answer: asked of the same subject, as
            # "and inflation?" is (a keyword search, "Tengiz oil exports", asks nothing).
            return Why.SUBJECT
        return Why.POINTS_BACK if _points_back(words, named) else None
    short = Why.SHORT if len(substance) < MIN_OWN_TERMS else None
    if short and not claim and REACTIONS.intersection(words):
        # "how did kazakhstan react?", "did kyiv respond?": a reaction to what was asked before,
        # whoever reacts (not left to the archive, which reads a new name as a new subject).
        return Why.POINTS_BACK
    segments = [words_of(s) for s in _SEGMENT_RE.split(text) if words_of(s)]
    topic, _ = strip_connector(segments[0])
    if len(segments) > 1 and not _asks(topic) and own_terms(" ".join(topic)):
        # "And Stepashin, when was he confirmed?": what it points to comes first.
        return short
    if _points_back(words, named) or (short and not claim and words[0] in PREPOSITIONS):
        return Why.POINTS_BACK  # … or "with what share?", "under which law?"
    if joined and not claim and not named:
        # "and how many involve security services?", "so what was the result in october": joined
        # on and naming no one with a capital, it may continue the question before, however
        # many words it has; the archive has its say on whether it names a new subject, as for
        # a short one (conversations6 success@3 0.930 -> 0.947; no set lost a turn).
        return Why.SHORT
    return short


PERSON_POINTERS = frozenset("he she they him her his them their he's she's they're".split())
"""The pointers that stand for someone named earlier ("when did he take office?")."""


def points_nowhere(text: str) -> str | None:
    """Return the word of ``text`` that stands for someone named earlier ("he" of "when did he
    take office?"), as typed in lower case, when ``text`` points back for it
    (``why_context``) and names no one itself; None otherwise. Asked with no earlier question,
    it names no one."""
    words, _ = strip_connector(words_of(text))
    # Asked of every question read alone: the word list first, the rule only if it holds one.
    if PERSON_POINTERS.isdisjoint(words) or why_context(text) is not Why.POINTS_BACK:
        return None
    if _names(text):
        return None  # "what bargain did his father make if Tesla recovered?": it names him
    for n, word in enumerate(words):
        if word in PERSON_POINTERS and not _dummy(words, n) and not _named_in(words, n):
            return word
    return None


def needs_context(text: str, *, claim: bool = False) -> bool:
    """Return whether ``text`` does not stand on its own and should be read with the question
    before it (``why_context`` says why)."""
    return why_context(text, claim=claim) is not None


BARE_SUBJECT_TERMS = 2
"""A message of at most this many words of substance and a question mark, asking nothing else
("inflation?"), is asked of the earlier question's subject."""
MAX_CONTEXT_TURNS = 3
"""A follow-up is read with at most this many earlier questions (the latest ones)."""


def reading(text: str, earlier: Sequence[str], *, claim: bool = False) -> list[str]:
    """Return the earlier questions to read ``text`` with (oldest first): ``earlier`` (the
    questions it may continue, bounded to the last ``MAX_CONTEXT_TURNS``) when it does not stand
    on its own, else none (read alone). ``claim``: ``text`` is a claim to check."""
    earlier = [q for q in earlier if q.strip()]
    if not earlier or not needs_context(text, claim=claim):
        return []
    return earlier[-MAX_CONTEXT_TURNS:]


class Earlier(list[str]):
    """The questions a message may continue (oldest first), and what the last of them was: an
    ``ask`` (a question, or its "more") or a ``check`` (a claim), and the offset of the first
    passage that answer showed (a "more" page's: 3 for the second page of three) — "source?"
    names the passages that answer showed."""

    def __init__(self, questions: Sequence[str] = (), kind: str = "ask", offset: int = 0) -> None:
        super().__init__(questions)
        self.kind = kind
        self.offset = offset


def chain(context: Sequence[str], question: str) -> list[str]:
    """Return what a message after ``question`` (read with ``context``) may continue: the
    context and the question, the last ``MAX_CONTEXT_TURNS`` of them, so that a follow-up of a
    follow-up keeps the original subject."""
    turns = [*context, question]
    return turns[-MAX_CONTEXT_TURNS:]
