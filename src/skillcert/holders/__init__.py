"""Holder self-service (issue 5 item 6; R2.3, R2.4, X7): identity check with an SMS code, the
e-certificate PDF, online reissue requests."""
