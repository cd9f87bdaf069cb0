"""Site-wide pages (home, privacy, health) and the pieces every template uses."""
