"""What reporting tells the apps above it, without knowing them (layers point down).

Each is sent inside the transaction that changes the report's state, so a receiver's writes
stand or fall with the change.
"""

from django.dispatch import Signal

# A national or stakeholder report was validated by the Secretariat: `report`, `user`.
report_validated = Signal()
# A validated report was reopened (it is no longer validated): `report`, `user`.
report_unvalidated = Signal()
# A national or stakeholder report was submitted (or resubmitted): `report`, `user` (None for
# a stakeholder without an account). Its answers are now fixed until it is reopened or returned.
report_submitted = Signal()
