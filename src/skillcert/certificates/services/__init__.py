"""Certificate register use cases: issue, reissue, correct, revoke (one module each)."""
