"""Places: the gazetteer, turning what a visitor typed into a point and a time zone."""
