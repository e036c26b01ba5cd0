"""Reading input files: transcripts (several formats), codebooks and attribute sheets."""
