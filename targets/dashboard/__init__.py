"""Progress dashboards for senior leaders (and a teacher's, a SIP's and a trust's version of them).

* :mod:`.loader` is the selector, and the only module here that reads the database: a fixed handful of
  set-based queries whatever the number of pupils, into :class:`.frames.Frames`, with the school's
  expectations (:mod:`.policy`: expected progress from its target settings, its own age-related
  expectations).
* One module per panel — :mod:`.overview`, :mod:`.are`, :mod:`.levels`, :mod:`.gaps`, :mod:`.trends`,
  :mod:`.stuck`, :mod:`.drill` and :mod:`.trust` — each pure over those frames (no ORM), vectorised with
  numpy over whole columns (the rules are those of :mod:`assessment.analytics`; the tests check they
  agree). Each returns a :class:`.tables.Table` that the page renders and the export writes, so a figure on
  screen and in a download are the same number.
* :mod:`.views` and :mod:`.urls` serve them (under the "targets" namespace); :mod:`.bench` times them for
  ``make bench`` (run by ``targets.bench``).

Nothing is imported here, so that importing a pure panel never loads the ORM.
"""
