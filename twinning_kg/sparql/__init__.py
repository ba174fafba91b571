"""SPARQL for the public endpoint: check queries, run them where they can be killed, results."""
