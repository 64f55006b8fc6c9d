"""The library (keyset pages, search, filters) and public share links."""

from __future__ import annotations

import datetime as dt
import struct

import pytest
from django.test import Client
from django.utils import timezone

from himig.studio import services
from himig.studio.models import Track


@pytest.fixture
def many(user, track_factory) -> list[Track]:
    # Five share one timestamp, so the id tie-break of the keyset is exercised too.
    base = timezone.now()
    tracks = []
    for i in range(25):
        when = base - dt.timedelta(minutes=0 if i < 5 else i)
        tracks.append(track_factory(user, with_files=False, title=f"Track {i}", created_at=when))
    return sorted(tracks, key=lambda t: (t.created_at, t.pk), reverse=True)


def test_keyset_pages_walk_every_track_once_newest_first(user, many: list[Track]) -> None:
    seen: list[Track] = []
    cursor = None
    while True:
        page, cursor = services.list_tracks(user, cursor=cursor, limit=7)
        seen += page
        if cursor is None:
            break
    assert [t.pk for t in seen] == [t.pk for t in many]


def test_new_tracks_do_not_shift_later_pages(user, many: list[Track], track_factory) -> None:
    first, cursor = services.list_tracks(user, limit=10)
    track_factory(user, with_files=False, title="Brand new")
    second, _ = services.list_tracks(user, cursor=cursor, limit=10)
    assert [t.pk for t in second] == [t.pk for t in many[10:20]]


def test_a_forged_cursor_is_refused_with_a_message(user) -> None:
    with pytest.raises(services.ChangeRejected) as caught:
        services.list_tracks(user, cursor="not-a-cursor")
    assert caught.value.field == "cursor"


def test_filters_and_search(user, track_factory) -> None:
    track_factory(user, with_files=False, title="Rainy jazz", genre="Jazz", mood="Calm", is_favorite=True)
    track_factory(user, with_files=False, title="Gym", prompt="loud workout anthem", genre="Electronic", mood="Energetic")
    track_factory(user, with_files=False, title="Sleepy", genre="Ambient", mood="Calm")
    titles = lambda **kw: sorted(t.title for t in services.list_tracks(user, **kw)[0])  # noqa: E731
    assert titles(genre="jazz") == ["Rainy jazz"]
    assert titles(mood="Calm") == ["Rainy jazz", "Sleepy"]
    assert titles(favorite=True) == ["Rainy jazz"]
    assert titles(q="workout") == ["Gym"]
    assert titles(q="rainy JAZZ") == ["Rainy jazz"]


def test_the_library_page_lists_only_my_tracks_with_players(
    alice_client: Client, user, user_factory, track_factory
) -> None:
    mine = track_factory(user, title="Mine")
    track_factory(user_factory("bob@example.com"), title="Bobs secret")
    html = alice_client.get("/library/").content.decode()
    assert "Mine" in html and "Bobs secret" not in html
    assert "data-player" in html and f"/tracks/{mine.pk}/files/mp3" in html
    assert "data-favorite-form" in html and f"/tracks/{mine.pk}/files/stems?download=1" in html
    assert "112 BPM (asked: auto, measured 111.8)" in html and "G major (asked: auto, measured G major)" in html
    assert f"/tracks/{mine.pk}/regenerate" in html and "Variation" in html


def test_the_library_page_paginates_with_an_older_link(alice_client: Client, many: list[Track]) -> None:
    html = alice_client.get("/library/").content.decode()
    assert html.count("data-track-card") == 20 and 'rel="next"' in html
    next_url = html.split('rel="next"')[0].rsplit('href="', 1)[1].split('"')[0].replace("&amp;", "&")
    older = alice_client.get("/library/" + next_url).content.decode()
    assert older.count("data-track-card") == 5 and 'rel="next"' not in older


