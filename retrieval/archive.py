"""The archive as the front ends use it: ingest, ask, read a brief, count what is there.

``Archive`` ties the store (SQLite, the one source of truth) to the BM25 index (derived from it) and
the answer builder. The bot, the terminal chat and the command line all answer through ``ask``, so
they answer alike.
"""

from __future__ import annotations

import datetime as dt
import re
from collections import OrderedDict
from collections.abc import Callable, Iterable, Sequence
from contextlib import suppress
from dataclasses import dataclass, field, replace
from difflib import SequenceMatcher
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from retrieval.answering.answer import (
    ANOTHER_SCRIPT,
    FIGURE_WORDS,
    FILTERED_OUT,
    NOT_FOUND_FILTERED,
    NOTHING_DATED,
    Answer,
    Hit,
    answer_kind,
    build_hit,
    claim_kind,
    empty_answer,
    format_date,
    gives_what_is_asked,
    quote_value,
    written_as,
)
from retrieval.answering.check import (
    ClaimCheck,
    better_opposed,
    compare_claim,
    extract_dates,
    extract_quantities,
    is_year_written,
    opposed_in,
    spell_thousands,
)
from retrieval.answering.filters import PUBLICATION, passage_filter
from retrieval.answering.ranking import (
    ALIAS_WEIGHT,
    COVERAGE_DEPTH,
    COVERAGE_TERMS,
    FRAMING,
    MAX_QUESTION_TERMS,
    RERANK_DEPTH,
    BriefMap,
    BriefTerms,
    Tokens,
    best_coverage,
    brief_leads,
    date_bonus,
    date_text,
    dated_in,
    diversify,
    high_coverage,
    informative,
    is_year,
    names_date,
    rerank,
    title_only,
    unseen_idf,
)
from retrieval.answering.spelling import Respelling, distance, respell, split_closed
from retrieval.catchup import Indexer
from retrieval.corpus.briefs import FooterRules
from retrieval.corpus.store import Store
from retrieval.errors import InvalidQueryError, NoAnswer, NotAnArchiveError, RetrievalError
from retrieval.search.bm25 import Allowed, BM25Params, BoolArray, FloatArray, IntArray
from retrieval.search.cache import cache_dir_for
from retrieval.search.index import BM25Index
from retrieval.text.aliases import Aliases, Match, load_aliases
from retrieval.text.analyzer import analyze, analyze_spans, token_offsets
from retrieval.text.english import (
    is_english,
    name_phrases,
    name_terms,
    without_possessive,
    written_as_names,
)
from retrieval.text.followup import (
    FRAMING_TERMS,
    GENERIC,
    MAX_CONTEXT_TURNS,
    Why,
    asks_whether,
    own_terms,
    points_nowhere,
    points_to_person,
    strip_connector,
    why_context,
    words_of,
)
from retrieval.text.followup import reading as rule_reading
from retrieval.text.inflections import other_forms
from retrieval.text.query import (
    CONTRACTIONS,
    MONTHS,
    RECENCY_TERMS,
    DateRange,
    Filters,
    asked_time,
    asks_latest,
    asks_news,
    asks_outcome,
    asks_year_after,
    asks_year_before,
    cited_filters,
    cited_publication,
    comparison_sides,
    in_another_script,
    looks_ahead,
    month_of_year,
    named_publication,
    parse_question,
    relative_dates,
    search_terms,
    spell_dates,
    spell_digit_dates,
    without_dates,
    without_seasons,
    year_after,
    year_before,
)

if TYPE_CHECKING:
    from retrieval.corpus.ingest import IngestReport

DEFAULT_TOP = 3
# rank-bm25's BM25Okapi defaults (k1 = 1.5, b = 0.75): with the rest of the ranking, k1 = 0.9, 1.2
# and 1.5 score the same on average over the dev collections (docs/quality.md), and the defaults
# keep every score equal to the reference's.
DEFAULT_PARAMS = BM25Params()
# An alias counts for less than the question's own word when choosing the sentence to quote.
ALIAS_QUOTE_WEIGHT = 0.5
QUOTE_CLOSE = 0.5
"""A brief's further passage may speak for it (see ``QUOTE_BETTER``) when its own score is at
least this share of the brief's best passage's (docs/quality.md, "Quotes that hold the answer")."""
QUOTE_BETTER = 1.1
"""… and when its quote gives what the question asks for and scores this many times the quote
of the brief's best passage."""
QUOTE_GIVEN = 0.5
"""… or, when the best passage's quote does not give what is asked, when its quote gives it and
scores at least this share of the best's (docs/quality.md, "Quotes that answer the question
asked")."""
CONTEXT_WEIGHT = 0.5
"""What a word of the earlier question weighs in a follow-up, against 1 for the follow-up's own
words (measured with ``bench/followups.py``; docs/quality.md, "Follow-up questions")."""
QUOTE_CONTEXT_SHARE = 0.5
"""… and, of that, in choosing the sentence to quote (docs/quality.md, "Quotes: the sentence
that answers"; 0.4–0.6 quote the same, 0.25 loses a turn)."""
MAX_FORM_EDITS = 2
"""A word read as another (a typing slip) is read as a word the briefs write at most this many
letters from it: one slip from a form of it ("ukrainal" as "Ukrainian")."""
NAMED_DEPTH = 20
"""How many of a follow-up's best passages are read for the names it asks about."""
SHOWN_NAME_DEPTH = 3
"""A standalone question naming one thing: the first of its first this many passages shown that
holds it is shown first (``Archive._name_first``)."""
PREFERRED_CLOSE = 0.5
"""A passage of the publication a question names ("the Prism piece") comes first when it is
among the ``NAMED_DEPTH`` best and scores at least this share of the best."""
VAGUE = frozenset(analyze("guy guys dude stuff thing things"))
"""Words that stand in for a person or a thing not named ("who's the guy who heads the knb?"):
searched, but no subject of their own."""
NOT_SUBSTANCE = GENERIC | FRAMING_TERMS | FRAMING | CONTRACTIONS | RECENCY_TERMS | VAGUE
"""Search terms that only frame a question: never named as words the archive lacks."""
CALENDAR = frozenset(analyze(" ".join(MONTHS)))
"""The months' search terms."""
MEASURE_TERMS = frozenset(analyze(" ".join(FIGURE_WORDS)))
"""Words that ask for a figure ("with what share?"): a passage gives the figure, not the word."""
RESPELLINGS_KEPT = 1024
"""How many questions' readings of words the archive lacks are kept (per index)."""
MAX_CONTEXT_TERMS = 12
"""Of the earlier questions, at most this many most informative distinct words are used."""
TOKENS_KEPT = 4096
"""How many passages' analysed tokens (their brief's title's and their text's) are kept per
index: the feedback passages of one question are often those of the next (a passage is read and
analysed once, not at every question that leans on it)."""


NAME_SAMPLE = 3
"""How many passages holding a rare word are read to tell whether the archive writes it as a
name (``Archive._writes_as_name``)."""
NAMES_KEPT = 4096
"""How many words' verdicts of ``Archive._writes_as_name`` are kept (per index)."""
MAX_NAMES_TOGETHER = 3
"""A question naming more things than this is a description, not a question about how they meet
(``Archive._names_apart``)."""


@dataclass
class Ranking:
    """The ranked passages for one question, before quoting.

    ``reason`` is None when passages were found, else why not (``NoAnswer``); ``confidence`` is
    ``high`` (a passage answers it), ``low`` (related passages, none answers it clearly) or
    ``none`` (nothing shares a word with it); ``weights`` are the term weights for choosing
    quotes (aliases included).
    """

    terms: list[str]
    known: list[str]
    passages: list[tuple[int, float]]
    reason: NoAnswer | None = None
    weights: dict[str, float] = field(default_factory=dict)
    confidence: str = "none"
    coverage: float = 0.0
    rows: dict[int, dict[str, Any]] = field(default_factory=dict, repr=False, compare=False)
    """Stored rows of passages already read while ranking (feedback, confidence), by id: ``ask``
    quotes from them rather than reading them again."""
    only_earlier: bool = False
    """A follow-up whose own terms the archive lacks: its passages match the earlier questions."""
    unknown: list[str] = field(default_factory=list)
    """The question's own search terms of substance that no passage holds, not even by an alias."""
    respelled: list[Respelling] = field(default_factory=list)
    """Words of the question no passage holds, read as the archive's word one typing slip away
    (``answering.spelling``)."""
    filtered_out: str | None = None
    """With no passage found: the filters applied (as typed, "vol:9"), the reason when they
    alone rule every passage out."""
    filtered: str | None = None
    """With no passage found: the filters applied (as typed), which left none that matches."""
    dates: DateRange | None = None
    """The span of time the question counts back from today ("last week"), if any."""
    dates_applied: bool = False
    """Whether ``dates`` restricted the passages: some brief is dated in it."""
    newest: str | None = None
    """With ``dates`` not applied: the newest brief's date."""
    cited: str | None = None
    """The filters a citation in the question was read as ("Monitor, Vol. 4, Issue 142":
    ``in:monitor vol:4 issue:142``), if any."""
    apart: list[str] = field(default_factory=list)
    """The names of the question (as written) that no brief of the first passages holds all
    together (``Archive._names_apart``): the answer is then ``low``."""
    elsewhere: str | None = None
    """The publication the question named as where to read ("the Prism piece"), as written,
    when none of its passages is among the best: the passages are from others."""
    newest_first: bool = False
    """The passages are the first of the newest briefs, nothing searched: the question asked
    only what is new ("what's new?", or "what happened last week?" with no brief dated then)."""


