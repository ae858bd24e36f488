"""The case register: records, import with validation, verification status, monthly scan."""
