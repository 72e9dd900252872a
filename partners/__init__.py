"""Partners: the city's structure (municipality, wards, departments) and the partner directory."""