class Archive:
    """Answers questions from the briefs in one store.

    The index is saved beside the database (``<db>.index/``) and caught up whenever another
    writer (``briefbot ingest`` in another process, the bot's inbox) has changed the store, checked
    at most once per question; see ``retrieval/catchup.py``.

    Args:
        store: the store, or the path of its database file.
        params: BM25 parameters.
        cache: save the index beside the database file (an in-memory store keeps it in memory).
        aliases: the names searched for one another (default: the bundled file).
        spelling: read a question's words the archive lacks as its words one typing slip away
            (``answering.spelling``); off only to measure what that does.
        today: gives the day a question's "last week" or "yesterday" counts back from (default:
            today in UTC).
    """

    def __init__(
        self,
        store: Store | str | Path,
        *,
        params: BM25Params | None = None,
        cache: bool = True,
        aliases: Aliases | None = None,
        spelling: bool = True,
        today: Callable[[], dt.date] | None = None,
    ):
        self.store = store if isinstance(store, Store) else Store(store)
        self.today = today or _utc_today
        self.spelling = spelling
        self.params = params or DEFAULT_PARAMS
        self.aliases = aliases if aliases is not None else load_aliases()
        path = self.store.path
        cache_dir = cache_dir_for(path) if cache and path and str(path) != ":memory:" else None
        self.indexer = Indexer(self.store, self.params, cache_dir=cache_dir)
        self._briefs: tuple[BM25Index, BriefMap] | None = None
        self._brief_stats: tuple[BM25Index, BriefTerms] | None = None
        self._titles: dict[str, list[str]] = {}
        self._primed: tuple[BM25Index, dict[tuple[str, int, tuple[str, ...]], Ranking]] | None = (
            None
        )
        self._newest_of: tuple[BM25Index, str | None] | None = None
        self._respellings: (
            tuple[BM25Index, dict[tuple[str, frozenset[str]], dict[str, Respelling]]] | None
        ) = None
        self._tokens: tuple[BM25Index, OrderedDict[int, list[str]]] | None = None
        self._as_names: tuple[BM25Index, dict[str, bool]] | None = None
        self.indexer.on_change = self._forget_old_index

    def reconnect(self) -> None:
        """Give this archive a connection of its own to its database file, keeping what it has
        loaded and kept (the index, the analysed passages): a process forked from the one that
        opened the archive must not use that one's SQLite connection (nor close it: it is left
        as it is).

        Raises:
            NotAnArchiveError: if the archive is not in a file (an in-memory one has none).
        """
        path = self.store.path
        if path is None or str(path) == ":memory:":
            raise NotAnArchiveError(
                "an archive in memory cannot be opened again; open one stored in a file"
            )
        store = Store(path)
        self.store = store
        self.indexer.store = store

    # -- writing -------------------------------------------------------------------------

    def ingest(
        self,
        paths: Iterable[str | Path],
        *,
        footer: FooterRules | None = None,
        max_bytes: int | None = None,
    ) -> IngestReport:
        """Ingest files and folders into the store and return the run's report.

        ``max_bytes``: the largest file ingested (default ``ingest.DEFAULT_MAX_BYTES``).
        """
        # Imported here: a process that only answers (the bot's start) need not load it.
        from retrieval.corpus.ingest import DEFAULT_MAX_BYTES, Ingester

        limit = DEFAULT_MAX_BYTES if max_bytes is None else max_bytes
        ingester = Ingester(self.store, footer=footer, max_bytes=limit)
        return ingester.ingest_paths(paths)

    # -- the index -----------------------------------------------------------------------

    def index(self, progress: Callable[[int, int], None] | None = None) -> BM25Index:
        """Return the BM25 index of the store as it is now.

        The first call loads the saved index (or builds it, once); later calls catch it up with
        what other writers added or removed, tokenizing only the new passages (``progress(done,
        total)`` is called as they are). The index is saved for the next process.
        """
        return self.indexer.current(progress)

    def _allowed(self, filters: Filters, index: BM25Index) -> Allowed | None:
        """Return the filter over ``index``'s positions, or None when nothing is filtered."""
        if filters.is_empty():
            return None
        return passage_filter(index, filters)

    # -- answering -----------------------------------------------------------------------

    def rank(
        self,
        question: str,
        *,
        k: int = DEFAULT_TOP,
        offset: int = 0,
        filters: Filters | None = None,
        diverse: bool = False,
        earlier: Sequence[str] = (),
        earlier_weight: float = CONTEXT_WEIGHT,
        spans: bool = True,
        names_first: bool = True,
    ) -> Ranking:
        """Return the passages that answer ``question``, best first, and how sure that is.

        This is ``ask`` without the quotes: the bench ranks deep with it, and ``ask`` builds its
        hits from it, so both rank alike. With ``diverse``, passages of briefs not yet shown come
        before a brief's further passages (see ``ranking.diversify``). ``earlier`` reads
        ``question`` as a follow-up of those questions (oldest first; see ``context_terms``):
        their words weigh ``earlier_weight`` and their filters apply unless ``question`` sets
        its own. With ``spans``, a span of time counted back from today ("last week",
        ``text.query.relative_dates``) asks the briefs dated in it when there are any. With
        ``names_first``, a follow-up's passages that hold the names it asks about come first
        (``_own_names``). Read-only.

        Raises:
            InvalidQueryError: if the question is too long or a filter is malformed.
        """
        words, inline = parse_question(question)
        words, cited = cited_filters(words)
        if not cited.is_empty():
            # "Monitor, Vol. 4, Issue 142" as a citation writes it: the filters vol:4 issue:142
            # (a filter written as one takes precedence).
            inline = cited.merged(inline)
        earlier = list(earlier)[-MAX_CONTEXT_TURNS:]
        earlier_parsed = [parse_question(q) for q in earlier]
        before = asks_year_before(words)
        if spans and (before or (earlier and asks_year_after(words))):
            # "compare with last year" after a question about 1998 asks about 1997: a passage
            # that writes it or whose brief is dated in it, not the year before today. (Not
            # a span of days: the figure compared with is often in the later brief, "against
            # 160 in the same period of 1997".) A question that writes its own year counts
            # from it: "and in 1999 compared with the year before?" asks about 1998, and
            # "tengiz output in 1998 against the previous year", asked first, about 1997 (it
            # said no brief is dated 2025).
            years_typed = {t for t in search_terms(words) if is_year(t)}
            fixed = (
                int(years_typed.pop())
                if len(years_typed) == 1
                else self._fixed_year(earlier, earlier_parsed)
                if earlier
                else None
            )
            if fixed is not None:
                # ("and a year later?" likewise asks about the year after, in a follow-up: in a
                # question of its own, "next year" counts from no year it fixes.)
                words = year_before(words, fixed) if before else year_after(words, fixed)
        if inline.is_empty():
            # The earlier question's filters carry over unless the follow-up sets its own.
            for _, earlier_inline in reversed(earlier_parsed):
                if not earlier_inline.is_empty():
                    inline = earlier_inline
                    break
            # A follow-up that names its own month or year ("what about september?" after
            # "ruble since:1998-08-01 until:1998-08-31") asks of that time, not the earlier
            # question's days (it answered August again).
            if (inline.since or inline.until) and _names_time(words):
                inline = replace(inline, since=None, until=None)
        filters = (filters or Filters()).merged(inline)
        index = self.index()
        if cited.is_empty() and filters.publication is None and filters.issue is None:
            # "Monitor 142", "monitor #142", "prism 4/11": a publication cited by its number.
            by_number = cited_publication(words, index.labels.get(PUBLICATION, []))
            if by_number is not None:
                words, cited = by_number
                filters = filters.merged(cited)
        cited_as = cited
        if not cited.is_empty() and filters.publication is None:
            # Beside a cited volume or issue, a publication's name is the publication's.
            for name in index.labels.get(PUBLICATION, []):
                named = re.search(rf"(?<!\w){re.escape(name)}(?!\w)", words, re.IGNORECASE)
                if named is not None:
                    filters = filters.merged(Filters(publication=name))
                    cited_as = cited_as.merged(Filters(publication=name))
                    words = words[: named.start()] + " " + words[named.end() :]
                    break
        preferred: tuple[str, str] | None = None
        publications = index.labels.get(PUBLICATION, [])
        if len(publications) > 1:
            # An earlier question's "the Prism piece" said where to read, not what about: a
            # follow-up searched "prism" and "piece" (a passage citing "(See Prism, …)" first).
            for at, (said, said_filters) in enumerate(earlier_parsed):
                named_then = named_publication(said, publications)
                if named_then is not None:
                    earlier_parsed[at] = (named_then[2], said_filters)
        if filters.publication is None and len(publications) > 1:
            # "the Prism piece", "what did the Monitor say about …": its briefs come first; with
            # nothing else to look for ("what's new in the Monitor?") it is the filter. (In an
            # archive of one publication its name is a word like any other: "Corpus Christi".)
            named_pub = named_publication(words, publications)
            if named_pub is not None:
                name, written, rest = named_pub
                if any(t not in NOT_SUBSTANCE for t in search_terms(without_dates(rest))):
                    preferred, words = (name, written), rest
                else:
                    filters = filters.merged(Filters(publication=written))
                    cited_as = cited_as.merged(Filters(publication=written))
                    words = rest
        terms = search_terms(words)
        if index.size == 0:
            return Ranking(terms, [], [], NoAnswer.EMPTY_ARCHIVE)
        span = relative_dates(words, self.today()) if spans else None
        if spans and span is None:
            # As filters do, the earlier question's span carries over ("what happened last
            # week?", then "and in georgia?"), its words then no longer read as context.
            for at in reversed(range(len(earlier_parsed))):
                span = relative_dates(earlier_parsed[at][0], self.today())
                if span is not None:
                    earlier_parsed[at] = (
                        without_dates(earlier_parsed[at][0]),
                        earlier_parsed[at][1],
                    )
                    break
        dates_applied = False
        if span is not None and filters.since is None and filters.until is None:
            # "last week" restricts the passages when some brief is dated in it; when none is,
            # the answer says so above passages from any date.
            dated = filters.merged(Filters(since=span.since, until=span.until))
            if self._fits(index, dated).any():
                # Its days are the filter, its words no longer searched ("last week" is written
                # in briefs of every week).
                filters, dates_applied = dated, True
                terms = search_terms(without_dates(words))
            elif not earlier and all(
                t in NOT_SUBSTANCE for t in search_terms(without_dates(words))
            ):
                # "What happened last week?" of an archive with nothing that week: its newest
                # briefs, under a line that says none is dated then.
                found = Ranking(terms, [], self._newest(index, filters, offset + k)[offset:])
                found.dates, found.newest = span, self._newest_date(index)
                if not found.passages:
                    found.reason = NoAnswer.NOTHING_TO_SEARCH
                    return found
                found.confidence, found.newest_first = "high", True
                return found
            elif self._newest_date(index) is not None:
                # No brief is dated then, and the answer says so: its words are a time, not
                # what to look for ("what happened last week?" after "what's the latest on
                # georgia?" quoted three passages that write "last week", none on Georgia). (In
                # an archive of undated texts they are words like any other: TIME's "… coming
                # under attack last week" is written so in its stories.)
                terms = search_terms(without_dates(words))
        elif span is not None:
            span = None  # the question's own since:/until: say which days
        terms = _inflected(terms, index)
        respelled = self._respell(words, terms, index) if self.spelling else {}
        if respelled:
            # (A word typed closed stands for the two terms of the words it joins.)
            terms = [
                m
                for t in terms
                for m in (respelled[t].meant_term.split() if t in respelled else [t])
            ]
        idf, known_term = _term_lookups(index)
        terms = informative(terms, idf, MAX_QUESTION_TERMS, known_term)
        context = {
            t: earlier_weight
            for t in context_terms([w for w, _ in earlier_parsed], terms, idf, known_term)
        }
        if context and points_to_person(question) and not self._own_names(index, words):
            # "Who replaced him?" after "why did kazhegeldin quit as pm?": the pronoun stands for
            # the name the earlier question gave, which weighs as the follow-up's own words do
            # (only the words of the earlier questions weigh less).
            for said, _ in reversed(earlier_parsed):
                given = self._own_names(index, said)
                if given:
                    for t in given[0]:
                        if t in context:
                            context[t] = 1.0
                    break
        if not context and all(t in NOT_SUBSTANCE for t in terms):
            # Nothing but framing ("tell me the latest news", "how long did it take?"): a
            # passage would share only those words with it. "What happened last week?" is
            # answered by the briefs of that week, newest first.
            if not filters.is_empty():
                # The briefs those days or filters hold ("vol:4 issue:142", "Monitor, Vol. 4,
                # Issue 142"), newest first.
                listed = self._newest(index, filters, offset + k)[offset:]
                if not listed:
                    found = Ranking(terms, [], [], NoAnswer.NO_MATCH)
                    found.filtered_out = filters.describe()
                    return found
                found = Ranking(terms, [], listed, None, confidence="high")
                found.dates, found.dates_applied = span, dates_applied
                found.cited = cited_as.describe() or None
                return found
            if asks_news(words):
                # "What's new?", "any news?", "tell me the latest": the newest briefs.
                listed = self._newest(index, filters, offset + k)[offset:]
                if listed:
                    found = Ranking(terms, [], listed, None, confidence="high")
                    found.newest_first = True
                    return found
            return Ranking(terms, [], [], NoAnswer.NOTHING_TO_SEARCH)
        matches = self.aliases.matches(terms, words)
        added = self.aliases.added(terms, matches)
        known = index.known_terms(terms)
        alias_terms = index.known_terms(added)
        # Words the archive lacks, worth telling the user: not framing words ("say", "how long"),
        # not words an alias stands in for.
        stood_for = {t for m in matches for t in m.trigger} if alias_terms else set()
        unknown = [
            t
            for t in dict.fromkeys(terms)
            if t not in known
            and t not in NOT_SUBSTANCE
            and t not in stood_for
            and not title_only(index, t)
            and not _held_as_adjective(index, t)
            and len(t) > 1  # a letter ("U" of "U.S.") is no word a brief could hold
        ]
        extra: dict[str, float] = dict.fromkeys(alias_terms, ALIAS_WEIGHT)
        for t in index.known_terms(list(context)):
            extra.setdefault(t, context[t])
        if not known and not extra and not any(title_only(index, t) for t in terms):
            return Ranking(terms, known, [], NoAnswer.NO_MATCH)
        if in_another_script(words) and all(_NUMERAL_RE.fullmatch(t) for t in known):
            # "Каковы были итоги выборов в Казахстане в 1999 году?" of English briefs: its
            # "1999" alone would quote whatever is dated then.
            return Ranking(terms, known, [], NoAnswer.NO_MATCH)
        tokens: dict[int, list[str]] = {}
        fetched: dict[int, dict[str, Any]] = {}
        kept = self._kept_tokens(index)

        def tokens_of(ids: list[int], also: Sequence[int] = ()) -> list[list[str]]:
            """Return the tokens of passages ``ids`` (kept from an earlier question, or read and
            analysed); rows are read in one query with those of the passages ``also`` (to be
            quoted), unless read before."""
            missing = [pid for pid in ids if pid not in tokens and not _reuse(kept, pid, tokens)]
            unread = list(dict.fromkeys(p for p in (*missing, *also) if p not in fetched))
            fetched.update(self.store.passages_by_id(unread))
            for pid in missing:
                row = fetched.get(pid)
                if row is not None:
                    # A passage is about its brief's title too (feedback terms, coverage). Its
                    # text is analysed with its offsets: the passages read here are most often
                    # those then quoted, which need them.
                    text = token_offsets(row["text"])[0]
                    found = Tokens([*analyze(row["brief_title"] or ""), *text])
                    tokens[pid] = _keep(kept, pid, found)
            return [tokens.get(pid, []) for pid in ids]

        # "last week" of an archive with nothing that week: still searched, as typed (TIME's
        # "LAST WEEK" is its articles' own phrase: weighing it as framing cost nDCG 0.7652 ->
        # 0.7638), but not asked for by the confidence.
        unapplied = set(analyze(span.written)) if span is not None and not dates_applied else set()
        positions, final, own = rerank(
            index,
            terms,
            stats=self._brief_terms(index),
            tokens_of=tokens_of,
            allowed=self._allowed(filters, index),
            depth=max(RERANK_DEPTH, offset + k),
            aliases=extra,
            # "turn" of "turn down" says nothing of a refusal: its alias names do.
            framing=FRAMING.union(*(m.trigger for m in matches if m.particle)),
        )
        if not len(positions):
            found = Ranking(terms, known, [], NoAnswer.NO_MATCH)
            if not filters.is_empty():
                # Whether the filters alone rule every passage out (read once per such answer).
                if self._fits(index, filters).any():
                    found.filtered = filters.describe()
                else:
                    found.filtered_out = filters.describe()
            return found
        elsewhere: str | None = None
        if preferred is not None:
            # Its passages among the best, close to the best (half its score: not those that
            # share a word or two with the question).
            theirs = passage_filter(index, Filters(publication=preferred[0]))(
                positions[:NAMED_DEPTH]
            ) & (final[:NAMED_DEPTH] >= PREFERRED_CLOSE * final[0])
            if theirs.any():
                # Ahead of every other passage, in their order.
                lift = np.zeros(len(positions), dtype=np.float64)
                lift[: len(theirs)][theirs] = float(final.max() - final.min()) + 1.0
                final = final + lift
                again = np.lexsort((positions, -final))
                positions, final, own = positions[again], final[again], own[again]
            else:
                elsewhere = preferred[1]
        latest = asks_latest(words)
        if "date" in index.columns:
            year_terms = [*terms, *added]
            if names_date(year_terms) or names_date(context):
                # (Else every bonus is 0: the passages are in order already.)
                dates = list(index.columns["date"][positions])
                final = np.add(final, date_bonus(year_terms, dates, idf))
                if context:
                    final = np.add(final, earlier_weight * date_bonus(list(context), dates, idf))
                again = np.lexsort((positions, -final))
                positions, final, own = positions[again], final[again], own[again]
            if latest:
                newest = _newest_first(index, positions, [*terms, *context], matches)
                positions, final, own = positions[newest], final[newest], own[newest]
        quote_weights: dict[str, float] = {}  # worked out once, when the passages need them
        if context and diverse:
            # A follow-up's earlier words choose the briefs; its own words choose which passage
            # of a brief speaks for it ("how much oil does it produce?" after Tengiz and the
            # CPC's delay: the Tengiz brief's output passage, not its pipeline one).
            of = self._brief_map(index).brief_of[positions]
            first: dict[int, float] = {}
            for b, f in zip(of.tolist(), final.tolist(), strict=True):
                first.setdefault(b, f)
            lead = np.array([first[b] for b in of.tolist()])
            gives = self._gives_asked(question, index, positions, of, list(first)[:k], fetched)
            keys = [positions, -final, -own, ~gives, -lead]
            asked_names = self._own_names(index, words) if names_first else []
            swaps = names_first and why_context(question) is Why.SUBJECT
            if (
                names_first
                and not asked_names
                and not swaps
                and why_context(earlier[-1]) is Why.SUBJECT
            ):
                # After a new subject for the same question ("and in Ukraine?"), a follow-up that
                # names none ("how much are they owed there?") is about that one.
                asked_names = self._own_names(index, earlier_parsed[-1][0])
            # A new time for the same question ("and by October?", "and in 1999?"): held by a
            # passage that writes it or whose brief is dated in it.
            times = (
                [t for t in dict.fromkeys(terms) if t in CALENDAR or is_year(t)] if swaps else []
            )
            if asked_names or times:
                # A follow-up's own names ("and in Ukraine?" after Russia's miners) are what it
                # asks about: a passage holding them (or their aliases; text or brief title)
                # comes first, whatever the earlier words.
                head = np.argsort(-final, kind="stable")[:NAMED_DEPTH]
                head_tokens = tokens_of(index.ids[positions[head]].tolist())
                date_column = index.columns.get("date")
                holds = np.zeros(len(positions), dtype=bool)
                for at, toks in zip(head.tolist(), head_tokens, strict=True):
                    held = set(toks)
                    day = date_text(date_column[positions[at]]) if date_column is not None else ""
                    holds[at] = all(
                        self._holds(name, held, matches) for name in asked_names
                    ) and all(t in held or dated_in(day, t) for t in times)
                if holds.any():
                    keys.append(~holds)
            again = np.lexsort(tuple(keys))
            positions, final, own = positions[again], final[again], own[again]
        elif diverse:
            # The brief's passage whose quote answers speaks for the brief, when it is close to
            # the brief's best ("how much does ues owe gazprom": the passage that names the 30
            # billion rubles, not the one that names UES most). The briefs and their order do
            # not change.
            quote_weights = self._quote_weights(index, known, alias_terms, context, matches)
            again = self._quote_first(
                question, index, positions, own, quote_weights, offset + k, fetched
            )
            positions, final, own = positions[again], final[again], own[again]
        ids: list[int] = index.ids[positions].tolist()
        briefs = self._brief_map(index).brief_of[positions].tolist() if diverse else []
        scores = final.tolist() if diverse else []

        def arrange(need: int) -> list[int]:
            """Return the order to show the candidates in, right for its first ``need``."""
            if not diverse:
                return list(range(len(ids)))
            # Only the passages shown and those the confidence looks at are needed.
            order = diversify(briefs, scores, max(need, COVERAGE_DEPTH))
            head = [(own[i], final[i]) for i in order[:need]]
            if len(set(head)) < len(head):
                # Two passages scored alike may be one text stored twice (the same brief
                # ingested from two files): an answer quotes it once. (A deep ranking without
                # ``diverse`` keeps every copy: each is a document of its own there.)
                order = self._distinct(diversify(briefs, scores), ids, own, need)
            return order

        order = arrange(offset + k)
        # How sure: does one of the first passages hold enough of what the question asks?
        # A follow-up is sure when a passage holds enough of it with its context.
        asked = [*terms, *context]
        # Framing ("any news on …", "what happened …") is not what a question asks for, nor
        # is a word asking for the newest ("any recent news on the imf?").
        asked = [
            t
            for t in asked
            if t not in FRAMING and t not in unapplied and not (latest and t in RECENCY_TERMS)
        ] or asked
        window = order[offset : offset + k]
        # The rows of the passages shown are read with those the confidence reads: one query.
        shown = [ids[i] for i in window]
        helds = [set(h) for h in tokens_of([ids[i] for i in order[:COVERAGE_DEPTH]], shown)]
        best = best_coverage(asked, helds, idf, lambda t, h: self.aliases.held(t, h, matches))
        confidence = "high" if best >= high_coverage(len(set(asked))) else "low"
        if context and confidence == "high":
            # A follow-up's context alone is not an answer: "how many senators voted against
            # it?" after the test ban treaty, with passages on the treaty and no vote.
            mine = [
                t
                for t in dict.fromkeys(terms)
                if t not in NOT_SUBSTANCE and t not in CALENDAR and t not in MEASURE_TERMS
            ]
            if mine and not any(
                t in held or self.aliases.held(t, held, matches) for t in mine for held in helds
            ):
                confidence = "low"
        apart: list[str] = []
        sure = confidence
        if confidence == "high":
            leading = [ids[i] for i in order[:COVERAGE_DEPTH]]
            apart = self._names_apart(
                index, words, helds, leading, fetched, matches, publication=preferred
            )
            if apart:
                confidence = "low"
        # A passage that shares only framing words with the question ("tell me about chigir"
        # and a passage "telling" of something else) is not shown: it is noise. A year or a
        # number counts: in a factoid question it is often the clue (SQuAD: 2 answers of 514
        # questions with a number or a month lost when it did not; docs/quality.md).
        substance = {t for t in [*known, *extra] if t not in NOT_SUBSTANCE}
        when = {t for t in substance if t in CALENDAR or is_year(t)}
        if substance - when:
            # A month or a year alone is no subject: "what happened to maskhadov in july 1998?"
            # quoted Tengiz's output and the IMF's package, which share only "July" and "1998".
            substance -= when
        if substance:
            # A passage whose own score is above what the question's other words can give at
            # most (each under idf·(k1 + 1)) holds a word of substance: only the rest are read.
            most = sum(index.term_idf(t) for t in terms if t not in substance)
            bound = most * (self.params.k1 + 1) * (1 + 1e-9)

            def noise(batch: list[int]) -> set[int]:
                """Return those of ``batch`` that hold no word of substance."""
                doubtful = [i for i in batch if own[i] <= bound]
                held = tokens_of([ids[i] for i in doubtful])
                return {i for i, h in zip(doubtful, held, strict=True) if substance.isdisjoint(h)}

            # The passages shown are the first ``k`` after ``offset`` that are not noise: a
            # passage left out is replaced by the next one (with one shown, "what percentage did
            # nazarbaev get?" showed none: its first passage only "gets through").
            need = scanned = offset + k
            noisy = noise(order[:scanned])
            if noisy:
                clean = [i for i in order[:scanned] if i not in noisy]
                while len(clean) < need:
                    if len(order) < scanned + k:
                        order = arrange(scanned + k)
                    batch = order[scanned : scanned + k]
                    if not batch:
                        break
                    scanned += len(batch)
                    noisy = noise(batch)
                    clean.extend(i for i in batch if i not in noisy)
                window = clean[offset : offset + k]
        if diverse and not offset and not context and len(window) > 1:
            sides = self._sides(index, words)
            both = (
                self._sides_first(
                    index, sides, window, arrange(NAMED_DEPTH), ids, positions, tokens_of, matches
                )
                if sides
                else None
            )
            if both is not None:
                # "… Georgia or Kyrgyzstan?": a passage on each side, first; no brief need hold
                # both (the names check would say none does, as if that were a failing).
                window, apart, confidence = both, [], sure
            else:
                window = self._name_first(
                    index,
                    words,
                    window,
                    ids,
                    tokens_of,
                    matches,
                    lambda: arrange(NAMED_DEPTH),
                    briefs.__getitem__,
                )
        if diverse and not offset and len(window) > 1 and asks_outcome(words):
            # "when did the board finally approve it?": of the briefs shown, the latest tells
            # how it ended (the one ranked first often only expected it: "the Fund's board will
            # not approve the loan until the Duma has passed them").
            window = _latest_first(window, index.columns.get("date"), positions)
        ranked = [(ids[i], float(own[i])) for i in window]
        weights = quote_weights or self._quote_weights(index, known, alias_terms, context, matches)
        only_earlier = bool(context) and not known and not alias_terms
        return Ranking(
            terms,
            known,
            ranked,
            None,
            weights,
            confidence,
            best,
            fetched,
            only_earlier,
            unknown,
            list(respelled.values()),
            dates=span,
            dates_applied=dates_applied,
            cited=cited_as.describe() or None,
            apart=apart,
            elsewhere=elsewhere,
        )

    def _quote_weights(
        self,
        index: BM25Index,
        known: Sequence[str],
        alias_terms: Sequence[str],
        context: dict[str, float],
        matches: Sequence[Match] = (),
    ) -> dict[str, float]:
        """Return what each term weighs when choosing the sentence to quote: its idf, less for
        an alias's and a follow-up's earlier words.

        An earlier question's word weighs ``QUOTE_CONTEXT_SHARE`` of what it weighs in the
        ranking (a name "he" stands for, as much as the follow-up's own words): the passage
        is the earlier question's, and its sentence that holds the follow-up's own words
        answers what is new ("and moscow?": "Moscow has urged both sides …", not the EU's
        response asked about before).

        A word of an alias's name of several words (``matches``) weighs its share of the name:
        "Unified Energy Systems (UES)" counted the company four times over, and a sentence
        naming it so outscored the one saying what UES owes Gazprom.
        """
        weights = {t: max(index.term_idf(t), 0.01) for t in known}
        words_in_name: dict[str, int] = {}
        for match in matches:
            for target in match.targets:
                for t in target:
                    words_in_name[t] = min(words_in_name.get(t, len(target)), len(target))
        for t in alias_terms:
            alias = max(index.term_idf(t), 0.01) * ALIAS_QUOTE_WEIGHT
            weights.setdefault(t, alias / words_in_name.get(t, 1))
        for t, w in context.items():
            if index.vocab.get(t) is not None:
                share = QUOTE_CONTEXT_SHARE if w < 1.0 else 1.0
                weights.setdefault(t, max(index.term_idf(t), 0.01) * w * share)
        return weights

    def _quote_first(
        self,
        question: str,
        index: BM25Index,
        positions: IntArray,
        own: FloatArray,
        weights: dict[str, float],
        k: int,
        rows: dict[int, dict[str, Any]],
    ) -> IntArray:
        """Return the order of ``positions`` (best first) in which, within each of the first
        ``k`` briefs, another passage whose own score is ``QUOTE_CLOSE`` of the brief's best
        comes first when its quote (``answer.quote_value``) scores ``QUOTE_BETTER`` times the
        best's and gives what ``question`` asks for (for a question of no kind: when its own
        score is the higher), or when it gives what is asked, the best's quote does not, and
        it scores ``QUOTE_GIVEN`` of the best's. Briefs keep their order.

        ``k`` counts the briefs up to the end of the page shown: a brief's order is then the
        same on every page that shows it. ``rows`` holds the passage rows read so far; those
        read here are added to it. Writes nothing to the database.
        """
        lead = brief_leads(self._brief_map(index).brief_of[positions])
        kind = answer_kind(question)
        close = own >= QUOTE_CLOSE * own[lead]
        if kind is None:
            # Only a passage that matches the question better on its own may speak for its
            # brief (see below): the others are not read.
            close &= own >= own[lead]
        firsts = np.flatnonzero(lead == np.arange(len(lead)))  # each brief's best, in order
        if k <= 0:
            close[:] = False
        elif k < len(firsts):
            close &= lead <= firsts[k - 1]  # a passage of one of the first ``k`` briefs
        # A brief with no other passage close to its best has nothing to choose: not read.
        rivals = np.bincount(lead[close], minlength=len(positions))
        close &= rivals[lead] > 1
        at = np.flatnonzero(close).tolist()
        pids = index.ids[positions[at]].tolist()
        rows.update(self.store.passages_by_id([p for p in pids if p not in rows]))
        value = np.zeros(len(positions))
        gives = np.zeros(len(positions), dtype=bool)
        for i, pid in zip(at, pids, strict=True):
            row = rows.get(pid)
            if row is not None:
                value[i], gives[i] = quote_value(row["text"], weights, question)
        best = lead == np.arange(len(positions))
        better = close & (value > QUOTE_BETTER * value[lead])
        # A question of no kind ("did the Duma confirm Chernomyrdin?") has no answer to look
        # for: a passage that matches it better on its own (the best came first by the words
        # feedback added) and whose quote scores higher speaks for the brief.
        first = best | (better & (gives if kind is not None else own >= own[lead]))
        if kind not in (None, "name"):
            # The best passage's quote does not give what is asked ("why did uzbekistan leave
            # the treaty?": the treaty expires on April 20), another close one's does: it
            # speaks for the brief if its quote scores at least ``QUOTE_GIVEN`` of the best's.
            # (Not for a name: one that opens a sentence, "Anderson was …", is not seen.)
            given = close & gives & ~gives[lead] & (value >= QUOTE_GIVEN * value[lead])
            taken = np.bincount(lead[given], minlength=len(positions)) > 0
            first = (first & ~(best & taken[lead])) | given
        # Within a brief: its best passage and those whose quotes beat it, best quote first;
        # then the rest as ranked.
        return np.lexsort((np.arange(len(positions)), -np.where(first, value, 0.0), ~first, lead))

    def _gives_asked(
        self,
        question: str,
        index: BM25Index,
        positions: IntArray,
        of: IntArray,
        briefs: list[int],
        rows: dict[int, dict[str, Any]],
    ) -> BoolArray:
        """Return which of ``positions`` (of briefs ``of``) give what a follow-up ``question``
        asks for ("how many were picked up?": a count), among those of ``briefs``; all False
        when it asks for nothing of a kind. Within a brief the earlier question chose, the
        passage that gives it then speaks for the brief, not the brief's lead. ``rows`` holds
        the passage rows read so far (the ranking's); those read here are added to it."""
        gives = np.zeros(len(positions), dtype=bool)
        if answer_kind(question) is None:
            return gives
        at = np.flatnonzero(np.isin(of, briefs))
        ids = index.ids[positions[at]].tolist()
        rows.update(self.store.passages_by_id([p for p in ids if p not in rows]))
        for i, pid in zip(at.tolist(), ids, strict=True):
            row = rows.get(pid)
            gives[i] = row is not None and gives_what_is_asked(row["text"], question)
        return gives

    def _name_first(
        self,
        index: BM25Index,
        words: str,
        window: list[int],
        ids: list[int],
        tokens_of: Callable[[list[int]], list[list[str]]],
        matches: list[Match],
        deeper: Callable[[], list[int]] | None = None,
        brief_of: Callable[[int], int] | None = None,
    ) -> list[int]:
        """Return ``window`` (the passages to show, as candidate numbers) with a passage holding
        the one name the question ``words`` writes first, when the first does not hold it; else
        as it is. A question naming two or more things is left alone (the names check speaks
        for those).

        The passage is the first of the first ``SHOWN_NAME_DEPTH`` that holds it ("who chaired
        Ukraine's central bank …" quoted the Russian Central Bank first); when none of those
        does, with ``deeper`` (the next candidates, in order; their briefs ``brief_of``), the
        first of those that holds it, unless a brief shown holds it in another passage ("when
        did kashagan start producing oil?" showed three briefs on oil output and none on
        Kashagan, whose one brief came fourth)."""
        phrases = self._name_phrases(index, words)
        if not phrases:
            return window
        depth = min(SHOWN_NAME_DEPTH, len(window))
        head = [set(t) for t in tokens_of([ids[i] for i in window[:depth]])]

        def holds(name: tuple[str, ...], held: set[str]) -> bool:
            return self._holds(name, held, matches)

        # The one name is one of these phrases: when none of them is missing from the first
        # passage and held by another (nor, looking deeper, held by no passage shown), nothing
        # moves, whichever it is, and whether the archive writes a lower-case phrase as a name
        # (the texts of its first passages read and parsed, ~0.1 ms a phrase) need not be asked.
        if not any(
            not holds(terms, head[0])
            and (
                any(holds(terms, held) for held in head[1:])
                or (deeper is not None and not any(holds(terms, held) for held in head))
            )
            for terms, _, _ in phrases
        ):
            return window
        names = self._names_among(index, phrases)
        if len(names) != 1:
            return window
        (name,) = names
        found = [holds(name, held) for held in head]
        if found[0]:
            return window
        if any(found):
            j = found.index(True)
            return [window[j], *window[:j], *window[j + 1 :]]
        if deeper is None or brief_of is None:
            return window
        shown_briefs = {brief_of(i) for i in window[:depth]}
        rest = [i for i in deeper() if i not in window[:depth]]
        holders = [
            i
            for i, toks in zip(rest, tokens_of([ids[i] for i in rest]), strict=True)
            if holds(name, set(toks))
        ]
        if not holders or any(brief_of(i) in shown_briefs for i in holders):
            return window  # a brief shown speaks of it in another passage
        first = holders[0]
        if first in window:
            return [first, *(i for i in window if i != first)]
        return [first, *window[:-1]]

    def _sides(self, index: BM25Index, words: str) -> list[list[tuple[str, ...]]]:
        """Return what each side of a comparison (``text.query.comparison_sides``) names, as
        search terms: the name next to the word that sets them apart (the last before it, the
        first after it; each side whole after "compare"), and the years its side writes; []
        when the question compares nothing, or a side names nothing."""
        split = comparison_sides(words)
        if split is None:
            return []
        opened = not words.lstrip().lower().startswith("compar")
        sides: list[list[tuple[str, ...]]] = []
        for n, side in enumerate(split):
            if opened:
                # Only the part of the side next to the word that compares: "… first, Georgia"
                side = re.split(r"[,;:]", side)[-1 if n == 0 else 0]
            names = self._own_names(index, side)
            if not names:
                return []
            name = names[-1] if n == 0 and opened else names[0]
            years = [(t,) for t in search_terms(side) if is_year(t)]
            sides.append([name, *years])
        return sides

    def _sides_first(
        self,
        index: BM25Index,
        sides: list[list[tuple[str, ...]]],
        window: list[int],
        order: list[int],
        ids: list[int],
        positions: IntArray,
        tokens_of: Callable[[list[int]], list[list[str]]],
        matches: list[Match],
    ) -> list[int] | None:
        """Return ``window`` (the candidates to show) with the first of the best ``NAMED_DEPTH``
        holding each side of a comparison (``_sides``: its name, and its years written or its
        brief dated in them) first, one a side, or None when a side has none."""
        head = [i for i in order[:NAMED_DEPTH]]
        held = [set(t) for t in tokens_of([ids[i] for i in head])]
        dates = index.columns.get("date")
        chosen: list[int] = []
        for side in sides:
            name, years = side[0], [y[0] for y in side[1:]]
            for i, terms in zip(head, held, strict=True):
                day = date_text(dates[positions[i]]) if dates is not None else ""
                if (
                    i not in chosen
                    and self._holds(name, terms, matches)
                    and all(y in terms or dated_in(day, y) for y in years)
                ):
                    chosen.append(i)
                    break
            else:
                return None
        rest = [i for i in window if i not in chosen]
        return (chosen + rest)[: len(window)]

    def _holds(self, name: tuple[str, ...], held: set[str], matches: Sequence[Match]) -> bool:
        """Return whether the terms ``held`` (a passage's or a brief's) hold every search term of
        ``name``, itself or by an alias the question's ``matches`` give it."""
        return all(t in held or self.aliases.held(t, held, matches) for t in name)

    def _own_names(self, index: BM25Index, words: str) -> list[tuple[str, ...]]:
        """Return the names ``words`` (a question) writes that the archive holds, each as its
        search terms: capitalized, or a word the archive writes as a name."""
        return self._names_among(index, self._name_phrases(index, words))

    def _name_phrases(
        self, index: BM25Index, words: str
    ) -> list[tuple[tuple[str, ...], str, bool]]:
        """Return the phrases of ``words`` that may be names the archive holds (``_own_names``):
        each one's search terms (every one of them held by the archive), the phrase as written
        and whether it is written with a capital."""
        found: list[tuple[tuple[str, ...], str, bool]] = []
        for phrase, written in name_phrases(words):
            terms = tuple(
                t
                for t in dict.fromkeys(analyze(phrase))
                if t not in NOT_SUBSTANCE and t not in CALENDAR and not is_year(t)
            )
            if terms and len(index.known_terms(terms)) == len(terms):
                found.append((terms, phrase, written))
        return found

    def _names_among(
        self, index: BM25Index, phrases: list[tuple[tuple[str, ...], str, bool]]
    ) -> list[tuple[str, ...]]:
        """Return the names among ``phrases`` (``_name_phrases``), in order, each once: those
        written with a capital, and those the archive writes as a name."""
        found: list[tuple[str, ...]] = []
        for terms, _, written in phrases:
            if terms not in found and (written or self._writes_as_name(index, terms[0])):
                found.append(terms)
        return found

    def _names_apart(
        self,
        index: BM25Index,
        words: str,
        helds: list[set[str]],
        first: list[int],
        rows: dict[int, dict[str, Any]],
        matches: list[Match],
        *,
        publication: tuple[str, str] | None = None,
    ) -> list[str]:
        """Return the names ``words`` (a question) writes, when it writes two or three the archive
        holds and no brief of the passages ``first`` holds them all, else [].

        ``publication`` is one more name (label, as written) the question named as where to
        read and that ``words`` no longer hold ("the Prism piece").

        "What did the EU say about Chechnya?" is then answered by a passage on the EU and
        Belarus and one on Chechnya: each answers part of it, none the question. Names are
        ``text.english.name_phrases`` (a word that may be a name counts if the archive writes it
        as one), a month of a year (``text.query.month_of_year``: held by a brief dated in it or
        the next, or naming it later in its year) and a publication (held by its own briefs).
        ``helds`` are the terms of ``first`` (text and title), ``rows`` the passage rows read so
        far (those of ``first`` it lacks are read and added to it); a brief's other passages
        are read only when no passage holds every name itself. A
        question of more than ``2 * COVERAGE_TERMS`` terms, or naming more than
        ``MAX_NAMES_TOGETHER`` things, is a description and is left alone.
        """
        asked = set(analyze(words))
        if len(asked) > 2 * COVERAGE_TERMS:
            return []
        # Most sure answers have a passage holding every word of the question the archive holds:
        # then it holds every name too, whichever they are.
        content = [t for t in index.known_terms(list(asked)) if t not in NOT_SUBSTANCE]
        read: list[dict[str, Any]] = []

        def leading() -> list[dict[str, Any]]:
            """Return the rows of ``first``, those not in ``rows`` read (and added to it) once:
            a passage whose terms were kept from an earlier question was not read (the next
            page of the same question), and its brief's date and publication are names too."""
            if not read:
                unread = [p for p in first if p not in rows]
                if unread:
                    rows.update(self.store.passages_by_id(unread))
                read.extend(rows.get(p, {}) for p in first)
            return read

        if any(held.issuperset(content) for held in helds) and (
            publication is None
            or any(
                held.issuperset(content)
                and str(row.get("brief_publication") or "").casefold() == publication[0]
                for held, row in zip(helds, leading(), strict=False)
            )
        ):
            return []
        # A publication's name ("the Monitor") is held by the briefs it publishes.
        publications = {
            tuple(analyze(name)): name for name in index.labels.get(PUBLICATION, []) if name
        }
        found: dict[tuple[str, ...], tuple[str, bool]] = {}
        if publication is not None:  # named first, as questions name where to read
            found[tuple(analyze(publication[0]))] = (publication[1], True)
        for terms, phrase, written in self._name_phrases(index, words):
            found.setdefault(terms, (phrase, written))
        # A month of a year ("dec 99") is asked for as a name is: a brief dated in it holds it.
        when = month_of_year(words)
        month = tuple(analyze(when.written)) if when is not None else ()
        if when is not None:
            found[month] = (when.written, True)
        # So is a year ("… in 1998?"): a brief dated in it holds it, as one whose text names it.
        years: set[tuple[str, ...]] = set()
        if when is None:
            for t in dict.fromkeys(analyze(spell_dates(words))):
                if is_year(t) and index.vocab.get(t) is not None:
                    years.add((t,))
                    found.setdefault((t,), (t, True))

        def holds(held: set[str], names: Iterable[tuple[str, ...]], row: dict[str, Any]) -> bool:
            """Return whether a brief (``held``, its terms; ``row``, its fields) holds ``names``."""
            # (``published``: the brief's publication; ``publication`` is the one asked for.)
            date, published = row.get("brief_date"), row.get("brief_publication")
            return all(
                (when is not None and ts == month and when.dates(date, month[0] in held))
                or (ts in years and (ts[0] in held or dated_in(date_text(date), ts[0])))
                or (ts in publications and publications[ts] == str(published or "").casefold())
                or self._holds(ts, held, matches)
                for ts in names
            )

        # A passage holding every word that may be a name holds every name: nothing to read.
        if len(found) < 2 or any(
            holds(held, found, row) for held, row in zip(helds, leading(), strict=False)
        ):
            return []
        # A rare word of a question in lower case is a name if the archive writes it as one
        # ("chechnya"), not if it writes it as a word ("aeroelastic", "tranche").
        names = {
            terms: phrase
            for terms, (phrase, written) in found.items()
            if written or self._writes_as_name(index, terms[0])
        }
        # (A year is one more name, not one more thing a description lists.)
        if len(names) < 2 or len(names.keys() - years) > MAX_NAMES_TOGETHER:
            return []
        briefs = {rows[p]["brief_id"]: rows[p] for p in first if p in rows}
        for brief_id, row in briefs.items():
            held = set(analyze(row["brief_title"] or ""))
            for passage in self.store.passages_of_brief(brief_id):
                held.update(analyze(passage["text"]))
            if holds(held, names, row):
                return []
        return list(names.values())

    def _writes_as_name(self, index: BM25Index, term: str) -> bool:
        """Return whether the first passages of ``index`` holding ``term`` (a few) write it as a
        name (``text.english.written_as_names``).

        Kept per index (``NAMES_KEPT`` words): the passages holding a word change only with the
        archive, and a changed archive is a new index (``_forget_old_index``)."""
        if self._as_names is None or self._as_names[0] is not index:
            self._as_names = (index, {})
        kept = self._as_names[1]
        if term not in kept:
            if len(kept) >= NAMES_KEPT:
                kept.clear()
            texts = self._texts_holding(index, term)
            kept[term] = bool(written_as_names(texts, {term}, acronyms=True))
        return kept[term]

    def _texts_holding(self, index: BM25Index, term: str) -> list[str]:
        """Return the texts of the first ``NAME_SAMPLE`` live passages of ``index`` that hold
        ``term``."""
        positions = index.term_postings(term)[0]
        if index.live is not None:
            positions = positions[index.live[positions]]
        ids = index.ids[positions[:NAME_SAMPLE]].tolist()
        return [row["text"] for row in self.store.passages_by_id(ids).values()]

    def _as_written(self, index: BM25Index, term: str, typed: str) -> str | None:
        """Return the word of the archive closest to ``typed`` that gives ``term``, as a passage
        writes it ("Kyapaz", "Nazarbaev" rather than "Nazarbayev" for "nazarbaiev"; a possessive
        "'s" left out), or None if none of the first few passages holding ``term`` has one."""
        forms = {
            without_possessive(text[start:end]): None
            for text in self._texts_holding(index, term)
            for found, start, end in analyze_spans(text)
            if found == term
        }
        if not forms:
            return None
        return max(forms, key=lambda w: SequenceMatcher(None, typed, w.lower()).ratio())

    def _distinct(self, order: list[int], ids: list[int], own: FloatArray, need: int) -> list[int]:
        """Return ``order`` without each passage whose text is that of a passage kept before it,
        up to the first ``need`` kept (the rest follow as they are). Only a passage whose own
        score equals a kept one's is read: a copy scores as its original does."""
        kept: list[int] = []
        rows: dict[int, dict[str, Any]] = {}
        for at, i in enumerate(order):
            if len(kept) >= need:
                return kept + order[at:]
            alike = [j for j in kept if own[j] == own[i]]
            if alike:
                unread = [ids[j] for j in (*alike, i) if ids[j] not in rows]
                rows.update(self.store.passages_by_id(unread))
                text = rows.get(ids[i], {}).get("text")
                if text is not None and any(
                    rows.get(ids[j], {}).get("text") == text for j in alike
                ):
                    continue
            kept.append(i)
        return kept

    def _fits(self, index: BM25Index, filters: Filters) -> BoolArray:
        """Return, over the live positions of ``index`` (ascending), which ``filters`` lets
        through."""
        return passage_filter(index, filters)(_live_positions(index))

    def _newest(self, index: BM25Index, filters: Filters, k: int) -> list[tuple[int, float]]:
        """Return the first passage of each of the ``k`` newest briefs ``filters`` lets through,
        newest first (score 0: nothing was searched)."""
        live = _live_positions(index)
        positions = live[passage_filter(index, filters)(live)]
        if not len(positions):
            return []
        briefs = self._brief_map(index).brief_of[positions]
        _, first = np.unique(briefs, return_index=True)
        positions = positions[np.sort(first)]
        if "date" in index.columns:
            # Newest first, ties in order: the dates ranked by numpy (they sort as strings do),
            # not read one by one.
            _, rank = np.unique(index.columns["date"][positions], return_inverse=True)
            positions = positions[np.lexsort((positions, -rank))]
        return [(int(pid), 0.0) for pid in index.ids[positions[:k]].tolist()]

    def _newest_date(self, index: BM25Index) -> str | None:
        """Return the date of the newest brief of ``index`` (YYYY-MM-DD), None if none has one
        (worked out once per index: ~20 ms at 100,000 passages)."""
        if self._newest_of is not None and self._newest_of[0] is index:
            return self._newest_of[1]
        newest: str | None = None
        if "date" in index.columns:
            dates = np.unique(index.columns["date"][_live_positions(index)])
            last = dates[-1] if len(dates) else b""
            if last:
                newest = date_text(last)
        self._newest_of = (index, newest)
        return newest

    def _respell(self, words: str, terms: Sequence[str], index: BM25Index) -> dict[str, Respelling]:
        """Return how the question's words of substance (``words``, its text without filters;
        ``terms``, its search terms) that no passage holds, nor stands for by an alias, are read
        instead (``answering.spelling.respell``), by term."""
        held = set(index.known_terms(terms))
        lacking = {t for t in terms if t not in held and t not in NOT_SUBSTANCE}
        if not lacking:
            return {}
        lacking -= {t for m in self.aliases.matches(terms, words) for t in m.trigger}

        holding = getattr(index.vocab, "holding", None)  # a loaded index's saved vocabulary
        # Kept per index: the same unknown name comes back question after question.
        if self._respellings is None or self._respellings[0] is not index:
            self._respellings = (index, {})
        kept = self._respellings[1]
        key = (words, frozenset(lacking))
        if key not in kept:
            if len(kept) >= RESPELLINGS_KEPT:
                kept.clear()
            found = respell(words, lacking, lambda t: _df(index, t), holding)
            if found:
                # A word written as a name ("What did Lebed do …") is no slip for a word the
                # briefs do not write as one ("leu"): it is a name the archive lacks.
                names = {
                    word.lower()
                    for phrase, written in name_phrases(words)
                    if written
                    for word in phrase.split()
                }
                found = {
                    term: slip
                    for term, slip in found.items()
                    if slip.typed.lower() not in names
                    or self._writes_as_name(index, slip.meant_term)
                }
            for term, slip in found.items():
                if not is_english(slip.meant.lower()):
                    # One edit from the word typed, not always a word ("ukrainal" for
                    # "ukrainan", a form of "Ukrainian"): named as the archive writes it.
                    written = self._as_written(index, slip.meant_term, slip.typed.lower())
                    if written is not None:
                        found[term] = replace(slip, meant=written)
            # A slip's word that no brief writes, whose stem a word far from the one typed
            # shares ("lebed" is one slip from "leued", whose stem is the "leu" of the Moldovan
            # leu), is no slip: the word is one the archive lacks.
            found = {
                term: slip
                for term, slip in found.items()
                if distance(slip.meant.lower(), slip.typed.lower()) <= MAX_FORM_EDITS
            }
            # A word typed closed that the briefs write as two ("anticorruption"): read as both.
            found.update(split_closed(words, lacking - set(found), lambda t: _df(index, t)))
            kept[key] = found
        return dict(kept[key])

    def _fixed_year(
        self, earlier: Sequence[str], earlier_parsed: Sequence[tuple[str, Filters]]
    ) -> int | None:
        """Return the year the question before a follow-up is about, if it fixes one: the one
        year it writes (or its since:/until: keep to), else the one year every brief its
        answer's first passages cite is dated in; None when it fixes none (two years, briefs of
        several). Read-only."""
        words, said = earlier_parsed[-1]
        years = {t for t in search_terms(words) if is_year(t)}
        if said.since and said.until and said.since[:4] == said.until[:4]:
            years.add(said.since[:4])
        if not years:
            # Nothing written: the briefs its answer cited (its first page, as ``ask`` shows it).
            shown = self.rank(earlier[-1], earlier=earlier[:-1], diverse=True, spans=False)
            ids = [pid for pid, _ in shown.passages[:DEFAULT_TOP]]
            rows = self.store.passages_by_id(ids).values()
            years = {str(row["brief_date"] or "")[:4] for row in rows}
        year = years.pop() if len(years) == 1 else ""
        return int(year) if is_year(year) else None

    def _forget_old_index(self) -> None:
        """Drop what is kept for the index being replaced (the indexer calls this when it built
        or caught up one), so that the old index's arrays are freed as the new one is made ready,
        not at the next question: the bot holds one generation of them, not two or three."""
        self._briefs = None
        self._brief_stats = None
        self._primed = None
        self._respellings = None
        self._newest_of = None
        self._tokens = None
        self._as_names = None

    def _kept_tokens(self, index: BM25Index) -> OrderedDict[int, list[str]]:
        """Return the analysed tokens kept of passages read while ranking over ``index`` (by
        passage id, least recently used first; see ``TOKENS_KEPT``)."""
        cached = self._tokens
        if cached is None or cached[0] is not index:
            cached = self._tokens = (index, OrderedDict())
        return cached[1]

    def _brief_terms(self, index: BM25Index) -> BriefTerms:
        """Return the brief-level statistics for reranking over ``index`` (cached per index)."""
        cached = self._brief_stats
        if cached is not None and cached[0] is index:
            return cached[1]
        stats = BriefTerms(index, self._brief_map(index))
        self._brief_stats = (index, stats)
        return stats

    def _brief_map(self, index: BM25Index) -> BriefMap:
        """Return which brief each position of ``index`` belongs to (cached per index)."""
        cached = self._briefs
        if cached is not None and cached[0] is index:
            return cached[1]
        if "brief" in index.columns:
            # The saved index carries each passage's brief and the briefs' title tokens: nothing
            # is read from SQLite or re-analyzed (this ran at every start and after every growth).
            briefs = BriefMap.build(index)
        else:
            rows = self.store.db.execute("SELECT id, brief_id FROM passages")
            owner = {pid: bid for pid, bid in rows}
            known = self._titles  # each distinct title is analyzed once per process
            titles: dict[int, list[str]] = {}
            for bid, title in self.store.db.execute("SELECT id, title FROM briefs"):
                if title:
                    if title not in known:
                        known[title] = analyze(title)
                    titles[bid] = known[title]
            briefs = BriefMap.build(index, owner, titles)
        self._briefs = (index, briefs)
        return briefs

    def reading(
        self,
        question: str,
        earlier: Sequence[str],
        *,
        claim: bool = False,
        top: int = DEFAULT_TOP,
    ) -> list[str]:
        """Return the earlier questions to read ``question`` with (oldest first), or none to read
        it alone.

        The rule of ``retrieval.text.followup`` decides, reading words only. A question (or a
        ``claim``) it reads with them only for being short (``Why.SHORT``: "what did iran
        say?", but also "who is kocharian?") gets a second opinion from the archive
        (``names_new_subject``); its ranking of the question read alone is kept for the ``ask``
        of the same question with ``top`` that follows when it is read alone. An earlier
        question that names nothing (``readable_earlier``) is left out. Read-only; a malformed
        question is left to ``ask`` to report.
        """
        self._primed = None
        context = rule_reading(question, readable_earlier(earlier), claim=claim)
        if not context or why_context(question, claim=claim) is not Why.SHORT:
            return context
        try:
            return [] if self.names_new_subject(question, context, top=top) else context
        except RetrievalError:
            return context

    def names_new_subject(
        self, question: str, earlier: Sequence[str], *, top: int = DEFAULT_TOP
    ) -> bool:
        """Return whether ``question`` names a subject of its own, away from ``earlier``.

        It does when, not joined on with "and" or "what about", a passage of its answer read
        alone (``top`` passages, not only the first: "who is the head of gazprom?" quotes first
        who "heads" the KNB) holds a name (a word of substance that is not an English word:
        "kazhegeldin", not "signed") that no brief of the earlier answer (the last of
        ``earlier`` read with those before it, ``top`` passages) holds ("who replaced
        kazhegeldin?" after an answer on gas transit fees). It also does when one of its words of
        substance is a name (by its spelling, or as the briefs write it: not "who attended?"),
        read alone its best passage holds all those words, while read with ``earlier``, its best
        passage holds none of those words ("who is kocharian?" after a question about miners'
        strikes would quote the strikes) or none of the words that name the earlier questions'
        subject (``_subject_terms``: they only pull their own passages in below it). The
        ranking of ``question`` read alone (``top`` passages) is kept for the next ``ask`` of
        ``question`` alone with ``top``; the one read with ``earlier`` is not (it is ranked
        without ``names_first``, which ``ask`` applies).

        Raises:
            InvalidQueryError: if the question is too long or a filter is malformed.
        """
        words, _ = parse_question(question)
        index = self.index()
        own = {t for t in own_terms(words) if index.vocab.get(t) is not None}
        if not own:
            return False
        primed: dict[tuple[str, int, tuple[str, ...]], Ranking] = {}
        self._primed = (index, primed)
        alone = primed[question, top, ()] = self.rank(question, k=top, diverse=True)
        if not alone.passages:
            return False
        held_alone = self._held(alone)
        names: set[str] | None = None

        def named() -> set[str]:
            """Return those of ``own`` that are names (by their spelling, or as the passages
            read alone write them), worked out once."""
            nonlocal names
            if names is None:
                names = own & (set(name_terms(question)) | self._written_as_names(alone, own))
            return names

        if not strip_connector(words_of(question))[1]:
            # Not joined on ("and …", "what about …"): a name its own best passage holds and no
            # brief of the earlier answer does is a new subject ("who replaced kazhegeldin?"
            # after an answer on gas transit fees); an English word ("signed") may be a verb.
            shown = self.rank(earlier[-1], k=top, diverse=True, earlier=earlier[:-1])
            unseen = own - self._briefs_hold(shown, own) if shown.passages else set()
            unseen &= self._shown_hold(alone, unseen)
            if unseen and unseen & named():
                return True
        if not own <= held_alone:
            return False
        if not named():
            # Only English words, none a name ("who attended?", "when was it signed?"): they
            # ask about the subject before, whatever other passage holds them.
            return False
        together = self.rank(question, k=top, diverse=True, earlier=earlier, names_first=False)
        if not together.passages:
            return True
        held = self._held(together)
        return held.isdisjoint(own) or held.isdisjoint(self._subject_terms(earlier, own))

    def _subject_terms(self, earlier: Sequence[str], own: set[str]) -> set[str]:
        """Return the words of ``earlier`` a follow-up is read with (``context_terms``) that name
        a subject: not framing words, numbers or months ("may", "98" join any two questions)."""
        idf, known = _term_lookups(self.index())
        found = context_terms([parse_question(q)[0] for q in earlier], sorted(own), idf, known)
        return {t for t in found if t not in NOT_SUBSTANCE | CALENDAR and not t.isdigit()}

    def _opposed(
        self, claim: str, hits: list[Hit], weights: dict[str, float], kind: str | None
    ) -> list[Hit]:
        """Return ``hits`` (a claim's, for ``/check``) with each brief's passage replaced by
        another of its brief not shown that says the opposite of the claim's word and holds as
        many of its words (``answering.check.better_opposed``): one passage stands for a brief,
        and the one sharing most words with the claim may be beside the point. Read-only."""
        if not opposed_in(claim):
            return hits
        shown = {hit.passage_id for hit in hits}
        out = []
        for hit in hits:
            rows = self.store.passages_of_brief(hit.brief_id)
            better = next(
                (
                    row["id"]
                    for row in rows
                    if row["id"] not in shown and better_opposed(claim, row["text"], hit.text)
                ),
                None,
            )
            if better is None:
                out.append(hit)
                continue
            shown.add(better)
            row = self.store.passages_by_id([better])[better]
            out.append(build_hit(hit.rank, hit.score, row, weights, question=claim, kind=kind))
        return out

    def _take_primed(self, question: str, top: int, earlier: Sequence[str]) -> Ranking | None:
        """Return the ranking ``reading`` read for this ``ask`` (same question, ``top`` and
        earlier questions, same index), once; None when there is none."""
        primed, self._primed = self._primed, None
        if primed is None or primed[0] is not self.index():
            return None
        return primed[1].get((question, top, tuple(earlier)))

    def _briefs_hold(self, ranking: Ranking, terms: Iterable[str]) -> set[str]:
        """Return those of ``terms`` that a brief of ``ranking``'s passages holds, in a passage
        or its title (read from the index's postings: nothing is re-analyzed)."""
        index = self.index()
        briefs = self._brief_map(index)
        # Ranked passages are the index's own: each id is found among its ascending ids.
        positions = np.searchsorted(index.ids, [pid for pid, _ in ranking.passages])
        shown = np.unique(briefs.brief_of[positions])
        held: set[str] = set()
        for term in terms:
            found = briefs.brief_of[index.term_postings(term)[0]]
            if briefs.titles is None:
                titled = briefs.brief_of[index.title_postings(term)[0]]
            else:
                titled = briefs.titles.get(term, (np.zeros(0, dtype=np.int64),))[0]
            if np.isin(shown, found).any() or np.isin(shown, titled).any():
                held.add(term)
        return held

    def _shown_hold(self, ranking: Ranking, terms: set[str]) -> set[str]:
        """Return those of ``terms`` that a passage of ``ranking`` holds, in its text or its
        brief's title (read from the index's postings: nothing is re-analyzed)."""
        index = self.index()
        positions = np.searchsorted(index.ids, [pid for pid, _ in ranking.passages])
        return {t for t in terms if _holding(index, positions, t).any()}

    def _written_as_names(self, ranking: Ranking, terms: set[str]) -> set[str]:
        """Return those of ``terms`` that the passages of ``ranking`` write as a name ("Caspian";
        see ``text.english.written_as_names``)."""
        if not terms:
            return set()
        ids = [pid for pid, _ in ranking.passages]
        missing = [pid for pid in ids if pid not in ranking.rows]
        rows = {**self.store.passages_by_id(missing), **ranking.rows} if missing else ranking.rows
        return written_as_names([rows[pid]["text"] for pid in ids if pid in rows], terms)

    def _held(self, ranking: Ranking) -> set[str]:
        """Return the search terms the first passage of ``ranking`` holds (its text and its
        brief's title)."""
        pid = ranking.passages[0][0]
        row = ranking.rows.get(pid) or self.store.passages_by_id([pid]).get(pid)
        if row is None:
            return set()
        return set(analyze(row["brief_title"] or "")) | set(analyze(row["text"]))

    def ask(
        self,
        question: str,
        *,
        top: int = DEFAULT_TOP,
        offset: int = 0,
        filters: Filters | None = None,
        earlier: Sequence[str] = (),
        claim: bool = False,
        shown: int | None = None,
    ) -> Answer:
        """Return the answer to ``question``: the top passages quoted and cited, how sure that is,
        or why there are none.

        A ``claim`` (``/check``) is answered alike, its quotes preferring the sentence that gives
        the kind of figure it states (``answering.answer.claim_kind``).

        Filters written in the question (``vol:4``, ``in:Monitor`` …) are applied on top of
        ``filters``. The passages shown come from different briefs unless one brief clearly
        answers better (``ranking.diversify``). ``earlier`` reads ``question`` as a follow-up of
        those questions (oldest first), and the answer's ``read_as`` names the latest of them.
        ``shown`` is how many of the ``top`` passages the caller shows (the chat asks one more,
        to know of more): a question asking whether gets the figures none of those gives
        (``numbers_missing``). This is a read-only operation.

        Raises:
            InvalidQueryError: if the question (or an earlier one) is too long or a filter is
                malformed.
        """
        primed = not (offset or filters or claim)
        ranking = self._take_primed(question, top, earlier) if primed else None
        if ranking is None:
            # A claim is checked against every brief: "last week" in it is not a filter. Its
            # "280 thousand" is searched as the briefs write it, "280,000".
            ranking = self.rank(
                spell_thousands(question) if claim else question,
                k=top,
                offset=offset,
                filters=filters,
                diverse=True,
                earlier=earlier,
                spans=not claim,
            )
        read_with = list(earlier)[-MAX_CONTEXT_TURNS:]
        read_as = read_with[-1] if read_with else None
        if ranking.reason is not None:
            answer = empty_answer(question, ranking.reason)
            if ranking.filtered_out:
                answer.message = FILTERED_OUT.format(filters=ranking.filtered_out)
            elif ranking.filtered:
                answer.message = NOT_FOUND_FILTERED.format(filters=ranking.filtered)
            elif ranking.reason is NoAnswer.NO_MATCH and in_another_script(question):
                answer.message = ANOTHER_SCRIPT
            elif ranking.dates is not None and ranking.newest is not None:
                answer.message = NOTHING_DATED.format(newest=ranking.newest, **vars(ranking.dates))
            answer.dates = ranking.dates
            answer.terms = ranking.known
            answer.read_as, answer.read_with = read_as, read_with
            return answer
        rows = {pid: ranking.rows[pid] for pid, _ in ranking.passages if pid in ranking.rows}
        rows.update(
            self.store.passages_by_id([pid for pid, _ in ranking.passages if pid not in rows])
        )
        kind = claim_kind(question) if claim else None
        hits = [
            build_hit(
                offset + n,
                score,
                rows[pid],
                ranking.weights,
                question=question,
                kind=kind,
                own=ranking.known,
            )
            # Numbered as shown: a passage gone since the index was read (a restore under a
            # running bot) leaves no gap ("2. …" first).
            for n, (pid, score) in enumerate(
                [(pid, score) for pid, score in ranking.passages if pid in rows], start=1
            )
        ]
        if claim:
            hits = self._opposed(question, hits, ranking.weights, kind)
        answer = Answer(
            question=question,
            hits=hits,
            terms=ranking.known,
            offset=offset,
            confidence=ranking.confidence if hits else "none",
            read_as=read_as,
            read_with=read_with,
            unmatched=written_as(question, ranking.unknown),
            only_earlier=ranking.only_earlier,
            respelled=[(r.typed, r.meant) for r in ranking.respelled],
            whether=asks_whether(question),
            dates=ranking.dates,
            dates_applied=ranking.dates_applied,
            cited=ranking.cited,
            apart=ranking.apart,
            newest_first=ranking.newest_first,
            elsewhere=ranking.elsewhere,
        )
        if answer.whether and answer.found and not claim:
            # "did US$5 million vanish when the mining chief fled?": say that no passage gives
            # it, and what they give (``/check``'s comparison of its numbers).
            cites = self.index().labels.get(PUBLICATION, [])
            answer.numbers_missing, answer.dates_missing = figures_not_given(
                question, hits[:shown], self.aliases, publications=cites
            )
        if not read_with and not claim and answer.found:
            # "when did he take office?" with nothing asked before: "he" is no one, and the
            # answer says so above its passages. Its confidence stays: its other words may
            # still find the passage (SQuAD's "when did he first mention wireless
            # communication?" about Tesla: as low, answerable questions low 3.00 -> 6.94%).
            answer.points_nowhere = points_nowhere(question)
        if answer.found and not claim and not offset and answer.dates is None:
            # "how much did tengiz produce in 1999?" answered from a brief of July 1998: it can
            # only have said what was expected. The answer says so above its passages, and is
            # not sure unless the question asks what was planned or expected then ("what was
            # the opposition planning for May 1999?"), which such a brief answers.
            said = parse_question(question)[0]
            asked = asked_time(said)
            date = hits[0].citation.date or ""
            if asked is not None and date and date[:7] < asked[0] and not _counts(said, asked[1]):
                answer.dated_before = asked[1]
                if not looks_ahead(said):
                    answer.confidence = "low"
        return answer

    def briefs(self, publication: str, volume: int, issue: int) -> list[dict[str, Any]]:
        """Return the whole briefs of one issue, cleaned (footer and sign-off removed).

        Raises:
            BriefNotFoundError: naming what the archive holds instead.
        """
        return self.store.find_briefs(publication, volume, issue)

    def stats(self) -> dict[str, Any]:
        """Return counts per publication and the size of the index."""
        data = self.store.stats()
        index = self.index()
        data["index"] = index.describe()
        return data

    def close(self) -> None:
        """Close the store."""
        self.store.close()


