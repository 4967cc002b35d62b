"""Alembic migrations, shipped inside the package so an installed workbench can upgrade."""
