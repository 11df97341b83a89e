from retrieval.text.sources import cited_sources


def test_inline_sources_are_found_as_written() -> None:
    text = (
        "The chief fled. (Itar-Tass, May 21) Rates rose (Panorama [Almaty], December 5), "
        "then fell. (Reuters, July 20; Interfax, July 21) (See the Monitor, August 18, 1998)"
    )
    assert cited_sources(text) == [
        "Itar-Tass, May 21",
        "Panorama [Almaty], December 5",
        "Reuters, July 20",
        "Interfax, July 21",
        "See the Monitor, August 18, 1998",
    ]


def test_a_parenthesis_without_a_date_is_no_source() -> None:
    text = (
        "The National Security Committee (KNB) owes (about US$870 million, in May) (Reuters, May 2)"
    )
    assert cited_sources(text) == ["Reuters, May 2"]
    assert cited_sources("(Interfax, May 2) and again (Interfax,  May 2)") == ["Interfax, May 2"]


def test_many_dated_sources_are_read_in_one_pass() -> None:
    # A parenthesis of many dated parts that does not end in a date was split into parts in
    # every way before the pattern gave up: 20 parts took half a second, 40 would take hours.
    parts = "; ".join(f"Interfax, May {day}" for day in range(1, 29))
    assert cited_sources(f"({parts}; and others)") == []
    assert cited_sources(f"({parts})") == [f"Interfax, May {day}" for day in range(1, 29)]