def _reuse(kept: OrderedDict[int, list[str]], pid: int, tokens: dict[int, list[str]]) -> bool:
    """Return whether passage ``pid``'s tokens are kept; if so, put them in ``tokens`` and
    mark them used last."""
    found = kept.get(pid)
    if found is None:
        return False
    with suppress(KeyError):  # another thread made room in between: used all the same
        kept.move_to_end(pid)
    tokens[pid] = found
    return True


def _keep(kept: OrderedDict[int, list[str]], pid: int, found: list[str]) -> list[str]:
    """Return ``found``, kept as passage ``pid``'s tokens; when ``TOKENS_KEPT`` are kept, the
    passage used least recently goes."""
    if pid not in kept and len(kept) >= TOKENS_KEPT:
        with suppress(KeyError):  # another thread took the last one out first
            kept.popitem(last=False)
    kept[pid] = found
    return found


def _newest_first(
    index: BM25Index, positions: IntArray, terms: Sequence[str], matches: Sequence[Match]
) -> IntArray:
    """Return the order in which to show ranked ``positions`` for a question that asks for the
    latest: those that hold, in its words or an alias's (``matches``), every word of substance
    of ``terms`` the first one holds (the subject), newest brief first, ties in rank order;
    then the others in rank order. With no such word, or fewer than two dates among those
    passages, the rank order.
    """
    ranked = np.arange(len(positions))
    holds: list[BoolArray] = []
    for term in dict.fromkeys(terms):
        if term in NOT_SUBSTANCE:  # framing, and the words asking for the newest
            continue
        holding = _holding(index, positions, term)
        for match in matches:
            if term in match.trigger:
                for target in match.targets:
                    holding |= np.logical_and.reduce(
                        [_holding(index, positions, t) for t in target]
                    )
        holds.append(holding)
    # The first passage that holds a word of the question says what the subject is (the first
    # of all may be there for its brief's words alone).
    firsts = [int(np.argmax(h)) for h in holds if h.any()]
    if not firsts:
        return ranked
    lead = min(firsts)
    on_subject = np.logical_and.reduce([h for h in holds if h[lead]])
    pool = ranked[on_subject]
    days = np.asarray([_day(d) for d in index.columns["date"][positions[pool]]], dtype=np.int64)
    if len(np.unique(days[days > 0])) < 2:
        return ranked  # no dates to put in order (a collection without them)
    newest = pool[np.lexsort((pool, -days))]
    return np.concatenate([newest, ranked[~on_subject]])


