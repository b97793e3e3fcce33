"""HR exam administration: accounts and roles, exam profiles and sessions, rosters, access
codes, retakes and interrupted attempts, all recorded in a hash-chained audit log.

No UI here: the pages call the service functions of ``accounts``, ``exams``, ``roster``,
``codes``, ``exam_attempts``, ``interruptions`` and ``station_checks``; ``audit.verify_chain``
proves the log is whole. The rules are described in ``docs/assessments.md``.
"""

# Importing the package registers its tables on results.models.Base.metadata, so any
# code that uses an assessments module also sees the whole schema.
from assessments import models, station_checks

__all__ = ["models", "station_checks"]
