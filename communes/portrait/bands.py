"""Size bands of communes, for comparing a commune with the communes of GBM of the same size."""

BANDS = [
    ("0-499", 0, 500, "moins de 500 habitants"),
    ("500-999", 500, 1000, "500 à 999 habitants"),
    ("1000-1999", 1000, 2000, "1 000 à 1 999 habitants"),
    ("2000-4999", 2000, 5000, "2 000 à 4 999 habitants"),
    ("5000-19999", 5000, 20000, "5 000 à 19 999 habitants"),
    ("20000+", 20000, None, "20 000 habitants et plus"),
]
LABELS = {key: label for key, _low, _high, label in BANDS}


def band_of(population: int) -> str:
    for key, low, high, _label in BANDS:
        if population >= low and (high is None or population < high):
            return key
    return BANDS[0][0]
