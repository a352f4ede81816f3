"""onboard: client onboarding and delivery playbooks, kept in plain local files."""

__version__ = "0.1.0"
