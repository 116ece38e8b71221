"""hotline: call-center voice analytics and live agent assist for telecom hotlines."""

__version__ = "0.1.0"
