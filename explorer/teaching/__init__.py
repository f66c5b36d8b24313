"""Teaching content: scenarios (presets), lessons (claims, experiments, sources), labels (display words)."""
