"""What every feature stands on: engine, unit of work, models, migrations, SQL helpers."""