def test_the_library_page_filters(alice_client: Client, user, track_factory) -> None:
    track_factory(user, title="Rainy jazz", genre="Jazz")
    track_factory(user, title="Sleepy", genre="Ambient")
    html = alice_client.get("/library/?genre=Jazz").content.decode()
    assert "Rainy jazz" in html and "Sleepy" not in html
    assert "No tracks match" in alice_client.get("/library/?q=nothing-like-this").content.decode()
    assert "error" in alice_client.get("/library/?cursor=garbage").content.decode()


def test_an_empty_library_invites_a_first_track(client: Client) -> None:
    assert "Make your first track" in client.get("/library/").content.decode()


# --- sharing ------------------------------------------------------------------------


def share(client: Client, track: Track, on: bool) -> Track:
    client.post(f"/tracks/{track.pk}/share", {"is_public": "1" if on else "0"})
    track.refresh_from_db()
    return track


def test_sharing_gives_an_unguessable_link_with_card_tags(alice_client: Client, user, track_factory) -> None:
    track = share(alice_client, track_factory(user), True)
    assert track.is_public and len(track.share_slug) >= 20
    page = Client().get(f"/t/{track.share_slug}")
    assert page.status_code == 200
    html = page.content.decode()
    for tag in ('property="og:title"', 'property="og:audio"', 'property="og:image"', 'name="twitter:card"',
                'property="og:description"', 'content="summary_large_image"'):
        assert tag in html, tag
    assert f"http://testserver/t/{track.share_slug}/files/mp3" in html
    for target in ("twitter.com/intent/tweet", "facebook.com/sharer", "reddit.com/submit", "wa.me/", "data-copy=",
                   "data-native-share"):
        assert target in html, target
    owner_page = alice_client.get(f"/tracks/{track.pk}/").content.decode()
    assert f"/t/{track.share_slug}" in owner_page


def test_making_it_private_kills_the_link(alice_client: Client, user, track_factory) -> None:
    track = share(alice_client, track_factory(user), True)
    old = track.share_slug
    track = share(alice_client, track, False)
    assert track.share_slug is None
    assert Client().get(f"/t/{old}").status_code == 404
    assert Client().get(f"/t/{old}/files/mp3").status_code == 404
    track = share(alice_client, track, True)
    assert track.share_slug != old and Client().get(f"/t/{old}").status_code == 404


def test_listeners_get_the_mp3_and_peaks_but_not_the_rest(alice_client: Client, user, track_factory) -> None:
    track = share(alice_client, track_factory(user), True)
    listener = Client()
    assert listener.get(f"/t/{track.share_slug}/files/mp3", HTTP_RANGE="bytes=0-9").status_code == 206
    assert listener.get(f"/t/{track.share_slug}/files/peaks").status_code == 200
    for kind in ("flac", "stems", "midi", "wav"):
        assert listener.get(f"/t/{track.share_slug}/files/{kind}").status_code == 404
    assert listener.get(f"/tracks/{track.pk}/").status_code == 404


def test_plays_on_the_share_page_are_counted(alice_client: Client, user, track_factory) -> None:
    track = share(alice_client, track_factory(user), True)
    assert Client().post(f"/t/{track.share_slug}/play").status_code == 204
    track.refresh_from_db()
    assert track.play_count == 1


def test_the_share_card_is_a_png_of_the_waveform(alice_client: Client, user, track_factory) -> None:
    track = share(alice_client, track_factory(user), True)
    response = Client().get(f"/t/{track.share_slug}/card.png")
    assert response.status_code == 200 and response["Content-Type"] == "image/png"
    data = response.content
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    assert struct.unpack(">II", data[16:24]) == (1200, 630)


def test_unknown_slugs_are_404(client: Client) -> None:
    assert client.get("/t/nope").status_code == 404
    assert client.get("/t/" + "x" * 40).status_code == 404


def test_repeated_play_pings_count_once(alice_client: Client, user, track_factory) -> None:
    track = share(alice_client, track_factory(user), True)
    for _ in range(5):
        Client().post(f"/t/{track.share_slug}/play")
    track.refresh_from_db()
    assert track.play_count == 1