ADJECTIVE_ENDINGS = ("n", "an", "ian", "i", "ese")
"""Endings that make a place's adjective of its name ("Siberia" → "Siberian", "Iran" →
"Iranian", "Kuwait" → "Kuwaiti", "Taiwan" → "Taiwanese")."""


_MODAL_MONTH_RE = re.compile(r"\b(?:may|march)\b(?=\s+[a-z])")
"""A month's name that is a word too, written in lower case before another word: "what may
happen next?", "the march in minsk" (not "what about may?", "in march 1999", "May 1")."""


def _names_time(words: str) -> bool:
    """Return whether a question's words name a month or a year of their own ("what about
    september?", "and in 1999?"), not "may" or "march" as the words they also are."""
    terms = search_terms(_MODAL_MONTH_RE.sub(" ", words))
    return any(t in CALENDAR or is_year(t) for t in terms) or bool(extract_dates(words))


MIN_BARE_FIGURE = 100
"""A number of a question without a unit is a figure to look for from this size on."""
MAX_FIGURES_CHARS = 300
"""A question longer than this is no question whether a figure holds (a pasted text, a list):
its numbers are not compared with the passages (``figures_not_given``; 4,000 characters of
dates took 0.25 s). The longest question of the sample's sets has 177."""


def compare_with(claim: str, hits: Sequence[Hit], aliases: Aliases | None = None) -> ClaimCheck:
    """Return which of ``claim``'s numbers, dates and names the passages of ``hits`` hold
    (``answering.check.compare_claim``), each passage read with its brief's date (its text
    rarely repeats the year it was written in: "… (July 20, 1998)") and its brief's title. A
    date typed in digits is compared as the date it is (``spell_digit_dates``: "12.06.1999" was
    neither a date nor a number, and said nothing). Read-only."""
    return compare_claim(
        spell_digit_dates(claim, drop_unclear=True),
        [f"{h.text} ({format_date(h.citation.date)})" if h.citation.date else h.text for h in hits],
        aliases=aliases,
        dated=[(h.text, h.citation.date) for h in hits],
        titles=[h.citation.title for h in hits],
    )


