"""Typing slips: a word the archive lacks is read as its word one slip away, and the answer says
so; a word spelled right, a short word or one a neighbour is unlikely for is left as typed."""

from __future__ import annotations

import zlib

import numpy as np

from bot.help import help_text
from retrieval.answering.spelling import (
    MAX_LETTERS,
    UNLIKELY,
    distance,
    edits,
    likely,
    respell,
    split_closed,
)
from retrieval.archive import Archive
from retrieval.text import english
from retrieval.text.analyzer import analyze
from retrieval.text.english import is_english, is_rare, name_phrases, name_terms, writes_names


def test_edits_are_the_words_one_slip_away_weighted_by_how_people_slip() -> None:
    found = edits("replced")
    assert "replced" not in found
    assert found["replaced"] == 1.0  # a letter left out
    assert found["repled"] == 1.0  # a letter added
    assert found["repcled"] == 1.0  # two letters swapped
    assert found["replied"] == UNLIKELY  # c for i: far apart, not vowels
    assert found["replxed"] == 1.0  # x beside c
    assert len(found) == len(set(found))


def test_likely_slips_are_keys_beside_and_vowels_for_vowels() -> None:
    assert likely("s", "a") == likely("e", "i") == 1.0
    assert likely("p", "a") == UNLIKELY


def test_english_words_are_told_from_slips() -> None:
    assert is_english("drone") and is_english("really") and is_english("pipeline")
    assert not is_english("pipline") and not is_english("recieved")


def test_every_word_of_the_list_is_english() -> None:
    words = english._words()
    assert len(words) > 100_000
    hashes = english._hashes()
    assert len(hashes) == len(words) and bool((hashes[1:] >= hashes[:-1]).all())
    # Every word's CRC-32 is in the sorted table (all 128,000 at once: ``is_english`` word by
    # word took ~7 CPU-s, a tenth of the suite) ...
    crcs = np.fromiter(map(zlib.crc32, words), dtype=np.int64, count=len(words))
    assert bool(np.isin(crcs, hashes.astype(np.int64)).all())
    # ... and ``is_english`` finds the words: those at both ends of the table, and every 32nd.
    order = np.argsort(crcs, kind="stable")
    ends = [words[int(order[0])], words[int(order[-1])]]
    assert all(is_english(w.decode()) for w in [*ends, *words[::32]])


def test_respell_reads_a_lacking_word_as_the_most_used_neighbour() -> None:
    df = {"pipelin": 7, "corrupt": 3}.get
    found = respell("Caspian Pipline korruptoin", {"piplin", "korruptoin"}, lambda t: df(t, 0))
    assert [(r.typed, r.meant, r.meant_term) for r in found.values()] == [
        ("Pipline", "pipeline", "pipelin"),
    ]  # "korruptoin" is two slips from "corruption": left as typed


def test_a_slip_finds_what_the_word_spelled_right_finds(fixture_archive: Archive) -> None:
    right = fixture_archive.ask("how many corruption cases is the security council reviewing?")
    slip = fixture_archive.ask("how many corruptoin cases is the security council reviewing?")
    assert slip.respelled == [("corruptoin", "corruption")]
    assert [h.passage_id for h in slip.hits] == [h.passage_id for h in right.hits]
    assert slip.confidence == right.confidence == "high"
    assert slip.unmatched == []
    assert slip.read_line == "Read “corruptoin” as “corruption”."
    assert slip.to_json()["respelled"] == [{"typed": "corruptoin", "read_as": "corruption"}]
    assert right.read_line is None and right.to_json()["respelled"] == []


def test_a_slip_is_named_as_the_archive_writes_the_word(sample_archive: Archive) -> None:
    # The neighbour one edit away is not always a word ("kyapazs", "ukrainal"): the answer names
    # the word as a brief writes it.
    assert sample_archive.ask("what about kyapas").respelled == [("kyapas", "Kyapaz")]
    assert sample_archive.ask("who runs the ukrainan central bank").respelled == [
        ("ukrainan", "Ukraine")
    ]
    # An English word one edit away is named as it is.
    assert sample_archive.ask("when was the pipline opened").respelled == [("pipline", "pipeline")]


