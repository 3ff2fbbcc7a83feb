"""dangjian (党建): an open, unified party-member information system."""
