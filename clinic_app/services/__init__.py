"""The services: what the app can do, over the database, with no Qt.

``commands`` change records, each through the one envelope (``envelope``: permission,
unit of work, audit row, Changes); ``queries`` read frozen, paged data for screens and
documents and never import commands; ``planning`` keeps course plans current;
``exports`` make files for other systems; ``library`` reads the clinic's rule files.
"""
