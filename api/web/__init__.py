"""Litestar: the app factory, controllers and problem+json errors. All HTTP lives here."""
