"""Public verification of certificates (issue 5 item 5; R2.3, R3.1, X7)."""
