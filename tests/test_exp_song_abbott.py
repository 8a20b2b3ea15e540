"""song-abbott: expectations from closed forms, independent simulations and published numbers."""



def test_song_abbott_published_split(quick_run):
    h = quick_run("song-abbott")[1].headline
    assert h["frac_low_additive"] >= 0.15 and h["frac_high_additive"] >= 0.15
    assert h["frac_low_multiplicative"] < 0.01 and h["frac_high_multiplicative"] < 0.01
