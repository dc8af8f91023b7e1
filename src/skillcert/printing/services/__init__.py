"""Printing use cases, one module per area: printers (calibration), jobs (print, reprint, steel seal),
render (the PDF of a print job, run as a job)."""
