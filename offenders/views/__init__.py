"""Page views for people: the case list, the person page and its forms, and
cohort selection. Thin: they call selectors and services."""