def _counts(words: str, year: str) -> bool:
    """Return whether ``year``, the time ``asked_time`` reads in ``words``, is a count written
    with its unit ("were 2000 troops sent?", "1999 tonnes"): no time to ask about ("The first
    brief is dated October 1998, before 2000, which you ask about")."""
    return year.isdigit() and any(
        q.unit and q.text.startswith(year) for q in extract_quantities(words)
    )


def _uncited(question: str, publications: Sequence[str]) -> str:
    """Return the words of ``question`` without a citation of the brief to read: "Issue 142,
    July 23, 1998" (``cited_filters``) or a publication's name with its number ("Monitor 142",
    "prism 4/11": ``cited_publication``), whose numbers are no figure or date it asks about, nor
    a season of a year ("fall 98 ruble" said "No passage here gives 1998 ruble")."""
    words = without_seasons(cited_filters(parse_question(question)[0])[0])
    by_number = cited_publication(words, publications)
    return words if by_number is None else by_number[0]


def figures_not_given(
    question: str,
    hits: Sequence[Hit],
    aliases: Aliases | None = None,
    *,
    publications: Sequence[str] = (),
) -> tuple[list[tuple[str, list[str]]], list[tuple[str, list[str]]]]:
    """Return the figures and the dates of ``question`` that none of ``hits`` gives, as written,
    each with what the hits give of the same kind, from one ``/check`` comparison
    (``answering.check.compare_claim``: a passage about what the number is about, its brief's
    title and date counting; a figure they give more precisely is given).

    A figure is an amount with its unit or a count of ``MIN_BARE_FIGURE`` or more, not a year or
    a date ("did US$5 million vanish …?": "US$5 million", ["US$4 million"]). A date is a day
    ("april 3") or a month of a year ("june 1999", ["July 28, 1999", …]), with the year its
    brief gives it: a month alone ("in may?") or a year alone is no date to hold a passage to.
    Nothing is compared in a question of more than ``MAX_FIGURES_CHARS`` characters, and a
    citation of the brief to read ("Issue 142"; "Monitor 142" when ``publications`` names
    Monitor) is neither: "was Monitor 142 about corruption?" said "No passage here gives 142".
    """
    words = _uncited(question, publications)
    if len(words) > MAX_FIGURES_CHARS:
        return [], []
    if not any(c.isdigit() for c in words) and not extract_quantities(words):
        return [], []
    check = compare_with(words, hits, aliases)
    # A figure: an amount with its unit, or a count of a hundred or more ("300 to 39"); not a
    # bare small number, which may be a year typed short ("growth 98"), a day or a rank.
    numbers = [
        (m.claim.text, [q.text for q in m.evidence_gives])
        for m in check.numbers_missing
        if m.claim.unit or (m.claim.value >= MIN_BARE_FIGURE and not is_year_written(m.claim))
    ]
    if not check.dates_missing:
        return numbers, []
    # ``/check`` holds a date to the passages about its clause; a question's answer names only
    # what no passage shown gives at all ("… first tranche in July 1998?": the IMF brief of July
    # 20, 1998 gives it, though another passage holds more of the question's words).
    given = [d for h in hits for d in extract_dates(h.text, h.citation.date)]
    dates = [
        (m.claim.text, [d.with_year() for d in m.evidence_gives])
        for m in check.dates_missing
        if (m.claim.day is not None or m.claim.years) and not any(m.claim.matches(d) for d in given)
    ]
    return numbers, dates


