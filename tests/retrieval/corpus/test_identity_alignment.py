"""A file read again: each brief keeps the identity of the stored brief it is (its position)."""

from __future__ import annotations

from retrieval.corpus.briefs import Brief
from retrieval.corpus.identity import StoredBrief, align_positions


def brief(title: str | None, text: str, issue: int = 9) -> Brief:
    return Brief(publication="Monitor", volume=4, issue=issue, text=text, title=title)


def stored(briefs: list[Brief]) -> list[StoredBrief]:
    """Return ``briefs`` as stored from a first read, at positions 0, 1, 2…"""
    return [StoredBrief(n, b.content_hash, b.legacy_key) for n, b in enumerate(briefs)]


def alpha() -> Brief:
    return brief("Alpha story", "Alpha body about oil pipelines in the Caspian region.")


def beta() -> Brief:
    return brief("Beta story", "Beta body about the vote share in Azerbaijan.")


def gamma() -> Brief:
    return brief("Gamma story", "Gamma body about the mining chief who fled with the money.")


def positions(briefs: list[Brief]) -> list[int | None]:
    return [b.position for b in briefs]


def test_a_brief_inserted_at_the_top_takes_a_new_place_and_the_others_keep_theirs() -> None:
    again = [gamma(), alpha(), beta()]
    align_positions(again, stored([alpha(), beta()]))
    assert positions(again) == [2, 0, 1]


def test_a_brief_removed_from_the_middle_leaves_the_others_where_they_were() -> None:
    again = [alpha(), gamma()]
    align_positions(again, stored([alpha(), beta(), gamma()]))
    assert positions(again) == [0, 2]


def test_a_corrected_body_under_the_same_title_keeps_its_place() -> None:
    corrected = brief("Beta story", "Beta body, corrected: the vote share was 76.1 percent.")
    again = [gamma(), alpha(), corrected]
    align_positions(again, stored([alpha(), beta()]))
    assert positions(again) == [2, 0, 1]


def test_a_corrected_first_sentence_without_a_title_keeps_its_place() -> None:
    old = [brief(None, "Oil flows west through the pipeline from Baku. More text."), alpha()]
    fixed = brief(None, "Oil flows east through the pipeline from Baku. More text.")
    new = brief(None, "Grain exports fell sharply in the spring of that year. Text.")
    again = [new, fixed, alpha()]  # a new untitled brief above the corrected one
    align_positions(again, stored(old))
    assert positions(again) == [2, 0, 1]  # the correction shares more words with the old one


def test_a_brief_of_another_issue_never_takes_a_stored_place() -> None:
    old = [brief(None, "Oil flows west through the pipeline from Baku.")]
    other = brief(None, "Oil flows west through the pipeline from Baku.", issue=10)
    align_positions([other], stored(old))
    assert positions([other]) == [1]


def test_the_same_brief_twice_in_a_file_gets_two_places() -> None:
    again = [alpha(), alpha(), beta()]
    align_positions(again, stored([alpha(), beta()]))
    assert positions(again) == [0, 2, 1]
    assert len(set(positions(again))) == 3


def test_a_first_read_numbers_the_briefs_in_file_order() -> None:
    again = [alpha(), beta(), gamma()]
    align_positions(again, [])
    assert positions(again) == [0, 1, 2]
