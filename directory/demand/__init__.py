"""Where groups are needed: anonymous daily counts of searches by coarse area, topic and outcome."""