def numbers_not_given(
    question: str, hits: Sequence[Hit], aliases: Aliases | None = None
) -> list[tuple[str, list[str]]]:
    """Return the figures of ``question`` that none of ``hits`` gives (``figures_not_given``)."""
    return figures_not_given(question, hits, aliases)[0]


def _latest_first(window: list[int], dates: Any, positions: IntArray) -> list[int]:
    """Return ``window`` (candidate numbers) with the candidate of the latest-dated brief first
    (the first of those if several; as it is when no brief has a date)."""
    if dates is None:
        return window
    dated = [(date_text(dates[positions[i]]), n) for n, i in enumerate(window)]
    latest = max((d, -n) for d, n in dated)
    at = -latest[1]
    if not latest[0] or at == 0:
        return window
    return [window[at], *window[:at], *window[at + 1 :]]


_NUMERAL_RE = re.compile(r"[\d.,]+")
"""A search term that is a number ("1999", "79.8")."""


def readable_earlier(earlier: Sequence[str]) -> list[str]:
    """Return those of ``earlier`` (questions, oldest first) a follow-up may be read with: an
    earlier question that names nothing ("what's new?", "thanks?", one in another script) gives
    nothing to read it with, and what follows it is read alone (``Archive.reading``)."""
    return [q for q in earlier if _names_something(q)]


