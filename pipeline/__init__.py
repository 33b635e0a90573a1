"""frieval: evaluation analytics for the Danish free-municipality experiments.

Stages (each a subpackage or module, talking through tables and small typed results):
ingest -> dbt build (models/) -> effects -> report.
"""

__version__ = "0.1.0"
