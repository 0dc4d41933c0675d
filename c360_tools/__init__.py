"""Tools beside the platform, for demos, tests and benchmarks: the labelled sample-export generator
(``generate``) and the identity evaluation against its truth (``evaluate``)."""