def _names_something(question: str) -> bool:
    """Return whether ``question`` names something a follow-up may be read with: a word of
    substance, a filter, or a span of time ("what happened last week?", then "and in
    georgia?": the span carries over as filters do); not "what's new?", nor a question in
    another script, which the English briefs cannot match (``ask`` said so)."""
    try:
        words, inline = parse_question(question)
    except InvalidQueryError:
        return True  # malformed: ``ask`` says so
    if not inline.is_empty():
        return True
    if in_another_script(words):
        return False
    undated = without_dates(words)
    if undated != " ".join(words.split()):
        return True
    return any(t not in NOT_SUBSTANCE for t in search_terms(undated))


def _held_as_adjective(index: BM25Index, term: str) -> bool:
    """Return whether ``index`` holds ``term`` (a place's name, four letters or more) only as its
    adjective: "siberia" of a brief on the "Trans-Siberian" is not a word no brief holds."""
    return (
        len(term) >= 4
        and term.isalpha()
        and any(index.vocab.get(term + ending) is not None for ending in ADJECTIVE_ENDINGS)
    )


def _holding(index: BM25Index, positions: IntArray, term: str) -> BoolArray:
    """Return which of ``positions`` hold ``term`` in their text or their brief's title."""
    return np.isin(positions, index.term_postings(term)[0]) | np.isin(
        positions, index.title_postings(term)[0]
    )


