"""Electronic certificates: issuer keys, SM2/SM3 signing (R2.1, R2.3, X2; issue 5)."""
