"""Session media: finding a document's recording, its files/ URL, the stop playback is in,
seeks per stop, and the coding panel's player following the coder (no browser)."""

from __future__ import annotations

import wave
from collections.abc import Iterator
from pathlib import Path

import pytest

import workbench as wb
from workbench import CodingController, MediaError, Project, create_project
from workbench.media import (
    PlaybackState,
    RecallStop,
    SessionMedia,
    files_url,
    format_position,
    recall_stops_of,
    recording_for,
    server_root,
    session_media,
)
from workbench.model import Code, Codebook, Theme
from workbench.views.coding_panel import CodingPanel
from workbench.views.session_player import SessionPlayer, check_src

TRANSCRIPT = """---
dyad: D01
session: 3
perspective: client
speakers:
  R: {{name: Researcher, role: interviewer}}
  C: {{name: Client, role: participant}}
{attributes}---
R: Stop the video whenever you like.

[00:00:05]
R: What was happening here?
C: I felt tense.

[00:00:20]
R: And here?
C: I relaxed a bit. Then I laughed.

[00:00:40]
C: This is where I wanted to leave.
"""

CODEBOOK = Codebook(
    name="media test",
    themes=(Theme("t", "Theme"),),
    codes=(Code("anxiety", "Anxiety", "t", "worry", "#1f77b4"),),
)


