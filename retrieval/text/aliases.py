"""The words people use for what the briefs name: aliases that widen a question's vocabulary.

A question says "premier", the brief "prime minister"; "Grozny" for Chechnya, "the Fund" for the
IMF, "quit" for "resigned". An alias file lists such groups, one per line::

    # comment
    prime minister | premier             <- a group: each name stands for the others
    Chechnya | Chechen | Chechens | Grozny
    Fund => IMF | International Monetary Fund   <- one way: "Fund" asks for the IMF, not back

Names are words or phrases; they are analyzed like every question (case, stemming, stopwords),
so ``resigned`` also covers "resign" and "resigns". A question that holds a name (a phrase: its
words in a row) is searched for the group's other names too, each of their words weighing
``ALIAS_WEIGHT`` of a word of the question itself, so the question's own words still lead.

A phrase that is one word and a particle ("step down", "take over", "turn down") would analyze
to the bare word ("step", "take", "turn") and fire at every step or turn: it fires only where
the question's own words hold the whole phrase ("when did he step down?", "stepped down"), and
it is never searched for (a passage's "step" is not a resignation).

The bundled file (``retrieval/data/aliases.txt``) covers the briefs' field: post-Soviet
politics, energy and security. A team adds its own with ``BRIEFBOT_ALIASES=PATH`` (read after
the bundled one, same format).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

from retrieval.errors import AliasFileError
from retrieval.text.analyzer import STOPWORDS, analyze

BUNDLED = Path(__file__).resolve().parent.parent / "data" / "aliases.txt"
MAX_LINE_NAMES = 50
MAX_NAME_CHARS = 200


@dataclass(frozen=True)
class Match:
    """A rule that fired: the question's terms that triggered it and the names it asks for."""

    trigger: tuple[str, ...]
    targets: tuple[tuple[str, ...], ...]
    particle: bool = False
    """The trigger is a word and a particle ("step down"): its word alone means nothing of it
    ("turn" of "turn down"), so a question's own term weighs as framing."""


@dataclass
class Aliases:
    """Alias rules keyed by the analyzed terms of the name that triggers them.

    ``rules`` maps a trigger (a tuple of terms, a phrase) to the term tuples it adds.
    """

    rules: dict[tuple[str, ...], set[tuple[str, ...]]] = field(default_factory=dict)
    sources: list[str] = field(default_factory=list)
    particles: dict[tuple[str, ...], set[tuple[str, ...]]] = field(default_factory=dict)
    """Rules whose trigger is a word and a particle, keyed by the phrase's words (the word's
    term, the particle as written: ``("step", "down")``); see ``phrase_words``."""
    _longest_of: tuple[tuple[int, int], int] | None = field(
        default=None, init=False, repr=False, compare=False
    )

    def __len__(self) -> int:
        return len(self.rules)

    def add_group(
        self, names: Sequence[tuple[str, ...]], targets: Sequence[tuple[str, ...]]
    ) -> None:
        """Add rules: each of ``names`` asks for every one of ``targets`` other than itself.

        A name of a word and a particle (``phrase_words`` gives it) fires only where a question
        writes it whole, and is not asked for: its one term would find every "step".
        """
        wanted_names = [t for t in targets if not _particle(t)]
        for name in names:
            words = _particle(name)
            if words is not None:
                wanted = self.particles.setdefault(words, set())
                wanted.update(t for t in wanted_names if t != name)
                continue
            wanted = self.rules.setdefault(name, set())
            wanted.update(t for t in wanted_names if t != name)

    def matches(self, terms: Sequence[str], words: str | None = None) -> list[Match]:
        """Return the rules that fire for a question with ``terms``: each trigger found (its
        terms standing in a row) with the names it asks for. A rule of a word and a particle
        ("step down") fires only when the question's ``words`` are given and hold it."""
        found: list[Match] = []
        if words and self.particles:
            # Only the phrases whose particle the question holds are looked for (most questions
            # say no "down" nor "over"), and only then are its words analysed one by one.
            lowered = set(re.findall(r"[^\W_]+", words.casefold()))
            present = [
                (phrase, wanted)
                for phrase, wanted in self.particles.items()
                if wanted and STOPWORDS.intersection(phrase) <= lowered
            ]
            written = phrase_words(words) if present else []
            for phrase, wanted in present:
                size = len(phrase)
                if any(
                    tuple(written[i : i + size]) == phrase for i in range(len(written) - size + 1)
                ):
                    trigger = tuple(t for t in phrase if t not in STOPWORDS)
                    found.append(Match(trigger, tuple(sorted(wanted)), particle=True))
        longest = self._longest()
        for size in range(1, longest + 1):
            for i in range(len(terms) - size + 1):
                trigger = tuple(terms[i : i + size])
                targets = self.rules.get(trigger)
                if targets and all(m.trigger != trigger for m in found):
                    found.append(Match(trigger, tuple(sorted(targets))))
        for term in dict.fromkeys(terms):
            # A year written short, as people type it: "in 98" is 1998, "'05" is 2005.
            if len(term) == 2 and term.isdigit():
                century = "19" if term >= "30" else "20"
                found.append(Match((term,), ((century + term,),)))
        return found

    def _longest(self) -> int:
        """Return the most terms a trigger has (worked out again only when the rules change:
        a pass over every rule at every question was 3% of an answer)."""
        key = (id(self.rules), len(self.rules))
        if self._longest_of is None or self._longest_of[0] != key:
            self._longest_of = (key, max((len(k) for k in self.rules), default=0))
        return self._longest_of[1]

    def added(self, terms: Sequence[str], matches: Sequence[Match] | None = None) -> list[str]:
        """Return the alias terms a question with ``terms`` asks for, without its own terms,
        each once, in a stable order."""
        own = set(terms)
        out: dict[str, None] = {}
        for match in self.matches(terms) if matches is None else matches:
            for target in match.targets:
                for term in target:
                    if term not in own:
                        out[term] = None
        return list(out)

    @staticmethod
    def held(term: str, held: set[str], matches: Sequence[Match]) -> bool:
        """Return whether ``held`` (a passage's terms) holds ``term`` in other words: all the
        terms of a name that a trigger holding ``term`` asks for."""
        return any(
            term in m.trigger and any(all(t in held for t in target) for target in m.targets)
            for m in matches
        )

    def equivalent(self, a: str, b: str) -> bool:
        """Return whether single terms ``a`` and ``b`` name the same thing in some group."""
        return (b,) in self.rules.get((a,), set()) or (a,) in self.rules.get((b,), set())


