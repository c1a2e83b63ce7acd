"""Interventions pages, one module per part of the app: programmes (``programmes``), provision with its pupils
and sessions (``provision``), impact and programme evaluation (``evaluation``), candidates (``candidates``), the
provision map (``provision_map``), classroom follow-up (``follow_ups``) and needs assessment (``needs``).
Thin views: access → form → service → response. Scoping lives in ``interventions.selectors``."""
