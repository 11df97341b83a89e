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
