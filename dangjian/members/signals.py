"""Signals the member services send, inside their transaction, for apps above members.

Receivers run in the sender's transaction: what they write commits or rolls back with it.
For example, the certificates app revokes a member's activity certificate when the member
leaves the roster or changes to a status that suspends it.

- member_status_changed(member, before, after, actor): on-roster status change (正常→失联…)
- member_left(member, organization, how_removed, on, actor): taken off the roster
- member_moved(member, from_organization, to_organization, on, actor): moved within this
  deployment (the transfer workflow's receipt ends here too)
"""

from django.dispatch import Signal

member_status_changed = Signal()
member_left = Signal()
member_moved = Signal()