def test_a_name_written_in_another_transliteration_is_read_as_the_briefs_write_it(
    sample_archive: Archive,
) -> None:
    # "Bajenov" (French) for the briefs' "Bazhenov": "Nothing in the archive matches" before.
    assert edits("bajenov")["bazhenov"] == 1.0
    answer = sample_archive.ask("who is bajenov")
    assert answer.respelled == [("bajenov", "Bazhenov")]
    assert "Bazhenov" in answer.hits[0].quote
    # As before, "i" for "y" (a vowel for a vowel); and French "tch" for "ch".
    assert sample_archive.ask("kasimov result").respelled == [("kasimov", "Kasymov")]
    assert sample_archive.ask("what did tchernomyrdin do").respelled[0][0] == "tchernomyrdin"


def test_a_name_is_read_as_a_name_the_archive_writes_not_as_a_word(
    sample_archive: Archive,
) -> None:
    # "Lebed", capitalized inside the question, was read as the Moldovan "leu": a name the
    # archive lacks is named as missing. A capitalized slip of a name it writes is still read.
    answer = sample_archive.ask("What did Lebed do as governor of Krasnoyarsk in 1998?")
    assert answer.respelled == []
    assert "Lebed" in (answer.caveat or "") and answer.confidence == "low"
    assert sample_archive.ask("who disputes the Kyapas field?").respelled == [("Kyapas", "Kyapaz")]


def test_a_word_spelled_right_that_the_archive_lacks_is_named_not_respelled(
    fixture_archive: Archive,
) -> None:
    # "drones" is one letter from "zones"/"drove"-like words an archive may hold; it is English.
    answer = fixture_archive.ask("Georgian border drones")
    assert answer.respelled == []
    assert "drones" not in analyze(" ".join(h.text for h in answer.hits))
    assert answer.to_json()["respelled"] == []


def test_short_words_are_left_as_typed(fixture_archive: Archive) -> None:
    assert fixture_archive.ask("Caspian oil tarif").respelled == [("tarif", "tariff")]
    answer = fixture_archive.ask("Turkmen gsa exports")  # "gas": under five letters
    assert answer.respelled == []


def test_spelling_off_reads_every_word_as_typed(fixture_archive: Archive) -> None:
    plain = Archive(fixture_archive.store, spelling=False)
    answer = plain.ask("how many corruptoin cases is the security council reviewing?")
    assert answer.respelled == []
    assert answer.unmatched == ["corruptoin"]


def test_a_follow_up_with_a_slip_names_both_readings(fixture_archive: Archive) -> None:
    earlier = ["how many corruption cases is the security council reviewing?"]
    answer = fixture_archive.ask("and how many implicate securty officers?", earlier=earlier)
    assert answer.read_line is not None
    lines = answer.read_line.split("\n")
    assert lines[0].startswith("Read with your earlier question: ")
    assert lines[-1] == "Read “securty” as “security”."


def test_acronyms_are_left_as_typed_and_readings_are_named_by_english_words() -> None:
    df = {"condit": 4, "presid": 5}.get
    assert respell("CONIT", {"conit"}, lambda t: df(t, 0)) == {}
    # "presidant" comes first of the words one slip away whose term is "presid"; the answer
    # names the English one.
    [found] = respell("presidnt", {"presidnt"}, lambda t: df(t, 0)).values()
    assert (found.meant, found.meant_term) == ("president", "presid")


def test_help_says_slips_are_read_and_named() -> None:
    for text in (help_text(), help_text(terminal=True)):
        assert 'read as the briefs\' word one slip away ("pipline" as "pipeline")' in text


def test_name_terms_are_the_words_no_english_list_holds() -> None:
    # A name in any case, its possessive aside; English words, places and numbers are not.
    assert name_terms("who replaced Kazhegeldin's deputy in georgia in 1998?") == ["kazhegeldin"]
    assert name_terms("did aliev sign it?") == ["aliev"]
    assert name_terms("how many signed up?") == []


