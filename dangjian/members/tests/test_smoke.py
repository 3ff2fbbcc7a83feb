from dangjian.reports.selectors import overview


def test_overview_counts_county(county):
    """The county overview counts grassroots organizations and members on the roster."""
    result = overview(county.county)
    assert (result.grassroots, result.committees, result.branches) == (5, 2, 3)
    assert (result.members, result.men, result.women) == (6, 5, 1)
    assert "占83.3%" in result.sentence
