"""Wikidata linking: reconcile places with Wikidata items, enrich them, cross-check twinnings.

- :mod:`~twinning_kg.linking.wikidata` is the only module that opens sockets (SPARQLWrapper);
- :mod:`~twinning_kg.linking.values` binds values into the queries' ``VALUES`` blocks;
- :mod:`~twinning_kg.linking.places` reads what our data says (places, links, partnerships);
- :mod:`~twinning_kg.linking.matching` scores candidates (pure);
- :mod:`~twinning_kg.linking.reconcile`, :mod:`~twinning_kg.linking.enrichment` and
  :mod:`~twinning_kg.linking.crosscheck` are the three things ``twinning-kg link`` does;
- :mod:`~twinning_kg.linking.records` turns results into Turtle and writes files atomically.
- :mod:`~twinning_kg.linking.bootstrap` and :mod:`~twinning_kg.linking.bootstrap_files` start a
  new city's folder from its item's P190 statements (``twinning-kg bootstrap``).
"""
