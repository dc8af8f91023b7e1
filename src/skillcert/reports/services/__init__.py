"""Use cases of the reports app: build a report, submit it (frozen), track deadlines, dashboards."""