def test_rare_words_are_most_names_the_list_holds() -> None:
    # The English list holds "putin" and "japan" (from subtitles) but counts them rarely.
    assert all(is_english(w) and is_rare(w) for w in ("putin", "japan", "france", "obama"))
    assert not any(is_rare(w) for w in ("convoy", "peg", "gallon", "capacity", "vow"))
    assert is_rare("kazhegeldin")  # not in the list at all


def test_a_question_writes_names_when_it_capitalizes_inside_a_sentence() -> None:
    assert writes_names("who did Lukashenko arrest?")
    assert not writes_names("What did putin say? I wonder.")  # sentence starts and "I"
    assert not writes_names("what did putin say about chechnya")


def test_name_phrases_are_runs_of_capitals_and_words_that_may_be_names() -> None:
    # Capitalized inside a sentence: names by their case; a possessive ends a run.
    assert name_phrases("How did Kazakhstan's Central Bank respond?") == [
        ("Kazakhstan", True),
        ("Central Bank", True),
    ]
    # "Bank of Ukraine" is two names (stopwords are not words of a name); a rare word opening a
    # sentence is a name, a common one ("Did") is not.
    assert name_phrases("Did the National Bank of Ukraine act?") == [
        ("National Bank", True),
        ("Ukraine", True),
    ]
    assert name_phrases("Georgia and Russia signed what?") == [("Georgia", True), ("Russia", True)]
    # Chat in lower case: an acronym is still a name; a rare word may be one, for the archive to
    # tell ("chechnya", but also "aeroelastic").
    assert name_phrases("what did the EU say about chechnya") == [("EU", True), ("chechnya", False)]
    assert name_phrases("models of aeroelastic wings") == [("aeroelastic", False)]
    # A text in capitals writes no name by its case; single letters are no names.
    assert all(not by_case for _, by_case in name_phrases("REJECTION OF U.S. AID BY SIHANOUK"))
    assert name_phrases("what did putin say?") == [("putin", False)]
    assert name_phrases("how many signed up?") == []


def test_a_word_far_from_every_form_the_briefs_write_is_not_read_as_a_slip(
    sample_archive: Archive,
) -> None:
    # "lebed" is one slip from "leued", whose stem is the "leu" the briefs write: three letters
    # from the word typed, no slip. The answer names the word the archive lacks.
    answer = sample_archive.ask("what did lebed say about chechnya")
    assert answer.respelled == []
    assert answer.unmatched == ["lebed"]
    assert distance("lebed", "leu") == 3 and distance("kazhegeldn", "kazhegeldin") == 1
    # A slip of a form the briefs write is still read as it.
    assert sample_archive.ask("tengis oil output").respelled == [("tengis", "Tengiz")]


def test_a_word_typed_closed_is_read_as_the_two_words_the_briefs_write(
    sample_archive: Archive,
) -> None:
    # "anticorruption" is no word of the briefs ("anti-corruption" is two): it was left out,
    # and "how much did the kazakh anticorruption people say the state lost" quoted Drozdy.
    answer = sample_archive.ask("kazakh anticorruption drive")
    assert answer.respelled == [("anticorruption", "anti-corruption")]
    assert "anti-corruption" in answer.hits[0].text.lower()
    assert answer.unmatched == []
    # An English word, or one whose parts the briefs do not both hold, is left as typed.
    assert sample_archive.ask("what did lebed say").respelled == []


def test_a_word_longer_than_max_letters_is_never_read_as_another() -> None:
    # "a" typed 4,000 times, one message, took 11 s: the words one edit from a word grow with
    # its length squared, and each was analysed.
    word = "pneumonoultramicroscopicsilicovolcanoconiosis"
    [term] = analyze(word)
    slip = word[:10] + word[11:]  # a letter left out
    assert len(slip) > MAX_LETTERS and not is_english(slip)
    assert respell(slip, set(analyze(slip)), lambda t: 5 if t == term else 0) == {}
    assert split_closed(slip + slip, set(analyze(slip + slip)), lambda t: 5) == {}
    # A long word within the limit is read as ever.
    word = "internationalization"
    [term] = analyze(word)
    slip = "internatonalization"
    found = respell(slip, set(analyze(slip)), lambda t: 5 if t == term else 0)
    assert [r.meant for r in found.values()] == [word]
