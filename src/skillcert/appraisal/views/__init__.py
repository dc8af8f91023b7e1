"""Back-office pages for appraisal: annual plans (R4.1), session plans, paper sets and draws (R4.4),
enrolment by ID-card reader, manual entry or roster (R0.3, R0.4, X6), scores, and the after-session
report with its forms (R4.5), one module per area; `urls.py` imports the modules.

Thin views (design.md rule 1): they parse input, call the services and show the services' bilingual
errors next to the form or field they name. Every object is fetched through `visible_to(user)` (X1), so
anything outside the user's scope answers 404; missing permissions answer 403. The helpers they share are
in `common`.
"""
