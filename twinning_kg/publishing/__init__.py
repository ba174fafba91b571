"""Open-data publishing: dumps, the DCAT-AP catalogue and the VoID description.

``twinning-kg build`` writes them (:mod:`twinning_kg.publishing.build`); the server serves what it
wrote (``twinning_kg.web.publishing``). Nothing here imports Flask or click.
"""
