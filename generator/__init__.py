"""guideline-as-code: clinical guidelines as reviewed YAML, published with every claim traced to a DOI."""

__version__ = "0.1.0"
