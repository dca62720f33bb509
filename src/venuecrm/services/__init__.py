"""Business rules: plain functions taking a UnitOfWork; they raise VenueCrmError."""
