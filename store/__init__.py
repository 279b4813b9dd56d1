"""The database: typed models, engine/session factory, idempotent upserts and queries."""