def _utc_today() -> dt.date:
    """Return today's date in UTC."""
    return dt.datetime.now(dt.UTC).date()


def _live_positions(index: BM25Index) -> IntArray:
    """Return the positions of ``index`` that hold a live passage, ascending."""
    if index.live is not None:
        return np.flatnonzero(index.live)
    return np.arange(index.n_positions, dtype=np.int64)


def _day(date: bytes | str) -> int:
    """Return a brief's date ("1998-07-20", as the index keeps it) as 19980720; 0 for none."""
    text = date_text(date)
    digits = text[:4] + text[5:7] + text[8:10]
    return int(digits) if len(digits) == 8 and digits.isdigit() else 0


def _inflected(terms: list[str], index: BM25Index) -> list[str]:
    """Return ``terms`` with each that no passage holds replaced by the term of another form of
    its verb that passages hold, the one most hold ("flee" by "fled";
    ``retrieval.text.inflections``)."""
    held = set(index.known_terms(terms))
    out = list(terms)
    for n, term in enumerate(terms):
        if term in held:
            continue
        forms = index.known_terms(list(other_forms(term)))
        if forms:
            out[n] = max(forms, key=lambda t: _df(index, t))
    return out


def _df(index: BM25Index, term: str) -> int:
    """Return how many passages of ``index`` hold ``term`` (0 for a term none holds)."""
    tid = index.vocab.get(term)
    return int(index.df[tid]) if tid is not None else 0


def _term_lookups(
    index: BM25Index,
) -> tuple[Callable[[str], float], Callable[[str], bool]]:
    """Return a term's idf in ``index`` (that of a term never seen for one it lacks) and whether
    ``index`` holds it."""
    unseen = unseen_idf(index)
    seen: dict[str, float] = {}  # per question: each term's idf looked up once

    def idf(t: str) -> float:
        value = seen.get(t)
        if value is None:
            value = seen[t] = index.term_idf(t) if index.vocab.get(t) is not None else unseen
        return value

    def known(t: str) -> bool:
        return index.vocab.get(t) is not None

    return idf, known


def context_terms(
    earlier: Sequence[str],
    own: Sequence[str],
    idf: Callable[[str], float],
    known: Callable[[str], bool],
) -> list[str]:
    """Return the words of the earlier questions (their text without filters, oldest first) that
    a follow-up is read with: their most informative ``MAX_CONTEXT_TERMS`` distinct search terms
    the follow-up (terms ``own``) does not already hold, framing words left out."""
    seen = set(own)
    found: list[str] = []
    for words in reversed(earlier):
        for t in search_terms(words):
            if t not in seen and t not in FRAMING:
                seen.add(t)
                found.append(t)
    return informative(found, idf, MAX_CONTEXT_TERMS, known)
