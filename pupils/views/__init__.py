"""Pupil pages, one module per area (``pupils/urls.py`` routes to each):

- ``roll``: the pupil list (with export), the profile, edits, leavers;
- ``groups``: teaching groups and set moves;
- ``imports``: CSV/XLSX and CTF imports (upload → preview → commit or cancel);
- ``history``: the audit trail of a pupil or a teaching group.

Every view is scoped through ``Pupil.objects.visible_to`` / ``TeachingGroup.objects.visible_to``: a teacher
sees the pupils of their own groups, SENCOs, leaders and admins the whole school, a SIP no pupil at all.
FSM and pupil-premium status follows the access layer's one rule (``schoolpl.access.sees_fsm``).
"""
