"""Who may open intervention impact across the trust (figures only): the roles that read the school's impact."""

from __future__ import annotations

from tests.access import page

EXPECTATIONS = {
    "interventions:impact_trust": page({"senco", "leader", "sip", "admin"}),
}
