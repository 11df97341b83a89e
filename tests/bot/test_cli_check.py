"""briefbot check: the command-line twin of /check (same evidence, same comparison)."""

from __future__ import annotations

import json
from collections.abc import Callable

from click.testing import Result

Run = Callable[..., Result]

LONG_CLAIM = (
    "Maskhadov survived a car bomb in Grozny on July 23, and one of his bodyguards was killed. "
    "The IMF cut the first tranche of Russia's loan to US$4.8 billion because the Duma refused "
    "the tax measures. Lukashenko set a July 20 deadline for Chigir. "
)


def test_check_leads_with_the_claims_subject_and_reports_the_number(loaded_sample: Run) -> None:
    result = loaded_sample("check", "--json", "Bazhenov took US$5 million")
    assert result.exit_code == 0
    data = json.loads(result.stdout)
    assert set(data) >= {"claim", "found", "confidence", "hits", "numbers_found"}
    assert data["claim"] == "Bazhenov took US$5 million"
    assert "Bazhenov" in data["hits"][0]["text"]
    assert data["numbers_missing"][0]["number"] == "US$5 million"
    assert "US$4 million" in data["numbers_missing"][0]["evidence_gives"]
    assert data["names_found"] == ["Bazhenov"]


def test_check_names_the_date_the_passages_give(loaded_sample: Run) -> None:
    result = loaded_sample("check", "--json", "kazhegeldin resigned in november 1997")
    assert result.exit_code == 0
    data = json.loads(result.stdout)
    assert data["dates_found"] == []
    [missing] = data["dates_missing"]
    assert missing["date"] == "november 1997"
    assert missing["evidence_gives"][0] == "October 10"
    # The year is the date's, not a number of its own.
    assert data["numbers_found"] == data["numbers_missing"] == []


def test_check_text_is_what_the_bot_shows(loaded_sample: Run) -> None:
    result = loaded_sample("check", "Bazhenov took US$5 million")
    assert result.exit_code == 0
    assert result.stdout.startswith("1. “")
    assert "Numbers — not in them: US$5 million (they give US$4 million" in result.stdout
    assert "This shows what the passages say, not whether the claim holds." in result.stdout


def test_a_true_claim_in_other_words_raises_no_false_alarm(loaded_sample: Run) -> None:
    result = loaded_sample("check", "--json", "Six car bombs exploded in Tashkent in February 1999")
    data = json.loads(result.stdout)
    assert data["numbers_missing"] == [], data


def test_a_4000_character_claim_is_checked_sentence_by_sentence(loaded_sample: Run) -> None:
    claim = (LONG_CLAIM * 20)[:4000]
    result = loaded_sample("check", "--json", claim)
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert len(data["sentences"]) >= 3
    first = data["sentences"][0]
    assert "Maskhadov" in first["claim"]
    assert "Grozny" in first["hits"][0]["citation"]
    assert first["names_found"]
    assert data["found"]


def test_a_claim_over_4096_characters_gets_one_line(loaded_sample: Run) -> None:
    result = loaded_sample("check", LONG_CLAIM * 30)
    assert result.exit_code == 1
    assert "the limit is 4,096 (one Telegram message)" in result.stderr
    as_json = loaded_sample("check", "--json", LONG_CLAIM * 30)
    assert as_json.exit_code == 1
    assert json.loads(as_json.stdout)["confidence"] == "none"


def test_check_of_nothing_the_archive_holds(loaded_sample: Run) -> None:
    result = loaded_sample("check", "--json", "xylophone quokka")
    data = json.loads(result.stdout)
    assert not data["found"]
    assert data["confidence"] == "none"
    assert data["message"]


def test_a_claim_with_a_typing_slip_is_checked_as_read(loaded_sample: Run) -> None:
    claim = "US$4 million went missing when the mining cheif Bazhenov fled"
    data = json.loads(loaded_sample("check", "--json", claim).stdout)
    assert data["respelled"] == [{"typed": "cheif", "read_as": "chief"}]
    assert "Bazhenov" in data["hits"][0]["text"]
    assert "US$4 million" in data["numbers_found"]
    text = loaded_sample("check", claim).stdout
    assert text.startswith("Read “cheif” as “chief”.\n\n1. “")


def test_a_long_claim_names_its_slips_once_above_the_sentences(loaded_sample: Run) -> None:
    claim = LONG_CLAIM.replace("bodyguards", "bodyguadrs").replace("tranche", "trancge")
    data = json.loads(loaded_sample("check", "--json", claim).stdout)
    assert data["respelled"] == [
        {"typed": "bodyguadrs", "read_as": "bodyguards"},
        {"typed": "trancge", "read_as": "tranche"},
    ]
    assert all(part["respelled"] == [] for part in data["sentences"])
    text = loaded_sample("check", claim).stdout
    assert text.startswith("Read “bodyguadrs” as “bodyguards” and “trancge” as “tranche”.\n\n[1]")


def test_the_evidence_quotes_the_sentence_with_the_kind_of_figure_claimed(
    loaded_sample: Run,
) -> None:
    # The brief names the pipeline in one sentence and gives its length in the next.
    data = json.loads(
        loaded_sample("check", "--json", "the Baku-Supsa pipeline is 900 km long").stdout
    )
    assert "830-kilometer" in data["hits"][0]["quote"]
    assert data["numbers_missing"][0]["number"] == "900 km"


def test_check_exits_1_when_nothing_bears_on_the_claim(loaded_sample: Run) -> None:
    # README: exit status 1 when nothing could be checked (it exited 0).
    result = loaded_sample("check", "zorblax quentin frobnicated the widgets")
    assert result.exit_code == 1
    assert "Nothing in the archive bears on this." in result.stdout
    result = loaded_sample("check", "--json", "zorblax quentin frobnicated the widgets")
    assert result.exit_code == 1
    assert json.loads(result.stdout)["found"] is False