def phrase_words(text: str) -> list[str]:
    """Return the words of ``text`` as a phrase of a word and a particle is matched: each word's
    term, and a stopword as written, lower-cased ("stepped down" is ``["step", "down"]``)."""
    out = []
    for raw in re.findall(r"[^\W_]+", text.casefold()):
        terms = analyze(raw)
        out.append(terms[0] if terms else raw)
    return out


def _particle(name: tuple[str, ...]) -> tuple[str, ...] | None:
    """Return the phrase words of ``name`` if it is a word and a particle ("step down", kept as
    the one string ``"step down"``: a term never holds a space), else None."""
    return tuple(name[0].split(" ")) if len(name) == 1 and " " in name[0] else None


def _names(text: str, source: str, line: int) -> list[tuple[str, ...]]:
    """Return the analyzed names of one side of a rule.

    Raises:
        AliasFileError: naming the file and line when a name is empty or too long.
    """
    parts = [p.strip() for p in text.split("|")]
    if len(parts) > MAX_LINE_NAMES:
        raise AliasFileError(
            f"{source}, line {line}: {len(parts)} names in one group; the limit is "
            f"{MAX_LINE_NAMES}. Split the group over several lines."
        )
    names = []
    for part in parts:
        if not part:
            raise AliasFileError(
                f"{source}, line {line}: an empty name (two '|' in a row, or one at an end); "
                "write names separated by ' | ', e.g. 'prime minister | premier'"
            )
        if len(part) > MAX_NAME_CHARS:
            raise AliasFileError(
                f"{source}, line {line}: a name of {len(part)} characters; the limit is "
                f"{MAX_NAME_CHARS}"
            )
        terms = tuple(analyze(part))
        if not terms:
            raise AliasFileError(
                f"{source}, line {line}: {part!r} has no searchable word (only common words or "
                "punctuation); remove it or write the name itself"
            )
        if len(terms) == 1 and len(part.split()) > 1:
            written = tuple(phrase_words(part))
            if not STOPWORDS.isdisjoint(written):
                # "step down" is the term "step" and the particle "down": kept apart from "step".
                terms = (" ".join(written),)
        names.append(terms)
    return names


def parse_aliases(lines: Iterable[str], source: str, into: Aliases | None = None) -> Aliases:
    """Return the alias rules of ``lines`` (the alias file format), added to ``into`` if given.

    Raises:
        AliasFileError: naming ``source`` and the line of the first malformed rule.
    """
    aliases = into if into is not None else Aliases()
    for number, raw in enumerate(lines, start=1):
        line = raw.split("#", 1)[0].strip()
        if not line:
            continue
        if "=>" in line:
            left, _, right = line.partition("=>")
            if "=>" in right:
                raise AliasFileError(
                    f"{source}, line {number}: more than one '=>'; a one-way rule is "
                    "'NAME | NAME => NAME | NAME'"
                )
            aliases.add_group(_names(left, source, number), _names(right, source, number))
            continue
        names = _names(line, source, number)
        if len(names) < 2:
            raise AliasFileError(
                f"{source}, line {number}: {line!r} names only one thing; a group needs two or "
                "more names separated by ' | ' (or 'NAME => NAME' for one way)"
            )
        aliases.add_group(names, names)
    aliases.sources.append(source)
    return aliases


def load_aliases(extra: str | Path | None = None, *, bundled: bool = True) -> Aliases:
    """Return the bundled alias rules plus those of the file ``extra``, if given.

    Raises:
        AliasFileError: if ``extra`` cannot be read or has a malformed line (file and line named).
    """
    aliases = Aliases()
    if bundled:
        parsed = _bundled()
        aliases.rules = {trigger: set(targets) for trigger, targets in parsed.rules.items()}
        aliases.particles = {phrase: set(targets) for phrase, targets in parsed.particles.items()}
        aliases.sources = list(parsed.sources)
    if extra:
        path = Path(extra)
        try:
            with path.open(encoding="utf-8-sig") as fh:
                parse_aliases(fh, str(path), aliases)
        except (OSError, UnicodeDecodeError) as exc:
            reason = exc.strerror if isinstance(exc, OSError) and exc.strerror else str(exc)
            raise AliasFileError(
                f"alias file {str(path)!r} cannot be read ({reason}); check BRIEFBOT_ALIASES "
                "points at a UTF-8 text file"
            ) from None
    return aliases


@lru_cache(maxsize=1)
def _bundled() -> Aliases:
    """Return the bundled alias rules, read and analysed once a process (~2 ms, which every
    ``Archive`` opened paid again); ``load_aliases`` hands out copies."""
    with BUNDLED.open(encoding="utf-8") as fh:
        return parse_aliases(fh, str(BUNDLED.name))