def write_wav(path: Path, seconds: float = 2.0) -> Path:
    """A short silent 8 kHz mono WAV."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with wave.open(str(path), "wb") as out:
        out.setnchannels(1)
        out.setsampwidth(1)
        out.setframerate(8000)
        out.writeframes(b"\x80" * int(8000 * seconds))
    return path


def make_project(tmp_path: Path, attributes: dict[str, str] | None = None,
                 name: str = "D01_S3_client.ipr.txt", folder: str = "transcripts"
                 ) -> tuple[Project, Path]:
    """A project (in ``tmp_path/.db``, outside what is served) with one IPR transcript
    imported from ``tmp_path/folder/name``; returns the project and the transcript path."""
    lines = "".join(f"  {k}: {v}\n" for k, v in (attributes or {}).items())
    block = f"attributes:\n{lines}" if lines else ""
    source = tmp_path / folder / name
    source.parent.mkdir(parents=True, exist_ok=True)
    source.write_text(TRANSCRIPT.format(attributes=block), encoding="utf-8")
    (tmp_path / ".db").mkdir(exist_ok=True)
    project = create_project(tmp_path / ".db" / "p.sqlite")
    project.import_transcripts([source], progress=False)
    project.load_codebook(CODEBOOK)
    project.add_coder("ana")
    return project, source


@pytest.fixture
def closing() -> Iterator[list[Project]]:
    opened: list[Project] = []
    yield opened
    for project in opened:
        project.close()


# -- where the recording is --------------------------------------------------------------
def test_sidecar_next_to_the_transcript(tmp_path: Path, closing: list[Project]) -> None:
    project, source = make_project(tmp_path)
    closing.append(project)
    assert recording_for(project, "D01_S3_client", root=tmp_path) is None
    wav = write_wav(source.parent / "D01_S3_client.wav")
    assert recording_for(project, "D01_S3_client", root=tmp_path) == wav.resolve()


def test_sidecar_in_recordings_folder_and_audio_first(tmp_path: Path,
                                                       closing: list[Project]) -> None:
    project, source = make_project(tmp_path)
    closing.append(project)
    write_wav(source.parent / "recordings" / "D01_S3_client.mp4")
    found = recording_for(project, "D01_S3_client", root=tmp_path)
    assert found is not None and found.parent.name == "recordings"
    media = session_media(project, "D01_S3_client", root=tmp_path)
    assert media is not None and media.kind == "video"
    # a sidecar in the transcript's own folder comes first
    wav = write_wav(source.parent / "D01_S3_client.wav")
    assert recording_for(project, "D01_S3_client", root=tmp_path) == wav.resolve()


def test_recording_attribute_relative_to_the_transcript(tmp_path: Path,
                                                         closing: list[Project]) -> None:
    project, source = make_project(tmp_path, {"recording": "../media/session 3.wav"})
    closing.append(project)
    with pytest.raises(MediaError, match="does not exist"):
        recording_for(project, "D01_S3_client", root=tmp_path)
    wav = write_wav(tmp_path / "media" / "session 3.wav")
    write_wav(source.parent / "D01_S3_client.wav")  # the attribute wins over a sidecar
    assert recording_for(project, "D01_S3_client", root=tmp_path) == wav.resolve()
    media = session_media(project, "D01_S3_client", root=tmp_path)
    assert media is not None
    assert media.src == "files/media/session%203.wav"
    assert media.kind == "audio"


@pytest.mark.parametrize("url", ["https://example.org/s3.mp4", "http://10.0.0.2/a.wav",
                                 "ftp://host/a.wav", "//host/share/a.wav",
                                 "HTTPS://EXAMPLE.ORG/A.WAV"])
def test_remote_recording_refused(tmp_path: Path, closing: list[Project], url: str) -> None:
    project, _source = make_project(tmp_path, {"recording": f"'{url}'"})
    closing.append(project)
    with pytest.raises(MediaError, match="local paths only"):
        recording_for(project, "D01_S3_client", root=tmp_path)


def test_recording_outside_the_server_root_refused(tmp_path: Path,
                                                   closing: list[Project]) -> None:
    outside = write_wav(tmp_path / "elsewhere" / "s3.wav")
    project, _source = make_project(tmp_path, {"recording": str(outside)})
    closing.append(project)
    served = tmp_path / "transcripts"
    with pytest.raises(MediaError, match="outside the Jupyter server root") as caught:
        recording_for(project, "D01_S3_client", root=served)
    assert "JUPYTER_SERVER_ROOT" in str(caught.value)
    assert recording_for(project, "D01_S3_client", root=tmp_path) == outside.resolve()


def test_server_root_from_argument_env_or_cwd(tmp_path: Path,
                                              monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("JUPYTER_SERVER_ROOT", raising=False)
    assert server_root() == tmp_path.resolve()
    (tmp_path / "lab").mkdir()
    monkeypatch.setenv("JUPYTER_SERVER_ROOT", str(tmp_path / "lab"))
    assert server_root() == (tmp_path / "lab").resolve()
    assert server_root(tmp_path / "x") == (tmp_path / "x").resolve()


def test_files_url_mapping(tmp_path: Path) -> None:
    wav = write_wav(tmp_path / "a b" / "sé#1.wav")
    assert files_url(wav, tmp_path) == "files/a%20b/s%C3%A9%231.wav"
    hidden = write_wav(tmp_path / ".cache" / "x.wav")
    with pytest.raises(MediaError, match="hidden folder"):
        files_url(hidden, tmp_path)
    with pytest.raises(MediaError, match="outside"):
        files_url(tmp_path / ".." / "y.wav", tmp_path)


# -- stops and playback state ------------------------------------------------------------
def test_recall_stops_and_stop_at_position(tmp_path: Path, closing: list[Project]) -> None:
    project, source = make_project(tmp_path)
    closing.append(project)
    write_wav(source.parent / "D01_S3_client.wav")
    media = session_media(project, "D01_S3_client", root=tmp_path)
    assert media is not None
    assert [(s.number, s.seconds) for s in media.stops] == [(1, 5.0), (2, 20.0), (3, 40.0)]
    state = PlaybackState(media)
    assert state.stop_at(4.99) is None
    assert [state.stop_at(t).number for t in (5.0, 19.9, 20.0, 39.0, 40.0, 3000.0)] \
        == [1, 1, 2, 2, 3, 3]  # type: ignore[union-attr]
    assert [state.seek_target(s) for s in state.stops] == [5.0, 20.0, 40.0]
    state.report(21.5)
    assert state.label == "playing stop 2 (00:20)"
    state.report(1.0)
    assert state.label == "at 00:01, before the first recall stop"
    with pytest.raises(MediaError):
        state.report(float("nan"))
    with pytest.raises(MediaError, match="no recall stop 9"):
        state.stop(9)


def test_stops_sorted_by_time_for_the_position() -> None:
    stops = recall_stops_of([(0, None, None), (1, 0, 300.0), (2, 0, 300.0), (3, 1, 60.0),
                             (4, 2, 200.0)])
    assert [(s.number, s.seconds, s.turn_index) for s in stops] == \
        [(1, 300.0, 1), (2, 60.0, 3), (3, 200.0, 4)]
    media = SessionMedia("d", Path("x.wav"), "files/x.wav", "audio", stops,
                         ((1, 1), (2, 1), (3, 2), (4, 3)))
    state = PlaybackState(media)
    assert state.stop_at(100.0) == RecallStop(2, 60.0, 3)
    assert state.stop_at(250.0) == RecallStop(3, 200.0, 4)
    assert state.stop_at(3600.0 + 5) == RecallStop(1, 300.0, 1)
    assert format_position(3725.0) == "1:02:05"


def test_follow_seeks_only_when_the_stop_changes() -> None:
    stops = recall_stops_of([(1, 0, 5.0), (2, 1, 20.0)])
    media = SessionMedia("d", Path("x.wav"), "files/x.wav", "audio", stops,
                         ((1, 1), (2, 2), (3, 2)))
    state = PlaybackState(media)
    assert state.on_segment(0) is False and state.seek_serial == 0  # before the first stop
    assert state.on_segment(1) is True and (state.seek_to, state.seek_serial) == (5.0, 1)
    assert state.on_segment(1) is False and state.seek_serial == 1
    assert state.on_segment(2) is True and (state.seek_to, state.seek_serial) == (20.0, 2)
    assert state.on_segment(3) is False  # the same stop: no seek while listening
    state.follow = False
    assert state.on_segment(1) is False and state.seek_to == 20.0
    assert state.play is False
    state.seek(stops[0], play=True)
    assert (state.seek_to, state.seek_serial, state.play) == (5.0, 3, True)


# -- controller, panel and widget -------------------------------------------------------
def _move_to_turn(controller: CodingController, turn_index: int) -> None:
    while controller.segment is not None and controller.segment.turn_index < turn_index:
        controller.next()


def test_controller_listen_and_follow(tmp_path: Path, closing: list[Project]) -> None:
    project, source = make_project(tmp_path)
    closing.append(project)
    controller = CodingController(project, "ana", "D01_S3_client")
    controller.media_root = tmp_path
    assert controller.media() is None
    with pytest.raises(MediaError, match="no session recording"):
        controller.listen()
    controller.perform(controller.handle_key, "l")
    assert controller.last_error is not None and "no session recording" in \
        controller.last_error.message

    write_wav(source.parent / "D01_S3_client.wav")
    controller2 = CodingController(project, "ana", "D01_S3_client")
    controller2.media_root = tmp_path
    state = controller2.sync_media()
    assert state is not None
    with pytest.raises(MediaError, match="before the first recall stop"):
        controller2.listen()  # segment #0 is the turn before [00:00:05]
    _move_to_turn(controller2, 3)  # R: And here? (stop 2)
    assert controller2.media_stop() == RecallStop(2, 20.0, 3)
    assert controller2.handle_key("l") is True
    assert (state.seek_to, state.play) == (20.0, True)
    assert controller2.message == "listening from stop 2 (00:20)"
    assert controller2.report_media_position(41.0) == RecallStop(3, 40.0, 5)


def test_panel_player_follows_moves(tmp_path: Path, closing: list[Project],
                                    monkeypatch: pytest.MonkeyPatch) -> None:
    project, source = make_project(tmp_path)
    closing.append(project)
    monkeypatch.setenv("JUPYTER_SERVER_ROOT", str(tmp_path))
    controller = CodingController(project, "ana", "D01_S3_client")
    panel = CodingPanel(controller)
    assert panel.player.layout.display == "none"  # no recording yet
    assert panel.player.src == ""

    write_wav(source.parent / "D01_S3_client.wav")
    controller = CodingController(project, "ana", "D01_S3_client")
    panel = CodingPanel(controller)
    player = panel.player
    assert player.layout.display != "none"
    assert player.src == "files/transcripts/D01_S3_client.wav"
    assert player.seek_serial == 0  # segment #0 lies before the first stop
    serials = []
    player.observe(lambda c: serials.append(c["new"]), names="seek_serial")
    panel.press("ArrowRight")  # R: What was happening here? -> stop 1
    assert (player.seek_to, player.play) == (5.0, False)
    panel.press("ArrowRight")  # C: I felt tense. (same stop: no seek)
    assert len(serials) == 1
    panel.press("ArrowRight")  # R: And here? -> stop 2
    assert player.seek_to == 20.0 and len(serials) == 2
    panel.press("l")
    assert (player.seek_to, player.play) == (20.0, True) and len(serials) == 3
    player.position = 27.0  # as the browser reports it
    assert player.label == "playing stop 2 (00:20)"
    player.position = 45.0
    assert player.label == "playing stop 3 (00:40)"
    player.follow = False  # the box cleared in the browser
    assert controller.media() is not None and controller.media().follow is False  # type: ignore[union-attr]
    panel.press("ArrowRight")
    panel.press("ArrowRight")  # into stop 3: no seek now
    assert len(serials) == 3
    assert panel.controller.last_error is None


def test_panel_shows_why_a_recording_cannot_play(tmp_path: Path, closing: list[Project],
                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    project, _source = make_project(tmp_path, {"recording": "'https://cloud.example/s3.mp4'"})
    closing.append(project)
    monkeypatch.setenv("JUPYTER_SERVER_ROOT", str(tmp_path))
    panel = CodingPanel(CodingController(project, "ana", "D01_S3_client"))
    assert panel.player.layout.display != "none"
    assert "local paths only" in panel.player.problem
    assert panel.player.src == ""
    panel.press("ArrowRight")  # coding goes on
    assert panel.controller.segment is not None and panel.controller.segment.index == 1


@pytest.mark.parametrize("src", ["https://example.org/a.wav", "http://127.0.0.1/files/a.wav",
                                 "/files/a.wav", "files/../secret.wav", "files/a.wav?x=1",
                                 "javascript:alert(1)", "files/C:\\a.wav"])
def test_player_never_holds_an_absolute_or_remote_url(src: str) -> None:
    player = SessionPlayer()
    with pytest.raises(MediaError, match="relative 'files/"):
        player.src = src
    assert player.src == ""
    with pytest.raises(MediaError):
        check_src(src)
    player.src = "files/rec/a%20b.wav"
    assert player.src == "files/rec/a%20b.wav"


def test_exported() -> None:
    assert wb.SessionPlayer is SessionPlayer
    assert wb.recording_for is recording_for
    assert issubclass(wb.MediaError, wb.WorkbenchError)


def test_document_source_and_lookup_on_both_backends(tmp_path: Path, empty_project: Project
                                                     ) -> None:
    source = tmp_path / "t" / "D01_S3_client.ipr.txt"
    source.parent.mkdir()
    source.write_text(TRANSCRIPT.format(attributes=""), encoding="utf-8")
    empty_project.import_transcripts([source], progress=False)
    assert Path(empty_project.document_source("D01_S3_client")) == source
    with pytest.raises(wb.NotFoundError, match="no document"):
        empty_project.document_source("D01_S3_clien")
    wav = write_wav(source.parent / "recordings" / "D01_S3_client.m4a")
    media = session_media(empty_project, "D01_S3_client", root=tmp_path)
    assert media is not None and media.path == wav.resolve()
    assert media.src == "files/t/recordings/D01_S3_client.m4a"
    assert [s.seconds for s in media.stops] == [5.0, 20.0, 40.0]


def test_recording_column_of_the_attribute_sheet(tmp_path: Path, closing: list[Project]) -> None:
    vtt = tmp_path / "captions" / "interview.vtt"
    vtt.parent.mkdir()
    vtt.write_text("WEBVTT\n\n00:00:01.000 --> 00:00:03.000\n<v Ann>I was nervous.\n\n"
                   "00:00:12.000 --> 00:00:14.000\n<v Ann>Then calmer.\n", encoding="utf-8")
    sheet = tmp_path / "attributes.csv"
    sheet.write_text("file,dyad,session,perspective,recording\n"
                     "interview.vtt,D02,1,client,../media/interview.mp3\n", encoding="utf-8")
    (tmp_path / ".db").mkdir()
    project = create_project(tmp_path / ".db" / "p.sqlite")
    closing.append(project)
    project.import_transcripts([vtt], attributes=wb.read_attribute_sheet(sheet),
                               progress=False)
    document = project.documents()[0]
    with pytest.raises(MediaError, match="does not exist"):
        recording_for(project, document, root=tmp_path)
    mp3 = write_wav(tmp_path / "media" / "interview.mp3")  # the bytes do not matter here
    assert recording_for(project, document, root=tmp_path) == mp3.resolve()


def test_panel_hides_the_player_for_a_document_without_recording(
        tmp_path: Path, closing: list[Project], monkeypatch: pytest.MonkeyPatch) -> None:
    project, source = make_project(tmp_path)
    closing.append(project)
    other = source.parent / "D02_S1_client.ipr.txt"
    other.write_text(TRANSCRIPT.format(attributes="").replace("dyad: D01", "dyad: D02")
                     .replace("session: 3", "session: 1"), encoding="utf-8")
    project.import_transcripts([other], progress=False)
    write_wav(source.parent / "D01_S3_client.wav")
    monkeypatch.setenv("JUPYTER_SERVER_ROOT", str(tmp_path))
    panel = CodingPanel(CodingController(project, "ana", "D01_S3_client"))
    assert panel.player.layout.display != "none" and panel.player.src.endswith(".wav")
    panel.document_dropdown.value = "D02_S1_client"
    assert panel.controller.document == "D02_S1_client"
    assert panel.player.layout.display == "none" and panel.player.src == ""
    panel.document_dropdown.value = "D01_S3_client"
    assert panel.player.src == "files/transcripts/D01_S3_client.wav"
