"""The communes within a radius: the latitude/longitude box only skips communes that are out of
reach, so the answer is the same as measuring the distance to every commune."""
from hypothesis import given, settings
from hypothesis import strategies as st

from marketplace.territory import haversine_km
from search.reference import CommuneInfo, Reference

latitudes = st.floats(min_value=-85, max_value=85, allow_nan=False)
longitudes = st.floats(min_value=-180, max_value=180, allow_nan=False)


def commune(index: int, latitude: float, longitude: float) -> CommuneInfo:
    return CommuneInfo(f"{index:05d}", f"Commune {index}", f"commune-{index}", latitude, longitude, 100)


@settings(max_examples=300, deadline=None)
@given(origin=st.tuples(latitudes, longitudes),
       offsets=st.lists(st.tuples(st.floats(-3, 3), st.floats(-6, 6)), min_size=1, max_size=60),
       far=st.lists(st.tuples(latitudes, longitudes), max_size=10),
       radius_km=st.floats(min_value=0, max_value=400))
def test_communes_within_a_radius_are_those_at_that_distance_or_less(origin, offsets, far, radius_km):
    points = [origin] + [(max(-89.9, min(89.9, origin[0] + dlat)), (origin[1] + dlon + 180) % 360 - 180)
                         for dlat, dlon in offsets] + far
    ref = Reference(communes={c.insee: c for c in (commune(i, lat, lon) for i, (lat, lon) in enumerate(points))})
    start = ref.communes["00000"]
    expected = {c.insee: haversine_km(start.latitude, start.longitude, c.latitude, c.longitude)
                for c in ref.communes.values()}
    within = ref.communes_within("00000", radius_km)
    assert within == {code: km for code, km in expected.items() if km <= radius_km}
    assert ref.communes_within("00000", None) == expected


def test_the_box_reaches_across_the_antimeridian_and_the_pole():
    ref = Reference(communes={c.insee: c for c in (
        commune(0, 10.0, 179.95), commune(1, 10.0, -179.95), commune(2, 89.9, 0.0), commune(3, 89.9, 180.0))})
    assert set(ref.communes_within("00000", 15)) == {"00000", "00001"}
    assert set(ref.communes_within("00002", 30)) == {"00002", "00003"}
