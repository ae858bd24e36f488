"""Every output: terminal diagnostics, JSON/JSONL, SARIF, review forms, notices, circulations, ledgers."""
