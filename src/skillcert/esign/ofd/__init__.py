"""OFD (GB/T 33190) output with a GB/T 38540 electronic seal (issue 5; R2.1, R2.6).
Format: docs/formats/ofd.md. writer.py writes the package from an ecert_layout.Layout, font.py subsets
the embedded font, ses.py holds the SES ASN.1 structures, signing.py seals and checks packages."""
