"""Table input read once for all: filing items and requests, negative-list editions, case records."""
