"""Assessment pages, one module per part of the app: the class grid and heat map (``grid``, with the cells
rendered by ``cell``), a pupil's spiky profile and assessment page (``pupil``), frameworks, criteria and scales
(``frameworks``), transitional results (``transitional``) and day-to-day objectives (``objectives``).
Thin views: access → form → service/selector → response."""
